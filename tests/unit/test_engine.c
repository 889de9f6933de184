/* test_engine.c — the engine's pure rules: heap order, catch-up decisions,
 * retry timing, overlap, the queues' pools and how early a burst's runs
 * are prepared, without a loop, a clock or a process. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/burst.h"
#include "engine/catchup.h"
#include "engine/policy.h"
#include "engine/pools.h"
#include "lib/heap.h"
#include "schedule/schedule.h"
#include "testing.h"

#define MINUTE 60
#define DAY (24 * 3600)
#define T0 1800000000 /* a whole minute, 2027-01-15 */

/* ---- heap ---------------------------------------------------------------- */

struct item {
    struct heap_node node;
    int key;
};

static bool item_less(const struct heap_node *a, const struct heap_node *b)
{
    return ((const struct item *)a)->key < ((const struct item *)b)->key;
}

static int pop_key(struct heap *h)
{
    struct heap_node *n = heap_pop(h);
    return n ? ((struct item *)n)->key : -1;
}

static void heap_pops_in_key_order(void)
{
    enum { N = 200 };
    struct item items[N];
    struct heap h;
    int last = -1;

    heap_init(&h, item_less);
    srand(7);
    for (int i = 0; i < N; i++) {
        heap_node_init(&items[i].node);
        items[i].key = rand() % 1000;
        CHECK(heap_push(&h, &items[i].node) == 0, "push %d", i);
    }
    for (int i = 0; i < N; i++) {
        int key = pop_key(&h);
        CHECK(key >= last, "pop %d gave %d after %d", i, key, last);
        last = key;
    }
    CHECK(heap_top(&h) == NULL, "empty after popping everything");
    heap_free(&h);
}

static void heap_remove_and_update_keep_order(void)
{
    struct item items[5] = {{.key = 50}, {.key = 10}, {.key = 40}, {.key = 30}, {.key = 20}};
    struct heap h;

    heap_init(&h, item_less);
    for (int i = 0; i < 5; i++) {
        heap_node_init(&items[i].node);
        heap_push(&h, &items[i].node);
    }
    heap_remove(&h, &items[1].node); /* 10 goes */
    CHECK(!heap_node_queued(&items[1].node), "a removed node is outside");
    heap_remove(&h, &items[1].node); /* twice is harmless */
    items[0].key = 5;                /* 50 becomes the first */
    heap_update(&h, &items[0].node);
    items[4].key = 45; /* 20 moves back */
    heap_update(&h, &items[4].node);
    CHECK_INT(pop_key(&h), 5);
    CHECK_INT(pop_key(&h), 30);
    CHECK_INT(pop_key(&h), 40);
    CHECK_INT(pop_key(&h), 45);
    CHECK_INT(pop_key(&h), -1);
    heap_free(&h);
}

/* ---- catch-up -------------------------------------------------------------- */

/* A schedule firing every `period` seconds on multiples of it. */
static int64_t every_period(void *ctx, int64_t after)
{
    int64_t period = *(int64_t *)ctx;
    int64_t q = after >= 0 ? after / period : (after - period + 1) / period;
    return (q + 1) * period;
}

static int64_t minute = MINUTE;

static struct catchup_input downtime(int64_t first, int64_t now, enum task_catchup policy)
{
    struct catchup_input in = {
        .first = first,
        .last_handled = first - MINUTE,
        .now = now,
        .policy = policy,
        .grace = -1,
        .max_catchup = 100,
    };
    return in;
}

static void catchup_nothing_missed_when_next_fire_is_ahead(void)
{
    struct catchup_input in = downtime(T0 + MINUTE, T0 + 30, CATCHUP_ONCE);
    struct catchup_plan p;

    CHECK(catchup_plan(&in, every_period, &minute, &p) == 0, "plan");
    CHECK_INT(p.run_count, 0);
    CHECK_INT(p.missed_count, 0);
    CHECK_INT(p.summary_count, 0);
    CHECK_INT(p.next, T0 + MINUTE);
    catchup_plan_free(&p);
}

