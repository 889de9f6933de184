/* config.c — the settings table with their defaults, and reading config.yaml.
 *
 * Layers are applied in order — defaults, file, environment — each value
 * checked by the same config_field_apply, so a setting means the same
 * thing wherever it is written.
 */
#include "config_internal.h"
#include "lib/suggest.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WHERE_MAX 512
#define NAME_MAX_LEN 64

static const char *const level_names[] = { "debug", "info", "warn", "error",
                                           NULL };
static const char *const format_names[] = { "text", "json", NULL };

/* One row per setting, by kind: its key, where it goes, its bounds and its
 * default, each written here and nowhere else. */
#define FIELD(sec, k, kind_, member) \
    .section = sec, .key = k, .kind = kind_, .offset = offsetof(struct config, member)
#define STRING_FIELD(sec, k, member, def) \
    { FIELD(sec, k, CONFIG_FIELD_STRING, member), .default_text = def }
#define INT_FIELD(sec, k, member, min_, def) \
    { FIELD(sec, k, CONFIG_FIELD_INT, member), .min = min_, .default_number = def }
#define BOOL_FIELD(sec, k, member, def) \
    { FIELD(sec, k, CONFIG_FIELD_BOOL, member), .default_number = def }
#define ENUM_FIELD(sec, k, member, names_, def) \
    { FIELD(sec, k, CONFIG_FIELD_ENUM, member), .names = names_, .default_number = def }
#define SIZE_FIELD(sec, k, member, def) \
    { FIELD(sec, k, CONFIG_FIELD_SIZE, member), .default_number = def }
#define DURATION_FIELD(sec, k, member, def) \
    { FIELD(sec, k, CONFIG_FIELD_DURATION, member), .default_number = def }

#define MIB (1024 * 1024)

const struct config_field config_fields[CONFIG_FIELD_COUNT] = {
    STRING_FIELD("scheduler", "timezone", scheduler.timezone, ""),
    INT_FIELD("scheduler", "max_concurrent", scheduler.max_concurrent, 1, 4),
    INT_FIELD("scheduler", "max_catchup", scheduler.max_catchup, 0, 100),
    INT_FIELD("scheduler", "kill_grace", scheduler.kill_grace, 0, 10),
    INT_FIELD("scheduler", "shutdown_timeout", scheduler.shutdown_timeout, 0, 30),
    INT_FIELD("scheduler", "default_timeout", scheduler.default_timeout, 0, 300),
    INT_FIELD("scheduler", "max_memory_usage", scheduler.max_memory_usage, 0, 0),
    STRING_FIELD("database", "path", database.path, "data/scheduler.db"),
    INT_FIELD("database", "retention_days", database.retention_days, 0, 90),
    DURATION_FIELD("database", "backup_interval", database.backup_interval, 0),
    INT_FIELD("database", "backup_keep", database.backup_keep, 1, 7),
    ENUM_FIELD("logging", "level", logging.level, level_names, CONFIG_LOG_INFO),
    ENUM_FIELD("logging", "format", logging.format, format_names, CONFIG_LOG_TEXT),
    SIZE_FIELD("logging", "max_size", logging.max_size, 10 * MIB),
    INT_FIELD("logging", "retention", logging.retention, 0, 30),
    INT_FIELD("logging", "rotation", logging.rotation, 0, 5),
    STRING_FIELD("tasks", "directory", tasks.directory, "tasks"),
    STRING_FIELD("tasks", "pattern", tasks.pattern, "*.lua"),
    BOOL_FIELD("tasks", "reload_on_change", tasks.reload_on_change, true),
    BOOL_FIELD("tasks", "include_example_tasks", tasks.include_example_tasks, false),
    STRING_FIELD("dependencies", "server", dependencies.server, ""),
    STRING_FIELD("dependencies", "tree", dependencies.tree, "data/rocks"),
};

/* Enum settings are stored through an int pointer. */
_Static_assert(sizeof(enum config_log_level) == sizeof(int) &&
               sizeof(enum config_log_format) == sizeof(int),
               "enum settings must be int-sized");

static const char *const section_names[] = { "scheduler", "database",
    "logging", "tasks", CONFIG_NOTIFICATIONS, "dependencies", NULL };

