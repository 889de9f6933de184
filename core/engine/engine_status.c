/* engine_status.c — the engine's state as one JSON document (engine.h,
 * engine_status_json), for `--status` and the control socket.  Everything
 * comes from memory; the store is not read.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine_internal.h"
#include "run/executor.h"
#include "schedule/schedule.h"
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

static json_t *last_run_json(const struct engine *e, const struct entry *en)
{
    const struct last_run *last = &en->last;
    json_t *run;

    if (!last->ran)
        return json_null();
    run = json_pack("{s:s, s:o}", "status", store_status_name(last->status), "duration",
                    last->finished_at > 0 && last->started_at > 0
                        ? json_real(last->finished_at - last->started_at)
                        : json_null());
    if (run && (instant_json_set(run, "started_at", e->zone, last->started_at) < 0 ||
                instant_json_set(run, "finished_at", e->zone, last->finished_at) < 0)) {
        json_decref(run);
        return NULL;
    }
    return run;
}

/* The task's runs with a process, and whether any job of it is pending. */
static json_t *running_json(const struct engine *e, const struct entry *en, bool *pending)
{
    json_t *list = json_array();

    *pending = false;
    for (const struct job *job = e->jobs; job && list; job = job->next) {
        if (job->entry != en)
            continue;
        *pending = true;
        if (job->state != JOB_SPAWNED || !job->released)
            continue;
        json_array_append_new(list,
                              json_pack("{s:I, s:i, s:s}", "run_id", (json_int_t)job->run_id,
                                        "pid", (int)executor_pid(job->run), "trigger",
                                        store_trigger_name(job->trigger)));
    }
    return list;
}

static json_t *task_json(const struct engine *e, const struct entry *en, double now)
{
    bool fires = en->next_fire != SCHEDULE_NEVER;
    bool pending;
    json_t *running = running_json(e, en, &pending), *task;
    /* Due at its release instant (the fire plus its jitter). */
    bool overdue = fires && !en->paused && !pending &&
                   en->wake.at + ENGINE_PREPARE_AHEAD + ENGINE_OVERDUE_AFTER < now;

    task = json_pack(
        "{s:s, s:s?, s:s, s:o, s:s?, s:o, s:b, s:b, s:b, s:s?, s:b, s:b, s:b, s:o, s:o}",
        "name", en->name, "title", en->loaded ? en->task.title : NULL, "path", en->path,
        "schedule", schedule_json(en), "user", en->loaded ? en->task.user : NULL, "tags",
        task_list_json(&en->task.tags), "enabled", en->loaded && en->task.enabled, "paused",
        en->paused, "broken", en->error != NULL, "error", en->error, "last_good",
        en->error != NULL && en->loaded, "installing", en->staging, "overdue", overdue,
        "last_run", last_run_json(e, en), "running", running ? running : json_array());
    if (task &&
        instant_json_set(task, "next_fire", e->zone, fires ? (double)en->next_fire : 0) < 0) {
        json_decref(task);
        return NULL;
    }
    return task;
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
    json_t *doc = json_pack("{s:i, s:s, s:f, s:i, s:i, s:s?, s:o, s:o}", "pid", (int)getpid(),
                            "version", SCHEDULER_VERSION, "uptime", now - e->started_at,
                            "running", e->spawned, "queued", queued, "only_user", e->only_user,
                            "tasks", tasks, "store", pending_status_json(e->pending));
    if (doc && (instant_json_set(doc, "started_at", e->zone, e->started_at) < 0 ||
                instant_json_set(doc, "now", e->zone, now) < 0)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