static void catchup_once_runs_the_latest_and_records_the_rest(void)
{
    /* Down from T0 to T0 + 9:30: fires T0 .. T0+9min were missed. */
    struct catchup_input in = downtime(T0, T0 + 9 * MINUTE + 30, CATCHUP_ONCE);
    struct catchup_plan p;

    CHECK(catchup_plan(&in, every_period, &minute, &p) == 0, "plan");
    CHECK_INT(p.run_count, 1);
    CHECK_INT(catchup_runs(&p)[0], T0 + 9 * MINUTE);
    CHECK_INT(p.missed_count, 9);
    CHECK_INT(p.instants[0], T0);
    CHECK_INT(p.summary_count, 0);
    CHECK_INT(p.last, T0 + 9 * MINUTE);
    CHECK_INT(p.next, T0 + 10 * MINUTE);
    catchup_plan_free(&p);
}

static void catchup_all_runs_each_missed_fire_bounded_by_max_catchup(void)
{
    struct catchup_input in = downtime(T0, T0 + 9 * MINUTE, CATCHUP_ALL);
    struct catchup_plan p;

    in.max_catchup = 3;
    CHECK(catchup_plan(&in, every_period, &minute, &p) == 0, "plan");
    /* 10 fires: the latest 3 run, the 3 before get rows, 4 are summed up. */
    CHECK_INT(p.run_count, 3);
    CHECK_INT(catchup_runs(&p)[0], T0 + 7 * MINUTE);
    CHECK_INT(catchup_runs(&p)[2], T0 + 9 * MINUTE);
    CHECK_INT(p.missed_count, 3);
    CHECK_INT(p.instants[0], T0 + 4 * MINUTE);
    CHECK_INT(p.summary_count, 4);
    CHECK_INT(p.summary_first, T0);
    CHECK_INT(p.summary_last, T0 + 3 * MINUTE);
    CHECK(!p.summary_at_least, "an exact count");
    catchup_plan_free(&p);
}

static void catchup_skip_runs_nothing(void)
{
    struct catchup_input in = downtime(T0, T0 + 4 * MINUTE, CATCHUP_SKIP);
    struct catchup_plan p;

    CHECK(catchup_plan(&in, every_period, &minute, &p) == 0, "plan");
    CHECK_INT(p.run_count, 0);
    CHECK_INT(p.missed_count, 5);
    CHECK_INT(p.last, T0 + 4 * MINUTE);
    catchup_plan_free(&p);
}

static void catchup_never_runs_fires_older_than_grace(void)
{
    struct catchup_input in = downtime(T0, T0 + 5 * MINUTE + 40, CATCHUP_ONCE);
    struct catchup_plan p;

    in.grace = 30; /* the latest fire is 40 s old */
    CHECK(catchup_plan(&in, every_period, &minute, &p) == 0, "plan");
    CHECK_INT(p.run_count, 0);
    CHECK_INT(p.missed_count, 6);
    catchup_plan_free(&p);

    in.policy = CATCHUP_ALL;
    in.grace = 2 * MINUTE + 40; /* fires at 3, 4 and 5 minutes are young enough */
    CHECK(catchup_plan(&in, every_period, &minute, &p) == 0, "plan");
    CHECK_INT(p.run_count, 3);
    CHECK_INT(catchup_runs(&p)[0], T0 + 3 * MINUTE);
    CHECK_INT(p.missed_count, 3);
    catchup_plan_free(&p);
}

static void catchup_ignores_instants_already_handled(void)
{
    struct catchup_input in = downtime(T0, T0 + 5 * MINUTE, CATCHUP_SKIP);
    struct catchup_plan p;

    in.last_handled = T0 + 2 * MINUTE; /* e.g. after a backward jump */
    CHECK(catchup_plan(&in, every_period, &minute, &p) == 0, "plan");
    CHECK_INT(p.missed_count, 3);
    CHECK_INT(p.instants[0], T0 + 3 * MINUTE);
    catchup_plan_free(&p);
}

