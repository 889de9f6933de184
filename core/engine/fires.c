/* fires.c — when a task fires, and what becomes of fires that passed.
 *
 * Per task the engine persists two instants: next_fire, and last_scheduled
 * (the last fire instant it handled: ran, skipped or recorded missed).
 * Three rules keep fires exact across restarts, edits and clock changes:
 *
 *  1. A fire instant is never handled twice: the next fire is always
 *     computed strictly after max(last_scheduled, now).  So after a
 *     backward clock jump the instants that already ran do not run again;
 *     the task resumes with its first instant after the last one handled.
 *     A task deleted and created again takes it from its runs (entries.c).
 *  2. A fire found due more than ENGINE_LATE_LIMIT late — the daemon was
 *     down (the stored next_fire is in the past at start), the wall clock
 *     jumped forward, the machine slept — goes through catchup.c, one code
 *     path for all of these.
 *  3. A task that is new, edited or re-zoned starts afresh: its
 *     next fire is the first one after now, and nothing before counts as
 *     missed.
 *  4. A fire runs only once the instants that say it was handled are saved
 *     where the next start reads them: in the store, or, while the store
 *     refuses writes, in the spill (pending.h).  Otherwise a stop would
 *     leave the store's older marks, and the next start would take the
 *     fire for a missed one and maybe run it again; so it is held back and
 *     recorded missed instead, and the next start's catch-up decides.
 *
 * A wall-clock jump itself changes no instant: wake-ups are absolute wall
 * instants, so clockwatch only makes us re-arm the (monotonic) uv_timer,
 * and the due wake-ups then follow rules 1 and 2.
 */
#include <math.h>
#include <stdio.h>

#include "catchup.h"
#include "config/config.h"
#include "engine_internal.h"
#include "log/log.h"
#include "schedule/schedule.h"
#include "time/clock.h"
#include "time/instant_json.h"

static bool is_active(const struct entry *en)
{
    return en->loaded && en->task.enabled && !en->removed && !en->engine->stopping;
}

static int64_t next_after(const struct entry *en, int64_t after)
{
    return schedule_set_next_fire(&en->task.schedules, after, en->engine->zone);
}

/* The jitter of the schedule that produced `instant` (the largest, when
 * several members of a union fire at once). */
static int jitter_of(const struct entry *en, int64_t instant)
{
    int jitter = 0;

    for (size_t i = 0; i < en->task.schedules.count; i++) {
        const struct schedule *s = &en->task.schedules.items[i];
        if (s->jitter > 0 && schedule_next_fire(s, instant - 1, en->engine->zone) == instant) {
            int j = schedule_jitter_for(s, instant, en->name);
            if (j > jitter)
                jitter = j;
        }
    }
    return jitter;
}

/* Through pending.c: a store that refuses writes for now gets them later,
 * in order with the runs rows of the same fires.  -1 with the reason when
 * they are kept in memory only, which matters to a caller that runs the
 * fires they mark as handled (rule 4); the others ignore it. */
static int persist(const struct entry *en, char *why, size_t len)
{
    int64_t next = en->next_fire == SCHEDULE_NEVER ? 0 : en->next_fire;

    return pending_task_fires(en->engine->pending, en->name, next, en->last_scheduled, why,
                              len);
}

static void arm(struct entry *en)
{
    struct engine *e = en->engine;

    if (!is_active(en) || en->next_fire == SCHEDULE_NEVER) {
        wakeup_clear(e, &en->wake);
        return;
    }
    wakeup_set_release(e, &en->wake, (double)(en->next_fire + jitter_of(en, en->next_fire)),
                       en->last_scheduled > 0 && en->last_scheduled < en->next_fire
                           ? (double)(en->next_fire - en->last_scheduled)
                           : 0);
}

/* Set the next fire, persist it and arm it.  `stored_next` is the next
 * fire the store remembers (0 = none, or start afresh): when it has
 * passed, it stays, and the wake-up, due at once, applies the catch-up
 * rule; otherwise the next fire is recomputed from now (rule 3). */
