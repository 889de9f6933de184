/* api_runs.c — GET /api/v1/runs, GET /api/v1/runs/{id}[/log] and POST
 * /api/v1/runs/{id}/cancel.
 *
 * The runs are read from the daemon's store with the query `main history`
 * uses (store_history), their filter values parsed by the same functions
 * (store_filter.c), and each run is the document `history --json` prints
 * (store_run_json); a cancel goes through engine_cancel, as the socket's
 * `cancel` does.  A followed log streams the output the engine holds for
 * a running run (engine_run_output), then the store's rest.
 *
 * Pages: newest first, `limit` runs (default 50) and, when more are left,
 * "next": the same query with before=ID of the last run shown, so a page
 * stays the same however many runs start meanwhile.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_stream.h"
#include "engine/engine.h"
#include "log/log.h"
#include "store/store.h"
#include "time/clock.h"

#define RUNS_LIMIT_DEFAULT 50
#define RUNS_LIMIT_MAX 500
#define RUNS_ERR_MAX 512
#define FOLLOW_BLOCK 4096 /* bytes of live output a follower holds at most */
#define LOG_CONTENT_TYPE "text/plain; charset=utf-8"
#define RUNS_NEXT_MAX (API_QUERY_BYTES * 3 + 64) /* every value percent-encoded, and the path */

