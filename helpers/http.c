/* http.c — the `http` helper module: HTTP requests over libcurl.
 *
 *   http.get(url [, opts])
 *   http.post(url, body [, opts])
 *   http.request{ method =, url =, body =, <opts> }
 *     opts: headers = {name = value}, timeout (seconds), follow (redirects),
 *           verify (TLS), max_size (bytes of body kept)
 *     -> { status, headers = {lowercase-name = value}, body, url }
 *     |  nil, "http.get: <what went wrong> (<url>)"
 *
 * An HTTP error status is a response, not a failure: only a request that
 * got no response (refused, timed out, too big) returns nil.  A table body
 * is sent as JSON.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "lib/luajson.h"
#include "luabox.h"
#include "luaopt.h"

#define REQUEST_MT "http.request"
#define DEFAULT_TIMEOUT 30.0                /* seconds */
#define MAX_TIMEOUT (7 * 24 * 3600.0)       /* keeps milliseconds in a long */
#define DEFAULT_MAX_SIZE (64 * 1024 * 1024) /* bytes */
#define MAX_REDIRECTS 10
#define INITIAL_BODY_CAP 16384
#define USER_AGENT "task-scheduler"
#define PROTOCOLS "http,https"
#define JSON_TYPE "Content-Type: application/json"
#define JSON_ERR_MAX 320

/* What one request owns while curl runs.  A userdata, so that an error
 * unwinding the stack still frees it (request_close). */
struct request {
    CURL *curl;
    struct curl_slist *headers;
    char *json_body; /* a table body, encoded */
    char *data;      /* the response body */
    size_t len, cap, max;
    int too_big;
    char error[CURL_ERROR_SIZE];
};

/* A request's settings, read from Lua before curl is touched. */
struct options {
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    double timeout;
    int follow;
    int verify;
};

static void request_close(struct request *r)
{
    curl_easy_cleanup(r->curl);
    r->curl = NULL;
    curl_slist_free_all(r->headers);
    r->headers = NULL;
    free(r->json_body);
    r->json_body = NULL;
    free(r->data);
    r->data = NULL;
}

static int request_gc(lua_State *L)
{
    request_close(luaL_checkudata(L, 1, REQUEST_MT));
    return 0;
}

static struct request *request_new(lua_State *L)
{
    struct request *r = luabox_new(L, sizeof *r, REQUEST_MT, request_gc);

    if (!(r->curl = curl_easy_init()))
        luaL_error(L, "http: curl_easy_init failed");
    return r;
}

/* curl's write callback.  Returning less than it got makes curl stop with
 * CURLE_WRITE_ERROR; too_big says why. */
static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct request *r = ud;
    size_t n = size * nmemb;

    if (n > r->max - r->len) {
        r->too_big = 1;
        return 0;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : INITIAL_BODY_CAP;
        char *data;

        while (cap < r->len + n)
            cap *= 2;
        if (!(data = realloc(r->data, cap)))
            return 0;
        r->data = data;
        r->cap = cap;
    }
    memcpy(r->data + r->len, ptr, n);
    r->len += n;
    return n;
}

/* Adds opts.headers to r->headers; returns whether one was Content-Type. */
static int add_headers(lua_State *L, struct request *r, int opts)
{
    int has_type = 0;

    if (!luaopt_subtable(L, opts, "headers"))
        return 0;
    for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
        struct curl_slist *list;

        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, opts, "field 'headers': names and values must be strings");
        has_type |= strcasecmp(lua_tostring(L, -2), "content-type") == 0;
        lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
        list = curl_slist_append(r->headers, lua_tostring(L, -1));
        lua_pop(L, 1);
        if (!list)
            luaL_error(L, "http: out of memory");
        r->headers = list;
    }
    lua_pop(L, 1);
    return has_type;
}

/* Reads the body at index `body` (0 for none) into o: a string as it is, a
 * table encoded as JSON (with its Content-Type unless one was given). */
static void read_body(lua_State *L, const char *fname, struct request *r, int body,
                      int has_type, struct options *o)
{
    char err[JSON_ERR_MAX];
    json_t *value;

    if (!body || lua_isnil(L, body))
        return;
    if (lua_type(L, body) == LUA_TSTRING) {
        o->body = lua_tolstring(L, body, &o->body_len);
        return;
    }
    if (lua_type(L, body) != LUA_TTABLE)
        luaL_error(L, "%s: body must be a string or a table, got %s", fname,
                   luaL_typename(L, body));
    if (luajson_to_json(L, body, &value, err, sizeof err) != 0)
        luaL_error(L, "%s: body: %s", fname, err);
    r->json_body = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(value);
    if (!r->json_body)
        luaL_error(L, "%s: out of memory", fname);
    o->body = r->json_body;
    o->body_len = strlen(r->json_body);
    if (!has_type) {
        struct curl_slist *list = curl_slist_append(r->headers, JSON_TYPE);

        if (!list)
            luaL_error(L, "http: out of memory");
        r->headers = list;
    }
}

