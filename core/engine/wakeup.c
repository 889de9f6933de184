/* wakeup.c — the engine's clock (DESIGN.md, "Time is computed, never
 * polled").
 *
 * Every instant at which something must happen — a task's run must be
 * prepared (fires.c), a retry is due (dispatch.c) — is a wake-up in one
 * heap, and one uv_timer sleeps until the earliest.  An idle daemon makes
 * no system call.  A task's wake-up comes ahead of its run's release by
 * as much as the burst of that instant needs (burst.c).
 */
#include <math.h>

#include "engine_internal.h"
#include "log/log.h"
#include "time/clock.h"

static bool wakeup_less(const struct heap_node *a, const struct heap_node *b)
{
    return ENGINE_CONTAINER_OF(a, struct wakeup, node)->at <
           ENGINE_CONTAINER_OF(b, struct wakeup, node)->at;
}

void wakeup_init(struct engine *e)
{
    heap_init(&e->wakeups, wakeup_less);
    e->fire_cost = ENGINE_FIRE_COST_INITIAL;
    uv_timer_init(e->loop, &e->timer);
    e->timer.data = e;
}

void wakeup_set(struct engine *e, struct wakeup *w, double at)
{
    w->at = at;
    if (heap_node_queued(&w->node)) {
        heap_update(&e->wakeups, &w->node);
    } else if (heap_push(&e->wakeups, &w->node) != 0) {
        log_error("out of memory: a wake-up at %.3f is lost", at);
    }
}

void wakeup_set_release(struct engine *e, struct wakeup *w, double release, double period)
{
    wakeup_set(e, w, release - burst_join(e, w, release, period));
}

void wakeup_clear(struct engine *e, struct wakeup *w)
{
    burst_leave(e, w);
    heap_remove(&e->wakeups, &w->node);
}

static void on_timer(uv_timer_t *timer)
{
    struct engine *e = timer->data;
    struct heap_node *top;

    /* Each handler moves its own wake-up strictly later (or drops it), so
     * this loop ends; several due at once are handled in time order. */
    while ((top = heap_top(&e->wakeups)) && ENGINE_CONTAINER_OF(top, struct wakeup, node)->at <=
                                                clock_now() + ENGINE_TIMER_SLACK) {
        struct wakeup *w = ENGINE_CONTAINER_OF(heap_pop(&e->wakeups), struct wakeup, node);
        w->due(w);
    }
    wakeup_arm(e);
}

void wakeup_arm(struct engine *e)
{
    struct heap_node *top = heap_top(&e->wakeups);
    double delay;
    uint64_t ms;

    if (!top || e->stopping) {
        uv_timer_stop(&e->timer);
        return;
    }
    delay = ENGINE_CONTAINER_OF(top, struct wakeup, node)->at - clock_now();
    ms = delay <= 0 ? 0 : (uint64_t)ceil(delay * 1000.0);
    uv_update_time(e->loop);
    uv_timer_start(&e->timer, on_timer, ms, 0);
}
