/* fuzz_api.c — libFuzzer target: the HTTP API's own parsing of a request
 * line's method and URI, "METHOD PATH[?QUERY]": the route matcher and the
 * query parser, on a table shaped like the API's.  What they accept must
 * be text a handler can use: decoded parameters are printable UTF-8,
 * numbers are within their bounds; what they refuse names why. */
#include "api/api_query.h"
#include "api/api_route.h"
#include "fuzz.h"
#include "lib/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct api_route routes[] = {
    {"GET", "/healthz", true, CONFIG_ROLE_READ, NULL, NULL},
    {"GET", "/api/v1/tasks", false, CONFIG_ROLE_READ, NULL, NULL},
    {"GET", "/api/v1/tasks/{name}", false, CONFIG_ROLE_READ, NULL, NULL},
    {"PUT", "/api/v1/tasks/{name}", false, CONFIG_ROLE_ADMIN, NULL, NULL},
    {"POST", "/api/v1/tasks/{name}/run", false, CONFIG_ROLE_OPERATE, NULL, NULL},
    {"GET", "/api/v1/runs/{id}/log", false, CONFIG_ROLE_READ, NULL, NULL},
};

static const char *const states[] = {"enabled", "paused", NULL};
static const struct api_param params[] = {
    {"limit", API_PARAM_INT, 1, 500, NULL},
    {"q", API_PARAM_TEXT, 1, 256, NULL},
    {"state", API_PARAM_ENUM, 0, 0, states},
    {"follow", API_PARAM_BOOL, 0, 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static void check_route(const char *method, const char *path)
{
    char allow[API_ALLOW_MAX], err[API_MATCH_ERR_MAX] = "";
    const struct api_route *found = NULL;
    struct api_path_params p;

    switch (api_route_match(routes, FUZZ_COUNT(routes), method, path, &found, &p, allow, err,
                            sizeof err)) {
    case API_MATCH_FOUND:
        for (size_t i = 0; i < p.count; i++)
            if (!utf8_is_printable(p.items[i].value))
                fuzz_fail("a path parameter is not printable", path);
        break;
    case API_MATCH_BAD_METHOD:
        if (!allow[0])
            fuzz_fail("405 without an Allow list", path);
        break;
    case API_MATCH_BAD_PATH:
        if (!err[0])
            fuzz_fail("400 without a reason", path);
        break;
    case API_MATCH_NOT_FOUND:
        break;
    }
}

static void check_query(const char *query)
{
    static struct api_query q;
    char param[API_QUERY_NAME_MAX] = "", err[API_QUERY_ERR_MAX] = "";

    if (api_query_parse(params, query, &q, param, err, sizeof err) != 0) {
        if (!param[0] || !err[0])
            fuzz_fail("a refused query without its parameter or reason", query);
        return;
    }
    for (size_t i = 0; params[i].name; i++) {
        const struct api_query_value *v = api_query_get(&q, params[i].name);
        if (!v)
            continue;
        if (!utf8_is_printable(v->text))
            fuzz_fail("a query value is not printable", query);
        if (params[i].kind == API_PARAM_INT &&
            (v->number < params[i].min || v->number > params[i].max))
            fuzz_fail("an integer out of its bounds", query);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = fuzz_cstring(data, size);
    char *uri = strchr(line, ' '), *query;

    if (uri) {
        *uri++ = '\0';
        if ((query = strchr(uri, '?')))
            *query++ = '\0';
        check_route(line, uri);
        if (query)
            check_query(query);
    }
    free(line);
    return 0;
}
