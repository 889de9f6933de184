/* task_fields.c — checking the table a task file returns, field by field.
 *
 * One table describes the fields: name, reader, and for the generic readers
 * the member of struct task and the least accepted number.  A reader checks
 * the value on top of the stack, stores it, or says what it expected in
 * `why`; the caller adds "path:line: field 'name': ".  Lines come from the
 * source text, since a table does not remember where its fields were
 * written (task_lines.c).  All reads are raw: metamethods set by the task
 * never run here.
 */
#include "task_fields.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "dsl.h"
#include "lib/luajson.h"
#include "lib/plainname.h"
#include "lib/suggest.h"
#include "task.h"
#include "task_lines.h"

#define TASK_DEFAULT_RETRY_DELAY 60
#define TASK_DEFAULT_PING_TIMEOUT 10
#define TASK_WHY_MAX 256

struct field;
typedef int field_reader(lua_State *L, struct task *t, const struct field *f, char *why,
                         size_t len);

struct field {
    const char *name;
    field_reader *read;
    size_t offset; /* member of struct task, for the generic readers */
    double min;    /* least accepted value, for the numeric readers */
};

/* Indexed by enum task_overlap and enum task_catchup. */
static const char *const overlap_names[] = {"skip", "queue", NULL};
static const char *const catchup_names[] = {"once", "all", "skip", NULL};
static const char *const notify_keys[] = {"on", "channels", NULL};
static const char *const alerts_keys[] = {"late_after", "failure_streak", NULL};
static const char *const notify_outcomes[] = {"failure", "recovery", "success",
                                              "attempt_failure", NULL};

/* The value at idx as a message shows it: numbers and strings themselves,
 * anything else its type. */
static const char *shown(lua_State *L, int idx, char *buf, size_t len)
{
    if (lua_isinteger(L, idx))
        snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
    else if (lua_type(L, idx) == LUA_TNUMBER)
        snprintf(buf, len, "%g", (double)lua_tonumber(L, idx));
    else if (lua_type(L, idx) == LUA_TSTRING)
        snprintf(buf, len, "\"%s\"", lua_tostring(L, idx));
    else
        snprintf(buf, len, "%s", luaL_typename(L, idx));
    return buf;
}

static void *member(struct task *t, const struct field *f)
{
    return (char *)t + f->offset;
}

