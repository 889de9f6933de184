/* alert_watch.c — the alerts a job's life opens and resolves (alert.c
 * keeps them), each armed as a wake-up for the instant it can become true,
 * like fires are, so nothing polls:
 *  - late: a scheduled fire (first attempt) not started late_after s after
 *    its instant (waiting for a max_concurrent slot or an instance);
 *    resolved when a run of the task starts;
 *  - long_running: a run going longer than alerts.long_factor × the p95
 *    duration of its task's last ALERT_P95_RUNS successes, and at least
 *    alerts.long_min; resolved when it ends;
 *  - failing: the task's final failures in a row reach its failure_streak
 *    (the alert's count is that streak); resolved, with `missed`, by a
 *    success.
 */
#include "engine_internal.h"

#include <stdio.h>

#include "config/config.h"
#include "log/log.h"
#include "time/clock.h"
#include "time/tz.h"

#define ALERT_P95_RUNS 50
#define ALERT_P95_MIN_RUNS 3 /* fewer successes are no measure of "usual" */

static void late_due(struct wakeup *w)
{
    struct job *job = ENGINE_CONTAINER_OF(w, struct job, late);
    char at[TZ_ISO_MAX], msg[ENGINE_ERR_MAX];

    if (job->released)
        return;
    tz_format_iso(job->engine->zone, job->scheduled_for, at, sizeof at);
    /* a bounded queue is named: its bound may be the one holding it */
    const char *queue =
        job->state == JOB_QUEUED && config_queue_find(job->engine->config, job->pool->name)
            ? job->pool->name
            : NULL;
    snprintf(msg, sizeof msg, "the fire of %s has not started after %.0f s (%s%s%s)", at,
             clock_now() - (double)job->scheduled_for,
             job->state == JOB_QUEUED    ? "waiting for a free slot of max_concurrent"
             : job->state == JOB_BACKLOG ? "waiting for an instance of max_instances"
                                         : "being prepared",
             queue ? " or of queue " : "", queue ? queue : "");
    alert_raise(job->engine, job->entry, STORE_ALERT_LATE, 1, msg);
}

static void long_due(struct wakeup *w)
{
    struct job *job = ENGINE_CONTAINER_OF(w, struct job, long_run);
    char msg[ENGINE_ERR_MAX];

    snprintf(msg, sizeof msg, "run %lld running for %.0f s, longer than %d × its usual %.1f s",
             (long long)job->run_id, clock_now() - job->started_at,
             job->engine->config->alerts.long_factor, job->usual_p95);
    alert_raise(job->engine, job->entry, STORE_ALERT_LONG_RUNNING, 1, msg);
}

void alert_watch_queued(struct job *job)
{
    struct entry *en = job->entry;
    int late_after = en->task.alerts.late_after ? en->task.alerts.late_after
                                                : (int)job->engine->config->alerts.late_after;

    heap_node_init(&job->late.node);
    job->late.due = late_due;
    heap_node_init(&job->long_run.node);
    job->long_run.due = long_due;
    /* a catch-up is late by definition, a retry on purpose */
    if (job->trigger != STORE_TRIGGER_SCHEDULE || job->attempt != 1 || en->task.alerts.off)
        return;
    wakeup_set(job->engine, &job->late, (double)job->scheduled_for + late_after);
    wakeup_arm(job->engine);
}

void alert_watch_started(struct job *job)
{
    struct engine *e = job->engine;
    struct entry *en = job->entry;
    int count = 0;
    double p95 = 0;

    wakeup_clear(e, &job->late);
    alert_clear(e, en, STORE_ALERT_LATE, "a run started");
    if (en->task.alerts.off)
        return;
    if (store_success_p95(e->store, en->name, ALERT_P95_RUNS, &count, &p95) < 0) {
        log_warn("%s: cannot read its usual duration: %s", en->name, store_error(e->store));
        return;
    }
    if (count < ALERT_P95_MIN_RUNS)
        return;
    double limit = e->config->alerts.long_factor * p95;
    if (limit < (double)e->config->alerts.long_min)
        limit = (double)e->config->alerts.long_min;
    job->usual_p95 = p95;
    wakeup_set(e, &job->long_run, job->started_at + limit);
    wakeup_arm(e);
}

void alert_watch_forget(struct job *job)
{
    wakeup_clear(job->engine, &job->late);
    wakeup_clear(job->engine, &job->long_run);
}

void alert_watch_ended(struct job *job, enum store_status status, bool retried)
{
    struct engine *e = job->engine;
    struct entry *en = job->entry;
    int threshold = en->task.alerts.failure_streak ? en->task.alerts.failure_streak
                                                   : e->config->alerts.failure_streak;
    char msg[ENGINE_ERR_MAX];

    alert_clear(e, en, STORE_ALERT_LONG_RUNNING, "the run ended");
    if (status == STORE_RUN_SUCCESS) {
        alert_clear(e, en, STORE_ALERT_FAILING, "a run succeeded");
        alert_clear(e, en, STORE_ALERT_MISSED, "a run succeeded");
        return;
    }
    if (!store_status_failed(status) || retried || en->failing_streak < threshold)
        return;
    snprintf(msg, sizeof msg, "%d final failure%s in a row (run %lld %s)", en->failing_streak,
             en->failing_streak == 1 ? "" : "s", (long long)job->run_id,
             store_status_name(status));
    alert_raise(e, en, STORE_ALERT_FAILING,
                en->failing_streak == threshold ? en->failing_streak : 1, msg);
}
