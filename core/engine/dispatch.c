/* dispatch.c — from a fire to its final row: overlap, the max_concurrent
 * queue, spawning through the executor, recording, retries, cancelling.
 *
 * A fire that is going to run becomes a job and one runs row (queued).  The
 * job first needs an instance of its task (max_instances; while none is
 * free it waits in the task's backlog, or is skipped, as the overlap policy
 * says), then a slot of scheduler.max_concurrent and of its task's queue
 * (it waits in the queue's pool, pools.h: highest priority first, then
 * earliest fire; a full queue holds back only its own).  Its process is spawned
 * ENGINE_PREPARE_AHEAD before its instant; when it exits the row gets its
 * final status and a retry may be planned as a new job.
 *
 * Spawning always happens on a fresh turn of the loop (pump_timer), never
 * inside a caller: so engine_run_now() returns before its client can hear
 * of the run's end, and executor callbacks never re-enter the executor.
 *
 * Rows are written through pending.c: a store that refuses writes for a
 * while (full disk, locked) delays the history, never a run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "engine_internal.h"
#include "events.h"
#include "lib/utf8.h"
#include "log/log.h"
#include "log/tasklog.h"
#include "notify/alerts.h"
#include "notify/pings.h"
#include "policy.h"
#include "pools.h"
#include "run/executor.h"
#include "schedule/schedule.h"
#include "time/clock.h"

#define CANCELLED_PREFIX "cancelled: "

static bool queue_less(const struct heap_node *a, const struct heap_node *b)
{
    const struct job *x = ENGINE_CONTAINER_OF(a, struct job, queue_node);
    const struct job *y = ENGINE_CONTAINER_OF(b, struct job, queue_node);

    if (x->priority != y->priority)
        return x->priority > y->priority;
    if (x->order_at != y->order_at)
        return x->order_at < y->order_at;
    return x->seq < y->seq;
}

/* A `run` event (events.h) of run `run_id`; `more` (taken, may be NULL)
 * adds its fields. */
static void publish_run(const char *type, int64_t run_id, const char *task,
                        enum store_trigger trigger, int64_t scheduled_for, json_t *more)
{
    json_t *data = json_pack("{s:I, s:s, s:s}", "run_id", (json_int_t)run_id, "task", task,
                             "trigger", store_trigger_name(trigger));

    if (data && scheduled_for &&
        json_object_set_new(data, "scheduled_for", json_integer((json_int_t)scheduled_for)) !=
            0) {
        json_decref(data);
        data = NULL;
    }
    if (data && more && json_object_update(data, more) != 0) {
        json_decref(data);
        data = NULL;
    }
    json_decref(more);
    events_publish("run", type, data);
}

/* The first line of a run's error, as JSON (null for none). */
static json_t *error_line(const char *error)
{
    return error ? utf8_json_string(error, strcspn(error, "\n")) : json_null();
}

void dispatch_init(struct engine *e)
{
    pools_init(&e->pools, queue_less);
}

void dispatch_record(struct engine *e, const struct entry *en, enum store_trigger trigger,
                     int64_t scheduled_for, enum store_status status, int attempt,
                     const char *error)
{
    struct store_run row = {0};
    char err[ENGINE_ERR_MAX];
    int64_t id;

    row.task = en->name;
    row.trigger = trigger;
    row.scheduled_for = scheduled_for;
    row.queued_at = clock_now();
    row.status = status;
    row.attempt = attempt;
    row.error = error;
    row.file_hash = en->loaded ? en->task.hash : NULL;
    if (pending_run_insert(e->pending, &row, &id, err, sizeof err) < 0) {
        log_error("%s: cannot record a %s fire: %s", en->name, store_status_name(status), err);
        return;
    }
    publish_run("finished", id, en->name, trigger, scheduled_for,
                json_pack("{s:s, s:o, s:o}", "status", store_status_name(status), "duration",
                          json_null(), "error", error_line(error)));
}

/* ---- job lifetime ----------------------------------------------------- */

static void retry_due(struct wakeup *w);

