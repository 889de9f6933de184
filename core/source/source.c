/* source.c — the configured SQL sources, their readers, poll timers and
 * last good rows (source.h). */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "rowcache.h"
#include "rowsource.h"
#include "sourcejob.h"
#include "task/discovery.h"
#include "time/clock.h"
#include "time/instant_json.h"

struct source {
    struct sources *set;
    struct config_source cfg; /* own copy (rowsource_config_copy) */
    char *handler;            /* a task name, or NULL */
    const struct rowsource_ops *ops;
    struct rowsource *reader;
    uv_timer_t *timer; /* freed by its close callback */
    struct action_row *rows;
    size_t count;
    bool read; /* once a read succeeded */
    double read_at;
    char *error; /* of the last read, NULL when it read */
};

struct sources {
    uv_loop_t *loop;
    char *root;
    struct sources_hooks hooks;
    struct source **items;
    size_t count;
    int closing; /* timers not yet closed, after sources_close */
    void (*done)(void *data);
    void *done_data;
};

struct sources *sources_create(uv_loop_t *loop, const char *root,
                               const struct sources_hooks *hooks)
{
    struct sources *s = calloc(1, sizeof *s);

    if (!s || !(s->root = strdup(root))) {
        free(s);
        return NULL;
    }
    s->loop = loop;
    s->hooks = *hooks;
    return s;
}

/* ---- reading ------------------------------------------------------------ */

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_row(const struct action_row *a, const struct action_row *b)
{
    return same_text(a->name, b->name) && same_text(a->command, b->command) &&
           same_text(a->cron, b->cron) && a->merge_missed == b->merge_missed &&
           a->has_actuality_time == b->has_actuality_time &&
           (!a->has_actuality_time || a->actuality_time == b->actuality_time) &&
           a->enabled == b->enabled && same_text(a->timezone, b->timezone) &&
           a->has_timeout == b->has_timeout && (!a->has_timeout || a->timeout == b->timeout) &&
           a->row == b->row && same_text(a->error, b->error);
}

static void on_rows(void *data, struct action_row *rows, size_t count)
{
    struct source *src = data;
    char err[ROWSOURCE_ERR_MAX];
    bool same = src->read && count == src->count;

    for (size_t i = 0; same && i < count; i++)
        same = same_row(&rows[i], &src->rows[i]);
    src->read_at = clock_now();
    if (src->error) {
        log_info("source %s: read again (%zu row(s))", src->cfg.name, count);
        free(src->error);
        src->error = NULL;
        src->set->hooks.report(src->set->hooks.data, src->cfg.name, NULL);
    }
    if (same) {
        action_rows_free(rows, count);
        return;
    }
    action_rows_free(src->rows, src->count);
    src->rows = rows;
    src->count = count;
    src->read = true;
    log_debug("source %s: %zu row(s) read", src->cfg.name, count);
    /* Kept for a start while the database cannot be read; only when they
     * change, not at every poll. */
    if (rowcache_save(src->set->root, &src->cfg, rows, count, src->read_at, err, sizeof err) <
        0)
        log_warn("source %s: cannot keep its rows for the next start: %s", src->cfg.name, err);
    src->set->hooks.changed(src->set->hooks.data);
}

/* A new source starts with the rows its last good read left (rowcache.h),
 * scheduled until it reads. */
static void load_cache(struct source *src)
{
    char err[ROWSOURCE_ERR_MAX];
    struct action_row *rows;
    size_t count;
    double at;
    int rc = rowcache_load(src->set->root, &src->cfg, &rows, &count, &at, err, sizeof err);

    if (rc < 0)
        log_warn("source %s: its last good rows cannot be taken up: %s", src->cfg.name, err);
    if (rc <= 0)
        return;
    src->rows = rows;
    src->count = count;
    src->read = true;
    src->read_at = at;
    log_info("source %s: %zu row(s) of its last good read until it reads", src->cfg.name,
             count);
}

static void on_error(void *data, const char *message)
{
    struct source *src = data;

    if (src->error && strcmp(src->error, message) == 0)
        return; /* told already */
    free(src->error);
    src->error = strdup(message);
    log_error("%s; its last good rows (%zu) stay scheduled", message, src->count);
    src->set->hooks.report(src->set->hooks.data, src->cfg.name, message);
}

static void on_poll(uv_timer_t *timer)
{
    struct source *src = timer->data;

    if (src->reader)
        src->ops->refresh(src->reader);
}

