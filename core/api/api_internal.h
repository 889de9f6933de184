/* api_internal.h — what the files of api/ share; not for the rest of the
 * program.
 *
 * The map of the folder:
 *   api_server.c   the MHD daemon on the daemon's libuv loop, (re)listening
 *   api_request.c  one HTTP request: its body, its token, its route, its reply
 *   api_respond.c  an api_reply turned into an MHD response
 *   api_auth.c     bearer tokens to roles           api_token.c  data/api.token
 *   api_tls.c      api.tls_cert and api.tls_key read for HTTPS
 *   api_route.c    the route matcher                api_query.c  query strings
 *   api_decode.c   percent-decoding                 api_reply.c  replies, problems
 *   api_routes.c   THE route table: every route, its role and its handler
 *   api_health.c   GET /healthz                     api_tasks.c  status, tasks
 *   api_runs.c     runs: list, one, its log, cancel; the pages' next link
 *   api_calendar.c GET /api/v1/calendar         api_openapi.c  the OpenAPI document
 *   api_stats.c    statistics: the overview, each task's performance
 *   api_jobs.c     PUT/DELETE /api/v1/tasks/{name}: YAML jobs written as files
 *   api_taskdoc.c  one task's document, with its YAML job's fields as `job`
 *   api_alerts.c   the daemon's alerts: list, one, summary, resolve
 *   api_events.c   GET /api/v1/events (SSE)         api_metrics.c  GET /metrics
 *   api_stream.c   responses written while they last (the events, a followed log)
 *   api_static.c   GET / and /assets/: the dashboard's embedded files
 *
 * A handler gets a struct api_call (the matched route's parameters, the
 * query checked against its declaration, the body, the caller's role) and
 * fills call->reply through api_reply_json / api_reply_problem; it never
 * sees libmicrohttpd, so every handler is plain engine-and-JSON code.
 */
#ifndef API_INTERNAL_H
#define API_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "api_query.h"
#include "api_route.h"
#include "config/config.h"

#define API_LOCATION_MAX 128

struct engine;
struct store;
struct api_events;
struct api_metrics;
struct api_stream_list;
struct MHD_Connection;
struct MHD_Daemon;
struct MHD_Response;

/* What the handlers work on; owned by the server. */
struct api_context {
    struct engine *engine;
    struct store *store;
    struct api_events *events;
    struct api_metrics *metrics;
};

/* A reply that is not a JSON document (an event stream, a text body):
 * api_respond calls make(data, conn), which takes `data` and returns the
 * response with its Content-Type, or NULL (then the connection closes). */
struct api_custom {
    struct MHD_Response *(*make)(void *data, struct MHD_Connection *conn);
    void *data;
};

/* What a handler answers.  `body` is owned by the reply. */
struct api_reply {
    unsigned status;
    json_t *body;
    char *text;                      /* a text/plain body instead (malloc'd, owned), or NULL */
    bool problem;                    /* application/problem+json, else application/json */
    bool etag;                       /* send the body's ETag; If-None-Match may make it 304 */
    char location[API_LOCATION_MAX]; /* a Location header, or "" */
    char allow[API_ALLOW_MAX];       /* an Allow header (405), or "" */
    struct api_custom custom;        /* when make is set, instead of body */
};

struct api_call {
    const struct api_context *ctx;
    const struct api_route *route;
    struct api_path_params path;
    struct api_query query;
    const char *body; /* the request body (NUL-terminated), body_len bytes */
    size_t body_len;
    const char *token_name; /* who called ("" for an open route) */
    const char *if_match;   /* the If-Match header, or NULL */
    enum config_api_role role;
    struct api_reply reply;
};

/* api_reply.c.  A NULL body (out of memory) becomes a 500 problem. */
void api_reply_json(struct api_call *call, unsigned status, json_t *body);

/* No body at all (204). */
void api_reply_empty(struct api_call *call, unsigned status);

/* A text/plain; charset=utf-8 body: `text` (malloc'd) is the reply's
 * now.  NULL (out of memory) becomes a 500 problem. */
void api_reply_text(struct api_call *call, unsigned status, char *text);

/* An RFC 9457 problem: { type, title, status, detail } and, when `param`
 * is not NULL, "parameter" naming the field or parameter at fault. */