/* Unit suffixes, lower case; matching ignores case. */
struct unit {
    const char *suffix;
    int64_t factor;
};

static const struct unit size_units[] = {
    { "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 }, { "kib", 1024 },
    { "m", 1024 * 1024 }, { "mb", 1024 * 1024 }, { "mib", 1024 * 1024 },
    { "g", 1024 * 1024 * 1024 }, { "gb", 1024 * 1024 * 1024 },
    { "gib", 1024 * 1024 * 1024 }, { NULL, 0 },
};

static const struct unit duration_units[] = {
    { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
    { "w", 7 * 86400 }, { NULL, 0 },
};

static int set_string(char **slot, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

/* Store the default of field `index`; -1 on OOM. */
static int set_default(struct config *cfg, int index)
{
    const struct config_field *f = &config_fields[index];
    void *slot = (char *)cfg + f->offset;
    switch (f->kind) {
    case CONFIG_FIELD_STRING:
        return set_string(slot, f->default_text);
    case CONFIG_FIELD_BOOL:
        *(bool *)slot = f->default_number != 0;
        return 0;
    case CONFIG_FIELD_INT:
    case CONFIG_FIELD_ENUM:
        *(int *)slot = (int)f->default_number;
        return 0;
    case CONFIG_FIELD_SIZE:
    case CONFIG_FIELD_DURATION:
        *(int64_t *)slot = f->default_number;
        return 0;
    }
    return -1;
}

int config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++)
        if (set_default(cfg, i) != 0) {
            config_free(cfg);
            return -1;
        }
    return 0;
}

void config_free(struct config *cfg)
{
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++) {
        free(cfg->origin[i]);
        if (config_fields[i].kind == CONFIG_FIELD_STRING)
            free(*(char **)((char *)cfg + config_fields[i].offset));
    }
    for (size_t i = 0; i < cfg->channel_count; i++) {
        free(cfg->channels[i].name);
        yamldoc_free(cfg->channels[i].settings);
    }
    free(cfg->channels);
    memset(cfg, 0, sizeof *cfg);
}

int config_field_find(const char *section, const char *key)
{
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++)
        if (strcmp(config_fields[i].section, section) == 0 &&
            strcmp(config_fields[i].key, key) == 0)
            return i;
    return -1;
}

/* Parse "<number><unit>" repeated ("10MB", "1h30m"); the number part
 * alone is allowed when the table has a "" unit. */
static bool parse_units(const char *text, const struct unit *units,
                        int64_t *out)
{
    int64_t total = 0;
    const char *s = text;
    if (!*s)
        return false;
    while (*s) {
        char *end;
        errno = 0;
        long long n = strtoll(s, &end, 10);
        if (end == s || n < 0 || errno == ERANGE || *s == '-' || *s == '+')
            return false;
        while (*end == ' ')
            end++;
        size_t len = strcspn(end, "0123456789");
        const struct unit *u = units;
        while (u->suffix && !(strlen(u->suffix) == len &&
                              strncasecmp(u->suffix, end, len) == 0))
            u++;
        if (!u->suffix || n > (INT64_MAX - total) / u->factor)
            return false;
        total += n * u->factor;
        s = end + len;
    }
    *out = total;
    return true;
}

static const char *expectation(const struct config_field *f, char *buf,
                               size_t len)
{
    switch (f->kind) {
    case CONFIG_FIELD_STRING: return "a string";
    case CONFIG_FIELD_BOOL: return "true or false";
    case CONFIG_FIELD_SIZE:
        return "a size >= 0 (bytes, or a number with KB, MB or GB)";
    case CONFIG_FIELD_DURATION:
        return "a duration >= 0 (seconds, or like 30s, 15m, 12h, 1d, 1w)";
    case CONFIG_FIELD_INT:
        snprintf(buf, len, "an integer >= %d", f->min);
        return buf;
    case CONFIG_FIELD_ENUM: {
        size_t used = (size_t)snprintf(buf, len, "one of");
        for (const char *const *n = f->names; *n && used < len; n++)
            used += (size_t)snprintf(buf + used, len - used, "%s %s",
                                     n == f->names ? "" : ",", *n);
        return buf;
    }
    }
    return "?";
}

