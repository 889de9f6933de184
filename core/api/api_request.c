/* api_request.c — a request's way from the raw URI to its reply
 * (api_request.h).
 *
 * The checks come in the order that tells a client the most without
 * telling a stranger anything: a route that is open (/healthz) needs no
 * token; any other request without a valid token is 401, whatever its
 * path; then the path (404, 405 with Allow, 400 for a segment that does
 * not decode), the role (403), the query (400 naming the parameter) and
 * the announced body size (413).  An answer decided before the body is
 * queued at once, and MHD then reads no body at all.  A body sent without
 * a Content-Length that outgrows the limit cannot be answered any more
 * (MHD takes a reply only before or after the body), so its connection is
 * closed.
 */
#include "api_request.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api_auth.h"
#include "api_respond.h"
#include "engine/engine.h"
#include "lib/utf8.h"
#include "log/log.h"

#define URI_MAX 8192 /* MHD's buffer bounds it lower; this bounds our copy */
#define ERR_MAX 256

struct api_request {
    char *uri;     /* as the client sent it; the query split off at '?' */
    char *query;   /* into uri, or NULL */
    bool headers;  /* the first call (headers) was handled */
    bool answered; /* a reply was queued before the body */
    char *body;    /* what came of the body, NUL-terminated */
    size_t len, cap;
    struct api_call call;
};

void *api_request_begin(void *env, const char *uri, struct MHD_Connection *conn)
{
    struct api_request *req = calloc(1, sizeof *req);
    char *q;

    (void)env;
    (void)conn;
    /* NULL is no failure for MHD; api_request_handle closes the connection. */
    if (!req || !(req->uri = strndup(uri, URI_MAX))) {
        free(req);
        return NULL;
    }
    if ((q = strchr(req->uri, '?'))) {
        *q = '\0';
        req->query = q + 1;
    }
    return req;
}

void api_request_end(void *env, struct MHD_Connection *conn, void **req_cls,
                     enum MHD_RequestTerminationCode toe)
{
    struct api_request *req = *req_cls;

    (void)env;
    (void)conn;
    (void)toe;
    if (!req)
        return;
    json_decref(req->call.reply.body);
    free(req->call.reply.text);
    free(req->body);
    free(req->uri);
    free(req);
    *req_cls = NULL;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* The announced body length; 0 when none is announced. */
static uint64_t content_length(struct MHD_Connection *conn)
{
    const char *text = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    char *end;
    unsigned long long n;

    if (!text)
        return 0;
    errno = 0;
    n = strtoull(text, &end, 10);
    return errno || *end ? UINT64_MAX : n;
}

/* The path for a message: as sent when it is printable text (JSON takes
 * nothing else). */
static const char *shown(const char *path)
{
    return utf8_is_printable(path) ? path : "(a path that is not printable text)";
}

/* Everything decided from the headers: 0 when the request goes on to its
 * body and handler, -1 when call->reply already holds the answer. */
static int check_headers(const struct api_request_env *env, struct api_request *req,
                         struct MHD_Connection *conn, const char *method)
{
    struct api_call *call = &req->call;
    char allow[API_ALLOW_MAX], err[ERR_MAX], param[API_QUERY_NAME_MAX];
    const struct api_route *route = NULL;
    enum api_match m = api_route_match(api_routes, api_route_count, method, req->uri, &route,
                                       &call->path, allow, err, sizeof err);

    bool open = m == API_MATCH_FOUND &&
                (route->open || (route->handler == api_get_metrics && env->metrics_public));

