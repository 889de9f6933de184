/* burst.c — how many prepared runs share one release instant, and how
 * early the wake-ups of such a burst must come (DESIGN.md, Architecture 4).
 *
 * ENGINE_PREPARE_AHEAD covers one run: its fire, its row and its spawn
 * take about a millisecond.  N runs on one instant take N times the cost
 * of one, paid one after another on the loop, so a fixed lead leaves the
 * last of a large burst late.  Each entry's wake-up therefore counts in
 * the burst of its release instant, and the k-th to join a burst is
 * prepared k × cost × ENGINE_BURST_SAFETY ahead (at least
 * ENGINE_PREPARE_AHEAD): the wake-ups of one instant form a staircase with
 * one step per run, each step as long as a fire is measured to take (a
 * moving average, burst_note_cost), with room for the children's own
 * start-up on the other cores.  The lead is capped at
 * ENGINE_PREPARE_AHEAD_MAX and at half the task's period, so a run is
 * never prepared before the previous fire of its own task.
 *
 * The counts live in a small hash of release instants (in ms); a burst
 * leaves it when its last wake-up is cleared or moved.
 */
#include "burst.h"

#include <math.h>
#include <stdlib.h>

#include "engine_internal.h"

#define BURST_BUCKET(key) ((size_t)((uint64_t)(key)*0x9e3779b97f4a7c15ull >> 54))

struct burst {
    struct burst *next;
    int64_t key; /* release instant, ms */
    int count;
};

/* Add `delta` to the burst of `key`; its new count (0 when it left), or -1
 * when out of memory (the wake-up then counts as a burst of one). */
static int burst_add(struct bursts *b, int64_t key, int delta)
{
    struct burst **link = &b->buckets[BURST_BUCKET(key)], *x;

    while (*link && (*link)->key != key)
        link = &(*link)->next;
    if (!(x = *link)) {
        if (delta <= 0 || !(x = calloc(1, sizeof *x)))
            return delta <= 0 ? 0 : -1;
        x->key = key;
        *link = x;
    }
    x->count += delta;
    if (x->count > 0)
        return x->count;
    *link = x->next;
    free(x);
    return 0;
}

double burst_lead(int n, double fire_cost, double period)
{
    double ahead = (n > 0 ? n : 1) * fire_cost * ENGINE_BURST_SAFETY;
    double cap = period > 0 && period / 2 < ENGINE_PREPARE_AHEAD_MAX ? period / 2
                                                                     : ENGINE_PREPARE_AHEAD_MAX;

    if (ahead > cap)
        ahead = cap;
    return ahead > ENGINE_PREPARE_AHEAD ? ahead : ENGINE_PREPARE_AHEAD;
}

double burst_join(struct engine *e, struct wakeup *w, double release, double period)
{
    int64_t key = llround(release * 1000.0);
    int n;

    if (w->in_burst && w->burst_key == key)
        return w->release - w->at;
    burst_leave(e, w);
    n = burst_add(&e->bursts, key, 1);
    w->in_burst = n > 0;
    w->burst_key = key;
    w->release = release;
    return burst_lead(n, e->fire_cost, period);
}

void burst_leave(struct engine *e, struct wakeup *w)
{
    if (!w->in_burst)
        return;
    (void)burst_add(&e->bursts, w->burst_key, -1);
    w->in_burst = false;
}

void burst_note_cost(struct engine *e, double seconds)
{
    if (seconds < 0)
        return;
    e->fire_cost =
        e->fire_cost * (1 - ENGINE_FIRE_COST_WEIGHT) + seconds * ENGINE_FIRE_COST_WEIGHT;
}

void bursts_free(struct bursts *b)
{
    for (size_t i = 0; i < ENGINE_BURST_BUCKETS; i++)
        while (b->buckets[i]) {
            struct burst *x = b->buckets[i];
            b->buckets[i] = x->next;
            free(x);
        }
}