/* Check one scalar; the value goes to *(slot) in the field's C type. */
static bool parse_field(const struct config_field *f,
                        const struct yamldoc_node *node, void *slot)
{
    struct yamldoc_value v = yamldoc_scalar_value(node);
    switch (f->kind) {
    case CONFIG_FIELD_STRING:
        return set_string(slot, v.type == YAMLDOC_NULL ? "" : node->text) == 0;
    case CONFIG_FIELD_BOOL:
        if (v.type != YAMLDOC_BOOL)
            return false;
        *(bool *)slot = v.boolean;
        return true;
    case CONFIG_FIELD_INT:
        if (v.type != YAMLDOC_INT || v.integer < f->min || v.integer > INT_MAX)
            return false;
        *(int *)slot = (int)v.integer;
        return true;
    case CONFIG_FIELD_ENUM:
        for (int i = 0; f->names[i]; i++)
            if (strcasecmp(node->text, f->names[i]) == 0) {
                *(int *)slot = i;
                return true;
            }
        return false;
    case CONFIG_FIELD_SIZE:
    case CONFIG_FIELD_DURATION:
        if (v.type == YAMLDOC_INT) {
            *(int64_t *)slot = v.integer;
            return v.integer >= 0;
        }
        return v.type == YAMLDOC_STRING &&
               parse_units(node->text, f->kind == CONFIG_FIELD_SIZE
                           ? size_units : duration_units, slot);
    }
    return false;
}

int config_field_apply(struct config *cfg, int index,
                       const struct yamldoc_node *value, const char *where,
                       char *err, size_t errlen)
{
    const struct config_field *f = &config_fields[index];
    void *slot = (char *)cfg + f->offset;
    char expect[NAME_MAX_LEN * 2];

    if (value->kind != YAMLDOC_SCALAR) {
        snprintf(err, errlen, "%s: %s.%s: expected %s, got a %s", where,
                 f->section, f->key, expectation(f, expect, sizeof expect),
                 yamldoc_kind_name(value->kind));
        return -1;
    }
    if (!parse_field(f, value, slot)) {
        snprintf(err, errlen, "%s: %s.%s: expected %s, got '%s'", where,
                 f->section, f->key, expectation(f, expect, sizeof expect),
                 value->text);
        return -1;
    }
    if (set_string(&cfg->origin[index], where) != 0) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    return 0;
}

void config_unknown(const char *where, const char *section, const char *name,
                    char *err, size_t errlen)
{
    struct suggest near;

    suggest_init(&near, name);
    if (section) {
        for (int i = 0; i < CONFIG_FIELD_COUNT; i++)
            if (strcmp(config_fields[i].section, section) == 0)
                suggest_consider(&near, config_fields[i].key);
    } else {
        for (const char *const *s = section_names; *s; s++)
            suggest_consider(&near, *s);
    }
    int n = section
        ? snprintf(err, errlen, "%s: unknown key '%s' in section '%s'", where,
                   name, section)
        : snprintf(err, errlen, "%s: unknown section '%s'", where, name);
    if (near.best && n >= 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, " (did you mean '%s'?)", near.best);
}

static void node_where(char *buf, size_t len, const char *file,
                       const struct yamldoc_node *n)
{
    snprintf(buf, len, "%s:%d:%d", file, n->line, n->column);
}

static bool is_null(const struct yamldoc_node *n)
{
    return yamldoc_scalar_value(n).type == YAMLDOC_NULL;
}

/* Every key we look up by name must be a scalar. */
static int check_keys(const char *file, const struct yamldoc_node *map,
                      char *err, size_t errlen)
{
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_node *k = map->pairs[i].key;
        if (k->kind != YAMLDOC_SCALAR) {
            snprintf(err, errlen, "%s:%d:%d: expected a name as key, got a %s",
                     file, k->line, k->column, yamldoc_kind_name(k->kind));
            return -1;
        }
    }
    return 0;
}