const struct api_param api_run_log_params[] = {
    {"follow", API_PARAM_BOOL, 0, 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

const struct api_param api_runs_params[] = {
    {"task", API_PARAM_TEXT, 1, 256, NULL},
    {"status", API_PARAM_TEXT, 1, 32, NULL},
    {"trigger", API_PARAM_TEXT, 1, 32, NULL},
    {"since", API_PARAM_TEXT, 1, 64, NULL},
    {"until", API_PARAM_TEXT, 1, 64, NULL},
    {"limit", API_PARAM_INT, 1, RUNS_LIMIT_MAX, NULL},
    {"before", API_PARAM_INT, 1, INT64_MAX, NULL},
    {NULL, 0, 0, 0, NULL},
};

static const char *query_text(const struct api_call *call, const char *name)
{
    const struct api_query_value *v = api_query_get(&call->query, name);

    return v ? v->text : NULL;
}

/* The filter of the query; -1 with the reply set (400 naming the
 * parameter) when a value is refused. */
static int runs_filter(struct api_call *call, struct store_run_filter *f)
{
    const struct tz *zone = engine_zone(call->ctx->engine);
    const struct api_query_value *before = api_query_get(&call->query, "before");
    const char *status = query_text(call, "status"), *trigger = query_text(call, "trigger");
    const char *since = query_text(call, "since"), *until = query_text(call, "until");
    char why[RUNS_ERR_MAX];
    const char *bad = NULL;

    memset(f, 0, sizeof *f);
    f->task = query_text(call, "task");
    f->before = before ? before->number : 0;
    if (status && store_filter_status(status, f, why, sizeof why) < 0)
        bad = "status";
    else if (trigger && store_filter_trigger(trigger, f, why, sizeof why) < 0)
        bad = "trigger";
    else if (since &&
             store_filter_when(since, zone, clock_now(), &f->since, why, sizeof why) < 0)
        bad = "since";
    else if (until &&
             store_filter_when(until, zone, clock_now(), &f->until, why, sizeof why) < 0)
        bad = "until";
    else if (store_filter_check(f, "since", "until", why, sizeof why) < 0)
        bad = "since";
    if (!bad)
        return 0;
    api_reply_problem(call, 400, bad, "parameter '%s': %s", bad, why);
    return -1;
}

/* Take rows up to the limit; the row after it only says there is more. */
static int runs_take(const struct store_run *run, void *ud)
{
    struct api_page *page = ud;

    return api_page_full(page) ? 1 : api_page_add(page, store_run_json(run, page->zone));
}

/* Append "NAME=VALUE" with VALUE percent-encoded (RFC 3986 unreserved
 * bytes kept); false when it does not fit. */
static bool append_param(char *buf, size_t len, size_t *n, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    int w = snprintf(buf + *n, len - *n, "%s%s=", strchr(buf, '?') ? "&" : "?", name);

    if (w < 0 || (size_t)w >= len - *n)
        return false;
    *n += (size_t)w;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~", *p);
        if (*n + 4 > len)
            return false;
        if (plain)
            buf[(*n)++] = (char)*p;
        else {
            buf[(*n)++] = '%';
            buf[(*n)++] = hex[*p >> 4];
            buf[(*n)++] = hex[*p & 15];
        }
    }
    buf[*n] = '\0';
    return true;
}

int api_page_full(struct api_page *page)
{
    if (json_array_size(page->items) < page->limit)
        return 0;
    page->more = true;
    return 1;
}

int api_page_add(struct api_page *page, json_t *row)
{
    if (row && json_array_append_new(page->items, row) == 0)
        return 0;
    page->out_of_memory = true;
    return 1;
}

json_t *api_page_next(const struct api_call *call, const char *path, const json_t *items)
{
    const json_t *last = json_array_get(items, json_array_size(items) - 1);
    char buf[RUNS_NEXT_MAX], id[32];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s", path);

    for (size_t i = 0; call->query.spec[i].name; i++) {
        const char *name = call->query.spec[i].name;
        const struct api_query_value *v = &call->query.values[i];
        if (v->set && strcmp(name, "before") != 0 &&
            !append_param(buf, sizeof buf, &n, name, v->text))
            return NULL;
    }
    snprintf(id, sizeof id, "%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(last, "id")));
    return append_param(buf, sizeof buf, &n, "before", id) ? json_string(buf) : NULL;
}

void api_get_runs(struct api_call *call)
{
    const struct api_query_value *limit = api_query_get(&call->query, "limit");
    struct api_page page = {.zone = engine_zone(call->ctx->engine),
                            .items = json_array(),
                            .limit = limit ? (size_t)limit->number : RUNS_LIMIT_DEFAULT};
    struct store_run_filter filter;
    json_t *next;

    if (runs_filter(call, &filter) < 0) {
        json_decref(page.items);
        return;
    }
    if (!page.items) {
        api_reply_json(call, 200, NULL);
        return;
    }
    if (store_history(call->ctx->store, &filter, (int)page.limit + 1, runs_take, &page) < 0) {
        api_reply_problem(call, 500, NULL, "cannot read the runs: %s",
                          store_error(call->ctx->store));
        json_decref(page.items);
        return;
    }
    next = page.more && !page.out_of_memory ? api_page_next(call, "/api/v1/runs", page.items)
                                            : json_null();
    if (page.out_of_memory || !next) {
        json_decref(page.items);
        api_reply_json(call, 200, NULL); /* out of memory: 500 */
        return;
    }
    api_reply_json(call, 200, json_pack("{s:o, s:o}", "runs", page.items, "next", next));
}

int64_t api_path_id(struct api_call *call, const char *what)
{
    const char *text = api_path_param(&call->path, "id");
    char *end;
    long long n;

    errno = 0;
    n = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0' || n < 1) {
        api_reply_problem(call, 400, "id", "expected %s id (a whole number from 1), got '%s'",
                          what, text);
        return -1;
    }
    return (int64_t)n;
}

struct run_found {
    const struct tz *zone;
    json_t *doc;
    enum store_status status;
};

static int run_take(const struct store_run *run, void *ud)
{
    struct run_found *found = ud;

    found->doc = store_run_json(run, found->zone);
    found->status = run->status;
    return 0;
}

/* Run `id` from the store into *found; -1 with the reply set (404 when
 * there is no such run). */
static int run_find(struct api_call *call, int64_t id, struct run_found *found)
{
    int got;

    *found = (struct run_found){.zone = engine_zone(call->ctx->engine)};
    got = store_run_get(call->ctx->store, id, run_take, found);
    if (got < 0)
        api_reply_problem(call, 500, NULL, "cannot read run %" PRId64 ": %s", id,
                          store_error(call->ctx->store));
    else if (got == 0)
        api_reply_problem(call, 404, "id", "no run %" PRId64, id);
    else if (!found->doc)
        api_reply_json(call, 200, NULL); /* out of memory: 500 */
    return got == 1 && found->doc ? 0 : -1;
}

void api_get_run(struct api_call *call)
{
    int64_t id = api_path_id(call, "a run");
    struct run_found found;

    if (id < 0 || run_find(call, id, &found) < 0)
        return;
    api_reply_json(call, 200, found.doc);
    call->reply.etag = true;
}

/* 202 with the run, still running: it ends (killed) once its session is
 * gone, SIGKILL following after scheduler.kill_grace.  409 for a run that
 * is not running (finished, or still queued). */
void api_post_run_cancel(struct api_call *call)
{
    int64_t id = api_path_id(call, "a run");
    char err[ENGINE_ERR_MAX], by[ENGINE_ERR_MAX];
    struct run_found found;
    const char *task;

    if (id < 0 || run_find(call, id, &found) < 0)
        return;
    if (found.status != STORE_RUN_RUNNING) {
        api_reply_problem(call, 409, "id", "run %" PRId64 " is %s, not running", id,
                          store_status_name(found.status));
        json_decref(found.doc);
        return;
    }
    /* engine_cancel logs who asked */
    snprintf(by, sizeof by, "token '%s' via API", call->token_name);
    if (engine_cancel(call->ctx->engine, id, by, &task, err, sizeof err) < 0) {
        api_reply_problem(call, 409, "id", "%s", err);
        json_decref(found.doc);
        return;
    }
    api_reply_json(call, 202, found.doc);
}

/* A followed log: the bytes sent so far of the run's output. */
struct log_follower {
    struct engine *engine;
    struct store *store;
    struct api_stream_list *list;
    int64_t run_id;
    size_t sent;
};

/* The rest of what the store kept of the run's output past f->sent, and
 * the end: the output the engine showed live is always the start of it
 * (engine_run_output), so the whole stream is the non-follow answer. */
static int follow_rest(struct api_stream *s, struct log_follower *f)
{
    char *output = NULL;
    size_t len;
    int got = store_run_output(f->store, f->run_id, &output);

    api_stream_end(s);
    if (got < 0)
        log_warn("api: the followed log of run %" PRId64 " ends early: %s", f->run_id,
                 store_error(f->store));
    else if (got == 0)
        log_info("api: the followed log of run %" PRId64 " ends with what it showed live: "
                 "the store holds no output of it (yet)",
                 f->run_id);
    if (got <= 0 || (len = strlen(output)) <= f->sent) {
        free(output);
        return 1;
    }
    memmove(output, output + f->sent, len - f->sent + 1);
    return api_stream_text(s, output, (int)(len - f->sent)) == 0 ? 1 : -1;
}

/* The next piece of a followed log (api_stream_source.next): what the run
 * printed since the last piece, FOLLOW_BLOCK bytes at most, so that a
 * follower holds no more however far behind it reads; nothing while the
 * run waits to begin or has printed nothing new (the engine's output
 * watch wakes it); once it ended, the rest from the store. */
static int follow_next(struct api_stream *s, void *data)
{
    struct log_follower *f = data;
    const char *live;
    size_t len;

    switch (engine_run_output(f->engine, f->run_id, f->sent, &live, &len)) {
    case ENGINE_OUTPUT_WAITING:
        return 0;
    case ENGINE_OUTPUT_LIVE:
        if (len == 0)
            return 0;
        len = len < FOLLOW_BLOCK ? len : FOLLOW_BLOCK;
        f->sent += len;
        return api_stream_copy(s, live, len) == 0 ? 1 : -1;
    case ENGINE_OUTPUT_GONE:
        break;
    }
    return follow_rest(s, f);
}

static const struct api_stream_source follow_source = {follow_next, free, "followed run log"};

static struct MHD_Response *make_follow(void *data, struct MHD_Connection *conn)
{
    struct log_follower *f = data;

    return api_stream_open(f->list, conn, LOG_CONTENT_TYPE, &follow_source, f, f->run_id);
}

/* ?follow=1 on a run not over yet: 200 with its output streamed as it
 * comes, the response ending when the run does. */
static void follow_log(struct api_call *call, int64_t id)
{
    struct log_follower *f = calloc(1, sizeof *f);

    if (!f) {
        api_reply_problem(call, 500, NULL, "out of memory following run %" PRId64, id);
        return;
    }
    *f = (struct log_follower){.engine = call->ctx->engine,
                               .store = call->ctx->store,
                               .list = api_events_logs(call->ctx->events, call->ctx->engine),
                               .run_id = id};
    call->reply.status = 200;
    call->reply.custom = (struct api_custom){make_follow, f};
}

/* The run's whole output and log lines as they came (text/plain), kept
 * when it ended, cut at logging.run_output_max with the cut marked.  404
 * for no such run, and for one that kept none: not ended yet, or ended
 * before outputs were kept (`output_tail` in its document has the end).
 * With ?follow=1 a run that is queued or running streams it instead
 * (follow_log); a run that is over answers as without. */
void api_get_run_log(struct api_call *call)
{
    const struct api_query_value *follow = api_query_get(&call->query, "follow");
    int64_t id = api_path_id(call, "a run");
    struct run_found found;
    char *output = NULL;
    int got;

    if (id < 0 || run_find(call, id, &found) < 0)
        return;
    json_decref(found.doc);
    if (follow && follow->number &&
        (found.status == STORE_RUN_QUEUED || found.status == STORE_RUN_RUNNING)) {
        follow_log(call, id);
        return;
    }
    got = store_run_output(call->ctx->store, id, &output);
    if (got < 0)
        api_reply_problem(call, 500, NULL, "cannot read the output of run %" PRId64 ": %s", id,
                          store_error(call->ctx->store));
    else if (got == 0)
        api_reply_problem(call, 404, "id", "run %" PRId64 " (%s) kept no output%s", id,
                          store_status_name(found.status),
                          found.status == STORE_RUN_QUEUED || found.status == STORE_RUN_RUNNING
                              ? ": it is kept when the run ends"
                              : "");
    else
        api_reply_text(call, 200, output);
}