static int read_string(lua_State *L, struct task *t, const struct field *f, char *why,
                       size_t len)
{
    char **dst = member(t, f);
    if (lua_type(L, -1) != LUA_TSTRING) {
        snprintf(why, len, "expected a string, got %s", luaL_typename(L, -1));
        return -1;
    }
    *dst = strdup(lua_tostring(L, -1));
    if (*dst == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    return 0;
}

/* `ping`: an http:// or https:// URL with a host (pings.h). */
static int read_url(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    const char *url = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    size_t scheme = !url                               ? 0
                    : strncmp(url, "https://", 8) == 0 ? 8
                    : strncmp(url, "http://", 7) == 0  ? 7
                                                       : 0;

    /* The URL itself is left out of the message: it may hold a secret. */
    if (!scheme || !url[scheme] || strchr("/?#", url[scheme]) || strpbrk(url, " \t\r\n")) {
        snprintf(why, len, "expected an http:// or https:// URL with a host, got %s",
                 url ? "another string" : luaL_typename(L, -1));
        return -1;
    }
    return read_string(L, t, f, why, len);
}

/* A plain name (`id`, `queue`): lib/plainname.h. */
static int read_name(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;

    if (name && !plainname_ok(name)) {
        snprintf(why, len, "expected " PLAINNAME_RULE ", got \"%.80s\"", name);
        return -1;
    }
    return read_string(L, t, f, why, len);
}

static int read_bool(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    if (lua_type(L, -1) != LUA_TBOOLEAN) {
        snprintf(why, len, "expected a boolean, got %s", luaL_typename(L, -1));
        return -1;
    }
    *(bool *)member(t, f) = lua_toboolean(L, -1);
    return 0;
}

/* A number in [f->min, INT_MAX] (no lower bound when f->min is INT_MIN);
 * `integral` also refuses fractions. */
static int check_number(lua_State *L, const struct field *f, bool integral, double *out,
                        char *why, size_t len)
{
    char got[64], bound[32] = "";
    bool is_number = lua_type(L, -1) == LUA_TNUMBER;
    double v = lua_tonumber(L, -1);

    if (is_number && v >= f->min && v <= INT_MAX && (!integral || v == floor(v))) {
        *out = v;
        return 0;
    }
    if (f->min > INT_MIN)
        snprintf(bound, sizeof bound, " >= %g", f->min);
    snprintf(why, len, "expected %s%s, got %s", integral ? "an integer" : "a number", bound,
             is_number ? shown(L, -1, got, sizeof got) : luaL_typename(L, -1));
    return -1;
}

static int read_int(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    double v;
    if (check_number(L, f, true, &v, why, len) < 0)
        return -1;
    *(int *)member(t, f) = (int)v;
    return 0;
}

static int read_double(lua_State *L, struct task *t, const struct field *f, char *why,
                       size_t len)
{
    return check_number(L, f, false, member(t, f), why, len);
}

/* Seconds: any number >= min, rounded up to whole seconds. */
static int read_seconds(lua_State *L, struct task *t, const struct field *f, char *why,
                        size_t len)
{
    double v;
    if (check_number(L, f, false, &v, why, len) < 0)
        return -1;
    *(int *)member(t, f) = (int)ceil(v);
    return 0;
}

static int read_grace(lua_State *L, struct task *t, const struct field *f, char *why,
                      size_t len)
{
    double v;
    if (check_number(L, f, false, &v, why, len) < 0)
        return -1;
    t->grace = (int64_t)ceil(v);
    return 0;
}

/* The number of entries of the table at idx when its keys are exactly
 * 1..n, else -1. */
static long list_length(lua_State *L, int idx)
{
    size_t n, entries = 0;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        return -1;
    n = (size_t)lua_rawlen(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        entries++;
    }
    return entries == n ? (long)n : -1;
}

/* The list of strings on top of the stack into *list. */
static int check_list(lua_State *L, struct string_list *list, char *why, size_t len)
{
    int top = lua_gettop(L);
    long n = list_length(L, top);
    if (n < 0) {
        snprintf(why, len, "expected a list of strings, got %s", luaL_typename(L, top));
        return -1;
    }
    list->items = n ? calloc((size_t)n, sizeof *list->items) : NULL;
    if (n && list->items == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    list->count = (size_t)n; /* items are NULL until filled */
    for (long i = 0; i < n; i++) {
        int type = lua_rawgeti(L, top, i + 1);
        if (type == LUA_TSTRING)
            list->items[i] = strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
        if (type != LUA_TSTRING) {
            snprintf(why, len, "item %ld: expected a string, got %s", i + 1,
                     lua_typename(L, type));
            return -1;
        }
        if (list->items[i] == NULL) {
            snprintf(why, len, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int read_list(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    return check_list(L, member(t, f), why, len);
}

/* args: any table that converts to JSON, handed to run as ctx.args; an
 * empty table is an empty list.  Whether a command can take it is
 * check_whole's to say. */
static int read_args(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    (void)f;
    if (lua_type(L, -1) != LUA_TTABLE) {
        snprintf(why, len, "expected a table, got %s", luaL_typename(L, -1));
        return -1;
    }
    if (list_length(L, -1) == 0)
        t->args = json_array();
    else if (luajson_to_json_bounded(L, -1, TASK_ARGS_MAX, &t->args, why, len) < 0)
        return -1;
    if (t->args == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    return 0;
}

/* Whether `args` can follow a command's argv: a list of strings; if not,
 * why. */
static bool args_fit_command(const json_t *args, char *why, size_t len)
{
    size_t i;
    const json_t *item;

    if (!json_is_array(args)) {
        snprintf(why, len, "a command takes a list of strings, got a table with named keys");
        return false;
    }
    json_array_foreach(args, i, item)
    {
        if (!json_is_string(item)) {
            snprintf(why, len, "a command takes a list of strings, item %zu is not a string",
                     i + 1);
            return false;
        }
    }
    return true;
}

static int read_command(lua_State *L, struct task *t, const struct field *f, char *why,
                        size_t len)
{
    if (read_list(L, t, f, why, len) < 0)
        return -1;
    if (t->command.count == 0) {
        snprintf(why, len, "expected a non-empty list of strings (program, arguments...)");
        return -1;
    }
    return 0;
}

static int read_run(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    (void)f;
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        snprintf(why, len, "expected a function, got %s", luaL_typename(L, -1));
        return -1;
    }
    t->has_run = true;
    return 0;
}

static int read_schedule(lua_State *L, struct task *t, const struct field *f, char *why,
                         size_t len)
{
    (void)f;
    return dsl_to_schedule_set(L, -1, &t->schedules, why, len);
}

/* The index of the string on top of the stack in `names`, or -1 with
 * `expected "a", "b" or "c", got ...` in why. */
static int check_choice(lua_State *L, const char *const names[], char *why, size_t len)
{
    char got[64];
    size_t used;
    const char *text = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;

    for (int i = 0; text && names[i]; i++)
        if (strcmp(names[i], text) == 0)
            return i;
    used = (size_t)snprintf(why, len, "expected");
    for (int i = 0; names[i] && used < len; i++)
        used += (size_t)snprintf(why + used, len - used, "%s\"%s\"",
                                 i == 0         ? " "
                                 : names[i + 1] ? ", "
                                                : " or ",
                                 names[i]);
    if (used < len)
        snprintf(why + used, len - used, ", got %s", shown(L, -1, got, sizeof got));
    return -1;
}

static int read_overlap(lua_State *L, struct task *t, const struct field *f, char *why,
                        size_t len)
{
    int i = check_choice(L, overlap_names, why, len);
    (void)f;
    if (i < 0)
        return -1;
    t->overlap = (enum task_overlap)i;
    return 0;
}

static int read_catchup(lua_State *L, struct task *t, const struct field *f, char *why,
                        size_t len)
{
    int i = check_choice(L, catchup_names, why, len);
    (void)f;
    if (i < 0)
        return -1;
    t->catchup = (enum task_catchup)i;
    return 0;
}

/* env: a table of NAME = "value" strings. */
static int read_env(lua_State *L, struct task *t, const struct field *f, char *why, size_t len)
{
    int top = lua_gettop(L);
    size_t n = 0;
    (void)f;
    if (lua_type(L, top) != LUA_TTABLE) {
        snprintf(why, len, "expected a table of NAME = \"value\", got %s",
                 luaL_typename(L, top));
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, top)) {
        lua_pop(L, 1);
        n++;
    }
    t->env = n ? calloc(n, sizeof *t->env) : NULL;
    if (n && t->env == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, top)) { /* key, value */
        struct env_pair *pair = &t->env[t->env_count];
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        if (name == NULL || name[0] == '\0' || strchr(name, '=') ||
            lua_type(L, -1) != LUA_TSTRING) {
            snprintf(why, len,
                     "expected NAME = \"value\" strings, got a %s key with a %s value",
                     luaL_typename(L, -2), luaL_typename(L, -1));
            return -1;
        }
        t->env_count++;
        pair->name = strdup(name);
        pair->value = strdup(lua_tostring(L, -1));
        lua_pop(L, 1);
        if (pair->name == NULL || pair->value == NULL) {
            snprintf(why, len, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* table[name] without metamethods, pushed; returns its type. */
static int raw_field(lua_State *L, int idx, const char *name)
{
    lua_pushstring(L, name);
    return lua_rawget(L, idx);
}

/* notify = { on = {"failure", "recovery", "success", "attempt_failure"},
 *            channels = {...} };
 * `on` defaults to {"failure"}. */
static int read_notify(lua_State *L, struct task *t, const struct field *f, char *why,
                       size_t len)
{
    bool *outcomes[] = {&t->notify.on_failure, &t->notify.on_recovery, &t->notify.on_success,
                        &t->notify.on_attempt_failure}; /* in notify_outcomes' order */
    int top = lua_gettop(L);
    char sub[TASK_WHY_MAX];
    long n;
    (void)f;
    if (lua_type(L, top) != LUA_TTABLE) {
        snprintf(why, len, "expected a table { on = {...}, channels = {...} }, got %s",
                 luaL_typename(L, top));
        return -1;
    }
    t->has_notify = true;
    lua_pushnil(L);
    while (lua_next(L, top)) {
        lua_pop(L, 1);
        if (check_choice(L, notify_keys, sub, sizeof sub) < 0) {
            snprintf(why, len, "unknown key: %s", sub);
            return -1;
        }
    }
    if (raw_field(L, top, "channels") != LUA_TNIL &&
        check_list(L, &t->notify.channels, sub, sizeof sub) < 0) {
        snprintf(why, len, "channels: %s", sub);
        return -1;
    }
    if (raw_field(L, top, "on") == LUA_TNIL) {
        t->notify.on_failure = true;
        return 0;
    }
    n = list_length(L, -1);
    if (n < 0) {
        snprintf(why, len, "on: expected a list of outcomes, got %s", luaL_typename(L, -1));
        return -1;
    }
    for (long i = 1; i <= n; i++) {
        int outcome;
        lua_rawgeti(L, -1, i);
        outcome = check_choice(L, notify_outcomes, sub, sizeof sub);
        lua_pop(L, 1);
        if (outcome < 0) {
            snprintf(why, len, "on: item %ld: %s", i, sub);
            return -1;
        }
        *outcomes[outcome] = true;
    }
    return 0;
}

/* alerts = false, or alerts = { late_after = SECONDS, failure_streak = N },
 * each at least 1. */
static int read_alerts(lua_State *L, struct task *t, const struct field *f, char *why,
                       size_t len)
{
    int *values[] = {&t->alerts.late_after, &t->alerts.failure_streak}; /* alerts_keys' order */
    const struct field bound = {.min = 1};
    int top = lua_gettop(L);
    char sub[TASK_WHY_MAX];
    (void)f;

    if (lua_type(L, top) == LUA_TBOOLEAN && !lua_toboolean(L, top)) {
        t->alerts.off = true;
        return 0;
    }
    if (lua_type(L, top) != LUA_TTABLE) {
        snprintf(why, len,
                 "expected false or a table { late_after = s, failure_streak = n }, "
                 "got %s",
                 luaL_typename(L, top));
        return -1;
    }
    lua_pushnil(L);
    while (lua_next(L, top)) {
        double v;
        int key;
        lua_pushvalue(L, -2);
        key = check_choice(L, alerts_keys, sub, sizeof sub);
        lua_pop(L, 1);
        if (key < 0) {
            lua_pop(L, 2);
            snprintf(why, len, "unknown key: %s", sub);
            return -1;
        }
        if (check_number(L, &bound, key == 1, &v, sub, sizeof sub) < 0) {
            lua_pop(L, 2);
            snprintf(why, len, "%s: %s", alerts_keys[key], sub);
            return -1;
        }
        *values[key] = (int)ceil(v);
        lua_pop(L, 1);
    }
    return 0;
}

#define AT(m) offsetof(struct task, m)
static const struct field fields[] = {
    {"title", read_string, AT(title), 0},
    {"description", read_string, AT(description), 0},
    {"enabled", read_bool, AT(enabled), 0},
    {"schedule", read_schedule, 0, 0},
    {"run", read_run, 0, 0},
    {"command", read_command, AT(command), 0},
    {"args", read_args, 0, 0},
    {"env", read_env, 0, 0},
    {"cwd", read_string, AT(cwd), 0},
    {"user", read_string, AT(user), 0},
    {"id", read_name, AT(id), 0},
    {"timeout", read_seconds, AT(timeout), 0},
    {"retry_count", read_int, AT(retry_count), 0},
    {"retry_delay", read_seconds, AT(retry_delay), 0},
    {"retry_backoff", read_double, AT(retry_backoff), 1},
    {"max_instances", read_int, AT(max_instances), 1},
    {"overlap", read_overlap, 0, 0},
    {"catchup", read_catchup, 0, 0},
    {"grace", read_grace, 0, 0},
    {"priority", read_int, AT(priority), INT_MIN},
    {"queue", read_name, AT(queue), 0},
    {"memory_limit", read_int, AT(memory_limit_mb), 0},
    {"dependencies", read_list, AT(dependencies), 0},
    {"notify", read_notify, 0, 0},
    {"alerts", read_alerts, 0, 0},
    {"tags", read_list, AT(tags), 0},
    {"ping", read_url, AT(ping), 0},
    {"ping_timeout", read_int, AT(ping_timeout), 1},
};
#undef AT
#define FIELD_COUNT (sizeof fields / sizeof fields[0])

static int vfail(const struct task *t, int line, int column, char *err, size_t errlen,
                 const char *fmt, va_list ap)
{
    int used = column > 0 ? snprintf(err, errlen, "%s:%d:%d: ", t->path, line, column)
                          : snprintf(err, errlen, "%s:%d: ", t->path, line);
    if (used >= 0 && (size_t)used < errlen)
        vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
    return -1;
}

/* "path:line: message" at a line of a Lua task file. */
static int fail_line(const struct task *t, int line, char *err, size_t errlen, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(t, line, 0, err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* "path:line[:column]: message" where `field` is written (NULL: the task
 * itself): as `where` says, else the line of the returned table's field in
 * the Lua source, else that of the `return`. */
static int fail_at(const struct task *t, const struct task_fields_where *where,
                   const char *field, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int line = 0, column = 0;

    if (where)
        where->locate(where->data, field, &line, &column);
    else if (field)
        line = task_lines_field(t->content, field);
    if (line <= 0) {
        line = where ? 1 : task_lines_return(t->content);
        column = 0;
    }
    va_start(ap, fmt);
    vfail(t, line, column, err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static const struct field *find_field(const char *name)
{
    for (size_t i = 0; i < FIELD_COUNT; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

/* The known field closest to a misspelt `name`, or NULL. */
static const char *suggestion(const char *name)
{
    struct suggest near;

    suggest_init(&near, name);
    for (size_t i = 0; i < FIELD_COUNT; i++)
        suggest_consider(&near, fields[i].name);
    return near.best;
}

/* task_lines_first_field's match: a key of the table at index 1 that is
 * no field.  Leaves that key pushed when it answers true. */
static bool is_unknown_key(void *data, const char *key, size_t len)
{
    lua_State *L = data;

    lua_pushlstring(L, key, len);
    if (!find_field(lua_tostring(L, -1))) {
        lua_pushvalue(L, -1);
        if (lua_rawget(L, 1) != LUA_TNIL) {
            lua_pop(L, 1);
            return true;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return false;
}

/* Refuse keys that are no field: the one written first in the source, else
 * (a computed key) any, at the `return` line.  The source is read once for
 * all of them: a table of 60,000 made-up keys in a 900 KB file, one scan
 * of the file per key, once held the daemon for an hour in C, beyond the
 * reach of the count hook. */
static int check_names(lua_State *L, const struct task *t, char *err, size_t errlen)
{
    const char *unknown = NULL;
    int line;

    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            char got[64];
            return fail_line(t, task_lines_return(t->content), err, errlen,
                             "unexpected entry [%s] in the task table (fields have names)",
                             shown(L, -1, got, sizeof got));
        }
        if (unknown == NULL && !find_field(lua_tostring(L, -1)))
            unknown = lua_tostring(L, -1); /* held by the table */
    }
    if (unknown == NULL)
        return 0;
    line = task_lines_first_field(t->content, is_unknown_key, L);
    if (line > 0)
        unknown = lua_tostring(L, -1); /* held by the stack */
    else
        line = task_lines_return(t->content);
    if (suggestion(unknown))
        return fail_line(t, line, err, errlen, "unknown field '%s' (did you mean '%s'?)",
                         unknown, suggestion(unknown));
    return fail_line(t, line, err, errlen, "unknown field '%s'", unknown);
}

static void set_defaults(struct task *t)
{
    t->enabled = true;
    t->timeout = -1;
    t->grace = -1;
    t->retry_delay = TASK_DEFAULT_RETRY_DELAY;
    t->retry_backoff = 1;
    t->max_instances = 1;
    t->overlap = OVERLAP_SKIP;
    t->catchup = CATCHUP_ONCE;
    t->ping_timeout = TASK_DEFAULT_PING_TIMEOUT;
}

/* The rules that involve more than one field, and defaults that depend on
 * other data. */
static int check_whole(struct task *t, const struct task_fields_where *w, char *err,
                       size_t errlen)
{
    char why[TASK_WHY_MAX];

    if (t->schedules.count == 0)
        return fail_at(t, w, NULL, err, errlen, "missing field 'schedule'");
    if (t->has_run && t->command.count > 0)
        return fail_at(t, w, "command", err, errlen,
                       "give either 'run' or 'command', not both");
    if (!t->has_run && t->command.count == 0)
        return fail_at(t, w, NULL, err, errlen,
                       "missing 'run' (a function) or 'command' (a list of strings)");
    if (t->args == NULL && (t->args = json_array()) == NULL)
        return fail_at(t, w, NULL, err, errlen, "out of memory");
    if (!t->has_run && !args_fit_command(t->args, why, sizeof why))
        return fail_at(t, w, "args", err, errlen, "field 'args': %s", why);
    if (t->title == NULL)
        t->title = strdup(t->name);
    if (t->description == NULL)
        t->description = strdup("");
    if (t->queue == NULL)
        t->queue = strdup(TASK_DEFAULT_QUEUE);
    if (t->title == NULL || t->description == NULL || t->queue == NULL)
        return fail_at(t, w, NULL, err, errlen, "out of memory");
    return 0;
}

const char *task_fields_name(size_t i)
{
    return i < FIELD_COUNT ? fields[i].name : NULL;
}

int task_fields_read_at(lua_State *L, struct task *t, const struct task_fields_where *where,
                        char *err, size_t errlen)
{
    char why[TASK_WHY_MAX];
    int base = lua_gettop(L);

    set_defaults(t);
    if (lua_type(L, 1) != LUA_TTABLE)
        return fail_at(t, where, NULL, err, errlen, "a task file must return a table, got %s",
                       luaL_typename(L, 1));
    if (check_names(L, t, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < FIELD_COUNT; i++) {
        const struct field *f = &fields[i];
        int rc = 0;
        if (raw_field(L, 1, f->name) != LUA_TNIL)
            rc = f->read(L, t, f, why, sizeof why);
        lua_settop(L, base);
        if (rc < 0)
            return fail_at(t, where, f->name, err, errlen, "field '%s': %s", f->name, why);
    }
    return check_whole(t, where, err, errlen);
}

int task_fields_read(lua_State *L, void *ud, char *err, size_t errlen)
{
    return task_fields_read_at(L, ud, NULL, err, errlen);
}