static struct job *job_new(struct engine *e, struct entry *en, enum store_trigger trigger,
                           int attempt, int64_t scheduled_for, double release_at,
                           const struct engine_client *client, char *err, size_t errlen)
{
    struct store_run row = {0};
    struct job *job = calloc(1, sizeof *job);
    double now = clock_now();

    if (!job) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    row.task = en->name;
    row.trigger = trigger;
    row.scheduled_for = scheduled_for;
    row.queued_at = now;
    row.status = STORE_RUN_QUEUED;
    row.attempt = attempt;
    row.file_hash = en->task.hash;
    if (pending_run_insert(e->pending, &row, &job->run_id, err, errlen) < 0) {
        free(job);
        return NULL;
    }
    publish_run("queued", job->run_id, en->name, trigger, scheduled_for, NULL);
    job->engine = e;
    job->entry = en;
    job->trigger = trigger;
    job->attempt = attempt;
    job->scheduled_for = scheduled_for;
    job->release_at = release_at;
    job->priority = en->task.priority;
    job->order_at = scheduled_for ? (double)scheduled_for : now;
    job->seq = e->seq++;
    heap_node_init(&job->queue_node);
    heap_node_init(&job->retry.node);
    job->retry.due = retry_due;
    alert_watch_queued(job);
    if (client)
        job->client = *client;
    job->next = e->jobs;
    if (e->jobs)
        e->jobs->prev = job;
    e->jobs = job;
    e->job_count++;
    en->refs++;
    return job;
}

/* A run that failed, timed out or was killed: one ERROR line through the
 * task log router, so it lands in the task's own log, tasks.log and
 * errors.log (scheduler.log has a warning of it).  The message is the
 * error's first line; the rest (the Lua traceback) is a field, which the
 * line format escapes, so the record stays one line. */
static void log_run_failure(const struct job *job, const struct store_run_outcome *outcome)
{
    const struct entry *en = job->entry;
    const char *error = outcome->error ? outcome->error : "(no message)";
    const char *rest = strchr(error, '\n');
    const char *status = store_status_name(outcome->status);
    int first_len = rest ? (int)(rest - error) : (int)strlen(error);
    json_t *fields = json_pack("{s:I, s:i, s:s}", "run_id", (json_int_t)job->run_id, "attempt",
                               job->attempt, "status", status);
    char *msg = NULL;
    int len;

    if (rest && fields &&
        json_object_set_new(fields, "traceback", utf8_json_string(rest + 1, strlen(rest + 1))))
        goto done;
    len = asprintf(&msg, "run %lld %s (attempt %d): %.*s", (long long)job->run_id, status,
                   job->attempt, first_len, error);
    if (len < 0) {
        msg = NULL;
        goto done;
    }
    tasklog_write(en->name, en->loaded ? en->task.title : NULL, LOG_LEVEL_ERROR, msg,
                  (size_t)len, fields);
done:
    if (!msg)
        log_error("%s: out of memory logging the failure of run %lld", en->name,
                  (long long)job->run_id);
    free(msg);
    json_decref(fields);
}

/* The row gets its final status, the client hears of it, the job goes. */
static void job_finish(struct job *job, const struct store_run_outcome *outcome)
{
    struct engine *e = job->engine;

    if (store_status_failed(outcome->status))
        log_run_failure(job, outcome);
    pending_run_finish(e->pending, job->run_id, job->entry->name, outcome);
    publish_run("finished", job->run_id, job->entry->name, job->trigger, job->scheduled_for,
                json_pack("{s:s, s:o, s:o}", "status", store_status_name(outcome->status),
                          "duration",
                          job->released ? json_real(outcome->finished_at - job->started_at)
                                        : json_null(),
                          "error", error_line(outcome->error)));
    alert_watch_forget(job);
    /* Unlinked first: the client may call back into the engine. */
    if (job->prev)
        job->prev->next = job->next;
    else
        e->jobs = job->next;
    if (job->next)
        job->next->prev = job->prev;
    e->job_count--;
    if (e->on_output)
        e->on_output(e->output_data, job->run_id);
    if (job->client.on_done)
        job->client.on_done(job->client.data, job->run_id, outcome->status,
                            outcome->has_exit_code ? outcome->exit_code : ENGINE_NO_EXIT_CODE,
                            outcome->error);
    entry_unref(job->entry);
    free(job);
    stopping_check(e);
    if (e->on_job_done && !e->stopping)
        e->on_job_done(e->hook_data);
}

/* End a job that never ran (cancelled, or it could not be started). */
static void job_abandon(struct job *job, enum store_status status, const char *error)
{
    struct store_run_outcome outcome = {0};

    outcome.status = status;
    outcome.finished_at = clock_now();
    outcome.error = error;
    job_finish(job, &outcome);
}

/* ---- instances and the queue ------------------------------------------ */

