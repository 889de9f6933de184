/* engine.c — the scheduling engine's public face (engine.h): create,
 * start, rescan, reconfigure, run now, pause, cancel, reset, shut down.  The
 * work is done by the files below it (engine_internal.h has the map).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "engine_internal.h"
#include "events.h"
#include "lib/utf8.h"
#include "log/log.h"
#include "run/executor.h"
#include "schedule/schedule.h"
#include "source/source.h"
#include "time/clock.h"

#define SELF_EXE "/proc/self/exe"
#define ENGINE_HANDLES 5 /* timer, pump_timer, shutdown_timer, pending's timer, sources */
/* The daemon's loop waits at most this for another process's write lock;
 * then the write waits in pending.c and the loop goes on. */
#define ENGINE_STORE_BUSY_MS 150

static const struct tz *config_zone(const struct config *config)
{
    char err[ENGINE_ERR_MAX];
    const struct tz *zone;

    if (!config->scheduler.timezone || !*config->scheduler.timezone)
        return tz_system();
    zone = tz_get(config->scheduler.timezone, err, sizeof err);
    if (!zone) {
        log_error("scheduler.timezone: %s; using the system's zone", err);
        return tz_system();
    }
    return zone;
}

static char *self_exe(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(SELF_EXE, buf, sizeof buf - 1);

    if (n <= 0)
        return strdup(SELF_EXE);
    buf[n] = '\0';
    return strdup(buf);
}

struct engine *engine_create(uv_loop_t *loop, const struct config *config, struct store *store,
                             const struct engine_options *opt, char *err, size_t errlen)
{
    struct engine *e = calloc(1, sizeof *e);

    if (!e)
        goto fail;
    e->loop = loop;
    e->config = config;
    e->store = store;
    e->program = opt->program ? strdup(opt->program) : self_exe();
    e->root = strdup(opt->root);
    e->config_path = strdup(opt->config_path);
    if (opt->only_user && !(e->only_user = strdup(opt->only_user)))
        goto fail;
    if (!e->program || !e->root || !e->config_path || !(e->foreign = json_object()))
        goto fail;
    struct sources_hooks hooks = {engine_sources_changed, engine_source_report, e};
    if (!(e->sources = sources_create(loop, e->root, &hooks)))
        goto fail;
    if (!opt->wait_for_store && store_set_busy_timeout(store, ENGINE_STORE_BUSY_MS) != 0) {
        snprintf(err, errlen, "%s", store_error(store));
        goto fail_free;
    }
    /* Last: its timer is a handle of the loop, only closed by shutdown. */
    if (!(e->pending = pending_create(loop, store, opt->spill_beside)))
        goto fail;
    pending_on_episode(e->pending, alert_store_episode, e);
    e->include_examples = opt->include_examples;
    e->interrupted = opt->interrupted;
    e->on_job_done = opt->on_job_done;
    e->hook_data = opt->hook_data;
    e->zone = config_zone(config);
    e->started_at = clock_now();
    wakeup_init(e);
    dispatch_init(e);
    uv_timer_init(loop, &e->pump_timer);
    uv_timer_init(loop, &e->shutdown_timer);
    e->pump_timer.data = e->shutdown_timer.data = e;
    e->open_handles = ENGINE_HANDLES;
    return e;
fail:
    snprintf(err, errlen, "out of memory");
fail_free:
    if (e) {
        free(e->program);
        free(e->root);
        free(e->config_path);
        free(e->only_user);
        json_decref(e->foreign);
        sources_free(e->sources);
        free(e);
    }
    return NULL;
}

int engine_rescan(struct engine *e)
{
    int broken;

    if (e->stopping)
        return -1;
    broken = entries_rescan(e);
    wakeup_arm(e);
    return broken;
}

void engine_sources_changed(void *data)
{
    struct engine *e = data;

    if (engine_rescan(e) >= 0)
        entries_forget_deleted(e); /* rows deleted while the daemon was down */
}

void engine_source_report(void *data, const char *source, const char *error)
{
    struct engine *e = data;
    char msg[ENGINE_ERR_MAX];

    events_publish("daemon", error ? "source_failed" : "source_read",
                   json_pack("{s:s, s:s?}", "source", source, "error", error));
    if (error) {
        snprintf(msg, sizeof msg, "%s (its last good rows stay scheduled)", error);
        alert_raise(e, NULL, STORE_ALERT_BROKEN, 1, msg);
    } else if (sources_failing(e->sources) == 0) {
        alert_clear(e, NULL, STORE_ALERT_BROKEN, "every source reads again");
    }
}

