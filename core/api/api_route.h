/* api_route.h — the API's route table and how a request path finds its
 * route.
 *
 * A route is a method, a path pattern whose `{name}` segments match any one
 * segment ("/api/v1/tasks/{name}"), the least role that may call it, its
 * query parameters (api_query.h) and its handler.  Matching is pure (no
 * server, no engine), so it is unit-tested and fuzzed on its own.  The
 * path is matched as the client sent it, still percent-encoded: a
 * parameter's "%2F" stays inside its segment and is decoded only then.
 */
#ifndef API_ROUTE_H
#define API_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

#define API_PATH_PARAMS_MAX 4 /* {name} segments in one pattern */
#define API_PARAM_NAME_MAX 32 /* bytes of a {name}, NUL included */
#define API_SEGMENT_MAX 256   /* bytes of one decoded segment, NUL included */
#define API_ALLOW_MAX 64      /* "GET, PUT, DELETE" */
#define API_MATCH_ERR_MAX 160

struct api_call;
struct api_param;

struct api_route {
    const char *method;             /* "GET", "POST" … */
    const char *pattern;            /* "/api/v1/tasks/{name}" */
    bool open;                      /* answers without a token (/healthz only) */
    enum config_api_role role;      /* else the least role that may call it */
    const struct api_param *params; /* its query parameters; NULL = none */
    void (*handler)(struct api_call *call);
};

/* The {name} segments of a matched path, decoded. */
struct api_path_params {
    size_t count;
    struct {
        char name[API_PARAM_NAME_MAX];
        char value[API_SEGMENT_MAX];
    } items[API_PATH_PARAMS_MAX];
};

enum api_match {
    API_MATCH_FOUND,      /* *found is the route */
    API_MATCH_NOT_FOUND,  /* no route has this path: 404 */
    API_MATCH_BAD_METHOD, /* routes have it, not with this method: 405, `allow` lists theirs */
    API_MATCH_BAD_PATH,   /* a parameter segment does not decode: 400, why in err */
};

/* api_routes.c: the server's table, which api_request.c matches against
 * and core/api/openapi.json describes (tests/unit/test_api_openapi.c). */
extern const struct api_route api_routes[];
extern const size_t api_route_count;

/* Find the route of `method` and the raw `path` (no query string) among
 * routes[0..count).  HEAD finds the GET route.  On API_MATCH_FOUND,
 * *found and *params are set; `allow` (API_ALLOW_MAX bytes) is set on
 * API_MATCH_BAD_METHOD and `err` on API_MATCH_BAD_PATH. */
enum api_match api_route_match(const struct api_route *routes, size_t count, const char *method,
                               const char *path, const struct api_route **found,
                               struct api_path_params *params, char *allow, char *err,
                               size_t errlen);

/* The decoded value of {name}, or NULL when the pattern has none. */
const char *api_path_param(const struct api_path_params *params, const char *name);

#endif