/* The job leaves its pool (waiting, or its process gone). */
static void pool_leave(struct job *job)
{
    pools_drop_idle(&job->engine->pools, job->pool);
    job->pool = NULL;
}

/* Into the pool of its task's queue as the version in force names it (a
 * job prepared again after an edit follows the edit). */
static void queue_push(struct job *job)
{
    struct engine *e = job->engine;

    job->state = JOB_QUEUED;
    job->pool = pools_get(&e->pools, job->entry->task.queue);
    if (!job->pool || heap_push(&job->pool->waiting, &job->queue_node) != 0) {
        if (job->pool)
            pool_leave(job);
        log_warn("%s: out of memory queueing run %lld", job->entry->name,
                 (long long)job->run_id);
        job->entry->active--;
        job_abandon(job, STORE_RUN_FAILED, "out of memory while queueing the run");
        return;
    }
    dispatch_pump_soon(job->engine);
}

static void backlog_append(struct job *job)
{
    struct entry *en = job->entry;

    job->state = JOB_BACKLOG;
    job->backlog_next = NULL;
    if (en->backlog_tail)
        en->backlog_tail->backlog_next = job;
    else
        en->backlog_head = job;
    en->backlog_tail = job;
    en->waiting++;
}

static void backlog_remove(struct job *job)
{
    struct entry *en = job->entry;
    struct job **link = &en->backlog_head, *prev = NULL;

    while (*link && *link != job) {
        prev = *link;
        link = &(*link)->backlog_next;
    }
    if (!*link)
        return;
    *link = job->backlog_next;
    if (en->backlog_tail == job)
        en->backlog_tail = prev;
    en->waiting--;
}

/* A job gave its instance back: the task's oldest waiting fire takes it. */
static void instance_release(struct entry *en)
{
    struct job *job = en->backlog_head;

    en->active--;
    if (!job || !en->loaded || en->active >= en->task.max_instances)
        return;
    backlog_remove(job);
    en->active++;
    queue_push(job);
}

static void job_admit(struct job *job, enum policy_overlap decision)
{
    if (decision == POLICY_WAIT) {
        backlog_append(job);
        return;
    }
    job->entry->active++;
    queue_push(job);
}

static void retry_due(struct wakeup *w)
{
    struct job *job = ENGINE_CONTAINER_OF(w, struct job, retry);
    struct entry *en = job->entry;

    job_admit(job, policy_overlap(en->active, en->waiting, en->task.max_instances,
                                  en->task.overlap, true));
}

int dispatch_fire(struct engine *e, struct entry *en, enum store_trigger trigger,
                  int64_t scheduled_for, double release_at, const struct engine_client *client,
                  int64_t *run_id, char *err, size_t errlen)
{
    enum policy_overlap decision =
        policy_overlap(en->active, en->waiting, en->task.max_instances, en->task.overlap,
                       trigger != STORE_TRIGGER_SCHEDULE);
    struct job *job;

    *run_id = 0;
    if (decision == POLICY_SKIP) {
        char why[ENGINE_ERR_MAX];
        snprintf(why, sizeof why,
                 "overlap: %d run(s) of the task in flight (max_instances %d), "
                 "%d waiting",
                 en->active, en->task.max_instances, en->waiting);
        log_info("%s: fire skipped: %s", en->name, why);
        dispatch_record(e, en, trigger, scheduled_for, STORE_RUN_SKIPPED, 1, why);
        return 0;
    }
    job = job_new(e, en, trigger, 1, scheduled_for, release_at, client, err, errlen);
    if (!job) {
        log_error("%s: fire dropped: %s", en->name, err);
        return -1;
    }
    *run_id = job->run_id;
    job_admit(job, decision);
    return 0;
}

/* ---- spawning and the executor's callbacks ---------------------------- */

static void on_start(void *data, struct run *run, double started_at)
{
    struct job *job = data;
    struct engine *e = job->engine;

    job->released = true;
    job->started_at = started_at;
    if (e->on_output) /* what it printed before its "started" was read shows now */
        e->on_output(e->output_data, job->run_id);
    alert_watch_started(job);
    pending_run_start(e->pending, job->run_id, job->entry->name, (int)executor_pid(run),
                      started_at);
    /* lateness: how long after its fire instant run() began (a retry
     * starts late on purpose, a run by hand has no instant) */
    publish_run("started", job->run_id, job->entry->name, job->trigger, job->scheduled_for,
                json_pack("{s:o}", "lateness",
                          job->scheduled_for && job->attempt == 1
                              ? json_real(started_at - (double)job->scheduled_for)
                              : json_null()));
    if (job->entry->loaded) {
        struct alerts_env env = {e->loop, e->program, e->config_path, e->zone};
        job->ping = pings_run_started(&env, &job->entry->task);
    }
    log_debug("%s: run %lld started (pid %d, %s)", job->entry->name, (long long)job->run_id,
              (int)executor_pid(run), store_trigger_name(job->trigger));
}