int engine_start(struct engine *e, char *err, size_t errlen)
{
    int broken, count = 0;
    char msg[ENGINE_ERR_MAX];

    alert_load(e, NULL);
    sources_configure(e->sources, e->config);
    if (e->interrupted > 0) {
        snprintf(msg, sizeof msg,
                 "%d run(s) left open by the previous daemon, marked interrupted",
                 e->interrupted);
        alert_raise(e, NULL, STORE_ALERT_INTERRUPTED, e->interrupted, msg);
    }
    broken = engine_rescan(e);

    if (broken < 0) {
        snprintf(err, errlen, "cannot read the tasks folder (see the log above)");
        return -1;
    }
    entries_forget_deleted(e);
    for (struct entry *en = e->entries; en; en = en->next)
        count++;
    if (e->only_user)
        log_info("%d task(s) of user %s loaded, %d broken; %zu task(s) of other users not run "
                 "(--user %s)",
                 count, e->only_user, broken, json_object_size(e->foreign), e->only_user);
    else
        log_info("%d task(s) loaded, %d broken", count, broken);
    return 0;
}

void engine_set_config(struct engine *e, const struct config *config)
{
    const struct tz *zone = config_zone(config);

    e->config = config;
    if (zone != e->zone) {
        /* Every instant may have moved: start each task afresh. */
        e->zone = zone;
        for (struct entry *en = e->entries; en; en = en->next)
            fires_schedule(en, 0);
        log_info("scheduler.timezone: now %s; next fires recomputed", tz_name(zone));
    }
    versions_retry_failed(e); /* dependencies.server may have changed */
    sources_configure(e->sources, config);
    engine_rescan(e);
    dispatch_pump_soon(e); /* max_concurrent, or a queue's, may have grown */
}

void engine_clock_jumped(struct engine *e)
{
    log_warn("the wall clock was changed; fire times re-armed");
    wakeup_arm(e);
}

int engine_run_now(struct engine *e, const char *name, const char *trigger,
                   const struct engine_client *client, int64_t *run_id, char *err,
                   size_t errlen)
{
    struct entry *en = entries_find(e, name);
    enum store_trigger trig;

    if (e->stopping) {
        snprintf(err, errlen, "the scheduler is shutting down");
        return -1;
    }
    if (store_trigger_parse(trigger, &trig) != 0 ||
        (trig != STORE_TRIGGER_MANUAL && trig != STORE_TRIGGER_API)) {
        snprintf(err, errlen, "bad trigger '%s' (manual or api)", trigger);
        return -1;
    }
    if (!en && json_object_get(e->foreign, name)) {
        snprintf(err, errlen,
                 "'%s' is not a task of user %s, the only user whose tasks this "
                 "daemon runs (--user %s)",
                 name, e->only_user, e->only_user);
        return -1;
    }
    if (!en) {
        snprintf(err, errlen, "no task named '%s'", name);
        return -1;
    }
    if (!en->loaded) {
        snprintf(err, errlen, "task '%s' %s%s", name,
                 en->error ? "is broken: " : "is installing its dependencies",
                 en->error ? en->error : "");
        return -1;
    }
    log_info("%s: run requested (%s)", name, trigger);
    return dispatch_fire(e, en, trig, 0, 0, client, run_id, err, errlen);
}

bool engine_busy(const struct engine *e)
{
    return e->job_count > 0;
}

void engine_store_commit(struct engine *e)
{
    pending_commit(e->pending);
}

const char *engine_program(const struct engine *e)
{
    return e->program;
}

void engine_forget_client(struct engine *e, void *data)
{
    dispatch_forget_client(e, data);
}

/* One task of engine_set_paused; -1 with a message when the store
 * refuses the change (then nothing changed). */
static int set_paused(struct entry *en, bool paused, const char *by, char *err, size_t errlen)
{
    struct engine *e = en->engine;

    if (store_task_set_paused(e->store, en->name, paused) < 0) {
        snprintf(err, errlen, "%s: cannot save the %s: %s", en->name,
                 paused ? "pause" : "resume", store_error(e->store));
        return -1;
    }
    en->paused = paused;
    if (paused)
        dispatch_cancel_entry(en, "task paused", false);
    log_info("%s: %s by %s", en->name, paused ? "paused" : "resumed", by);
    events_publish(
        "task", paused ? "paused" : "resumed",
        json_pack("{s:s, s:o}", "task", en->name, "by", utf8_json_string(by, strlen(by))));
    return 0;
}