static void timer_closed(uv_handle_t *handle)
{
    free(handle);
}

/* Stop the reader and the timer (the source keeps its rows). */
static void stop_reading(struct source *src)
{
    if (src->reader)
        src->ops->stop(src->reader);
    src->reader = NULL;
    if (src->timer)
        uv_close((uv_handle_t *)src->timer, timer_closed);
    src->timer = NULL;
}

static void start_reading(struct source *src)
{
    struct rowsource_start how = {
        .loop = src->set->loop,
        .config = &src->cfg,
        .root = src->set->root,
        .on_rows = on_rows,
        .on_error = on_error,
        .data = src,
    };
    char err[ROWSOURCE_ERR_MAX];
    uint64_t every = (uint64_t)(src->cfg.poll * 1000);

    if (!(src->ops = rowsource_find(src->cfg.url))) {
        snprintf(err, sizeof err,
                 "source %s: no reader for this url (sqlite:PATH, "
                 "postgresql://…)",
                 src->cfg.name);
        on_error(src, err);
        return;
    }
    if (src->ops->start(&how, &src->reader, err, sizeof err) != 0) {
        src->reader = NULL;
        on_error(src, err);
        return;
    }
    if (!(src->timer = malloc(sizeof *src->timer)) ||
        uv_timer_init(src->set->loop, src->timer) != 0) {
        free(src->timer);
        src->timer = NULL;
        log_error("source %s: cannot start its poll timer; read once only", src->cfg.name);
        return;
    }
    src->timer->data = src;
    uv_timer_start(src->timer, on_poll, every, every);
}

static void source_free(struct source *src)
{
    stop_reading(src);
    action_rows_free(src->rows, src->count);
    rowsource_config_free(&src->cfg);
    free(src->handler);
    free(src->error);
    free(src);
}

/* ---- configuration ------------------------------------------------------ */

static bool same_reader(const struct config_source *a, const struct config_source *b)
{
    bool same =
        strcmp(a->url, b->url) == 0 && strcmp(a->table, b->table) == 0 && a->poll == b->poll;

    for (int col = 0; same && col < SOURCE_COL_COUNT; col++)
        same = strcmp(a->columns[col], b->columns[col]) == 0;
    return same;
}

static struct source *find(const struct sources *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i]->cfg.name, name) == 0)
            return s->items[i];
    return NULL;
}

/* The source of `c`: the running one, updated (and restarted when its
 * reader's settings changed), or a new one. */
static struct source *follow(struct sources *s, const struct config_source *c)
{
    struct source *src = find(s, c->name);
    struct config_source copy;
    char *handler = c->handler ? strdup(c->handler) : NULL;
    bool fresh, restart;

    if ((c->handler && !handler) || rowsource_config_copy(&copy, c) < 0) {
        free(handler);
        log_error("source %s: out of memory", c->name);
        return src;
    }
    if (!src && !(src = calloc(1, sizeof *src))) {
        free(handler);
        rowsource_config_free(&copy);
        log_error("source %s: out of memory", c->name);
        return NULL;
    }
    fresh = !src->set;
    restart = fresh || !same_reader(&src->cfg, &copy);
    if (restart)
        stop_reading(src);
    src->set = s;
    rowsource_config_free(&src->cfg);
    src->cfg = copy;
    free(src->handler);
    src->handler = handler;
    if (fresh)
        load_cache(src);
    if (restart)
        start_reading(src);
    return src;
}

void sources_configure(struct sources *s, const struct config *cfg)
{
    struct source **items = calloc(cfg->source_count ? cfg->source_count : 1, sizeof *items);
    size_t count = 0;

    if (!items) {
        log_error("sources: out of memory; the sources stay as they were");
        return;
    }
    for (size_t i = 0; i < cfg->source_count; i++)
        if ((items[count] = follow(s, &cfg->sources[i])))
            count++;
    for (size_t i = 0; i < s->count; i++) {
        bool kept = false;
        for (size_t k = 0; k < count; k++)
            kept = kept || items[k] == s->items[i];
        if (!kept) {
            log_info("source %s: no longer configured; its tasks go", s->items[i]->cfg.name);
            rowcache_remove(s->root, s->items[i]->cfg.name);
            source_free(s->items[i]);
        }
    }
    free(s->items);
    s->items = items;
    s->count = count;
}

/* ---- items -------------------------------------------------------------- */