static void on_output(void *data, const char *stream, const char *line, size_t len)
{
    struct job *job = data;

    if (job->client.on_output)
        job->client.on_output(job->client.data, stream, line, len);
}

/* The run's kept output grew: its followers (engine_watch_output) may
 * read more once it has begun; before, engine_run_output shows none. */
static void on_kept(void *data)
{
    struct job *job = data;
    struct engine *e = job->engine;

    if (e->on_output && job->released)
        e->on_output(e->output_data, job->run_id);
}

/* The run changed its task's state: saved in order with the run's rows. */
static void on_state(void *data, const char *key, const char *value_json)
{
    struct job *job = data;

    pending_state_write(job->engine->pending, job->entry->name, key, value_json);
}

static void on_exit_cb(void *data, const struct run_outcome *outcome);

static const struct executor_callbacks job_callbacks = {
    .on_start = on_start,
    .on_output = on_output,
    .on_kept = on_kept,
    .on_state = on_state,
    .on_exit = on_exit_cb,
};

static void job_spawn(struct job *job)
{
    struct engine *e = job->engine;
    struct entry *en = job->entry;
    struct run_spec spec = {0};
    char err[ENGINE_ERR_MAX], state_err[ENGINE_ERR_MAX];
    json_t *state;

    /* Without its state the run still runs; its state helper says why. */
    if (pending_state_read(e->pending, en->name, &state, state_err, sizeof state_err) != 0)
        log_error("%s: run %lld starts without its state: %s", en->name, (long long)job->run_id,
                  state_err);
    spec.program = e->program;
    spec.task = &en->task;
    spec.root = e->root;
    spec.state = state;
    spec.state_error = state ? NULL : state_err;
    spec.config_path = e->config_path;
    spec.config = e->config;
    spec.run_id = job->run_id;
    spec.attempt = job->attempt;
    spec.trigger = store_trigger_name(job->trigger);
    spec.scheduled_for = job->scheduled_for;
    spec.release_at = job->release_at;
    spec.timeout = policy_timeout(&en->task, e->config->scheduler.default_timeout);
    spec.kill_grace = e->config->scheduler.kill_grace;
    spec.output_max = (size_t)e->config->logging.run_output_max;
    spec.has_last = en->last.ran;
    spec.last_status = en->last.status;
    spec.last_finished_at = en->last.finished_at;
    spec.stream_output = job->client.on_output != NULL;

    /* Its fire marks and queued row on disk before a process exists: a
     * kill -9 from here on leaves a row the next start marks interrupted,
     * never a run with no row, nor a fire taken again. */
    pending_commit(e->pending);
    job->run = executor_start(e->loop, &spec, &job_callbacks, job, err, sizeof err);
    json_decref(state);
    if (!job->run) {
        pool_leave(job);
        /* a warning: the failed run's line in errors.log comes from job_finish */
        log_warn("%s: cannot start run %lld: %s", en->name, (long long)job->run_id, err);
        instance_release(en);
        job_abandon(job, STORE_RUN_FAILED, err);
        return;
    }
    job->state = JOB_SPAWNED;
    job->pool->spawned++;
    e->spawned++;
}

static void pump(uv_timer_t *timer)
{
    struct engine *e = timer->data;
    struct pool *pool;

    while (!e->stopping && e->spawned < e->config->scheduler.max_concurrent &&
           (pool = pools_next(&e->pools, e->config)))
        job_spawn(ENGINE_CONTAINER_OF(heap_pop(&pool->waiting), struct job, queue_node));
}

void dispatch_pump_soon(struct engine *e)
{
    if (!e->stopping && !uv_is_active((uv_handle_t *)&e->pump_timer))
        uv_timer_start(&e->pump_timer, pump, 0, 0);
}

