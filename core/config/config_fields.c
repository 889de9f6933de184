/* config_fields.c — the settings table: each scalar setting's section and
 * key, where it goes in struct config, its kind, bounds and default, and
 * the handling of a value of each kind (checking, storing, the messages).
 *
 * The defaults, the file (config.c), the environment (config_env.c) and
 * the printer (config_print.c) all go through this one table, so a
 * setting means the same thing wherever it is written.
 */
#include "config_internal.h"
#include "lib/hostport.h"
#include "lib/suggest.h"
#include "lib/utf8.h"
#include "log/log.h"
#include "time/tz.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64

static const char *const format_names[] = {"text", "json", NULL};

/* One row per setting, by kind: its key, where it goes, its bounds and its
 * default, each written here and nowhere else. */
#define FIELD(sec, k, kind_, member) \
    .section = sec, .key = k, .kind = kind_, .offset = offsetof(struct config, member)
#define STRING_FIELD(sec, k, member, def)                               \
    {                                                                   \
        FIELD(sec, k, CONFIG_FIELD_STRING, member), .default_text = def \
    }
#define CHECKED_STRING_FIELD(sec, k, member, def, valid_)                                \
    {                                                                                    \
        FIELD(sec, k, CONFIG_FIELD_STRING, member), .default_text = def, .valid = valid_ \
    }
#define INT_FIELD(sec, k, member, min_, def)                                        \
    {                                                                               \
        FIELD(sec, k, CONFIG_FIELD_INT, member), .min = min_, .default_number = def \
    }
#define BOOL_FIELD(sec, k, member, def)                                 \
    {                                                                   \
        FIELD(sec, k, CONFIG_FIELD_BOOL, member), .default_number = def \
    }
#define ENUM_FIELD(sec, k, member, names_, def)                                          \
    {                                                                                    \
        FIELD(sec, k, CONFIG_FIELD_ENUM, member), .names = names_, .default_number = def \
    }
#define SIZE_FIELD(sec, k, member, def)                                 \
    {                                                                   \
        FIELD(sec, k, CONFIG_FIELD_SIZE, member), .default_number = def \
    }
#define DURATION_FIELD(sec, k, member, def)                                 \
    {                                                                       \
        FIELD(sec, k, CONFIG_FIELD_DURATION, member), .default_number = def \
    }

#define MIB (1024 * 1024)

/* A zone of the system's tzdata, or "" for the system's own zone: a typo
 * must be refused, not silently move every schedule to another zone. */