/* Sets every option of the transfer; the first failure's code, or CURLE_OK. */
static CURLcode configure(struct request *r, const struct options *o)
{
    CURL *c = r->curl;
    const char *implied = o->body ? "POST" : "GET";
    CURLcode rc;

    if ((rc = curl_easy_setopt(c, CURLOPT_URL, o->url)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, PROTOCOLS)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, PROTOCOLS)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->error)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000))) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, (long)o->follow)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, (long)o->verify)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, o->verify ? 2L : 0L)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_WRITEDATA, r)) != CURLE_OK ||
        (rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers)) != CURLE_OK)
        return rc;
    if (o->body && ((rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body)) != CURLE_OK ||
                    (rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                                           (curl_off_t)o->body_len)) != CURLE_OK))
        return rc;
    if (strcmp(o->method, "HEAD") == 0)
        return curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (strcmp(o->method, implied) != 0)
        return curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
    return CURLE_OK;
}

/* Pushes the headers of the last response (after redirects) as a table of
 * lowercase names; a repeated header's values are joined with ", ". */
static void push_headers(lua_State *L, CURL *c)
{
    struct curl_header *h = NULL;

    lua_newtable(L);
    while ((h = curl_easy_nextheader(c, CURLH_HEADER, -1, h))) {
        luaL_Buffer b;

        luaL_buffinit(L, &b);
        for (const char *p = h->name; *p; p++)
            luaL_addchar(&b, (char)tolower((unsigned char)*p));
        luaL_pushresult(&b);
        if (lua_getfield(L, -2, lua_tostring(L, -1)) == LUA_TSTRING) {
            lua_pushfstring(L, "%s, %s", lua_tostring(L, -1), h->value);
            lua_remove(L, -2);
        } else {
            lua_pop(L, 1);
            lua_pushstring(L, h->value);
        }
        lua_rawset(L, -3);
    }
}

static int push_response(lua_State *L, struct request *r)
{
    long status = 0;
    char *url = NULL;

    if (curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
        curl_easy_getinfo(r->curl, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK)
        return luaL_error(L, "http: curl_easy_getinfo failed");
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, status);
    lua_setfield(L, -2, "status");
    push_headers(L, r->curl);
    lua_setfield(L, -2, "headers");
    lua_pushlstring(L, r->data ? r->data : "", r->len);
    lua_setfield(L, -2, "body");
    lua_pushstring(L, url ? url : "");
    lua_setfield(L, -2, "url");
    return 1;
}

/* Runs one request; `body` and `opts` are stack indices (0 for none).
 * Pushes the response, or nil and "fname: why (url)". */
static int perform(lua_State *L, const char *fname, struct options *o, int body, int opts)
{
    lua_Integer max = luaopt_integer(L, opts, "max_size", DEFAULT_MAX_SIZE);
    struct request *r;
    CURLcode rc;
    int has_type;

    o->timeout = luaopt_number(L, opts, "timeout", DEFAULT_TIMEOUT);
    o->follow = luaopt_boolean(L, opts, "follow", 1);
    o->verify = luaopt_boolean(L, opts, "verify", 1);
    luaL_argcheck(L, o->timeout >= 0 && o->timeout <= MAX_TIMEOUT, opts,
                  "field 'timeout' out of range");
    luaL_argcheck(L, max >= 0, opts, "field 'max_size' must not be negative");
    r = request_new(L);
    r->max = (size_t)max;
    has_type = add_headers(L, r, opts);
    read_body(L, fname, r, body, has_type, o);
    if ((rc = configure(r, o)) == CURLE_OK)
        rc = curl_easy_perform(r->curl);
    if (rc != CURLE_OK) {
        luaL_pushfail(L);
        if (r->too_big)
            lua_pushfstring(L, "%s: response larger than max_size (%I bytes) (%s)", fname,
                            (lua_Integer)r->max, o->url);
        else
            lua_pushfstring(L, "%s: %s (%s)", fname,
                            r->error[0] ? r->error : curl_easy_strerror(rc), o->url);
        request_close(r);
        return 2;
    }
    push_response(L, r);
    request_close(r);
    return 1;
}

static int http_get(lua_State *L)
{
    struct options o = {.method = "GET", .url = luaL_checkstring(L, 1)};

    return perform(L, "http.get", &o, 0, luaopt_table(L, 2));
}

static int http_post(lua_State *L)
{
    struct options o = {.method = "POST", .url = luaL_checkstring(L, 1)};

    luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING || lua_type(L, 2) == LUA_TTABLE, 2,
                     "string or table");
    return perform(L, "http.post", &o, 2, luaopt_table(L, 3));
}

static int http_request(lua_State *L)
{
    struct options o = {0};
    int body;

    luaL_checktype(L, 1, LUA_TTABLE);
    o.url = luaopt_string(L, 1, "url", NULL, NULL);
    luaL_argcheck(L, o.url != NULL, 1, "field 'url' expected");
    lua_getfield(L, 1, "body");
    body = lua_gettop(L);
    o.method = luaopt_string(L, 1, "method", lua_isnil(L, body) ? "GET" : "POST", NULL);
    return perform(L, "http.request", &o, body, 1);
}

static const luaL_Reg funcs[] = {
    {"get", http_get}, {"post", http_post}, {"request", http_request}, {NULL, NULL}};

int luaopen_http(lua_State *L)
{
    /* Once per process, never cleaned up: curl's global state lives as
     * long as the process, and states opening this module come and go. */
    static int curl_ready;

    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return luaL_error(L, "http: curl_global_init failed");
        curl_ready = 1;
    }
    luaL_newlib(L, funcs);
    return 1;
}
