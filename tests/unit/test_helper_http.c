/* test_helper_http.c — the http helper against tests/fixtures/http_server.py
 * on 127.0.0.1. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_server.h"
#include "helpers/helpers.h"
#include "luatest.h"
#include "testing.h"

#define SERVER_SCRIPT "tests/fixtures/http_server.py"

static lua_State *L;
static struct fixture_server server;

static void get_returns_status_headers_and_body(void)
{
    CHECK_STR(luatest_eval(L, "local r = http.get(BASE .. '/ok'); "
                              "return r.status .. ' ' .. r.headers['content-type'] .. ' ' "
                              ".. tostring(json.decode(r.body).ok)"),
              "200 application/json true");
    CHECK_STR(luatest_eval(L, "return http.get(BASE .. '/ok').headers['x-test']"), "one, two");
}

static void post_sends_a_table_as_json(void)
{
    CHECK_STR(luatest_eval(L, "local r = http.post(BASE .. '/echo', {name = 'x', n = 1}); "
                              "local got = json.decode(r.body); "
                              "local sent = json.decode(got.body); "
                              "return got.method .. ' ' .. got.headers['content-type'] .. ' ' "
                              ".. sent.name .. ' ' .. math.type(sent.n)"),
              "POST application/json x integer");
    /* The server's own record of what it received agrees. */
    CHECK_STR(luatest_eval(L, "local all = json.decode(http.get(BASE .. '/requests').body); "
                              "local last = all[#all]; "
                              "return last.path .. ' ' .. json.encode(json.decode(last.body), "
                              "{sort_keys = true})"),
              "/echo {\"n\":1,\"name\":\"x\"}");
}

static void post_string_with_headers(void)
{
    CHECK_STR(luatest_eval(L, "local r = http.post(BASE .. '/echo', 'raw text', {headers = "
                              "{['Content-Type'] = 'text/plain', ['X-Token'] = 'abc'}}); "
                              "local got = json.decode(r.body); "
                              "return got.body .. '|' .. got.headers['content-type'] .. '|' "
                              ".. got.headers['x-token']"),
              "raw text|text/plain|abc");
}

static void request_uses_any_method(void)
{
    CHECK_STR(luatest_eval(L, "local r = http.request{method = 'PUT', url = BASE .. '/echo', "
                              "body = 'z'}; local got = json.decode(r.body); "
                              "return got.method .. ' ' .. got.body"),
              "PUT z");
    CHECK_STR(luatest_eval(L, "return json.decode(http.request{method = 'DELETE', "
                              "url = BASE .. '/echo'}.body).method"),
              "DELETE");
    CHECK_STR(luatest_eval(L, "return json.decode(http.request{url = BASE .. '/echo'}.body)"
                              ".method"),
              "GET");
}

static void http_500_is_a_response_not_an_error(void)
{
    CHECK_STR(luatest_eval(L, "local r = http.get(BASE .. '/status/500'); "
                              "return r.status .. ' ' .. r.body"),
              "500 {\"status\": 500}");
}

static void timeout_returns_nil_and_message(void)
{
    CHECK_STR(luatest_eval(L, "local t = os.time(); "
                              "local r, err = http.get(BASE .. '/slow', {timeout = 0.5}); "
                              "assert(r == nil and os.time() - t < 4, 'no timeout'); "
                              "return err:match('^http%.get: Operation timed out') ~= nil "
                              "and err:sub(-#BASE - 7) == '(' .. BASE .. '/slow)'"),
              "true");
}

static void refused_connection_returns_nil_and_message(void)
{
    char code[256];

    snprintf(code, sizeof code,
             "local r, err = http.get('http://127.0.0.1:%d/'); "
             "return tostring(r) .. ' ' .. err",
             fixture_unused_port());
    CHECK(strncmp(luatest_eval(L, code), "nil http.get: Failed to connect", 31) == 0,
          "refused: got '%s'", luatest_eval(L, code));
}

static void redirects_are_followed_unless_disabled(void)
{
    CHECK_STR(luatest_eval(L, "local r = http.get(BASE .. '/redirect'); "
                              "return r.status .. ' ' .. r.url:match('/%w+$')"),
              "200 /ok");
    CHECK_STR(luatest_eval(L, "local r = http.get(BASE .. '/redirect', {follow = false}); "
                              "return r.status .. ' ' .. r.headers.location"),
              "302 /ok");
}

static void max_size_refuses_large_bodies(void)
{
    CHECK_STR(luatest_eval(L, "local r, err = http.get(BASE .. '/echo', {max_size = 10}); "
                              "return tostring(r) .. ' ' .. tostring(err ~= nil)"),
              "nil true");
}

static void bad_arguments_raise(void)
{
    CHECK_STR(luatest_eval(L, "http.get()"),
              "error: [string \"http.get()\"]:1: "
              "bad argument #1 to 'get' (string expected, got no value)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(http.post, BASE))"),
              "bad argument #2 to 'http.post' (string or table expected, got no value)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(http.request, {}))"),
              "bad argument #1 to 'http.request' (field 'url' expected)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(http.get, BASE, {timeout = 'x'}))"),
              "bad argument #2 to 'http.get' (field 'timeout': number expected, got string)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(http.post, BASE, {f = print}))"),
              "http.post: body: cannot encode a function at key 'f'");
}

int main(void)
{
    char *argv[] = {"/usr/bin/python3", SERVER_SCRIPT, NULL};
    int port = fixture_server_start(&server, argv) == 0 ? server.port : 0;

    L = luatest_open("http", luaopen_http);
    luaL_requiref(L, "json", luaopen_json, 1);
    lua_pop(L, 1);
    lua_pushfstring(L, "http://127.0.0.1:%d", port);
    lua_setglobal(L, "BASE");
    CHECK(port > 0, "the test server did not start");
    if (port > 0) {
        RUN(get_returns_status_headers_and_body);
        RUN(post_sends_a_table_as_json);
        RUN(post_string_with_headers);
        RUN(request_uses_any_method);
        RUN(http_500_is_a_response_not_an_error);
        RUN(timeout_returns_nil_and_message);
        RUN(refused_connection_returns_nil_and_message);
        RUN(redirects_are_followed_unless_disabled);
        RUN(max_size_refuses_large_bodies);
        RUN(bad_arguments_raise);
    }
    lua_close(L);
    fixture_server_stop(&server);
    if (port <= 0)
        printf("not ok - http_test_server_starts\n");
    TESTING_EXIT();
}
