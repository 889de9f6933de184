/* pools.c — the pools of waiting runs and the choice of the next one to
 * start (pools.h).  There are as many pools as queue names in use, a
 * handful, so they are a list and pools_next looks at each first job. */
#include "pools.h"

#include <stdlib.h>
#include <string.h>

void pools_init(struct pools *p, heap_less_fn less)
{
    p->head = NULL;
    p->less = less;
}

static void pool_free(struct pool *pool)
{
    heap_free(&pool->waiting);
    free(pool->name);
    free(pool);
}

void pools_free(struct pools *p)
{
    struct pool *pool = p->head, *next;

    for (; pool; pool = next) {
        next = pool->next;
        pool_free(pool);
    }
    p->head = NULL;
}

struct pool *pools_find(const struct pools *p, const char *name)
{
    for (struct pool *pool = p->head; pool; pool = pool->next)
        if (strcmp(pool->name, name) == 0)
            return pool;
    return NULL;
}

struct pool *pools_get(struct pools *p, const char *name)
{
    struct pool *pool = pools_find(p, name);

    if (pool)
        return pool;
    if (!(pool = calloc(1, sizeof *pool)))
        return NULL;
    if (!(pool->name = strdup(name))) {
        free(pool);
        return NULL;
    }
    heap_init(&pool->waiting, p->less);
    pool->next = p->head;
    p->head = pool;
    return pool;
}

void pools_drop_idle(struct pools *p, struct pool *pool)
{
    struct pool **link = &p->head;

    if (pool->spawned > 0 || heap_top(&pool->waiting))
        return;
    while (*link && *link != pool)
        link = &(*link)->next;
    if (!*link)
        return;
    *link = pool->next;
    pool_free(pool);
}

/* Whether `pool` may start one more process under its own bound. */
static bool below_bound(const struct pool *pool, const struct config *cfg)
{
    const struct config_queue *q = config_queue_find(cfg, pool->name);

    return !q || pool->spawned < q->max_concurrent;
}

struct pool *pools_next(const struct pools *p, const struct config *cfg)
{
    struct pool *best = NULL;

    for (struct pool *pool = p->head; pool; pool = pool->next) {
        struct heap_node *first = heap_top(&pool->waiting);
        if (first && below_bound(pool, cfg) &&
            (!best || p->less(first, heap_top(&best->waiting))))
            best = pool;
    }
    return best;
}
