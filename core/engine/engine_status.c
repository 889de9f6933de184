/* engine_status.c — the engine's state as one JSON document (engine.h,
 * engine_status_json), for `--status` and the control socket.  Everything
 * comes from memory; the store is not read.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "engine_internal.h"
#include "lib/utf8.h"
#include "run/executor.h"
#include "schedule/schedule.h"
#include "source/source.h"
#include "task/calendar.h"
#include "time/clock.h"
#include "time/instant_json.h"
#include "version.h"

/* "every 5 minutes; every Monday at 09:00" */
static json_t *schedule_json(const struct entry *en)
{
    char text[SCHEDULE_TEXT_MAX * 4];

    if (!en->loaded)
        return json_null();
    schedule_set_describe(&en->task.schedules, text, sizeof text);
    return json_string(text);
}

/* The zone the task's times are read in: its first schedule's :tz(), else
 * the daemon's (scheduler.timezone or the system's). */
static const char *task_zone(const struct engine *e, const struct entry *en)
{
    if (en->loaded)
        for (size_t i = 0; i < en->task.schedules.count; i++)
            if (en->task.schedules.items[i].zone[0])
                return en->task.schedules.items[i].zone;
    return tz_name(e->zone);
}

const struct tz *engine_zone(const struct engine *engine)
{
    return engine->zone;
}

json_t *engine_task_fires(struct engine *e, const char *name, int64_t from, long count,
                          bool *found)
{
    const struct entry *en = entries_find(e, name);

    *found = en && en->loaded && !en->removed;
    return *found ? calendar_fires(&en->task.schedules, from, e->zone, count) : NULL;
}

