/* config_sources.c — `sources:`: the database tables of actions whose
 * rows are tasks (source/ reads them).
 *
 *   sources:
 *     - name: actions                 # tasks actions/NAME
 *       type: sql                     # the only type (optional)
 *       url: sqlite:data/actions.db   # or postgresql://…
 *       table: action                 # default
 *       poll: 15s                     # default
 *       handler: deliver              # a task; default: run the command under /bin/sh -c
 *       columns: { name: name, command: command, cron: cron }   # defaults: these names
 *       defaults: { merge_missed: true, actuality_time: 600 }   # defaults
 *
 * A list, so the file's order is the order of the messages; each entry is
 * checked here with its position.
 */
#include "config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/suggest.h"

#define WHERE_MAX 512
#define SOURCE_NAME_MAX 64
#define SOURCE_POLL_DEFAULT 15
#define SOURCE_MERGE_DEFAULT true
#define SOURCE_ACTUALITY_DEFAULT 600
#define SOURCE_TABLE_DEFAULT "action"

static const char *const entry_keys[] = {"name",    "type",    "url",      "table", "poll",
                                         "handler", "columns", "defaults", NULL};
static const char *const default_keys[] = {"merge_missed", "actuality_time", NULL};
static const char *const column_keys[SOURCE_COL_COUNT + 1] = {
    "name",     "command", "cron", "merge_missed", "actuality_time", "enabled",
    "timezone", "timeout", NULL};
static const char *const url_schemes[] = {"sqlite:", "postgresql://", NULL};

const char *config_source_column_key(enum config_source_column col)
{
    return column_keys[col];
}

void config_sources_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->source_count; i++) {
        struct config_source *s = &cfg->sources[i];
        free(s->name);
        free(s->url);
        free(s->table);
        free(s->handler);
        free(s->where);
        for (int col = 0; col < SOURCE_COL_COUNT; col++)
            free(s->columns[col]);
    }
    free(cfg->sources);
    cfg->sources = NULL;
    cfg->source_count = 0;
}

/* What an entry is checked against: its file and index, for messages. */
struct at {
    const char *file;
    size_t index;
    char *err;
    size_t errlen;
};

static int fail(const struct at *at, const struct yamldoc_node *n, const char *key,
                const char *why)
{
    snprintf(at->err, at->errlen, "%s:%d:%d: sources[%zu]%s%s: %s", at->file, n->line,
             n->column, at->index, key ? "." : "", key ? key : "", why);
    return -1;
}

/* Every key of `map` is one of `keys`; else name the nearest. */
static int check_keys(const struct at *at, const struct yamldoc_node *map, const char *what,
                      const char *const *keys)
{
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_node *k = map->pairs[i].key;
        struct suggest near;
        char why[WHERE_MAX];
        bool known = false;

        for (size_t j = 0; k->kind == YAMLDOC_SCALAR && keys[j]; j++)
            known = known || strcmp(keys[j], k->text) == 0;
        if (known)
            continue;
        if (k->kind != YAMLDOC_SCALAR)
            return fail(at, k, what, "expected a name as key");
        suggest_init(&near, k->text);
        for (size_t j = 0; keys[j]; j++)
            suggest_consider(&near, keys[j]);
        snprintf(why, sizeof why, "unknown key '%s'%s%s%s", k->text,
                 near.best ? " (did you mean '" : "", near.best ? near.best : "",
                 near.best ? "'?)" : "");
        return fail(at, k, what, why);
    }
    return 0;
}

/* The non-empty string at `key` of `map`, or NULL (absent or null);
 * *bad when it is there but no such string. */
static const struct yamldoc_node *text_at(const struct at *at, const struct yamldoc_node *map,
                                          const char *key, const char *path, bool *bad)
{
    const struct yamldoc_node *v = yamldoc_get(map, key);

    if (!v || (v->kind == YAMLDOC_SCALAR && !v->quoted &&
               yamldoc_scalar_value(v).type == YAMLDOC_NULL))
        return NULL;
    if (v->kind != YAMLDOC_SCALAR || v->len == 0 || memchr(v->text, '\0', v->len)) {
        fail(at, v, path, "expected a non-empty string");
        *bad = true;
        return NULL;
    }
    return v;
}

static int set_text(char **slot, const struct yamldoc_node *v, const char *fallback)
{
    free(*slot);
    *slot = strdup(v ? v->text : fallback);
    return *slot ? 0 : -1;
}

static bool name_ok(const char *name)
{
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strlen(name) > SOURCE_NAME_MAX)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
            return false;
    return true;
}

static int parse_columns(struct config_source *s, const struct at *at,
                         const struct yamldoc_node *map)
{
    bool bad = false;

    if (map && map->kind != YAMLDOC_MAPPING)
        return fail(at, map, "columns", "expected a mapping { name: COLUMN, … }");
    if (map && check_keys(at, map, "columns", column_keys) < 0)
        return -1;
    for (int col = 0; col < SOURCE_COL_COUNT; col++) {
        char path[64];
        const struct yamldoc_node *v;
        snprintf(path, sizeof path, "columns.%s", column_keys[col]);
        v = map ? text_at(at, map, column_keys[col], path, &bad) : NULL;
        if (bad)
            return -1;
        if (set_text(&s->columns[col], v, column_keys[col]) < 0)
            return fail(at, map, "columns", "out of memory");
    }
    return 0;
}