/* True when a retry of the fire follows this attempt. */
static bool plan_retry(struct job *job, enum store_status status, double finished_at)
{
    struct engine *e = job->engine;
    struct entry *en = job->entry;
    char msg[ENGINE_ERR_MAX], at_iso[TZ_ISO_MAX], next_iso[TZ_ISO_MAX];
    struct job *retry;
    double at;

    switch (policy_retry(&en->task, status, job->attempt, finished_at, en->next_fire, &at)) {
    case POLICY_NO_RETRY:
        return false;
    case POLICY_RETRY_DROPPED:
        tz_format_iso(e->zone, (int64_t)ceil(at), at_iso, sizeof at_iso);
        tz_format_iso(e->zone, en->next_fire, next_iso, sizeof next_iso);
        snprintf(msg, sizeof msg,
                 "retry dropped: attempt %d would start at %s, not before the next "
                 "scheduled fire at %s",
                 job->attempt + 1, at_iso, next_iso);
        log_info("%s: %s", en->name, msg);
        dispatch_record(e, en, STORE_TRIGGER_RETRY, job->scheduled_for, STORE_RUN_SKIPPED,
                        job->attempt + 1, msg);
        return false;
    case POLICY_RETRY:
        retry = job_new(e, en, STORE_TRIGGER_RETRY, job->attempt + 1, job->scheduled_for, at,
                        NULL, msg, sizeof msg);
        if (!retry) {
            log_error("%s: retry dropped: %s", en->name, msg);
            return false;
        }
        retry->state = JOB_RETRY_WAIT;
        wakeup_set(e, &retry->retry, at - ENGINE_PREPARE_AHEAD);
        log_info("%s: attempt %d %s; attempt %d in %.0f s", en->name, job->attempt,
                 store_status_name(status), job->attempt + 1, at - finished_at);
        return true;
    }
    return false;
}

/* The task's automatic notification of this attempt's end (alerts.h);
 * `final` when no retry follows.  A changed streak of repeated failures is
 * saved, so that a restart keeps counting. */
static void notify_run_end(const struct job *job, const struct store_run_outcome *row,
                           double started_at, bool final)
{
    struct engine *e = job->engine;
    struct entry *en = job->entry;
    struct alerts_env env = {e->loop, e->program, e->config_path, e->zone};
    struct alert_run run = {
        .run_id = job->run_id,
        .attempt = job->attempt,
        .attempts = en->task.retry_count + 1,
        .final = final,
        .status = row->status,
        .finished_at = row->finished_at,
        .duration = row->finished_at - started_at,
        .error = row->error,
    };
    char err[ENGINE_ERR_MAX];

    if (alerts_run_ended(&env, &en->task, &en->alerts, &run) &&
        alerts_streak_save(e->store, en->name, &en->alerts, err, sizeof err) != 0)
        log_warn("%s: its count of repeated failures is not saved (a restart begins it "
                 "again): %s",
                 en->name, err);
}

static void on_exit_cb(void *data, const struct run_outcome *outcome)
{
    struct job *job = data;
    struct engine *e = job->engine;
    struct entry *en = job->entry;
    struct store_run_outcome row = {0};
    char cancelled[ENGINE_ERR_MAX];
    /* Cancelled before run() began: see engine.h, a fire that did not run. */
    bool was_cancelled = outcome->status == STORE_RUN_SKIPPED;
    bool retried = false;

    e->spawned--;
    job->pool->spawned--;
    pool_leave(job);
    job->run = NULL;
    dispatch_pump_soon(e);
    if (was_cancelled && job->respawn && !e->stopping && en->loaded && !en->removed) {
        /* The task was edited before run() began: prepare the same fire
         * again from the new version, keeping its row and its instance. */
        job->respawn = false;
        queue_push(job);
        return;
    }

    row.status = outcome->status;
    row.finished_at = outcome->finished_at;
    row.has_exit_code = outcome->signal == 0 && outcome->exit_code >= 0;
    row.exit_code = outcome->exit_code;
    row.signal = outcome->signal;
    row.error = outcome->error;
    if (was_cancelled) {
        snprintf(cancelled, sizeof cancelled, CANCELLED_PREFIX "%s",
                 outcome->error ? outcome->error : "the run was stopped before it began");
        row.error = cancelled;
    }
    row.result_json = outcome->result_json;
    row.output_tail = outcome->output_tail;
    row.output = outcome->output;
    row.peak_rss_kb = outcome->peak_rss_kb > 0 ? outcome->peak_rss_kb : 0;
    row.cpu_ms = outcome->cpu_ms > 0 ? outcome->cpu_ms : 0;

    if (job->released) {
        entry_set_last_run(en, row.status, outcome->started_at, outcome->finished_at,
                           row.error);
    }
    if (row.status == STORE_RUN_SUCCESS)
        log_info("%s: run %lld succeeded in %.3f s", en->name, (long long)job->run_id,
                 outcome->finished_at - outcome->started_at);
    else
        log_warn("%s: run %lld %s: %s", en->name, (long long)job->run_id,
                 store_status_name(row.status), row.error ? row.error : "(no message)");

    /* A paused task does not run, so no retry is planned for it. */
    if (!e->stopping && en->loaded && !en->removed && !en->paused) {
        retried = plan_retry(job, row.status, outcome->finished_at);
        wakeup_arm(e);
    }
    if (job->released && en->loaded)
        notify_run_end(job, &row, outcome->started_at, !retried);
    if (job->ping)
        pings_run_finished(job->ping, row.status, row.has_exit_code, row.exit_code, row.signal,
                           row.output_tail);
    job->ping = NULL;
    /* the same rule as store_failing_streak, which counts it after a restart */
    if (job->released && row.status == STORE_RUN_SUCCESS)
        en->failing_streak = 0;
    else if (job->released && store_status_failed(row.status) && !retried)
        en->failing_streak++;
    if (job->released)
        alert_watch_ended(job, row.status, retried);
    instance_release(en);
    job_finish(job, &row);
}