static int valid_zone(const char *text, char *err, size_t errlen)
{
    char why[TZ_ERR_MAX];

    if (!*text || tz_get(text, why, sizeof why))
        return 0;
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* "" (no func handler) or a task's name, a file under the tasks folder:
 * printable, without "..", and no path of its own. */
static int valid_task_name(const char *text, char *err, size_t errlen)
{
    if (!*text || (utf8_is_printable(text) && !strstr(text, "..") && text[0] != '/' &&
                   !strstr(text, ".lua")))
        return 0;
    snprintf(err, errlen,
             "expected a task's name (its path under the tasks folder without .lua), "
             "got '%s'",
             text);
    return -1;
}

/* "" (no API) or an address the API can bind. */
static int valid_listen(const char *text, char *err, size_t errlen)
{
    struct sockaddr_storage addr;
    socklen_t len;

    return *text ? hostport_parse(text, &addr, &len, err, errlen) : 0;
}

/* "" (no heartbeat) or an http:// or https:// URL with a host. */
static int valid_url(const char *text, char *err, size_t errlen)
{
    const char *host = strncmp(text, "https://", 8) == 0  ? text + 8
                       : strncmp(text, "http://", 7) == 0 ? text + 7
                                                          : NULL;

    if (!*text || (host && *host && !strchr("/?#", *host) && !strpbrk(text, " \t\r\n")))
        return 0;
    snprintf(err, errlen, "expected an http:// or https:// URL with a host, or \"\"");
    return -1;
}

const struct config_field config_fields[CONFIG_FIELD_COUNT] = {
    CHECKED_STRING_FIELD("scheduler", "timezone", scheduler.timezone, "", valid_zone),
    INT_FIELD("scheduler", "max_concurrent", scheduler.max_concurrent, 1, 4),
    INT_FIELD("scheduler", "max_catchup", scheduler.max_catchup, 0, 100),
    INT_FIELD("scheduler", "kill_grace", scheduler.kill_grace, 0, 10),
    INT_FIELD("scheduler", "shutdown_timeout", scheduler.shutdown_timeout, 0, 30),
    INT_FIELD("scheduler", "default_timeout", scheduler.default_timeout, 0, 300),
    INT_FIELD("scheduler", "max_memory_usage", scheduler.max_memory_usage, 0, 0),
    BOOL_FIELD("scheduler", "strict_modes", scheduler.strict_modes, true),
    BOOL_FIELD("scheduler", "fork_server", scheduler.fork_server, true),
    STRING_FIELD("database", "path", database.path, "data/scheduler.db"),
    INT_FIELD("database", "retention_days", database.retention_days, 0, 90),
    DURATION_FIELD("database", "backup_interval", database.backup_interval, 0),
    INT_FIELD("database", "backup_keep", database.backup_keep, 1, 7),
    ENUM_FIELD("logging", "level", logging.level, log_level_names, LOG_LEVEL_INFO),
    ENUM_FIELD("logging", "format", logging.format, format_names, CONFIG_LOG_TEXT),
    SIZE_FIELD("logging", "max_size", logging.max_size, 10 * MIB),
    INT_FIELD("logging", "retention", logging.retention, 0, 30),
    INT_FIELD("logging", "rotation", logging.rotation, 0, 5),
    SIZE_FIELD("logging", "run_output_max", logging.run_output_max, MIB),
    STRING_FIELD("tasks", "directory", tasks.directory, "tasks"),
    STRING_FIELD("tasks", "pattern", tasks.pattern, "*.lua"),
    BOOL_FIELD("tasks", "reload_on_change", tasks.reload_on_change, true),
    BOOL_FIELD("tasks", "include_example_tasks", tasks.include_example_tasks, false),
    CHECKED_STRING_FIELD("tasks", "func_handler", tasks.func_handler, "", valid_task_name),
    STRING_FIELD("dependencies", "server", dependencies.server, ""),
    STRING_FIELD("dependencies", "tree", dependencies.tree, "data/rocks"),
    CHECKED_STRING_FIELD("api", "listen", api.listen, "127.0.0.1:8421", valid_listen),
    INT_FIELD("api", "max_connections", api.max_connections, 1, 256),
    INT_FIELD("api", "connection_timeout", api.connection_timeout, 1, 30),
    SIZE_FIELD("api", "max_request_size", api.max_request_size, MIB),
    BOOL_FIELD("api", "metrics_public", api.metrics_public, false),
    STRING_FIELD("api", "tls_cert", api.tls_cert, ""),
    STRING_FIELD("api", "tls_key", api.tls_key, ""),
    INT_FIELD("alerts", "failure_streak", alerts.failure_streak, 1, 1),
    DURATION_FIELD("alerts", "late_after", alerts.late_after, 60),
    INT_FIELD("alerts", "long_factor", alerts.long_factor, 1, 2),
    DURATION_FIELD("alerts", "long_min", alerts.long_min, 60),
    INT_FIELD("alerts", "flap_limit", alerts.flap_limit, 1, 4),
    STRING_FIELD("alerts", "channels", alerts.channels, ""),
    CHECKED_STRING_FIELD("alerts", "heartbeat_url", alerts.heartbeat_url, "", valid_url),
    INT_FIELD("alerts", "heartbeat_interval", alerts.heartbeat_interval, 1, 60),
};

/* Enum settings are stored through an int pointer. */
_Static_assert(sizeof(enum log_level) == sizeof(int) &&
                   sizeof(enum config_log_format) == sizeof(int),
               "enum settings must be int-sized");

static const char *const section_names[] = {
    "scheduler",    "database", "logging", "tasks",        CONFIG_NOTIFICATIONS,
    "dependencies", CONFIG_API, "alerts",  CONFIG_SOURCES, NULL};

/* Unit suffixes, lower case; matching ignores case. */
struct unit {
    const char *suffix;
    int64_t factor;
};

static const struct unit size_units[] = {
    {"", 1},
    {"b", 1},
    {"k", 1024},
    {"kb", 1024},
    {"kib", 1024},
    {"m", 1024 * 1024},
    {"mb", 1024 * 1024},
    {"mib", 1024 * 1024},
    {"g", 1024 * 1024 * 1024},
    {"gb", 1024 * 1024 * 1024},
    {"gib", 1024 * 1024 * 1024},
    {NULL, 0},
};

static const struct unit duration_units[] = {
    {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 7 * 86400}, {NULL, 0},
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

int config_field_default(struct config *cfg, int index)
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
static bool parse_units(const char *text, const struct unit *units, int64_t *out)
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
        while (u->suffix &&
               !(strlen(u->suffix) == len && strncasecmp(u->suffix, end, len) == 0))
            u++;
        if (!u->suffix || n > (INT64_MAX - total) / u->factor)
            return false;
        total += n * u->factor;
        s = end + len;
    }
    *out = total;
    return true;
}

