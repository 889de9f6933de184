/* task_wire.c — a validated struct task as bytes and back (task_wire.h). */
#include "task_wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define WIRE_NULL SIZE_MAX /* the length that stands for a NULL string */
#define WIRE_FIRST_CAP 1024

void task_wire_put(struct task_wire *w, const void *data, size_t len)
{
    if (w->failed)
        return;
    if (len > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : WIRE_FIRST_CAP;
        char *grown;
        while (cap - w->len < len)
            cap *= 2;
        grown = realloc(w->data, cap);
        if (grown == NULL) {
            w->failed = true;
            return;
        }
        w->data = grown;
        w->cap = cap;
    }
    memcpy(w->data + w->len, data, len);
    w->len += len;
}

#define PUT(w, value) task_wire_put((w), &(value), sizeof(value))

void task_wire_put_string(struct task_wire *w, const char *s)
{
    size_t len = s ? strlen(s) : WIRE_NULL;

    PUT(w, len);
    if (s)
        task_wire_put(w, s, len);
}

static void put_list(struct task_wire *w, const struct string_list *list)
{
    PUT(w, list->count);
    for (size_t i = 0; i < list->count; i++)
        task_wire_put_string(w, list->items[i]);
}

/* The task's args travel as their JSON text. */
static void put_args(struct task_wire *w, const json_t *args)
{
    char *text = json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY);

    if (!text)
        w->failed = true;
    task_wire_put_string(w, text);
    free(text);
}

void task_wire_put_task(struct task_wire *w, const struct task *t)
{
    task_wire_put_string(w, t->name);
    task_wire_put_string(w, t->path);
    PUT(w, t->line);
    PUT(w, t->hash);
    PUT(w, t->content_len);
    task_wire_put(w, t->content, t->content_len);
    task_wire_put_string(w, t->title);
    task_wire_put_string(w, t->description);
    PUT(w, t->enabled);
    PUT(w, t->schedules.count);
    task_wire_put(w, t->schedules.items, t->schedules.count * sizeof *t->schedules.items);
    PUT(w, t->has_run);
    put_list(w, &t->command);
    put_args(w, t->args);
    PUT(w, t->env_count);
    for (size_t i = 0; i < t->env_count; i++) {
        task_wire_put_string(w, t->env[i].name);
        task_wire_put_string(w, t->env[i].value);
    }
    task_wire_put_string(w, t->cwd);
    task_wire_put_string(w, t->user);
    task_wire_put_string(w, t->id);
    PUT(w, t->timeout);
    PUT(w, t->retry_count);
    PUT(w, t->retry_delay);
    PUT(w, t->retry_backoff);
    PUT(w, t->max_instances);
    PUT(w, t->overlap);
    PUT(w, t->catchup);
    PUT(w, t->grace);
    PUT(w, t->priority);
    task_wire_put_string(w, t->queue);
    PUT(w, t->memory_limit_mb);
    task_wire_put_string(w, t->ping);
    PUT(w, t->ping_timeout);
    put_list(w, &t->dependencies);
    PUT(w, t->has_notify);
    PUT(w, t->notify.on_failure);
    PUT(w, t->notify.on_success);
    PUT(w, t->notify.on_recovery);
    PUT(w, t->notify.on_attempt_failure);
    put_list(w, &t->notify.channels);
    PUT(w, t->alerts);
    put_list(w, &t->tags);
}

void task_wire_free(struct task_wire *w)
{
    free(w->data);
    memset(w, 0, sizeof *w);
}

bool task_wire_get(struct task_wire_reader *r, void *out, size_t len)
{
    if (r->failed || len > (size_t)(r->end - r->at)) {
        r->failed = true;
        return false;
    }
    memcpy(out, r->at, len);
    r->at += len;
    return true;
}

#define GET(r, value) task_wire_get((r), &(value), sizeof(value))

_Static_assert(sizeof(bool) == 1, "PUT writes a bool as one byte");

/* A bool as written by PUT: one byte, 0 or 1. */
static bool get_flag(struct task_wire_reader *r, bool *out)
{
    unsigned char byte;

    if (!GET(r, byte) || byte > 1) {
        r->failed = true;
        return false;
    }
    *out = byte;
    return true;
}

/* A count of items that take at least `item` bytes each: no more than
 * what is left can hold, so a forged count allocates nothing. */
static bool get_count(struct task_wire_reader *r, size_t item, size_t *count)
{
    if (!GET(r, *count) || *count > (size_t)(r->end - r->at) / item) {
        r->failed = true;
        return false;
    }
    return true;
}

bool task_wire_get_string(struct task_wire_reader *r, char **out)
{
    size_t len;

    *out = NULL;
    if (!GET(r, len))
        return false;
    if (len == WIRE_NULL)
        return true;
    if (len > (size_t)(r->end - r->at) || memchr(r->at, '\0', len) != NULL ||
        (*out = malloc(len + 1)) == NULL) {
        r->failed = true;
        return false;
    }
    memcpy(*out, r->at, len);
    (*out)[len] = '\0';
    r->at += len;
    return true;
}