json_t *engine_set_paused(struct engine *e, const char *const *names, size_t count, bool paused,
                          const char *by, char *err, size_t errlen)
{
    json_t *all = json_array(), *unchanged = json_array();
    json_t *out =
        json_pack("{s:o, s:o}", paused ? "paused" : "resumed", all, "unchanged", unchanged);

    if (!out) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (!entries_find_or_say(e, names[i], err, errlen))
            goto fail;
    for (size_t i = 0; i < count; i++) {
        struct entry *en = entries_find(e, names[i]);
        if (json_array_append_new(all, json_string(en->name)) != 0 ||
            (en->paused == paused &&
             json_array_append_new(unchanged, json_string(en->name)) != 0)) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        if (en->paused != paused && set_paused(en, paused, by, err, errlen) < 0)
            goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

int engine_cancel(struct engine *e, int64_t run_id, const char *by, const char **task,
                  char *err, size_t errlen)
{
    char reason[ENGINE_ERR_MAX];
    bool running;
    struct job *job = dispatch_find(e, run_id, &running);

    if (job && !running) {
        snprintf(err, errlen,
                 "run %lld of '%s' has not started yet: only a running run can be cancelled",
                 (long long)run_id, job->entry->name);
        return -1;
    }
    if (!job) {
        snprintf(err, errlen, "run %lld is not running", (long long)run_id);
        return -1;
    }
    snprintf(reason, sizeof reason, "cancelled by %s", by);
    log_info("%s: run %lld %s", job->entry->name, (long long)run_id, reason);
    executor_stop(job->run, reason);
    *task = job->entry->name;
    return 0;
}

enum engine_output engine_run_output(struct engine *e, int64_t run_id, size_t offset,
                                     const char **data, size_t *len)
{
    bool running;
    struct job *job = dispatch_find(e, run_id, &running);
    size_t kept;
    const char *output;

    *data = "";
    *len = 0;
    if (!job)
        return ENGINE_OUTPUT_GONE;
    if (!job->run || !job->released)
        return ENGINE_OUTPUT_WAITING;
    output = executor_output(job->run, &kept);
    if (offset < kept) {
        *data = output + offset;
        *len = kept - offset;
    }
    return ENGINE_OUTPUT_LIVE;
}

void engine_watch_output(struct engine *e, void (*fn)(void *data, int64_t run_id), void *data)
{
    e->on_output = fn;
    e->output_data = data;
}

json_t *engine_reset_next_fires(struct engine *e, const char *const *names, size_t count,
                                bool future_only, bool dry_run, char *err, size_t errlen)
{
    json_t *changes;

    for (size_t i = 0; i < count; i++) {
        if (!entries_find(e, names[i])) {
            snprintf(err, errlen, "no task named '%s'", names[i]);
            return NULL;
        }
    }
    changes = json_array();
    if (!changes) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (struct entry *en = e->entries; en; en = en->next) {
        bool selected = count == 0;
        for (size_t i = 0; i < count && !selected; i++)
            selected = strcmp(names[i], en->name) == 0;
        json_t *change = selected ? fires_reset(en, future_only, dry_run) : NULL;
        if (change && json_array_append_new(changes, change) != 0) {
            json_decref(changes);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }
    wakeup_arm(e);
    return changes;
}

/* ---- shutdown ----------------------------------------------------------- */

static void on_shutdown_timeout(uv_timer_t *timer)
{
    struct engine *e = timer->data;

    log_warn("shutdown: %d run(s) still going after %d s; stopping them", e->spawned,
             e->config->scheduler.shutdown_timeout);
    dispatch_stop_all(e, "the scheduler is shutting down");
}

void engine_shutdown(struct engine *e, void (*done)(void *data), void *data)
{
    int timeout = e->config->scheduler.shutdown_timeout;

    if (e->stopping)
        return;
    e->stopping = true;
    e->on_stopped = done;
    e->stopped_data = data;
    uv_timer_stop(&e->timer);
    uv_timer_stop(&e->pump_timer);
    for (struct entry *en = e->entries; en; en = en->next)
        wakeup_clear(e, &en->wake);
    dispatch_cancel_all(e, "the scheduler is shutting down");
    if (e->spawned > 0) {
        log_info("shutdown: waiting up to %d s for %d run(s)", timeout, e->spawned);
        if (timeout > 0)
            uv_timer_start(&e->shutdown_timer, on_shutdown_timeout, (uint64_t)timeout * 1000,
                           0);
        else
            on_shutdown_timeout(&e->shutdown_timer);
    }
    stopping_check(e);
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    entries_free_all(e);
    heap_free(&e->wakeups);
    bursts_free(&e->bursts);
    pools_free(&e->pools);
    free(e->program);
    free(e->root);
    free(e->config_path);
    free(e->only_user);
    json_decref(e->foreign);
    sources_free(e->sources);
    free(e);
}