json_t *engine_last_run_json(const struct store_run *run, const struct tz *zone)
{
    json_t *out = json_pack(
        "{s:s, s:o, s:o}", "status", store_status_name(run->status), "duration",
        run->finished_at > 0 && run->started_at > 0
            ? json_real(run->finished_at - run->started_at)
            : json_null(),
        "error",
        run->error && *run->error ? utf8_json_string(run->error, strcspn(run->error, "\n"))
                                  : json_null());

    if (out && (instant_json_set(out, "started_at", zone, run->started_at) < 0 ||
                instant_json_set(out, "finished_at", zone, run->finished_at) < 0)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *last_run_json(const struct engine *e, const struct entry *en)
{
    const struct last_run *last = &en->last;
    struct store_run run = {.status = last->status,
                            .started_at = last->started_at,
                            .finished_at = last->finished_at,
                            .error = last->error};

    return last->ran ? engine_last_run_json(&run, e->zone) : json_null();
}

/* What the task's jobs are doing: the runs with a process (with their
 * start), whether any job exists, whether one waits for a slot, and the
 * retry waiting for its instant (or null). */
struct jobs_view {
    json_t *running, *retry;
    bool pending, queued;
};

static json_t *retry_json(const struct engine *e, const struct job *job)
{
    json_t *retry = json_pack("{s:i, s:i}", "attempt", job->attempt, "of",
                              job->entry->task.retry_count + 1);

    if (retry && instant_json_set(retry, "at", e->zone, job->release_at) < 0) {
        json_decref(retry);
        return NULL;
    }
    return retry;
}

static json_t *running_one_json(const struct engine *e, const struct job *job)
{
    json_t *run =
        json_pack("{s:I, s:i, s:s}", "run_id", (json_int_t)job->run_id, "pid",
                  (int)executor_pid(job->run), "trigger", store_trigger_name(job->trigger));

    if (run && instant_json_set(run, "started_at", e->zone, job->started_at) < 0) {
        json_decref(run);
        return NULL;
    }
    return run;
}

/* 0, or -1 out of memory (then the caller frees what is in `view`). */
static int jobs_view(const struct engine *e, const struct entry *en, struct jobs_view *view)
{
    memset(view, 0, sizeof *view);
    if (!(view->running = json_array()))
        return -1;
    for (const struct job *job = e->jobs; job; job = job->next) {
        if (job->entry != en)
            continue;
        view->pending = true;
        view->queued |= job->state == JOB_QUEUED || job->state == JOB_BACKLOG;
        if (job->state == JOB_RETRY_WAIT && !view->retry) {
            if (!(view->retry = retry_json(e, job)))
                return -1;
        }
        if (job->state != JOB_SPAWNED || !job->released)
            continue;
        if (json_array_append_new(view->running, running_one_json(e, job)) < 0)
            return -1;
    }
    return 0;
}

static json_t *task_json(const struct engine *e, const struct entry *en, double now)
{
    bool fires = en->next_fire != SCHEDULE_NEVER;
    struct jobs_view jobs;
    json_t *task = NULL;

    if (jobs_view(e, en, &jobs) < 0)
        goto done;
    /* Due at its release instant (the fire plus its jitter); a fire held
     * in the queue past its late_after (an open `late` alert) too. */
    bool overdue = (fires && !en->paused && !jobs.pending &&
                    en->wake.at + ENGINE_PREPARE_AHEAD + ENGINE_OVERDUE_AFTER < now) ||
                   (en->alerts_open & (1u << STORE_ALERT_LATE));
    task = json_pack(
        "{s:s, s:s?, s:s, s:o, s:s?, s:s?, s:o, s:b, s:b, s:b, s:s?, s:b, s:b, s:b, s:o, s:i, "
        "s:b, s:O, s:O, s:o, s:o, s:s}",
        "name", en->name, "title", en->loaded ? en->task.title : NULL, "path", en->path,
        "schedule", schedule_json(en), "user", en->loaded ? en->task.user : NULL, "queue",
        en->loaded ? en->task.queue : NULL, "tags", task_list_json(&en->task.tags), "enabled",
        en->loaded && en->task.enabled, "paused", en->paused, "broken", en->error != NULL,
        "error", en->error, "last_good", en->error != NULL && en->loaded, "installing",
        en->staging, "overdue", overdue, "last_run", last_run_json(e, en), "failing_streak",
        en->failing_streak, "queued", jobs.queued, "retry",
        jobs.retry ? jobs.retry : json_null(), "running", jobs.running, "alerts",
        alert_kinds_json(en->alerts_open), "source",
        task_source_json(en->path, en->loaded ? en->task.line : 0), "zone", task_zone(e, en));
    if (task &&
        instant_json_set(task, "next_fire", e->zone, fires ? (double)en->next_fire : 0) < 0) {
        json_decref(task);
        task = NULL;
    }
done:
    json_decref(jobs.running);
    json_decref(jobs.retry);
    return task;
}

/* Queue `name` into `queues` unless it is there: its own bound (null for
 * none) and its pool's counts.  0, or -1 out of memory. */
static int queue_add(json_t *queues, const struct engine *e, const char *name)
{
    const struct pool *pool = pools_find(&e->pools, name);
    const struct config_queue *q = config_queue_find(e->config, name);

    if (json_object_get(queues, name))
        return 0;
    return json_object_set_new(queues, name,
                               json_pack("{s:o, s:i, s:i}", "max_concurrent",
                                         q ? json_integer(q->max_concurrent) : json_null(),
                                         "running", pool ? pool->spawned : 0, "waiting",
                                         pool ? (int)pool->waiting.count : 0));
}

/* Every queue the config bounds, a task names or a run is in:
 * { NAME: { "max_concurrent", "running", "waiting" } }.  NULL out of
 * memory. */
static json_t *queues_json(const struct engine *e)
{
    json_t *queues = json_object();
    int rc = queues ? 0 : -1;

    for (size_t i = 0; rc == 0 && i < e->config->scheduler.queue_count; i++)
        rc = queue_add(queues, e, e->config->scheduler.queues[i].name);
    for (const struct entry *en = e->entries; rc == 0 && en; en = en->next)
        if (en->loaded)
            rc = queue_add(queues, e, en->task.queue);
    for (const struct pool *pool = e->pools.head; rc == 0 && pool; pool = pool->next)
        rc = queue_add(queues, e, pool->name);
    if (rc == 0)
        return queues;
    json_decref(queues);
    return NULL;
}

/* A broken file cannot say whose it is: every user sees it. */
static bool wanted(const struct entry *en, const char *user_filter)
{
    return !user_filter || !en->loaded ||
           (en->task.user && strcmp(en->task.user, user_filter) == 0);
}

json_t *engine_status_json(struct engine *e, const char *user_filter)
{
    double now = clock_now();
    json_t *tasks = json_array();
    int queued = 0;

    if (!tasks)
        return NULL;
    for (const struct entry *en = e->entries; en; en = en->next) {
        json_t *task;
        if (!wanted(en, user_filter))
            continue;
        task = task_json(e, en, now);
        if (!task || json_array_append_new(tasks, task) != 0) {
            json_decref(tasks);
            return NULL;
        }
    }
    for (const struct job *job = e->jobs; job; job = job->next)
        queued += job->state != JOB_SPAWNED;
    /* every open alert, the daemon's own and those of tasks filtered out */
    int open_alerts = __builtin_popcount(e->alerts_open);
    for (const struct entry *en = e->entries; en; en = en->next)
        open_alerts += __builtin_popcount(en->alerts_open);
    json_t *doc = json_pack("{s:i, s:s, s:f, s:i, s:i, s:o, s:s?, s:o, s:o, s:i, s:o?}", "pid",
                            (int)getpid(), "version", SCHEDULER_VERSION, "uptime",
                            now - e->started_at, "running", e->spawned, "queued", queued,
                            "queues", queues_json(e), "only_user", e->only_user, "tasks", tasks,
                            "store", pending_status_json(e->pending), "open_alerts",
                            open_alerts, "sources", sources_status_json(e->sources, e->zone));
    if (doc && (instant_json_set(doc, "started_at", e->zone, e->started_at) < 0 ||
                instant_json_set(doc, "now", e->zone, now) < 0)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
