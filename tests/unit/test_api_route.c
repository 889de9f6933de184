/* test_api_route.c — the API's route matching (path shapes, {name}
 * decoding, 404/405/400), query-string parsing against a route's declared
 * parameters, and percent-decoding. */
#include <stdio.h>
#include <string.h>

#include "api/api_decode.h"
#include "api/api_query.h"
#include "api/api_route.h"
#include "testing.h"

/* Handlers are never called here: the table only needs distinct rows. */
static const struct api_route routes[] = {
    {"GET", "/healthz", true, CONFIG_ROLE_READ, NULL, NULL},
    {"GET", "/api/v1/tasks", false, CONFIG_ROLE_READ, NULL, NULL},
    {"GET", "/api/v1/tasks/{name}", false, CONFIG_ROLE_READ, NULL, NULL},
    {"PUT", "/api/v1/tasks/{name}", false, CONFIG_ROLE_ADMIN, NULL, NULL},
    {"POST", "/api/v1/tasks/{name}/run", false, CONFIG_ROLE_OPERATE, NULL, NULL},
    {"GET", "/api/v1/runs/{id}/log", false, CONFIG_ROLE_READ, NULL, NULL},
};
#define ROUTE_COUNT (sizeof routes / sizeof routes[0])

static enum api_match match(const char *method, const char *path,
                            const struct api_route **found, struct api_path_params *params,
                            char *allow)
{
    char err[API_MATCH_ERR_MAX];

    *found = NULL;
    return api_route_match(routes, ROUTE_COUNT, method, path, found, params, allow, err,
                           sizeof err);
}

static void route_literal_and_param_paths_match(void)
{
    const struct api_route *r;
    struct api_path_params p;
    char allow[API_ALLOW_MAX];

    CHECK_INT(match("GET", "/healthz", &r, &p, allow), API_MATCH_FOUND);
    CHECK(r == &routes[0], "healthz row");
    CHECK_INT(match("GET", "/api/v1/tasks", &r, &p, allow), API_MATCH_FOUND);
    CHECK(r == &routes[1], "the list, not a task");
    CHECK_INT(match("GET", "/api/v1/tasks/backup", &r, &p, allow), API_MATCH_FOUND);
    CHECK(r == &routes[2], "a task");
    CHECK_STR(api_path_param(&p, "name"), "backup");
    CHECK_INT(match("POST", "/api/v1/tasks/backup/run", &r, &p, allow), API_MATCH_FOUND);
    CHECK(r == &routes[4], "run");
    CHECK_INT(match("GET", "/api/v1/runs/42/log", &r, &p, allow), API_MATCH_FOUND);
    CHECK_STR(api_path_param(&p, "id"), "42");
    CHECK(api_path_param(&p, "name") == NULL, "no {name} in this pattern");
}

static void route_head_finds_get(void)
{
    const struct api_route *r;
    struct api_path_params p;
    char allow[API_ALLOW_MAX];

    CHECK_INT(match("HEAD", "/api/v1/tasks", &r, &p, allow), API_MATCH_FOUND);
    CHECK(r == &routes[1], "HEAD is GET without the body");
}

static void route_param_segment_is_decoded(void)
{
    const struct api_route *r;
    struct api_path_params p;
    char allow[API_ALLOW_MAX];

    /* An encoded slash stays inside its segment. */
    CHECK_INT(match("GET", "/api/v1/tasks/cameras%2Fcopy", &r, &p, allow), API_MATCH_FOUND);
    CHECK_STR(api_path_param(&p, "name"), "cameras/copy");
    CHECK_INT(match("GET", "/api/v1/tasks/caf%C3%A9", &r, &p, allow), API_MATCH_FOUND);
    CHECK_STR(api_path_param(&p, "name"), "caf\xc3\xa9");
}

