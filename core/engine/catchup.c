/* catchup.c — the rule for fire instants that passed while nobody fired them.
 *
 * The engine persists each task's next fire instant and the last instant it
 * handled.  When it finds that next fire in the past — at start-up after
 * downtime, after the wall clock jumped forward, after a suspend — the
 * instants in (last handled, now] that are >= the stored next fire were
 * missed, and the task's `catchup` policy says what happens to them:
 *
 *   once   the most recent one runs now; the others are recorded missed;
 *   all    each runs now, in order, at most scheduler.max_catchup of them
 *          (the most recent ones: a bound exists to stop a long outage from
 *          flooding the machine, and the latest data is worth the most);
 *   skip   none runs; all are recorded missed.
 *
 * Whatever the policy, an instant older than `grace` seconds is never run,
 * only recorded missed.  So the history stays bounded, at most max_catchup
 * missed instants get a row each (the most recent ones), and one summary
 * row stands for all older ones with their count and time span.
 *
 * A backward jump needs no rule of its own: the engine never fires an
 * instant at or before the last one it handled, so the fires between the
 * new "now" and that instant simply do not happen again.
 *
 * Everything here is arithmetic on instants; the schedule comes in as a
 * next-fire function, so tests can use any schedule and any "now".
 */
#include "catchup.h"

#include <stdlib.h>
#include <string.h>

#include "schedule/schedule.h"

/* A fire instant that passed, or SCHEDULE_NEVER when `t` did not. */
static bool passed(int64_t t, int64_t now)
{
    return t != SCHEDULE_NEVER && t <= now;
}

/* How many fires lie in (after, now], counting no further than `limit`. */
static int64_t count_fires(catchup_next_fn next, void *ctx, int64_t after, int64_t now,
                           int64_t limit)
{
    int64_t n = 0;

    for (int64_t t = next(ctx, after); n < limit && passed(t, now); t = next(ctx, t))
        n++;
    return n;
}

/* A point p in [lo, now] such that (p, now] holds at least `want` fires, or
 * lo itself: the window is doubled back from now, so a long outage costs a
 * few short scans instead of one walk over every fire it missed. */
static int64_t tail_start(catchup_next_fn next, void *ctx, int64_t lo, int64_t now,
                          int64_t want)
{
    for (int64_t width = 1; now - lo > width; width *= 2) {
        if (count_fires(next, ctx, now - width, now, want) >= want)
            return now - width;
        if (width > INT64_MAX / 2)
            break;
    }
    return lo;
}

static void summary_add(struct catchup_plan *out, int64_t t)
{
    if (out->summary_count++ == 0)
        out->summary_first = t;
    out->summary_last = t;
}

/* Count the fires of (lo, p] into the summary, up to CATCHUP_COUNT_MAX. */
static void summarise_head(catchup_next_fn next, void *ctx, int64_t lo, int64_t p,
                           struct catchup_plan *out)
{
    int64_t t = next(ctx, lo);

    for (; passed(t, p); t = next(ctx, t)) {
        if (out->summary_count >= CATCHUP_COUNT_MAX) {
            /* Stopped counting: the span ends somewhere before p. */
            out->summary_at_least = true;
            out->summary_last = p;
            return;
        }
        summary_add(out, t);
    }
}

int catchup_plan(const struct catchup_input *in, catchup_next_fn next, void *ctx,
                 struct catchup_plan *out)
{
    int64_t lo = in->first - 1 > in->last_handled ? in->first - 1 : in->last_handled;
    int64_t max_catchup = in->max_catchup > 0 ? in->max_catchup : 0;
    int64_t run_cap = in->policy == CATCHUP_ONCE  ? 1
                      : in->policy == CATCHUP_ALL ? max_catchup
                                                  : 0;
    int64_t keep = run_cap + max_catchup > 0 ? run_cap + max_catchup : 1;
    int64_t *ring = NULL;
    size_t ring_count = 0, ring_head = 0;
    int64_t p, t, expired_before, runnable, missed;

    memset(out, 0, sizeof *out);
    out->next = next(ctx, in->now > lo ? in->now : lo);
    if (!passed(next(ctx, lo), in->now))
        return 0;

    ring = malloc((size_t)keep * sizeof *ring);
    if (!ring)
        return -1;

    /* Oldest fires: only counted.  Newest `keep`: kept one by one in a ring,
     * whatever falls out of the ring joins the summary. */
    p = tail_start(next, ctx, lo, in->now, keep);
    summarise_head(next, ctx, lo, p, out);
    for (t = next(ctx, p); passed(t, in->now); t = next(ctx, t)) {
        if (ring_count == (size_t)keep) {
            summary_add(out, ring[ring_head]);
            ring[ring_head] = t;
            ring_head = (ring_head + 1) % (size_t)keep;
        } else {
            ring[ring_count++] = t;
        }
    }
    /* Unroll the ring into ascending order. */
    out->instants = malloc(ring_count * sizeof *out->instants);
    if (!out->instants) {
        free(ring);
        return -1;
    }
    for (size_t i = 0; i < ring_count; i++)
        out->instants[i] = ring[(ring_head + i) % ring_count];
    free(ring);
    out->last = out->instants[ring_count - 1];

    /* Instants before expired_before are past their grace: never run.
     * Those still runnable form a suffix of the ascending list. */
    expired_before = in->grace < 0 ? INT64_MIN : in->now - in->grace;
    runnable = 0;
    while (runnable < (int64_t)ring_count &&
           out->instants[ring_count - 1 - runnable] >= expired_before)
        runnable++;
    out->run_count = (size_t)(runnable < run_cap ? runnable : run_cap);

    /* Of the rest, the newest max_catchup get rows; older ones are summed. */
    missed = (int64_t)(ring_count - out->run_count);
    if (missed > max_catchup) {
        size_t trim = (size_t)(missed - max_catchup);
        for (size_t i = 0; i < trim; i++)
            summary_add(out, out->instants[i]);
        memmove(out->instants, out->instants + trim,
                (ring_count - trim) * sizeof *out->instants);
        missed = max_catchup;
    }
    out->missed_count = (size_t)missed;
    return 0;
}

void catchup_plan_free(struct catchup_plan *plan)
{
    free(plan->instants);
    plan->instants = NULL;
}
