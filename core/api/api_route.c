/* api_route.c — matching a request's method and raw path to a route
 * (api_route.h).
 *
 * Both the pattern and the path are walked one '/'-separated segment at a
 * time: a literal segment must be equal byte for byte, a `{name}` segment
 * takes any non-empty one.  A path is matched in full or not at all (no
 * prefix matches, no trailing-slash leniency), so every URL has one
 * meaning.  The table is short; a linear scan is the clear choice.
 */
#include "api_route.h"

#include <stdio.h>
#include <string.h>

#include "api_decode.h"

/* The segment starting at *s (after its '/'): its length; *s moves past. */
static size_t next_segment(const char **s, const char **seg)
{
    const char *end;

    if (**s == '/')
        (*s)++;
    *seg = *s;
    end = strchr(*s, '/');
    if (!end)
        end = *s + strlen(*s);
    *s = end;
    return (size_t)(end - *seg);
}

static bool is_param(const char *seg, size_t len)
{
    return len > 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/* Whether `path` has the shape of `pattern` (without decoding). */
static bool same_shape(const char *pattern, const char *path)
{
    if (*pattern != '/' || *path != '/')
        return false;
    while (*pattern && *path) {
        const char *ps, *ss;
        size_t plen = next_segment(&pattern, &ps), slen = next_segment(&path, &ss);
        if (is_param(ps, plen) ? slen == 0 : (plen != slen || memcmp(ps, ss, plen) != 0))
            return false;
    }
    return !*pattern && !*path;
}

/* Decode the {name} segments of a path known to have the pattern's shape. */
static int take_params(const char *pattern, const char *path, struct api_path_params *params,
                       char *err, size_t errlen)
{
    char why[API_MATCH_ERR_MAX];

    params->count = 0;
    while (*pattern) {
        const char *ps, *ss;
        size_t plen = next_segment(&pattern, &ps), slen = next_segment(&path, &ss);
        if (!is_param(ps, plen))
            continue;
        if (params->count == API_PATH_PARAMS_MAX || plen - 2 >= API_PARAM_NAME_MAX) {
            snprintf(err, errlen, "route %s: too many or too long parameters", pattern);
            return -1;
        }
        memcpy(params->items[params->count].name, ps + 1, plen - 2);
        params->items[params->count].name[plen - 2] = '\0';
        if (api_decode(ss, slen, false, params->items[params->count].value, API_SEGMENT_MAX,
                       NULL, why, sizeof why) != 0) {
            snprintf(err, errlen, "path parameter '%s': %s", params->items[params->count].name,
                     why);
            return -1;
        }
        params->count++;
    }
    return 0;
}

static void allow_add(char *allow, const char *method)
{
    size_t used = strlen(allow);

    if (strstr(allow, method))
        return;
    snprintf(allow + used, API_ALLOW_MAX - used, "%s%s", used ? ", " : "", method);
}

enum api_match api_route_match(const struct api_route *routes, size_t count, const char *method,
                               const char *path, const struct api_route **found,
                               struct api_path_params *params, char *allow, char *err,
                               size_t errlen)
{
    const char *wanted = strcmp(method, "HEAD") == 0 ? "GET" : method;
    bool shape = false;

    allow[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (!same_shape(routes[i].pattern, path))
            continue;
        shape = true;
        allow_add(allow, routes[i].method);
        if (strcmp(routes[i].method, wanted) != 0)
            continue;
        *found = &routes[i];
        return take_params(routes[i].pattern, path, params, err, errlen) == 0
                   ? API_MATCH_FOUND
                   : API_MATCH_BAD_PATH;
    }
    return shape ? API_MATCH_BAD_METHOD : API_MATCH_NOT_FOUND;
}

const char *api_path_param(const struct api_path_params *params, const char *name)
{
    for (size_t i = 0; i < params->count; i++)
        if (strcmp(params->items[i].name, name) == 0)
            return params->items[i].value;
    return NULL;
}