static void route_unknown_paths_are_not_found(void)
{
    static const char *const paths[] = {
        "/",
        "",
        "/healthz/",
        "//healthz",
        "/healthzz",
        "/api/v1",
        "/api/v1/",
        "/api/v1/tasks/",
        "/api/v1/tasks//run",
        "/API/v1/tasks",
        "/api/v1/tasks/a/b",
        "/api/v1/tasks/a/run/x",
        "healthz",
    };
    const struct api_route *r;
    struct api_path_params p;
    char allow[API_ALLOW_MAX];

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        CHECK(match("GET", paths[i], &r, &p, allow) == API_MATCH_NOT_FOUND, "'%s' is no route",
              paths[i]);
}

static void route_wrong_method_lists_allowed(void)
{
    const struct api_route *r;
    struct api_path_params p;
    char allow[API_ALLOW_MAX];

    CHECK_INT(match("DELETE", "/api/v1/tasks/x", &r, &p, allow), API_MATCH_BAD_METHOD);
    CHECK_STR(allow, "GET, PUT");
    CHECK_INT(match("GET", "/api/v1/tasks/x/run", &r, &p, allow), API_MATCH_BAD_METHOD);
    CHECK_STR(allow, "POST");
    CHECK_INT(match("POST", "/healthz", &r, &p, allow), API_MATCH_BAD_METHOD);
    CHECK_STR(allow, "GET");
}

static void route_bad_segment_is_bad_path(void)
{
    static const char *const paths[] = {
        "/api/v1/tasks/%ZZ", "/api/v1/tasks/%4",  "/api/v1/tasks/a%00b",
        "/api/v1/tasks/%0A", "/api/v1/tasks/%FF", "/api/v1/tasks/%C3",
    };
    const struct api_route *r;
    struct api_path_params p;
    char allow[API_ALLOW_MAX], err[API_MATCH_ERR_MAX];

    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        err[0] = '\0';
        CHECK(api_route_match(routes, ROUTE_COUNT, "GET", paths[i], &r, &p, allow, err,
                              sizeof err) == API_MATCH_BAD_PATH,
              "'%s' does not decode", paths[i]);
        CHECK(strstr(err, "path parameter 'name'") != NULL, "err names the parameter: %s", err);
    }
}

static void route_long_segment_is_bad_path(void)
{
    char path[API_SEGMENT_MAX + 64], allow[API_ALLOW_MAX], err[API_MATCH_ERR_MAX];
    const struct api_route *r;
    struct api_path_params p;

    snprintf(path, sizeof path, "/api/v1/tasks/");
    memset(path + strlen(path), 'a', API_SEGMENT_MAX);
    path[sizeof "/api/v1/tasks/" - 1 + API_SEGMENT_MAX] = '\0';
    CHECK_INT(api_route_match(routes, ROUTE_COUNT, "GET", path, &r, &p, allow, err, sizeof err),
              API_MATCH_BAD_PATH);
}