/* ---- cancelling --------------------------------------------------------- */

/* From its release instant on, a process may be in run() before its
 * "started" message is read: it is running, no longer cancellable as a
 * fire that did not run. */
static bool job_running(const struct job *job)
{
    return job->state == JOB_SPAWNED && (job->released || job->release_at <= clock_now());
}

/* Cancel a job that has not released run().  A prepared process is told to
 * stop (its on_exit records it, or prepares it again when `respawn`); a job
 * without a process is recorded at once — unless `respawn`, which only
 * concerns processes holding an old version of the task. */
static void job_cancel(struct job *job, const char *reason, bool respawn)
{
    char msg[ENGINE_ERR_MAX];

    if (job->state == JOB_SPAWNED) {
        if (job_running(job))
            return;
        job->respawn = respawn;
        executor_stop(job->run, reason);
        return;
    }
    if (respawn)
        return;
    switch (job->state) {
    case JOB_RETRY_WAIT:
        wakeup_clear(job->engine, &job->retry);
        job->entry->failing_streak++; /* the failure it was to retry is final now */
        break;
    case JOB_BACKLOG:
        backlog_remove(job);
        break;
    case JOB_QUEUED:
        heap_remove(&job->pool->waiting, &job->queue_node);
        pool_leave(job);
        instance_release(job->entry);
        break;
    case JOB_SPAWNED:
        break;
    }
    snprintf(msg, sizeof msg, CANCELLED_PREFIX "%s", reason);
    job_abandon(job, STORE_RUN_SKIPPED, msg);
}

/* job_cancel may free the job and promote others, so walk by saved links
 * and only over the jobs that were there when the walk began. */
static void cancel_where(struct engine *e, const struct entry *only, const char *reason,
                         bool respawn)
{
    struct job *job = e->jobs, *next;

    for (; job; job = next) {
        next = job->next;
        if (!only || job->entry == only)
            job_cancel(job, reason, respawn);
    }
}

void dispatch_cancel_entry(struct entry *en, const char *reason, bool respawn)
{
    cancel_where(en->engine, en, reason, respawn);
}

void dispatch_cancel_all(struct engine *e, const char *reason)
{
    cancel_where(e, NULL, reason, false);
}

void dispatch_stop_all(struct engine *e, const char *reason)
{
    for (struct job *job = e->jobs; job; job = job->next)
        if (job->state == JOB_SPAWNED)
            executor_stop(job->run, reason);
}

struct job *dispatch_find(struct engine *e, int64_t run_id, bool *running)
{
    for (struct job *job = e->jobs; job; job = job->next) {
        if (job->run_id == run_id) {
            *running = job_running(job);
            return job;
        }
    }
    *running = false;
    return NULL;
}

void dispatch_forget_client(struct engine *e, void *data)
{
    for (struct job *job = e->jobs; job; job = job->next)
        if (job->client.data == data)
            memset(&job->client, 0, sizeof job->client);
}