static int parse_defaults(struct config_source *s, const struct at *at,
                          const struct yamldoc_node *map)
{
    const struct yamldoc_node *merge, *actuality;
    struct yamldoc_value v;

    s->merge_missed = SOURCE_MERGE_DEFAULT;
    s->actuality_time = SOURCE_ACTUALITY_DEFAULT;
    if (!map)
        return 0;
    if (map->kind != YAMLDOC_MAPPING)
        return fail(at, map, "defaults",
                    "expected a mapping { merge_missed: BOOL, actuality_time: SECONDS }");
    if (check_keys(at, map, "defaults", default_keys) < 0)
        return -1;
    if ((merge = yamldoc_get(map, "merge_missed"))) {
        v = yamldoc_scalar_value(merge);
        if (merge->kind != YAMLDOC_SCALAR || v.type != YAMLDOC_BOOL)
            return fail(at, merge, "defaults.merge_missed",
                        "expected true (missed fires run once) or false (each runs)");
        s->merge_missed = v.boolean;
    }
    if ((actuality = yamldoc_get(map, "actuality_time"))) {
        v = yamldoc_scalar_value(actuality);
        if (actuality->kind != YAMLDOC_SCALAR || v.type != YAMLDOC_INT)
            return fail(at, actuality, "defaults.actuality_time",
                        "expected whole seconds (negative: a missed fire is never too old)");
        s->actuality_time = v.integer;
    }
    return 0;
}

/* Fill `s` from one entry; the strings are copied. */
static int parse_entry(struct config *cfg, struct config_source *s,
                       const struct yamldoc_node *entry, const struct at *at)
{
    const struct yamldoc_node *name, *type, *url, *table, *poll, *handler;
    char where[WHERE_MAX];
    int64_t seconds = SOURCE_POLL_DEFAULT;
    bool bad = false, scheme = false;

    if (entry->kind != YAMLDOC_MAPPING)
        return fail(at, entry, NULL, "expected a mapping { name, type: sql, url, table, … }");
    if (check_keys(at, entry, NULL, entry_keys) < 0)
        return -1;
    name = text_at(at, entry, "name", "name", &bad);
    type = text_at(at, entry, "type", "type", &bad);
    url = text_at(at, entry, "url", "url", &bad);
    table = text_at(at, entry, "table", "table", &bad);
    poll = yamldoc_get(entry, "poll");
    handler = text_at(at, entry, "handler", "handler", &bad);
    if (bad)
        return -1;
    if (!name || !url)
        return fail(at, entry, NULL, "needs a name and a url");
    if (!name_ok(name->text))
        return fail(at, name, "name",
                    "expected letters, digits, '_', '-' or '.' (at most 64): it names the "
                    "tasks NAME/ACTION");
    for (size_t i = 0; i < at->index; i++)
        if (strcmp(cfg->sources[i].name, name->text) == 0) {
            snprintf(where, sizeof where, "'%s' is already the name of %s", name->text,
                     cfg->sources[i].where);
            return fail(at, name, "name", where);
        }
    if (type && strcmp(type->text, CONFIG_SOURCE_TYPE) != 0)
        return fail(at, type, "type", "expected sql (the only type of source)");
    for (size_t i = 0; url_schemes[i]; i++)
        scheme = scheme || strncmp(url->text, url_schemes[i], strlen(url_schemes[i])) == 0;
    if (!scheme)
        return fail(at, url, "url", "expected sqlite:PATH or postgresql://…");
    if (poll && (poll->kind != YAMLDOC_SCALAR || !config_parse_duration(poll->text, &seconds) ||
                 seconds < 1))
        return fail(at, poll, "poll", "expected a duration of at least 1s (15s, 1m)");
    snprintf(where, sizeof where, "%s:%d:%d", at->file, entry->line, entry->column);
    s->poll = (double)seconds;
    if (set_text(&s->name, name, NULL) < 0 || set_text(&s->url, url, NULL) < 0 ||
        set_text(&s->table, table, SOURCE_TABLE_DEFAULT) < 0 ||
        (handler && set_text(&s->handler, handler, NULL) < 0) || !(s->where = strdup(where)))
        return fail(at, entry, NULL, "out of memory");
    if (parse_columns(s, at, yamldoc_get(entry, "columns")) < 0 ||
        parse_defaults(s, at, yamldoc_get(entry, "defaults")) < 0)
        return -1;
    return 0;
}

int config_sources_apply(struct config *cfg, const char *file, const struct yamldoc_node *list,
                         char *err, size_t errlen)
{
    config_sources_free(cfg);
    if (list->kind == YAMLDOC_SCALAR && yamldoc_scalar_value(list).type == YAMLDOC_NULL)
        return 0;
    if (list->kind != YAMLDOC_SEQUENCE) {
        snprintf(err, errlen,
                 "%s:%d:%d: sources: expected a list of { name, url, … }, got a %s", file,
                 list->line, list->column, yamldoc_kind_name(list->kind));
        return -1;
    }
    if (list->count && !(cfg->sources = calloc(list->count, sizeof *cfg->sources))) {
        snprintf(err, errlen, "%s: out of memory", file);
        return -1;
    }
    for (size_t i = 0; i < list->count; i++) {
        struct at at = {file, i, err, errlen};
        /* Counted first, so config_free frees a half-filled entry too. */
        struct config_source *s = &cfg->sources[cfg->source_count++];
        if (parse_entry(cfg, s, list->items[i], &at) != 0)
            return -1;
    }
    return 0;
}