static int source_items(const struct source *src, const char *tasks_dir,
                        struct discovery_extra *out, size_t *count)
{
    struct sourcejob_handler handler = {0};
    struct discovery_handler file;
    /* read as the func handler of YAML jobs is (task/discovery.h) */
    const struct yamljob_handler *h = discovery_handler_read(tasks_dir, src->handler, &file);
    char why[ROWSOURCE_ERR_MAX];
    int rc = 0;

    if (h) {
        handler = (struct sourcejob_handler){h->path, h->content, h->content_len, NULL};
        if (h->error) {
            snprintf(why, sizeof why, "handler task '%.64s': %.*s", src->handler,
                     ROWSOURCE_ERR_MAX - 128, h->error);
            handler.error = why;
        }
    }
    for (size_t i = 0; i < src->count && rc == 0; i++) {
        const struct action_row *row = &src->rows[i];
        long duplicate = 0;
        /* rows come sorted by name: a name given twice is given by the row before */
        if (i > 0 && row->name && src->rows[i - 1].name &&
            strcmp(row->name, src->rows[i - 1].name) == 0)
            duplicate = src->rows[i - 1].row;
        if (sourcejob_make(&src->cfg, row, duplicate, src->handler ? &handler : NULL,
                           &out[*count]) < 0)
            rc = -1;
        else
            (*count)++;
    }
    discovery_handler_free(&file);
    return rc;
}

int sources_items(const struct sources *s, const char *tasks_dir, struct discovery_extra **out,
                  size_t *count)
{
    size_t total = 0;

    *out = NULL;
    *count = 0;
    for (size_t i = 0; i < s->count; i++)
        total += s->items[i]->count;
    if (!total)
        return 0;
    if (!(*out = calloc(total, sizeof **out)))
        return -1;
    for (size_t i = 0; i < s->count; i++)
        if (source_items(s->items[i], tasks_dir, *out, count) < 0) {
            sources_items_free(*out, *count);
            *out = NULL;
            *count = 0;
            return -1;
        }
    return 0;
}

void sources_items_free(struct discovery_extra *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        sourcejob_free(&items[i]);
    free(items);
}

size_t sources_failing(const struct sources *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->count; i++)
        n += s->items[i]->error != NULL;
    return n;
}

bool sources_pending(const struct sources *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++) {
        size_t n = strlen(s->items[i]->cfg.name);
        if (!s->items[i]->read && strncmp(name, s->items[i]->cfg.name, n) == 0 &&
            name[n] == '/')
            return true;
    }
    return false;
}

/* ---- status and shutdown ------------------------------------------------ */

json_t *sources_status_json(const struct sources *s, const struct tz *zone)
{
    json_t *list = json_array();

    for (size_t i = 0; list && i < s->count; i++) {
        const struct source *src = s->items[i];
        char url[CONFIG_SOURCE_URL_MAX];
        json_t *item;
        if (config_source_url_shown(src->cfg.url, url, sizeof url) < 0)
            snprintf(url, sizeof url, "(too long to show)");
        item = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?, s:I, s:s?}", "name", src->cfg.name,
                         "type", CONFIG_SOURCE_TYPE, "url", url, "table", src->cfg.table,
                         "poll", (json_int_t)src->cfg.poll, "handler", src->handler, "rows",
                         (json_int_t)src->count, "error", src->error);
        if (!item ||
            instant_json_set(item, "read_at", zone, src->read ? src->read_at : 0) < 0 ||
            json_array_append_new(list, item) < 0) {
            json_decref(item);
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static void closed(uv_handle_t *handle)
{
    struct sources *s = handle->data;

    free(handle);
    if (--s->closing == 0 && s->done)
        s->done(s->done_data);
}

void sources_close(struct sources *s, void (*done)(void *data), void *data)
{
    s->done = done;
    s->done_data = data;
    s->closing = 1; /* held until every close is under way */
    for (size_t i = 0; i < s->count; i++) {
        struct source *src = s->items[i];
        if (src->reader)
            src->ops->stop(src->reader);
        src->reader = NULL;
        if (src->timer) {
            src->timer->data = s;
            s->closing++;
            uv_close((uv_handle_t *)src->timer, closed);
            src->timer = NULL;
        }
    }
    if (--s->closing == 0 && done)
        done(data);
}

void sources_free(struct sources *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        source_free(s->items[i]);
    free(s->items);
    free(s->root);
    free(s);
}
