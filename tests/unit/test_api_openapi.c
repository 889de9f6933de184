/* test_api_openapi.c — the OpenAPI document compiled into the binary
 * (core/api/openapi.json) against the server's route table (api_routes[]),
 * both ways: every route is documented with its method, its least role
 * (x-role), its openness (security: []), its path parameters and its query
 * parameters with their types and bounds; every documented operation is a
 * route; the SQL sources of the status (source.h's sources_status_json)
 * have exactly the keys the SqlSource schema requires and allows.
 * tests/e2e/api_openapi.sh then walks the running server against the same
 * document.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/api_query.h"
#include "api/api_route.h"
#include "lib/embedded.h"
#include "source/source.h"
#include "testing.h"
#include "time/tz.h"

#define OPENAPI_FILE "core/api/openapi.json"
#define METHOD_MAX 8

static json_t *doc;

static const char *const http_methods[] = {"get",     "put",  "post",  "delete",
                                           "options", "head", "patch", "trace"};

static void lower(const char *in, char *out, size_t len)
{
    size_t i = 0;

    for (; in[i] && i + 1 < len; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    out[i] = '\0';
}

static json_t *operation(const char *pattern, const char *method)
{
    char m[METHOD_MAX];

    lower(method, m, sizeof m);
    return json_object_get(json_object_get(json_object_get(doc, "paths"), pattern), m);
}

/* The parameter `name` in `where` of the operation, declared on it or on
 * its path; NULL when neither declares it. */
