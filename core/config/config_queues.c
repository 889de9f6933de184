/* config_queues.c — `scheduler.queues`: the pools a task's `queue` names,
 * each with its own bound on runs at once.
 *
 *   scheduler:
 *     max_concurrent: 4           # every run, whatever its queue
 *     queues:
 *       maint: { max_concurrent: 1 }
 *
 * A mapping by name, so a name is written once; the only setting of a
 * queue is max_concurrent, which the environment may set too
 * (TASKSCHED_SCHEDULER__QUEUES__<NAME>__MAX_CONCURRENT, config_env.c).  A
 * queue named by a task but not here has the global bound only.
 */
#include "config_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/plainname.h"
#include "lib/suggest.h"

#define WHERE_MAX 512

void config_queues_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->scheduler.queue_count; i++) {
        free(cfg->scheduler.queues[i].name);
        free(cfg->scheduler.queues[i].where);
    }
    free(cfg->scheduler.queues);
    cfg->scheduler.queues = NULL;
    cfg->scheduler.queue_count = 0;
}

const struct config_queue *config_queue_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->scheduler.queue_count; i++)
        if (strcmp(cfg->scheduler.queues[i].name, name) == 0)
            return &cfg->scheduler.queues[i];
    return NULL;
}

/* The queue called `name` (case-insensitive when `fold`: variable names
 * are), added when missing; NULL on OOM. */
static struct config_queue *queue_ensure(struct config *cfg, const char *name, bool fold)
{
    struct config_queue *grown, *q;

    for (size_t i = 0; i < cfg->scheduler.queue_count; i++) {
        q = &cfg->scheduler.queues[i];
        if (fold ? strcasecmp(q->name, name) == 0 : strcmp(q->name, name) == 0)
            return q;
    }
    grown = realloc(cfg->scheduler.queues, (cfg->scheduler.queue_count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    cfg->scheduler.queues = grown;
    q = &grown[cfg->scheduler.queue_count];
    memset(q, 0, sizeof *q);
    if (!(q->name = strdup(name)))
        return NULL;
    cfg->scheduler.queue_count++;
    return q;
}

/* A queue's name is a task's `queue`: the same plain name. */
static int check_name(const char *name, const char *where, char *err, size_t errlen)
{
    if (plainname_ok(name))
        return 0;
    snprintf(err, errlen, "%s: scheduler.queues: expected " PLAINNAME_RULE ", got '%.80s'",
             where, name);
    return -1;
}

int config_queue_set(struct config *cfg, const char *name, bool fold,
                     const struct yamldoc_node *value, const char *where, char *err,
                     size_t errlen)
{
    struct yamldoc_value v = yamldoc_scalar_value(value);
    struct config_queue *q;

    if (check_name(name, where, err, errlen) != 0)
        return -1;
    if (value->kind != YAMLDOC_SCALAR || v.type != YAMLDOC_INT || v.integer < 1 ||
        v.integer > INT_MAX) {
        snprintf(err, errlen,
                 "%s: scheduler.queues.%s.max_concurrent: expected an integer >= 1, got %s%s%s",
                 where, name, value->kind == YAMLDOC_SCALAR ? "'" : "a ",
                 value->kind == YAMLDOC_SCALAR ? value->text : yamldoc_kind_name(value->kind),
                 value->kind == YAMLDOC_SCALAR ? "'" : "");
        return -1;
    }
    if (!(q = queue_ensure(cfg, name, fold))) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    free(q->where);
    q->max_concurrent = (int)v.integer;
    if (!(q->where = strdup(where))) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    return 0;
}

static void where_of(char *buf, size_t len, const char *file, const struct yamldoc_node *n)
{
    snprintf(buf, len, "%s:%d:%d", file, n->line, n->column);
}

/* One NAME: { max_concurrent: N } of the file. */
static int apply_entry(struct config *cfg, const char *file, const struct yamldoc_pair *p,
                       char *err, size_t errlen)
{
    const struct yamldoc_node *settings = p->value, *limit;
    char where[WHERE_MAX];

    where_of(where, sizeof where, file, p->key);
    if (p->key->kind != YAMLDOC_SCALAR) {
        snprintf(err, errlen, "%s: scheduler.queues: expected a queue's name as key, got a %s",
                 where, yamldoc_kind_name(p->key->kind));
        return -1;
    }
    if (check_name(p->key->text, where, err, errlen) != 0)
        return -1;
    where_of(where, sizeof where, file, settings);
    if (settings->kind != YAMLDOC_MAPPING) {
        snprintf(err, errlen,
                 "%s: scheduler.queues.%s: expected a mapping { max_concurrent: N }, got a %s",
                 where, p->key->text, yamldoc_kind_name(settings->kind));
        return -1;
    }
    for (size_t i = 0; i < settings->count; i++) {
        const struct yamldoc_node *k = settings->pairs[i].key;
        struct suggest near;

        if (k->kind == YAMLDOC_SCALAR && strcmp(k->text, CONFIG_QUEUE_LIMIT) == 0)
            continue;
        suggest_init(&near, k->kind == YAMLDOC_SCALAR ? k->text : "");
        suggest_consider(&near, CONFIG_QUEUE_LIMIT);
        where_of(where, sizeof where, file, k);
        snprintf(err, errlen, "%s: scheduler.queues.%s: unknown key '%s'%s", where,
                 p->key->text, k->kind == YAMLDOC_SCALAR ? k->text : "?",
                 near.best ? " (did you mean 'max_concurrent'?)" : "");
        return -1;
    }
    if (!(limit = yamldoc_get(settings, CONFIG_QUEUE_LIMIT))) {
        snprintf(err, errlen, "%s: scheduler.queues.%s: needs max_concurrent", where,
                 p->key->text);
        return -1;
    }
    where_of(where, sizeof where, file, limit);
    return config_queue_set(cfg, p->key->text, false, limit, where, err, errlen);
}

int config_queues_apply(struct config *cfg, const char *file, const struct yamldoc_node *map,
                        char *err, size_t errlen)
{
    char where[WHERE_MAX];

    config_queues_free(cfg);
    if (map->kind == YAMLDOC_SCALAR && yamldoc_scalar_value(map).type == YAMLDOC_NULL)
        return 0;
    if (map->kind != YAMLDOC_MAPPING) {
        where_of(where, sizeof where, file, map);
        snprintf(err, errlen,
                 "%s: scheduler.queues: expected a mapping { NAME: { max_concurrent: N } }, "
                 "got a %s",
                 where, yamldoc_kind_name(map->kind));
        return -1;
    }
    for (size_t i = 0; i < map->count; i++)
        if (apply_entry(cfg, file, &map->pairs[i], err, errlen) != 0)
            return -1;
    return 0;
}