void api_reply_problem(struct api_call *call, unsigned status, const char *param,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* api_taskdoc.c.  tasks/NAME.yaml, the file the API writes for `name`:
 * 0, or -1 when that path is too long. */
int api_job_file(struct api_call *call, const char *name, char file[PATH_MAX]);

/* The task `name` as GET /api/v1/tasks/{name} shows it (a new reference),
 * or NULL when there is none. */
json_t *api_task_doc(struct api_call *call, const char *name);

/* The reason phrase of a status ("Not Found"). */
const char *api_status_title(unsigned status);

/* The handlers, one file per group of routes, and the query parameters
 * they declare. */
extern const struct api_param api_status_params[], api_tasks_params[];
void api_get_healthz(struct api_call *call);
void api_get_status(struct api_call *call);
void api_get_tasks(struct api_call *call);
void api_get_task(struct api_call *call);
void api_post_task_run(struct api_call *call);
void api_post_task_pause(struct api_call *call);
void api_post_task_resume(struct api_call *call);
void api_put_task(struct api_call *call);    /* api_jobs.c */
void api_delete_task(struct api_call *call); /* api_jobs.c */
extern const struct api_param api_runs_params[], api_run_log_params[];
void api_get_runs(struct api_call *call);
void api_get_run(struct api_call *call);
void api_post_run_cancel(struct api_call *call);
void api_get_run_log(struct api_call *call);
extern const struct api_param api_calendar_params[];
void api_get_calendar(struct api_call *call);
void api_get_openapi(struct api_call *call);
extern const struct api_param api_stats_overview_params[], api_stats_performance_params[];
void api_get_stats_overview(struct api_call *call);
void api_get_stats_performance(struct api_call *call);
/* A list's next page: `path`, this query's parameters but `before`, then
 * before=ID of the last of `items` (objects with an "id").  A JSON string,
 * or NULL out of room or memory. */
json_t *api_page_next(const struct api_call *call, const char *path, const json_t *items);
/* The path's {id} as a row's id (> 0), or -1 with a 400 naming `id` set;
 * `what` names the row in the message ("a run"). */
int64_t api_path_id(struct api_call *call, const char *what);
/* A page of a list being filled by a store's callback: `items` up to
 * `limit`; a row past the limit only sets `more` (a next page exists).
 * api_page_full says whether the page has its limit (and sets `more`);
 * api_page_add appends `row` (taken; NULL, out of memory, sets
 * out_of_memory).  Each returns what the store's callback returns: 0 to go
 * on, 1 to stop. */
struct api_page {
    const struct tz *zone;
    json_t *items;
    size_t limit;
    bool more, out_of_memory;
};
int api_page_full(struct api_page *page);
int api_page_add(struct api_page *page, json_t *row);
extern const struct api_param api_alerts_params[];
void api_get_alerts(struct api_call *call);
void api_get_alert(struct api_call *call);
void api_get_alerts_summary(struct api_call *call);
void api_post_alert_resolve(struct api_call *call);

/* api_events.c: the event stream's clients, woken by each event and by
 * a heartbeat timer on `loop`; kick(kick_data) after a client was resumed
 * must make MHD run soon (MHD does not notice a resume made outside its
 * own run in the external epoll mode).  api_events_release ends the
 * streams of one MHD daemon's connections (before MHD_stop_daemon, which
 * cannot stop a suspended connection). */
extern const struct api_param api_events_params[];
struct api_events *api_events_create(uv_loop_t *loop, void (*kick)(void *data), void *kick_data,
                                     char *err, size_t errlen);
void api_events_release(struct api_events *hub, struct MHD_Daemon *mhd);
void api_events_free(struct api_events *hub);
/* The list of followed run logs (each stream's topic its run id), woken
 * by `engine`'s output watch, which the hub holds from the first call on. */
struct api_stream_list *api_events_logs(struct api_events *hub, struct engine *engine);
void api_get_events(struct api_call *call);

/* api_metrics.c: the counters behind GET /metrics, fed by the events. */
struct api_metrics *api_metrics_create(char *err, size_t errlen);
void api_metrics_free(struct api_metrics *metrics);
void api_get_metrics(struct api_call *call);

/* api_static.c: the dashboard (core/api/dashboard/, embedded). */
void api_get_static(struct api_call *call);

#endif