static void catchup_long_outage_is_summarised_cheaply(void)
{
    int64_t second = 1;
    struct catchup_input in = downtime(T0, T0 + 30 * DAY, CATCHUP_ONCE);
    struct catchup_plan p;

    in.last_handled = T0 - 1;
    CHECK(catchup_plan(&in, every_period, &second, &p) == 0, "plan");
    CHECK_INT(p.run_count, 1);
    CHECK_INT(catchup_runs(&p)[0], T0 + 30 * DAY);
    CHECK_INT(p.missed_count, 100);
    CHECK(p.summary_at_least, "counting stops at CATCHUP_COUNT_MAX");
    CHECK(p.summary_count >= CATCHUP_COUNT_MAX, "summary of %lld", (long long)p.summary_count);
    CHECK_INT(p.summary_first, T0);
    CHECK_INT(p.next, T0 + 30 * DAY + 1);
    catchup_plan_free(&p);
}

static int64_t never(void *ctx, int64_t after)
{
    (void)ctx;
    (void)after;
    return SCHEDULE_NEVER;
}

static void catchup_handles_a_schedule_without_fires(void)
{
    struct catchup_input in = downtime(T0, T0 + DAY, CATCHUP_ALL);
    struct catchup_plan p;

    CHECK(catchup_plan(&in, never, NULL, &p) == 0, "plan");
    CHECK_INT(p.run_count + p.missed_count, 0);
    CHECK_INT(p.next, SCHEDULE_NEVER);
    catchup_plan_free(&p);
}

/* ---- retries and overlap ------------------------------------------------------ */

static void retry_delay_grows_by_the_backoff(void)
{
    CHECK(policy_retry_delay(60, 1, 1) == 60, "constant delay");
    CHECK(policy_retry_delay(60, 1, 5) == 60, "constant delay");
    CHECK(policy_retry_delay(10, 2, 1) == 10, "first retry");
    CHECK(policy_retry_delay(10, 2, 3) == 40, "third retry: 10 * 2^2");
    CHECK(policy_retry_delay(10, 1.5, 2) == 15, "fractional backoff");
}

static void retry_is_dropped_when_it_would_run_into_the_next_fire(void)
{
    struct task t = {0};
    double at = 0;

    t.retry_count = 2;
    t.retry_delay = 60;
    t.retry_backoff = 2;
    CHECK_INT(policy_retry(&t, STORE_RUN_FAILED, 1, T0, T0 + 3600, &at), POLICY_RETRY);
    CHECK(at == T0 + 60, "first retry after retry_delay");
    CHECK_INT(policy_retry(&t, STORE_RUN_TIMEOUT, 2, T0, T0 + 3600, &at), POLICY_RETRY);
    CHECK(at == T0 + 120, "second retry after retry_delay * backoff");
    CHECK_INT(policy_retry(&t, STORE_RUN_FAILED, 3, T0, T0 + 3600, &at), POLICY_NO_RETRY);
    CHECK_INT(policy_retry(&t, STORE_RUN_FAILED, 1, T0, T0 + 30, &at), POLICY_RETRY_DROPPED);
    CHECK_INT(policy_retry(&t, STORE_RUN_FAILED, 1, T0, SCHEDULE_NEVER, &at), POLICY_RETRY);
    CHECK_INT(policy_retry(&t, STORE_RUN_SUCCESS, 1, T0, T0 + 3600, &at), POLICY_NO_RETRY);
    CHECK_INT(policy_retry(&t, STORE_RUN_KILLED, 1, T0, T0 + 3600, &at), POLICY_NO_RETRY);
    CHECK_INT(policy_retry(&t, STORE_RUN_SKIPPED, 1, T0, T0 + 3600, &at), POLICY_NO_RETRY);
    t.retry_count = 0;
    CHECK_INT(policy_retry(&t, STORE_RUN_FAILED, 1, T0, T0 + 3600, &at), POLICY_NO_RETRY);
}

static void overlap_skips_or_waits_as_the_task_says(void)
{
    CHECK_INT(policy_overlap(0, 0, 1, OVERLAP_SKIP, false), POLICY_START);
    CHECK_INT(policy_overlap(1, 0, 1, OVERLAP_SKIP, false), POLICY_SKIP);
    CHECK_INT(policy_overlap(1, 0, 2, OVERLAP_SKIP, false), POLICY_START);
    CHECK_INT(policy_overlap(1, 0, 1, OVERLAP_QUEUE, false), POLICY_WAIT);
    CHECK_INT(policy_overlap(1, POLICY_BACKLOG_MAX, 1, OVERLAP_QUEUE, false), POLICY_SKIP);
    /* Manual, catch-up and retry fires wait their turn, never skipped. */
    CHECK_INT(policy_overlap(1, 0, 1, OVERLAP_SKIP, true), POLICY_WAIT);
    /* A free instance still waits behind fires already waiting (order). */
    CHECK_INT(policy_overlap(0, 1, 1, OVERLAP_QUEUE, false), POLICY_WAIT);
}