static json_t *parameter(const char *pattern, json_t *op, const char *where, const char *name)
{
    json_t *lists[2] = {
        json_object_get(op, "parameters"),
        json_object_get(json_object_get(json_object_get(doc, "paths"), pattern), "parameters"),
    };
    size_t i;
    json_t *p;

    for (int l = 0; l < 2; l++)
        json_array_foreach(lists[l], i, p)
        {
            if (strcmp(json_string_value(json_object_get(p, "in")), where) == 0 &&
                strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
                return p;
        }
    return NULL;
}

static void openapi_document_is_embedded(void)
{
    CHECK(doc != NULL, "%s is not embedded, or is not JSON", OPENAPI_FILE);
    CHECK_STR(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
}

/* A declared query parameter and its documented schema agree. */
static void check_query_param(const struct api_route *r, const struct api_param *p,
                              json_t *doc_p)
{
    json_t *schema = json_object_get(doc_p, "schema");
    const char *type = json_string_value(json_object_get(schema, "type"));
    static const char *const types[] = {
        [API_PARAM_TEXT] = "string",
        [API_PARAM_INT] = "integer",
        [API_PARAM_ENUM] = "string",
        [API_PARAM_BOOL] = "boolean",
    };

    CHECK(type && strcmp(type, types[p->kind]) == 0, "%s %s ?%s: documented as %s, is a %s",
          r->method, r->pattern, p->name, type ? type : "(no type)", types[p->kind]);
    if (p->kind == API_PARAM_TEXT) {
        CHECK(json_integer_value(json_object_get(schema, "minLength")) == p->min &&
                  json_integer_value(json_object_get(schema, "maxLength")) == p->max,
              "%s %s ?%s: the length bounds are %lld..%lld", r->method, r->pattern, p->name,
              (long long)p->min, (long long)p->max);
    } else if (p->kind == API_PARAM_INT) {
        CHECK(json_integer_value(json_object_get(schema, "minimum")) == p->min &&
                  json_integer_value(json_object_get(schema, "maximum")) == p->max,
              "%s %s ?%s: the bounds are %lld..%lld", r->method, r->pattern, p->name,
              (long long)p->min, (long long)p->max);
    } else if (p->kind == API_PARAM_ENUM) {
        json_t *names = json_object_get(schema, "enum");
        size_t n = 0;
        for (; p->names[n]; n++)
            CHECK(json_is_string(json_array_get(names, n)) &&
                      strcmp(json_string_value(json_array_get(names, n)), p->names[n]) == 0,
                  "%s %s ?%s: value %zu is '%s'", r->method, r->pattern, p->name, n,
                  p->names[n]);
        CHECK(json_array_size(names) == n, "%s %s ?%s: %zu values documented, %zu accepted",
              r->method, r->pattern, p->name, json_array_size(names), n);
    }
}

static void every_route_is_documented(void)
{
    for (size_t i = 0; doc && i < api_route_count; i++) {
        const struct api_route *r = &api_routes[i];
        json_t *op = operation(r->pattern, r->method), *security, *params, *item;
        const char *role, *at;
        size_t k;

        CHECK(op != NULL, "%s %s is a route the document does not describe", r->method,
              r->pattern);
        if (!op)
            continue;
        security = json_object_get(op, "security");
        role = json_string_value(json_object_get(op, "x-role"));
        if (r->open) {
            CHECK(json_is_array(security) && json_array_size(security) == 0 && !role,
                  "%s %s is open: security [] and no x-role", r->method, r->pattern);
        } else {
            CHECK(!security, "%s %s needs a token: the document's security applies", r->method,
                  r->pattern);
            CHECK(role && strcmp(role, config_api_role_name(r->role)) == 0,
                  "%s %s: x-role %s, the route wants %s", r->method, r->pattern,
                  role ? role : "(none)", config_api_role_name(r->role));
        }
        /* Each {name} of the pattern is a documented path parameter. */
        for (at = strchr(r->pattern, '{'); at; at = strchr(at + 1, '{')) {
            char name[API_PARAM_NAME_MAX];
            size_t len = strcspn(at + 1, "}");
            snprintf(name, sizeof name, "%.*s", (int)len, at + 1);
            CHECK(parameter(r->pattern, op, "path", name) != NULL,
                  "%s %s: path parameter {%s} is not documented", r->method, r->pattern, name);
        }
        for (const struct api_param *p = r->params; p && p->name; p++) {
            json_t *doc_p = parameter(r->pattern, op, "query", p->name);
            CHECK(doc_p != NULL, "%s %s: ?%s is accepted, not documented", r->method,
                  r->pattern, p->name);
            if (doc_p)
                check_query_param(r, p, doc_p);
        }
        params = json_object_get(op, "parameters");
        json_array_foreach(params, k, item)
        {
            const char *name = json_string_value(json_object_get(item, "name"));
            const struct api_param *p = r->params;
            if (strcmp(json_string_value(json_object_get(item, "in")), "query") != 0)
                continue;
            while (p && p->name && strcmp(p->name, name) != 0)
                p++;
            CHECK(p && p->name, "%s %s: ?%s is documented, not accepted", r->method, r->pattern,
                  name);
        }
    }
}

static void every_documented_operation_is_a_route(void)
{
    const char *pattern;
    json_t *item;

    json_object_foreach(json_object_get(doc, "paths"), pattern, item)
    {
        for (size_t m = 0; m < sizeof http_methods / sizeof http_methods[0]; m++) {
            bool found = false;
            if (!json_object_get(item, http_methods[m]))
                continue;
            for (size_t i = 0; i < api_route_count && !found; i++) {
                char method[METHOD_MAX];
                lower(api_routes[i].method, method, sizeof method);
                found = strcmp(api_routes[i].pattern, pattern) == 0 &&
                        strcmp(method, http_methods[m]) == 0;
            }
            CHECK(found, "%s %s is documented and is no route of api_routes.c", http_methods[m],
                  pattern);
        }
    }
}

static void no_change(void *data)
{
    (void)data;
}

static void no_report(void *data, const char *source, const char *error)
{
    (void)data;
    (void)source;
    (void)error;
}

static void sources_closed(void *data)
{
    *(bool *)data = true;
}

/* A source that failed (a url no reader takes: its error is set at once,
 * no loop turns) as sources_status_json shows it, against SqlSource:
 * every key of it is a documented property, every required one is there. */
static void status_sources_are_the_documented_sqlsource(void)
{
    json_t *schema = json_object_get(
        json_object_get(json_object_get(doc, "components"), "schemas"), "SqlSource");
    json_t *props = json_object_get(schema, "properties"), *list, *item, *value, *key;
    struct config_source src = {.name = "s", .url = "nope:", .table = "action", .poll = 15};
    struct config cfg = {.sources = &src, .source_count = 1};
    struct sources_hooks hooks = {no_change, no_report, NULL};
    uv_loop_t loop;
    struct sources *set;
    bool closed = false;
    char err[TZ_ERR_MAX];
    const char *name;
    size_t i;

    for (int col = 0; col < SOURCE_COL_COUNT; col++)
        src.columns[col] = (char *)config_source_column_key(col);
    CHECK(json_is_object(props), "SqlSource has no properties");
    CHECK(json_is_false(json_object_get(schema, "additionalProperties")),
          "SqlSource allows more properties than it documents");
    if (uv_loop_init(&loop) != 0 || !(set = sources_create(&loop, "/nonexistent", &hooks))) {
        CHECK(false, "cannot make a loop and a set of sources");
        return;
    }
    sources_configure(set, &cfg);
    list = sources_status_json(set, tz_get("UTC", err, sizeof err));
    item = json_array_get(list, 0);
    CHECK_INT(json_array_size(list), 1);
    CHECK(json_is_string(json_object_get(item, "error")), "the failed source has no error");
    json_object_foreach(item, name, value)
    {
        CHECK(json_object_get(props, name), "sources[].%s is not documented in SqlSource",
              name);
    }
    json_array_foreach(json_object_get(schema, "required"), i, key)
    {
        CHECK(json_object_get(item, json_string_value(key)), "sources[] has no %s",
              json_string_value(key));
    }
    CHECK(json_object_get(
              json_object_get(
                  json_object_get(
                      json_object_get(json_object_get(doc, "components"), "schemas"), "Status"),
                  "properties"),
              "sources"),
          "Status does not document sources");
    json_decref(list);
    sources_close(set, sources_closed, &closed);
    while (!closed && uv_run(&loop, UV_RUN_ONCE))
        ;
    sources_free(set);
    CHECK(uv_loop_close(&loop) == 0, "the loop has handles left");
}

int main(void)
{
    const struct embedded_file *file = embedded_find(OPENAPI_FILE);
    json_error_t error;

    doc = file ? json_loadb((const char *)file->data, file->len, 0, &error) : NULL;
    RUN(openapi_document_is_embedded);
    RUN(every_route_is_documented);
    RUN(every_documented_operation_is_a_route);
    RUN(status_sources_are_the_documented_sqlsource);
    json_decref(doc);
    TESTING_EXIT();
}
