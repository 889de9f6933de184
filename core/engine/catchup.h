/* catchup.h — what becomes of fire instants that passed unseen.
 *
 * The one rule for missed fires (DESIGN.md, "Missed fires") as a pure
 * function, used at start-up, after a forward wall-clock jump and after a
 * suspend: any time the engine finds a task's next fire already in the past
 * by more than a moment.  See catchup.c for the rule itself.
 */
#ifndef CATCHUP_H
#define CATCHUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "task/task.h"

/* Bounds the work of counting the fires of a long outage one by one (an
 * every-second task down for a month has 2.6 million); past it the summary
 * says "at least". */
#define CATCHUP_COUNT_MAX 100000

/* The first fire instant strictly after `after`, or SCHEDULE_NEVER; must be
 * strictly increasing (the engine passes schedule_set_next_fire). */
typedef int64_t (*catchup_next_fn)(void *ctx, int64_t after);

struct catchup_input {
    int64_t first;        /* the stored next fire: the earliest instant that may be missed */
    int64_t last_handled; /* last fire instant handled; instants <= it never count (0 = none) */
    int64_t now;          /* instants <= now have passed */
    enum task_catchup policy;
    int64_t grace;   /* seconds; -1 = unlimited */
    int max_catchup; /* scheduler.max_catchup, >= 0 */
};

/* The decision.  instants[] holds every fire named one by one, ascending:
 * first the `missed_count` recorded as missed, then the `run_count` to run
 * now (trigger "catchup").  Older missed fires are only counted, into one
 * summary row. */
struct catchup_plan {
    int64_t *instants;
    size_t missed_count, run_count;
    int64_t summary_count;               /* fires in the summary row (0 = no summary) */
    bool summary_at_least;               /* counting stopped at CATCHUP_COUNT_MAX */
    int64_t summary_first, summary_last; /* span of the summary's fires */
    int64_t last; /* the latest passed instant (the new "last handled"), 0 = none */
    int64_t next; /* the first fire after now, or SCHEDULE_NEVER */
};

/* Decide.  0, or -1 when out of memory.  `out` is always safe to free. */
int catchup_plan(const struct catchup_input *in, catchup_next_fn next, void *ctx,
                 struct catchup_plan *out);

static inline const int64_t *catchup_runs(const struct catchup_plan *p)
{
    return p->instants + p->missed_count;
}

void catchup_plan_free(struct catchup_plan *plan);

#endif
