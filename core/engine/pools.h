/* pools.h — the runs waiting for a slot, one pool per task `queue`
 * (DESIGN.md, Queues and several hosts).
 *
 * A pool holds its waiting jobs in the engine's order (priority, then fire
 * time, then first come) and counts the processes of its jobs.  Every run
 * counts against scheduler.max_concurrent; a pool named in
 * scheduler.queues is bounded by its own max_concurrent too.  pools_next
 * picks, among the pools below their own bound, the one whose first job
 * comes first: a full queue holds back only its own jobs, and priorities
 * still order runs across queues.  Pure: no loop, no clock, no process
 * (tests/unit/test_engine.c).
 */
#ifndef POOLS_H
#define POOLS_H

#include "config/config.h"
#include "lib/heap.h"

struct pool {
    struct pool *next;
    char *name;
    struct heap waiting; /* the jobs waiting for a slot, by the pools' order */
    int spawned;         /* processes alive of its jobs */
};

struct pools {
    struct pool *head;
    heap_less_fn less; /* the order of every pool's waiting jobs */
};

void pools_init(struct pools *p, heap_less_fn less);
/* Free every pool (the nodes belong to their owners). */
void pools_free(struct pools *p);

/* The pool called `name`, or NULL. */
struct pool *pools_find(const struct pools *p, const char *name);
/* pools_find, or a new empty pool; NULL out of memory. */
struct pool *pools_get(struct pools *p, const char *name);
/* Free `pool` when no job waits in it and none of its processes is alive:
 * a queue no task names any more leaves nothing behind. */
void pools_drop_idle(struct pools *p, struct pool *pool);

/* The pool whose first waiting job starts next under `cfg`'s bounds, or
 * NULL when every pool with waiting jobs is at its own bound (the global
 * bound is the caller's). */
struct pool *pools_next(const struct pools *p, const struct config *cfg);

#endif