    call->token_name = "";
    if (!open && api_auth_check(env->auth, header(conn, MHD_HTTP_HEADER_AUTHORIZATION),
                                &call->role, &call->token_name) != 0) {
        api_reply_problem(call, 401, NULL,
                          "a valid bearer token is needed (Authorization: Bearer TOKEN)");
        return -1;
    }
    switch (m) {
    case API_MATCH_NOT_FOUND:
        api_reply_problem(call, 404, NULL, "no route %s", shown(req->uri));
        return -1;
    case API_MATCH_BAD_METHOD:
        api_reply_problem(call, 405, NULL, "%s is not a method of %s (allowed: %s)",
                          shown(method), shown(req->uri), allow);
        memcpy(call->reply.allow, allow, sizeof allow);
        return -1;
    case API_MATCH_BAD_PATH:
        api_reply_problem(call, 400, NULL, "%s", err);
        return -1;
    case API_MATCH_FOUND:
        break;
    }
    call->route = route;
    if (!open && call->role < route->role) {
        api_reply_problem(call, 403, NULL, "%s %s needs a token with the role %s; '%s' is %s",
                          route->method, route->pattern, config_api_role_name(route->role),
                          call->token_name, config_api_role_name(call->role));
        return -1;
    }
    if (api_query_parse(route->params, req->query, &call->query, param, err, sizeof err) != 0) {
        api_reply_problem(call, 400, param, "%s", err);
        return -1;
    }
    if (content_length(conn) > env->max_body) {
        api_reply_problem(call, 413, NULL,
                          "the request body may be at most %zu bytes (api.max_request_size)",
                          env->max_body);
        return -1;
    }
    return 0;
}

/* Keep a piece of the body: -1 when it outgrows the limit. */
static int take_body(const struct api_request_env *env, struct api_request *req,
                     const char *data, size_t size)
{
    /* max_body may have shrunk below len with a reload. */
    if (req->len > env->max_body || size > env->max_body - req->len)
        return -1;
    if (req->len + size + 1 > req->cap) {
        size_t cap = req->cap ? req->cap : 1024;
        while (cap < req->len + size + 1)
            cap *= 2;
        char *grown = realloc(req->body, cap);
        if (!grown)
            return -1;
        req->body = grown;
        req->cap = cap;
    }
    memcpy(req->body + req->len, data, size);
    req->len += size;
    req->body[req->len] = '\0';
    return 0;
}

static enum MHD_Result finish(struct api_request *req, struct MHD_Connection *conn,
                              const char *method)
{
    enum MHD_Result rc;

    /* What the reply reports is on disk (the engine batches its writes). */
    if (req->call.ctx->engine)
        engine_store_commit(req->call.ctx->engine);
    rc = api_respond(conn, &req->call.reply, header(conn, MHD_HTTP_HEADER_IF_NONE_MATCH));

    log_debug("api: %s %s %u%s%s%s", method, req->uri, req->call.reply.status,
              req->call.token_name[0] ? " (token '" : "", req->call.token_name,
              req->call.token_name[0] ? "')" : "");
    return rc;
}

enum MHD_Result api_request_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_data_size,
                                   void **req_cls)
{
    const struct api_request_env *env = cls;
    struct api_request *req = *req_cls;

    (void)url;
    (void)version;
    if (!req)
        return MHD_NO; /* out of memory at api_request_begin */
    if (!req->headers) {
        req->headers = true;
        req->call.ctx = &env->ctx;
        if (check_headers(env, req, conn, method) != 0) {
            req->answered = true;
            return finish(req, conn, method);
        }
        return MHD_YES;
    }
    if (req->answered)
        return MHD_YES;
    if (*upload_data_size) {
        if (take_body(env, req, upload_data, *upload_data_size) != 0) {
            log_warn("api: %s %s: a body of unannounced length over %zu bytes; "
                     "connection closed",
                     method, req->uri, env->max_body);
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    req->call.body = req->body ? req->body : "";
    req->call.body_len = req->len;
    req->call.if_match = header(conn, MHD_HTTP_HEADER_IF_MATCH);
    /* The handler reads a committed store: store_stats' snapshot (BEGIN)
     * cannot nest in the engine's open transaction. */
    if (req->call.ctx->engine)
        engine_store_commit(req->call.ctx->engine);
    req->call.route->handler(&req->call);
    return finish(req, conn, method);
}