static int apply_channels(struct config *cfg, const char *file,
                          const struct yamldoc_node *map, char *err,
                          size_t errlen)
{
    char where[WHERE_MAX];
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_pair *p = &map->pairs[i];
        node_where(where, sizeof where, file, p->value);
        if (!is_null(p->value) && p->value->kind != YAMLDOC_MAPPING) {
            snprintf(err, errlen, "%s: notifications.%s: expected a mapping "
                     "of settings, got a %s", where, p->key->text,
                     yamldoc_kind_name(p->value->kind));
            return -1;
        }
        struct config_channel *ch = config_channel_ensure(cfg, p->key->text,
                                                          false);
        struct yamldoc_node *settings = p->value->kind == YAMLDOC_MAPPING
            ? yamldoc_clone(p->value) : NULL;
        if (!ch || (p->value->kind == YAMLDOC_MAPPING && !settings)) {
            snprintf(err, errlen, "%s: out of memory", where);
            return -1;
        }
        if (settings) {
            yamldoc_free(ch->settings);
            ch->settings = settings;
        }
    }
    return 0;
}

static int apply_section(struct config *cfg, const char *file,
                         const char *section, const struct yamldoc_node *map,
                         char *err, size_t errlen)
{
    char where[WHERE_MAX];
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_pair *p = &map->pairs[i];
        node_where(where, sizeof where, file, p->key);
        int index = config_field_find(section, p->key->text);
        if (index < 0) {
            config_unknown(where, section, p->key->text, err, errlen);
            return -1;
        }
        node_where(where, sizeof where, file, p->value);
        if (config_field_apply(cfg, index, p->value, where, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int apply_file(struct config *cfg, const char *file,
                      const struct yamldoc_node *root, char *err,
                      size_t errlen)
{
    char where[WHERE_MAX];
    if (is_null(root))
        return 0;
    if (root->kind != YAMLDOC_MAPPING) {
        node_where(where, sizeof where, file, root);
        snprintf(err, errlen, "%s: expected a mapping of sections, got a %s",
                 where, yamldoc_kind_name(root->kind));
        return -1;
    }
    for (size_t i = 0; i < root->count; i++) {
        const struct yamldoc_pair *p = &root->pairs[i];
        const char *section = p->key->text;
        bool known = false;
        for (const char *const *s = section_names; *s; s++)
            known = known || strcmp(*s, section) == 0;
        node_where(where, sizeof where, file, p->key);
        if (!known) {
            config_unknown(where, NULL, section, err, errlen);
            return -1;
        }
        if (is_null(p->value))
            continue;
        if (p->value->kind != YAMLDOC_MAPPING) {
            node_where(where, sizeof where, file, p->value);
            snprintf(err, errlen, "%s: %s: expected a mapping, got a %s",
                     where, section, yamldoc_kind_name(p->value->kind));
            return -1;
        }
        if (check_keys(file, p->value, err, errlen) != 0)
            return -1;
        int rc = strcmp(section, CONFIG_NOTIFICATIONS) == 0
            ? apply_channels(cfg, file, p->value, err, errlen)
            : apply_section(cfg, file, section, p->value, err, errlen);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int config_load(const char *path, struct config *cfg, char *err,
                size_t errlen)
{
    struct yamldoc_node *root = NULL;
    struct stat sb;

    if (config_defaults(cfg) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (stat(path, &sb) == 0) {
        root = yamldoc_load_file(path, err, errlen);
        if (!root || (root->kind == YAMLDOC_MAPPING &&
                      check_keys(path, root, err, errlen) != 0) ||
            apply_file(cfg, path, root, err, errlen) != 0)
            goto fail;
    } else if (errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (config_env_apply(cfg, err, errlen) != 0 ||
        config_channels_check(cfg, path, err, errlen) != 0)
        goto fail;
    yamldoc_free(root);
    return 0;
fail:
    yamldoc_free(root);
    config_free(cfg);
    return -1;
}

const char *config_log_level_name(enum config_log_level level)
{
    return level <= CONFIG_LOG_ERROR ? level_names[level] : "?";
}

int config_resolve_path(const char *root, const char *rel, char *buf,
                        size_t len)
{
    int n = rel[0] == '/' ? snprintf(buf, len, "%s", rel)
                          : snprintf(buf, len, "%s/%s", root, rel);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}