bool config_parse_duration(const char *text, int64_t *out)
{
    return parse_units(text, duration_units, out);
}

static const char *expectation(const struct config_field *f, char *buf, size_t len)
{
    switch (f->kind) {
    case CONFIG_FIELD_STRING:
        return "a string";
    case CONFIG_FIELD_BOOL:
        return "true or false";
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
            used +=
                (size_t)snprintf(buf + used, len - used, "%s %s", n == f->names ? "" : ",", *n);
        return buf;
    }
    }
    return "?";
}

/* Check one scalar; the value goes to *(slot) in the field's C type. */
static bool parse_field(const struct config_field *f, const struct yamldoc_node *node,
                        void *slot)
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
               parse_units(node->text,
                           f->kind == CONFIG_FIELD_SIZE ? size_units : duration_units, slot);
    }
    return false;
}

int config_field_apply(struct config *cfg, int index, const struct yamldoc_node *value,
                       const char *where, char *err, size_t errlen)
{
    const struct config_field *f = &config_fields[index];
    void *slot = (char *)cfg + f->offset;
    char expect[NAME_MAX_LEN * 2];

    if (value->kind != YAMLDOC_SCALAR) {
        snprintf(err, errlen, "%s: %s.%s: expected %s, got a %s", where, f->section, f->key,
                 expectation(f, expect, sizeof expect), yamldoc_kind_name(value->kind));
        return -1;
    }
    if (!parse_field(f, value, slot)) {
        snprintf(err, errlen, "%s: %s.%s: expected %s, got '%s'", where, f->section, f->key,
                 expectation(f, expect, sizeof expect), value->text);
        return -1;
    }
    if (f->valid) {
        char why[CONFIG_ERR_MAX / 2];
        if (f->valid(*(char **)slot, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s.%s: %s", where, f->section, f->key, why);
            return -1;
        }
    }
    if (set_string(&cfg->origin[index], where) != 0) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    return 0;
}

void config_field_unknown(const char *where, const char *section, const char *name, char *err,
                          size_t errlen)
{
    struct suggest near;

    suggest_init(&near, name);
    if (section) {
        for (int i = 0; i < CONFIG_FIELD_COUNT; i++)
            if (strcmp(config_fields[i].section, section) == 0)
                suggest_consider(&near, config_fields[i].key);
        if (strcmp(section, CONFIG_API) == 0)
            suggest_consider(&near, CONFIG_API_TOKENS);
        if (strcmp(section, CONFIG_SCHEDULER) == 0)
            suggest_consider(&near, CONFIG_QUEUES);
    } else {
        for (const char *const *s = section_names; *s; s++)
            suggest_consider(&near, *s);
    }
    int n = section ? snprintf(err, errlen, "%s: unknown key '%s' in section '%s'", where, name,
                               section)
                    : snprintf(err, errlen, "%s: unknown section '%s'", where, name);
    if (near.best && n >= 0 && (size_t)n < errlen)
        snprintf(err + n, errlen - (size_t)n, " (did you mean '%s'?)", near.best);
}

bool config_field_section_known(const char *name)
{
    for (const char *const *s = section_names; *s; s++)
        if (strcmp(*s, name) == 0)
            return true;
    return false;
}
