/* api_tasks.c — GET /api/v1/status, GET /api/v1/tasks[/{name}], POST
 * /api/v1/tasks/{name}/run|pause|resume (PUT and DELETE: api_jobs.c).
 *
 * Each answer is cut from engine_status_json, the document the control
 * socket's `status` sends, and a run is started by engine_run_now, as the
 * socket's `run` does: the API is another door to the same engine, not a
 * second implementation of it.
 *
 * The whole task list (GET /tasks without a filter) is what a dashboard
 * asks most, and with 1,000 tasks its document takes about 20 ms to build
 * and serialise, so it is kept serialised (tasks_cache) until the next
 * event (every change of a task or a run publishes one) or for
 * TASKS_CACHE_S, whichever comes first: the cap bounds how stale the one
 * field that moves with time alone, `overdue`, can be.  ?q= and ?state=
 * cut that kept list too (only ?user= makes the engine list afresh), so
 * a burst of filtered requests cannot hold the loop.  Each answer sends
 * that text without a copy, holding a reference that the response's end
 * gives back, so a new version never frees the text a slow client is
 * still being sent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_internal.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "log/log.h"
#include "time/clock.h"

#define TASKS_CACHE_S 1.0

/* ?state= of GET /tasks, in the order of state_matches. */
static const char *const task_states[] = {"enabled", "disabled", "paused", "broken",
                                          "running", "overdue",  NULL};

const struct api_param api_tasks_params[] = {
    {"q", API_PARAM_TEXT, 1, 256, NULL},
    {"user", API_PARAM_TEXT, 1, 64, NULL},
    {"state", API_PARAM_ENUM, 0, 0, task_states},
    {NULL, 0, 0, 0, NULL},
};

const struct api_param api_status_params[] = {
    {"user", API_PARAM_TEXT, 1, 64, NULL},
    {NULL, 0, 0, 0, NULL},
};

static const char *user_filter(const struct api_call *call)
{
    const struct api_query_value *user = api_query_get(&call->query, "user");

    return user ? user->text : NULL;
}

static json_t *status_doc(struct api_call *call, const char *user)
{
    json_t *status = engine_status_json(call->ctx->engine, user);

    if (!status)
        api_reply_problem(call, 500, NULL, "cannot build the status");
    return status;
}

/* GET /status, with who is calling: the dashboard shows only the actions
 * the caller's role may take. */
void api_get_status(struct api_call *call)
{
    json_t *status = status_doc(call, user_filter(call));

    if (!status)
        return;
    if (json_object_set_new(status, "token",
                            json_pack("{s:s, s:s}", "name", call->token_name, "role",
                                      config_api_role_name(call->role))) != 0) {
        json_decref(status);
        api_reply_problem(call, 500, NULL, "cannot build the status");
        return;
    }
    api_reply_json(call, 200, status);
}

static bool flag(const json_t *task, const char *key)
{
    return json_is_true(json_object_get(task, key));
}

static bool state_matches(const json_t *task, int64_t state)
{
    switch (state) {
    case 0:
        return flag(task, "enabled") && !flag(task, "paused") && !flag(task, "broken");
    case 1:
        return !flag(task, "enabled");
    case 2:
        return flag(task, "paused");
    case 3:
        return flag(task, "broken");
    case 4:
        return json_array_size(json_object_get(task, "running")) > 0;
    case 5:
        return flag(task, "overdue");
    }
    return false;
}

static bool text_matches(const json_t *task, const char *q)
{
    const char *name = json_string_value(json_object_get(task, "name"));
    const char *title = json_string_value(json_object_get(task, "title"));

    return (name && strcasestr(name, q)) || (title && strcasestr(title, q));
}

/* One serialised version of the whole list, shared by the answers that
 * send it; freed when the last reference goes. */
struct tasks_text {
    unsigned refs;
    size_t len;
    char text[];
};

static struct {
    struct tasks_text *current; /* holds one reference, or NULL */
    json_t *tasks;              /* the same list as documents, for the filters */
    uint64_t events;            /* events_next() when it was made */
    double made;                /* clock_monotonic() then */
} tasks_cache;

static void tasks_text_release(void *data)
{
    struct tasks_text *t = data;

    if (t && --t->refs == 0)
        free(t);
}

/* The api_custom maker: the shared text as the body, without a copy. */
static struct MHD_Response *tasks_text_response(void *data, struct MHD_Connection *conn)
{
    struct tasks_text *t = data;
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
        t->len, t->text, tasks_text_release, t);

    (void)conn;
    if (!resp) {
        tasks_text_release(t);
        log_error("api: cannot make a response (out of memory)");
        return NULL;
    }
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json; charset=utf-8") != MHD_YES) {
        log_error("api: cannot add the response's headers (out of memory)");
        MHD_destroy_response(resp); /* releases t */
        return NULL;
    }
    return resp;
}

/* The whole list, from the cache or made now: 0, or -1 (out of memory,
 * or the status could not be built).  Never modify tasks_cache.tasks:
 * replies share its documents. */