void fires_schedule(struct entry *en, int64_t stored_next)
{
    int64_t now = clock_now_s();
    char why[ENGINE_ERR_MAX];

    if (!is_active(en))
        en->next_fire = SCHEDULE_NEVER;
    else if (stored_next > 0 && stored_next <= now)
        en->next_fire = stored_next;
    else
        en->next_fire = next_after(en, en->last_scheduled > now ? en->last_scheduled : now);
    (void)persist(en, why, sizeof why);
    arm(en);
}

static int64_t catchup_next(void *ctx, int64_t after)
{
    return next_after(ctx, after);
}

static void record_missed_summary(struct entry *en, const struct catchup_plan *plan)
{
    char first[TZ_ISO_MAX], last[TZ_ISO_MAX], msg[ENGINE_ERR_MAX];

    tz_format_iso(en->engine->zone, plan->summary_first, first, sizeof first);
    tz_format_iso(en->engine->zone, plan->summary_last, last, sizeof last);
    snprintf(msg, sizeof msg,
             "missed %s%lld fires from %s to %s while the daemon was down or the clock "
             "jumped (summarised in this one row)",
             plan->summary_at_least ? "at least " : "", (long long)plan->summary_count, first,
             last);
    dispatch_record(en->engine, en, STORE_TRIGGER_SCHEDULE, plan->summary_first,
                    STORE_RUN_MISSED, 1, msg);
}

static const char *catchup_name(enum task_catchup policy)
{
    return policy == CATCHUP_ONCE ? "once" : policy == CATCHUP_ALL ? "all" : "skip";
}

/* The `missed` alert of a catch-up that left fires unrun, counting them. */
static void alert_missed(struct entry *en, const struct catchup_plan *plan)
{
    int64_t n = plan->summary_count + (int64_t)plan->missed_count;
    char msg[ENGINE_ERR_MAX];

    if (n == 0)
        return;
    snprintf(msg, sizeof msg,
             "%s%lld fire%s not run while the daemon was down or the clock jumped (catchup "
             "%s)",
             plan->summary_at_least ? "at least " : "", (long long)n, n == 1 ? "" : "s",
             catchup_name(en->task.catchup));
    alert_raise(en->engine, en, STORE_ALERT_MISSED, n, msg);
}

/* Rule 4: the marks of `instant` are in memory only, so it does not run. */
static void hold_back(struct entry *en, int64_t instant, const char *why)
{
    char iso[TZ_ISO_MAX], msg[ENGINE_ERR_MAX];

    tz_format_iso(en->engine->zone, instant, iso, sizeof iso);
    snprintf(msg, sizeof msg, "missed: not run, as its fire time could not be saved: %s", why);
    log_error("%s: the fire at %s %s", en->name, iso, msg);
    dispatch_record(en->engine, en, STORE_TRIGGER_SCHEDULE, instant, STORE_RUN_MISSED, 1, msg);
}

/* Hand one fire to dispatch, which logs why when it cannot take it.  A
 * paused task keeps its schedule, so that its history shows each fire it
 * did not run: one skipped row per fire, as an overlap skip has. */
static void fire_at(struct entry *en, enum store_trigger trigger, int64_t instant,
                    double release_at)
{
    char err[ENGINE_ERR_MAX];
    int64_t run_id;

    if (en->paused) {
        log_debug("%s: fire skipped: paused", en->name);
        dispatch_record(en->engine, en, trigger, instant, STORE_RUN_SKIPPED, 1,
                        ENGINE_PAUSED_REASON);
        return;
    }
    dispatch_fire(en->engine, en, trigger, instant, release_at, NULL, &run_id, err, sizeof err);
}