/* The list goes into `list` item by item, so task_free frees what came. */
static bool get_list(struct task_wire_reader *r, struct string_list *list)
{
    size_t count;

    if (!get_count(r, sizeof(size_t), &count))
        return false;
    if (count == 0)
        return true;
    if ((list->items = calloc(count, sizeof *list->items)) == NULL) {
        r->failed = true;
        return false;
    }
    list->count = count;
    for (size_t i = 0; i < count; i++)
        if (!task_wire_get_string(r, &list->items[i]))
            return false;
    return true;
}

/* Schedules are plain data; their strings must end inside their arrays
 * and their enums index tables of names. */
static bool get_schedules(struct task_wire_reader *r, struct schedule_set *set)
{
    size_t count;

    if (!get_count(r, sizeof *set->items, &count))
        return false;
    if (count == 0)
        return true;
    if ((set->items = calloc(count, sizeof *set->items)) == NULL) {
        r->failed = true;
        return false;
    }
    set->count = count;
    if (!task_wire_get(r, set->items, count * sizeof *set->items))
        return false;
    for (size_t i = 0; i < count; i++) {
        const struct schedule *s = &set->items[i];
        if ((unsigned)s->kind > SCHEDULE_ONCE || (unsigned)s->unit > UNIT_WEEK ||
            !memchr(s->text, '\0', sizeof s->text) || !memchr(s->zone, '\0', sizeof s->zone) ||
            !memchr(s->cron.expr, '\0', sizeof s->cron.expr)) {
            r->failed = true;
            return false;
        }
    }
    return true;
}

static bool get_args(struct task_wire_reader *r, json_t **args)
{
    char *text = NULL;
    bool ok = task_wire_get_string(r, &text) && text &&
              (*args = json_loads(text, JSON_DECODE_ANY, NULL)) != NULL &&
              (json_is_array(*args) || json_is_object(*args));

    free(text);
    if (!ok)
        r->failed = true;
    return ok;
}

static bool get_env(struct task_wire_reader *r, struct task *t)
{
    size_t count;

    if (!get_count(r, 2 * sizeof(size_t), &count))
        return false;
    if (count == 0)
        return true;
    if ((t->env = calloc(count, sizeof *t->env)) == NULL) {
        r->failed = true;
        return false;
    }
    t->env_count = count;
    for (size_t i = 0; i < count; i++)
        if (!task_wire_get_string(r, &t->env[i].name) ||
            !task_wire_get_string(r, &t->env[i].value) || !t->env[i].name || !t->env[i].value) {
            r->failed = true;
            return false;
        }
    return true;
}

static bool get_content(struct task_wire_reader *r, struct task *t)
{
    size_t len;

    if (!GET(r, len) || len > (size_t)(r->end - r->at) ||
        (t->content = malloc(len + 1)) == NULL) {
        r->failed = true;
        return false;
    }
    memcpy(t->content, r->at, len);
    t->content[len] = '\0';
    t->content_len = len;
    r->at += len;
    return true;
}

int task_wire_get_task(struct task_wire_reader *r, struct task *out)
{
    struct task *t = out;

    memset(t, 0, sizeof *t);
    if (task_wire_get_string(r, &t->name) && task_wire_get_string(r, &t->path) &&
        GET(r, t->line) && GET(r, t->hash) && memchr(t->hash, '\0', sizeof t->hash) &&
        get_content(r, t) && task_wire_get_string(r, &t->title) &&
        task_wire_get_string(r, &t->description) && get_flag(r, &t->enabled) &&
        get_schedules(r, &t->schedules) && get_flag(r, &t->has_run) &&
        get_list(r, &t->command) && get_args(r, &t->args) && get_env(r, t) &&
        task_wire_get_string(r, &t->cwd) && task_wire_get_string(r, &t->user) &&
        task_wire_get_string(r, &t->id) && GET(r, t->timeout) && GET(r, t->retry_count) &&
        GET(r, t->retry_delay) && GET(r, t->retry_backoff) && GET(r, t->max_instances) &&
        GET(r, t->overlap) && GET(r, t->catchup) && GET(r, t->grace) && GET(r, t->priority) &&
        task_wire_get_string(r, &t->queue) && GET(r, t->memory_limit_mb) &&
        task_wire_get_string(r, &t->ping) && GET(r, t->ping_timeout) &&
        get_list(r, &t->dependencies) && get_flag(r, &t->has_notify) &&
        get_flag(r, &t->notify.on_failure) && get_flag(r, &t->notify.on_success) &&
        get_flag(r, &t->notify.on_recovery) && get_flag(r, &t->notify.on_attempt_failure) &&
        get_list(r, &t->notify.channels) && GET(r, t->alerts) && get_list(r, &t->tags) &&
        t->name && t->path && t->title && t->description &&
        (unsigned)t->overlap <= OVERLAP_QUEUE && (unsigned)t->catchup <= CATCHUP_SKIP &&
        task_build_json(t) == 0)
        return 0;
    r->failed = true;
    task_free(t);
    return -1;
}