static const char *const colours[] = {"red", "green", NULL};
static const struct api_param spec[] = {
    {"limit", API_PARAM_INT, 1, 500, NULL},
    {"q", API_PARAM_TEXT, 1, 8, NULL},
    {"colour", API_PARAM_ENUM, 0, 0, colours},
    {"follow", API_PARAM_BOOL, 0, 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* Parse `query`: 0 or -1; the parameter named in `param`. */
static int parse(const char *query, struct api_query *q, char *param)
{
    char err[API_QUERY_ERR_MAX];

    param[0] = '\0';
    return api_query_parse(spec, query, q, param, err, sizeof err);
}

static void query_values_are_typed(void)
{
    struct api_query q;
    char param[API_QUERY_NAME_MAX];

    CHECK_INT(parse("limit=50&q=a+b%21&colour=green&follow", &q, param), 0);
    CHECK_INT(api_query_get(&q, "limit")->number, 50);
    CHECK_STR(api_query_get(&q, "q")->text, "a b!");
    CHECK_INT(api_query_get(&q, "colour")->number, 1);
    CHECK_INT(api_query_get(&q, "follow")->number, 1);
    CHECK_INT(parse("follow=0", &q, param), 0);
    CHECK_INT(api_query_get(&q, "follow")->number, 0);
    CHECK(api_query_get(&q, "limit") == NULL, "limit not set");
}

static void query_empty_is_nothing_set(void)
{
    struct api_query q;
    char param[API_QUERY_NAME_MAX];

    CHECK_INT(parse(NULL, &q, param), 0);
    CHECK_INT(parse("", &q, param), 0);
    CHECK_INT(parse("&&", &q, param), 0);
    CHECK(api_query_get(&q, "q") == NULL, "nothing set");
    CHECK_INT(parse("&limit=2&", &q, param), 0);
    CHECK_INT(api_query_get(&q, "limit")->number, 2);
}

static void query_bad_values_name_the_parameter(void)
{
    static const struct {
        const char *query, *param;
    } cases[] = {
        {"limit=0", "limit"},
        {"limit=501", "limit"},
        {"limit=5x", "limit"},
        {"limit=", "limit"},
        {"limit", "limit"},
        {"limit=99999999999999999999", "limit"},
        {"q=", "q"},
        {"q=123456789", "q"},
        {"q=%ZZ", "q"},
        {"q=a%0Ab", "q"},
        {"colour=blue", "colour"},
        {"follow=yes", "follow"},
        {"bogus=1", "bogus"},
        {"limit=1&limit=2", "limit"},
        {"%ZZ=1", "query"},
        {"q=%00", "q"},
        {"=follow", "query"},
        {"limit=1&=2", "query"},
    };
    struct api_query q;
    char param[API_QUERY_NAME_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(parse(cases[i].query, &q, param) == -1, "'%s' refused", cases[i].query);
        CHECK(strcmp(param, cases[i].param) == 0, "'%s' names '%s', got '%s'", cases[i].query,
              cases[i].param, param);
    }
}

static void query_without_spec_accepts_nothing(void)
{
    struct api_query q;
    char param[API_QUERY_NAME_MAX], err[API_QUERY_ERR_MAX];

    CHECK_INT(api_query_parse(NULL, "", &q, param, err, sizeof err), 0);
    CHECK_INT(api_query_parse(NULL, "x=1", &q, param, err, sizeof err), -1);
    CHECK_STR(param, "x");
    CHECK(strstr(err, "unknown parameter 'x'") != NULL, "err: %s", err);
}

static void query_too_long_is_refused(void)
{
    static char long_query[API_QUERY_BYTES + 8];
    struct api_query q;
    char param[API_QUERY_NAME_MAX];

    memset(long_query, 'q', sizeof long_query - 1);
    CHECK_INT(parse(long_query, &q, param), -1);
    CHECK_STR(param, "query");
}

static void decode_plus_only_in_queries(void)
{
    char out[16], err[64];
    size_t used;

    CHECK_INT(api_decode("a+b%20c", 7, false, out, sizeof out, &used, err, sizeof err), 0);
    CHECK_STR(out, "a+b c");
    CHECK_INT(used, 5);
    CHECK_INT(api_decode("a+b", 3, true, out, sizeof out, NULL, err, sizeof err), 0);
    CHECK_STR(out, "a b");
    CHECK_INT(api_decode("0123456789abcdef", 16, false, out, sizeof out, NULL, err, sizeof err),
              -1);
}

int main(void)
{
    RUN(route_literal_and_param_paths_match);
    RUN(route_head_finds_get);
    RUN(route_param_segment_is_decoded);
    RUN(route_unknown_paths_are_not_found);
    RUN(route_wrong_method_lists_allowed);
    RUN(route_bad_segment_is_bad_path);
    RUN(route_long_segment_is_bad_path);
    RUN(query_values_are_typed);
    RUN(query_empty_is_nothing_set);
    RUN(query_bad_values_name_the_parameter);
    RUN(query_without_spec_accepts_nothing);
    RUN(query_too_long_is_refused);
    RUN(decode_plus_only_in_queries);
    TESTING_EXIT();
}