/* Rule 2: the fires from en->next_fire up to now passed unseen. */
static void catch_up(struct entry *en)
{
    struct engine *e = en->engine;
    struct catchup_input in = {
        .first = en->next_fire,
        .last_handled = en->last_scheduled,
        .now = clock_now_s(),
        .policy = en->task.catchup,
        .grace = en->task.grace,
        .max_catchup = e->config->scheduler.max_catchup,
    };
    struct catchup_plan plan;
    char why[ENGINE_ERR_MAX];
    bool saved;

    if (catchup_plan(&in, catchup_next, en, &plan) != 0) {
        log_error("%s: out of memory planning its catch-up; missed fires dropped", en->name);
        en->next_fire = next_after(en, in.now);
        (void)persist(en, why, sizeof why);
        return;
    }
    if (plan.summary_count)
        record_missed_summary(en, &plan);
    for (size_t i = 0; i < plan.missed_count; i++)
        dispatch_record(e, en, STORE_TRIGGER_SCHEDULE, plan.instants[i], STORE_RUN_MISSED, 1,
                        "missed: the fire time passed while the daemon was down or the "
                        "clock jumped");
    alert_missed(en, &plan);
    if (plan.last)
        en->last_scheduled = plan.last;
    en->next_fire = plan.next;
    saved = persist(en, why, sizeof why) == 0;
    for (size_t i = 0; i < plan.run_count; i++) {
        if (saved)
            fire_at(en, STORE_TRIGGER_CATCHUP, catchup_runs(&plan)[i], 0);
        else
            hold_back(en, catchup_runs(&plan)[i], why);
    }
    log_info("%s: %lld missed fire(s) recorded, %zu caught up now (catchup %s)", en->name,
             (long long)(plan.summary_count + (int64_t)plan.missed_count),
             saved ? plan.run_count : 0, catchup_name(en->task.catchup));
    catchup_plan_free(&plan);
}

/* The fire at en->next_fire is (nearly) due: hand it to dispatch, whose
 * process will start run() on the instant itself plus the jitter. */
static void fire(struct entry *en)
{
    int64_t fire = en->next_fire;
    char why[ENGINE_ERR_MAX];

    en->last_scheduled = fire;
    en->next_fire = next_after(en, fire);
    if (persist(en, why, sizeof why) != 0)
        hold_back(en, fire, why);
    else
        fire_at(en, STORE_TRIGGER_SCHEDULE, fire, (double)(fire + jitter_of(en, fire)));
}

void fires_due(struct wakeup *w)
{
    struct entry *en = ENGINE_CONTAINER_OF(w, struct entry, wake);
    double release = w->release; /* the fire plus its jitter */
    uint64_t began = uv_hrtime();

    if (en->next_fire <= en->last_scheduled) /* rule 1, should a stored value disagree */
        en->next_fire = next_after(en, en->last_scheduled);
    else if (release + ENGINE_LATE_LIMIT < clock_now())
        catch_up(en);
    else {
        fire(en);
        burst_note_cost(en->engine, (double)(uv_hrtime() - began) / 1e9);
    }
    arm(en);
}

json_t *engine_reset_change(const char *name, const struct tz *zone, int64_t old_next,
                            int64_t new_next)
{
    json_t *change = json_pack("{s:s}", "name", name);

    if (change && (instant_json_set(change, "old_next_fire", zone, (double)old_next) < 0 ||
                   instant_json_set(change, "new_next_fire", zone, (double)new_next) < 0)) {
        json_decref(change);
        return NULL;
    }
    return change;
}

/* One task's reset, or NULL when it needs none.  With future_only only an
 * overdue task (its next fire passed) is reset: its missed fires are
 * dropped and it gets its first fire after now. */
json_t *fires_reset(struct entry *en, bool future_only, bool dry_run)
{
    int64_t now = clock_now_s();
    int64_t last = en->last_scheduled > now ? now : en->last_scheduled;
    int64_t old = en->next_fire, next;
    char why[ENGINE_ERR_MAX];

    if (!is_active(en) || (future_only && old > now))
        return NULL;
    next = next_after(en, now);
    if (next == old && last == en->last_scheduled)
        return NULL;
    if (!dry_run) {
        en->last_scheduled = last;
        en->next_fire = next;
        (void)persist(en, why, sizeof why);
        arm(en);
    }
    return engine_reset_change(en->name, en->engine->zone, old, next);
}