/* ---- pools ----------------------------------------------------------------- */

/* A waiting run as the pools see it: higher `key` first, then lower `seq`
 * (the engine's priority, then fire time). */
struct waiting_run {
    struct heap_node node;
    int key, seq;
};

static bool run_first(const struct heap_node *a, const struct heap_node *b)
{
    const struct waiting_run *x = (const struct waiting_run *)a;
    const struct waiting_run *y = (const struct waiting_run *)b;

    return x->key != y->key ? x->key > y->key : x->seq < y->seq;
}

static void wait_in(struct pools *p, const char *queue, struct waiting_run *run, int key,
                    int seq)
{
    struct pool *pool = pools_get(p, queue);

    run->key = key;
    run->seq = seq;
    heap_node_init(&run->node);
    CHECK(pool && heap_push(&pool->waiting, &run->node) == 0, "queued in %s", queue);
}

/* Start what pools_next picks until it picks nothing or `slots` (the
 * global bound) are taken; the seq of each started run, in order, into
 * `order`.  Returns how many started. */
static int start_all(struct pools *p, const struct config *cfg, int slots, int order[])
{
    struct pool *pool;
    int n = 0;

    while (n < slots && (pool = pools_next(p, cfg))) {
        order[n++] = ((struct waiting_run *)heap_pop(&pool->waiting))->seq;
        pool->spawned++;
    }
    return n;
}

static void a_full_queue_holds_back_only_its_own_runs(void)
{
    struct config_queue bounds[] = {{.name = "maint", .max_concurrent = 1}};
    struct config cfg = {0};
    struct waiting_run runs[4];
    struct pools p;
    int order[4];

    cfg.scheduler.queues = bounds;
    cfg.scheduler.queue_count = 1;
    pools_init(&p, run_first);
    /* two maintenance runs came first, at a higher priority */
    wait_in(&p, "maint", &runs[0], 5, 1);
    wait_in(&p, "maint", &runs[1], 5, 2);
    wait_in(&p, "default", &runs[2], 0, 3);
    wait_in(&p, "default", &runs[3], 0, 4);
    CHECK_INT(start_all(&p, &cfg, 10, order), 3);
    CHECK_INT(order[0], 1); /* priority first across queues */
    CHECK_INT(order[1], 3); /* maint is full: the other queue goes on */
    CHECK_INT(order[2], 4);
    CHECK(pools_next(&p, &cfg) == NULL, "the second maint run waits for its queue");
    pools_find(&p, "maint")->spawned--; /* the first one ended */
    CHECK(pools_next(&p, &cfg) == pools_find(&p, "maint"), "then it starts");
    pools_free(&p);
}

static void priorities_order_runs_across_unbounded_queues(void)
{
    struct config cfg = {0};
    struct waiting_run runs[5];
    struct pools p;
    int order[5];

    pools_init(&p, run_first);
    wait_in(&p, "a", &runs[0], 0, 1);
    wait_in(&p, "b", &runs[1], 0, 2);
    wait_in(&p, "a", &runs[2], 9, 3);
    wait_in(&p, "c", &runs[3], 0, 0);
    wait_in(&p, "b", &runs[4], 9, 5);
    /* the global bound of 3 slots; no queue has one of its own */
    CHECK_INT(start_all(&p, &cfg, 3, order), 3);
    CHECK_INT(order[0], 3);
    CHECK_INT(order[1], 5);
    CHECK_INT(order[2], 0); /* then by fire time, whatever the queue */
    CHECK_INT(start_all(&p, &cfg, 3, order), 2);
    CHECK_INT(order[0], 1);
    CHECK_INT(order[1], 2);
    pools_free(&p);
}