static int whole_list(const struct api_call *call)
{
    double now = clock_monotonic();
    json_t *status, *tasks, *doc;
    char *text;
    size_t len;
    struct tasks_text *t = NULL;

    if (tasks_cache.current && tasks_cache.events == events_next() &&
        now - tasks_cache.made < TASKS_CACHE_S)
        return 0;
    if (!(status = engine_status_json(call->ctx->engine, NULL)))
        return -1;
    tasks = json_incref(json_object_get(status, "tasks"));
    json_decref(status);
    doc = json_pack("{s:O}", "tasks", tasks);
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    len = text ? strlen(text) : 0;
    if (!tasks || !text || !(t = malloc(sizeof *t + len + 1))) {
        json_decref(tasks);
        free(text);
        return -1;
    }
    t->refs = 1;
    t->len = len;
    memcpy(t->text, text, len + 1);
    free(text);
    tasks_text_release(tasks_cache.current);
    json_decref(tasks_cache.tasks);
    tasks_cache.current = t;
    tasks_cache.tasks = tasks;
    tasks_cache.events = events_next();
    tasks_cache.made = now;
    return 0;
}

void api_get_tasks(struct api_call *call)
{
    const struct api_query_value *q = api_query_get(&call->query, "q");
    const struct api_query_value *state = api_query_get(&call->query, "state");
    json_t *status = NULL, *tasks, *kept;
    size_t i;
    json_t *task;

    /* ?user= changes what the engine lists; the other filters cut the
     * kept list. */
    if (user_filter(call)) {
        if (!(status = status_doc(call, user_filter(call))))
            return;
        tasks = json_object_get(status, "tasks");
    } else if (whole_list(call) != 0) {
        api_reply_problem(call, 500, NULL, "cannot build the task list");
        return;
    } else if (!q && !state) {
        tasks_cache.current->refs++; /* the response's, given back by tasks_text_release */
        call->reply.status = 200;
        call->reply.custom = (struct api_custom){tasks_text_response, tasks_cache.current};
        return;
    } else {
        tasks = tasks_cache.tasks;
    }
    kept = json_array();
    json_array_foreach(tasks, i, task)
    {
        if ((q && !text_matches(task, q->text)) ||
            (state && !state_matches(task, state->number)))
            continue;
        if (!kept || json_array_append(kept, task) != 0) {
            json_decref(kept);
            kept = NULL;
            break;
        }
    }
    api_reply_json(call, 200, kept ? json_pack("{s:o}", "tasks", kept) : NULL);
    json_decref(status);
}

/* The task called {name} in a fresh status document (new reference), or
 * NULL with the reply set (404). */
static json_t *find_task(struct api_call *call, const char *name)
{
    json_t *task = api_task_doc(call, name);

    if (!task)
        api_reply_problem(call, 404, "name", "no task named '%s'", name);
    return task;
}

void api_get_task(struct api_call *call)
{
    json_t *task = find_task(call, api_path_param(&call->path, "name"));

    if (!task)
        return;
    api_reply_json(call, 200, task);
    call->reply.etag = true;
}

/* 202 with the run's id and where to read it.  While the store refuses
 * writes the engine hands out a provisional negative id (engine/pending.h)
 * that names no row yet: the run is accepted all the same, without an id
 * to follow. */
void api_post_task_run(struct api_call *call)
{
    const char *name = api_path_param(&call->path, "name");
    json_t *task = find_task(call, name);
    char err[ENGINE_ERR_MAX];
    int64_t id;

    if (!task)
        return;
    json_decref(task);
    log_info("api: run of %s requested with token '%s'", name, call->token_name);
    if (engine_run_now(call->ctx->engine, name, "api", NULL, &id, err, sizeof err) < 0) {
        api_reply_problem(call, 409, "name", "%s", err);
        return;
    }
    if (id > 0)
        snprintf(call->reply.location, sizeof call->reply.location, "/api/v1/runs/%" PRId64,
                 id);
    api_reply_json(call, 202,
                   json_pack("{s:s, s:o}", "task", name, "run_id",
                             id > 0 ? json_integer((json_int_t)id) : json_null()));
}

/* POST .../pause and .../resume: 200 with the task as it is now. */
static void set_paused(struct api_call *call, bool paused)
{
    const char *name = api_path_param(&call->path, "name");
    char err[ENGINE_ERR_MAX], by[ENGINE_ERR_MAX];
    json_t *changed, *task;

    /* engine_set_paused logs who asked */
    snprintf(by, sizeof by, "token '%s' via API", call->token_name);
    if (!(changed =
              engine_set_paused(call->ctx->engine, &name, 1, paused, by, err, sizeof err))) {
        api_reply_problem(call, 404, "name", "%s", err);
        return;
    }
    json_decref(changed);
    if ((task = find_task(call, name)))
        api_reply_json(call, 200, task);
}

void api_post_task_pause(struct api_call *call)
{
    set_paused(call, true);
}

void api_post_task_resume(struct api_call *call)
{
    set_paused(call, false);
}