static void a_new_bound_applies_to_the_next_start(void)
{
    struct config_queue bounds[] = {{.name = "maint", .max_concurrent = 1}};
    struct config cfg = {0};
    struct waiting_run runs[3];
    struct pools p;
    int order[3];

    cfg.scheduler.queues = bounds;
    cfg.scheduler.queue_count = 1;
    pools_init(&p, run_first);
    for (int i = 0; i < 3; i++)
        wait_in(&p, "maint", &runs[i], 0, i);
    CHECK_INT(start_all(&p, &cfg, 10, order), 1);
    bounds[0].max_concurrent = 3; /* a reloaded config */
    CHECK_INT(start_all(&p, &cfg, 10, order), 2);
    CHECK_INT(order[0], 1);
    CHECK_INT(order[1], 2);
    pools_free(&p);
}

static void an_idle_pool_is_dropped(void)
{
    struct config cfg = {0};
    struct waiting_run run;
    struct pools p;
    struct pool *pool;
    int order[1];

    pools_init(&p, run_first);
    wait_in(&p, "once", &run, 0, 1);
    pool = pools_find(&p, "once");
    pools_drop_idle(&p, pool);
    CHECK(pools_find(&p, "once") == pool, "a pool with a waiting run stays");
    CHECK_INT(start_all(&p, &cfg, 1, order), 1);
    pools_drop_idle(&p, pool);
    CHECK(pools_find(&p, "once") == pool, "a pool with a process stays");
    pool->spawned--;
    pools_drop_idle(&p, pool);
    CHECK(pools_find(&p, "once") == NULL, "an idle pool goes");
    pools_free(&p);
}

/* ---- bursts ------------------------------------------------------------- */

/* The k-th run of an instant is prepared k x cost x safety ahead, at least
 * ENGINE_PREPARE_AHEAD, at most ENGINE_PREPARE_AHEAD_MAX and half the
 * task's period: a staircase with one step per run. */
static void burst_leads_form_a_bounded_staircase(void)
{
    const double cost = 0.002;
    double prev = 0;

    CHECK(burst_lead(1, cost, 60) == 0.25, "a burst of one: the fixed lead");
    CHECK(fabs(burst_lead(1000, cost, 60) - 6.0) < 1e-9, "the 1000th: 1000 x 2 ms x 3, got %g",
          burst_lead(1000, cost, 60));
    for (int k = 1; k <= 1000; k++) {
        double lead = burst_lead(k, cost, 60);
        CHECK(lead >= prev, "step %d goes down: %g after %g", k, lead, prev);
        prev = lead;
    }
    CHECK(burst_lead(1000, cost, 4) == 2, "capped at half the period");
    CHECK(burst_lead(1000, 1, 3600) == 10, "capped at 10 s");
    CHECK(burst_lead(1000, 1, 0) == 10, "no period: capped at 10 s");
    CHECK(burst_lead(1000, cost, 0.2) == 0.25, "never under the fixed lead");
}

int main(void)
{
    RUN(burst_leads_form_a_bounded_staircase);
    RUN(heap_pops_in_key_order);
    RUN(heap_remove_and_update_keep_order);
    RUN(catchup_nothing_missed_when_next_fire_is_ahead);
    RUN(catchup_once_runs_the_latest_and_records_the_rest);
    RUN(catchup_all_runs_each_missed_fire_bounded_by_max_catchup);
    RUN(catchup_skip_runs_nothing);
    RUN(catchup_never_runs_fires_older_than_grace);
    RUN(catchup_ignores_instants_already_handled);
    RUN(catchup_long_outage_is_summarised_cheaply);
    RUN(catchup_handles_a_schedule_without_fires);
    RUN(retry_delay_grows_by_the_backoff);
    RUN(retry_is_dropped_when_it_would_run_into_the_next_fire);
    RUN(overlap_skips_or_waits_as_the_task_says);
    RUN(a_full_queue_holds_back_only_its_own_runs);
    RUN(priorities_order_runs_across_unbounded_queues);
    RUN(a_new_bound_applies_to_the_next_start);
    RUN(an_idle_pool_is_dropped);
    TESTING_EXIT();
}
