/* dsl.c — the C side of the schedule DSL: validators for lua/dsl.lua and
 * the conversion of its schedule tables into struct schedule.
 *
 * The DSL validates each argument when it is written, so errors carry the
 * user's line; the conversion parses the same strings again with the same
 * parsers, because only its result is trusted (a task file can forge a
 * table with the schedule metatable).  Field names and meanings of the
 * schedule table are documented at the top of lua/dsl.lua.
 */
#include "dsl.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lib/embedded.h"
#include "time/tz.h"

/* Registry keys of the metatables lua/dsl.lua returns. */
#define DSL_SCHEDULE_MT "dsl.schedule"
#define DSL_EVERY_MT "dsl.every"

#define DSL_WEEKDAY_MAX 6

/* Indexed by enum schedule_unit and enum schedule_kind. */
static const char *const unit_names[] = {"second", "minute", "hour", "day", "week", NULL};
static const char *const kind_names[] = {"every", "cron", "once", NULL};

/* Validators: each returns true, or nil and a message (Lua's convention for
 * recoverable failures), so the DSL can raise at its caller's level. */
static int validation_result(lua_State *L, int rc, const char *err)
{
    if (rc == 0) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
}

static int check_time(lua_State *L)
{
    int unit = luaL_checkoption(L, 1, NULL, unit_names);
    const char *text = luaL_checkstring(L, 2);
    int hour, minute, second;
    char err[SCHEDULE_ERR_MAX];
    int rc = schedule_parse_at((enum schedule_unit)unit, text, &hour, &minute, &second, err,
                               sizeof err);
    return validation_result(L, rc, err);
}

static int check_zone(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    char err[SCHEDULE_ERR_MAX] = "";
    int rc = 0;
    if (strlen(name) >= SCHEDULE_ZONE_MAX) {
        snprintf(err, sizeof err, "zone name longer than %d bytes", SCHEDULE_ZONE_MAX - 1);
        rc = -1;
    } else if (tz_get(name, err, sizeof err) == NULL) {
        rc = -1;
    }
    return validation_result(L, rc, err);
}

static int check_cron(lua_State *L)
{
    struct cron_spec spec;
    char err[SCHEDULE_ERR_MAX];
    int rc = cron_parse(luaL_checkstring(L, 1), &spec, err, sizeof err);
    return validation_result(L, rc, err);
}

static int check_civil(lua_State *L)
{
    struct civil_time civil;
    char err[SCHEDULE_ERR_MAX];
    int rc = schedule_parse_civil(luaL_checkstring(L, 1), &civil, err, sizeof err);
    return validation_result(L, rc, err);
}

/* lua/dsl.lua compiled once per process: a sandbox is opened for every
 * task file, and parsing the DSL's source was most of what that cost.
 * Only our own dump is ever loaded as bytecode. */
static struct {
    pthread_once_t once;
    char *data; /* NULL: compiling failed, the source is parsed each time */
    size_t len;
} compiled = {.once = PTHREAD_ONCE_INIT};

static int append_dump(lua_State *L, const void *p, size_t size, void *ud)
{
    char *grown = realloc(compiled.data, compiled.len + size);

    (void)L;
    (void)ud;
    if (!grown)
        return 1;
    memcpy(grown + compiled.len, p, size);
    compiled.data = grown;
    compiled.len += size;
    return 0;
}

static void compile_dsl(void)
{
    const struct embedded_file *file = embedded_find("lua/dsl.lua");
    lua_State *L = file ? luaL_newstate() : NULL;

    if (!L)
        return;
    /* Debug information kept: the DSL's messages name its lines. */
    if (luaL_loadbufferx(L, (const char *)file->data, file->len, "=dsl", "t") != LUA_OK ||
        lua_dump(L, append_dump, NULL, 0) != 0) {
        free(compiled.data);
        compiled.data = NULL;
        compiled.len = 0;
    }
    lua_close(L);
}

void dsl_install(lua_State *L)
{
    static const luaL_Reg validators[] = {
        {"time", check_time},   {"zone", check_zone}, {"cron", check_cron},
        {"civil", check_civil}, {NULL, NULL},
    };
    const struct embedded_file *file = embedded_find("lua/dsl.lua");
    int rc;

    if (file == NULL)
        luaL_error(L, "lua/dsl.lua is not embedded in this binary");
    if (pthread_once(&compiled.once, compile_dsl) == 0 && compiled.data)
        rc = luaL_loadbufferx(L, compiled.data, compiled.len, "=dsl", "b");
    else
        rc = luaL_loadbufferx(L, (const char *)file->data, file->len, "=dsl", "t");
    if (rc != LUA_OK)
        lua_error(L);
    luaL_newlib(L, validators);
    lua_call(L, 1, 3); /* globals, Schedule, Every */
    lua_setfield(L, LUA_REGISTRYINDEX, DSL_EVERY_MT);
    lua_setfield(L, LUA_REGISTRYINDEX, DSL_SCHEDULE_MT);
    lua_pushglobaltable(L); /* dsl, _G */
    lua_pushnil(L);
    while (lua_next(L, -3)) { /* dsl, _G, key, value */
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4); /* _G[key] = value */
    }
    lua_pop(L, 2);
}

/* True when the value at idx has the metatable stored under `key`. */
static bool has_metatable(lua_State *L, int idx, const char *key)
{
    bool same;
    if (!lua_getmetatable(L, idx))
        return false;
    lua_getfield(L, LUA_REGISTRYINDEX, key);
    same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

/* table[name] as a string without metamethods; NULL when absent.  The
 * string stays valid while the table holds it.  -1 on a non-string. */
static int string_field(lua_State *L, int idx, const char *name, const char **out)
{
    int type;
    lua_pushstring(L, name);
    type = lua_rawget(L, idx);
    *out = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1);
    return type == LUA_TSTRING || type == LUA_TNIL ? 0 : -1;
}

/* table[name] as an integer in [min, max]; `def` when absent. */
static int int_field(lua_State *L, int idx, const char *name, int min, int max, int def,
                     int *out)
{
    int isint, rc = 0;
    lua_Integer value;
    lua_pushstring(L, name);
    if (lua_rawget(L, idx) == LUA_TNIL) {
        *out = def;
    } else {
        value = lua_tointegerx(L, -1, &isint);
        if (isint && value >= min && value <= max)
            *out = (int)value;
        else
            rc = -1;
    }
    lua_pop(L, 1);
    return rc;
}

/* The index of `text` in `names`, or -1. */
static int name_index(const char *const names[], const char *text)
{
    for (int i = 0; text && names[i]; i++)
        if (strcmp(names[i], text) == 0)
            return i;
    return -1;
}

/* The modifiers every kind of schedule may carry. */
static int convert_modifiers(lua_State *L, int idx, struct schedule *s, char *why,
                             size_t whylen)
{
    const char *zone, *from, *till, *anchor;
    if (string_field(L, idx, "zone", &zone) < 0 ||
        string_field(L, idx, "from_date", &from) < 0 ||
        string_field(L, idx, "till_date", &till) < 0 ||
        string_field(L, idx, "anchor_date", &anchor) < 0 ||
        int_field(L, idx, "jitter_seconds", 0, INT32_MAX, 0, &s->jitter) < 0) {
        snprintf(why, whylen, "malformed modifier");
        return -1;
    }
    if (zone) {
        if (strlen(zone) >= sizeof s->zone || tz_get(zone, why, whylen) == NULL)
            return -1;
        memcpy(s->zone, zone, strlen(zone) + 1);
    }
    s->has_from = from != NULL;
    s->has_till = till != NULL;
    if (from && schedule_parse_civil(from, &s->from, why, whylen) < 0)
        return -1;
    if (till && schedule_parse_civil(till, &s->till, why, whylen) < 0)
        return -1;
    /* lua/dsl.lua refuses these; a forged table is refused here */
    if (anchor && (s->kind != SCHEDULE_EVERY || s->weekday >= 0 || s->at_hour >= 0 ||
                   s->at_minute >= 0 || s->at_second >= 0)) {
        snprintf(why, whylen, "anchor() applies to every(n) without .at() only");
        return -1;
    }
    s->has_anchor = anchor != NULL;
    if (anchor && schedule_parse_civil(anchor, &s->anchor, why, whylen) < 0)
        return -1;
    return 0;
}

static int convert_every(lua_State *L, int idx, struct schedule *s, char *why, size_t whylen)
{
    const char *unit, *time;
    int unit_index;
    if (string_field(L, idx, "unit", &unit) < 0 || string_field(L, idx, "time", &time) < 0 ||
        (unit_index = name_index(unit_names, unit)) < 0 ||
        int_field(L, idx, "n", 1, INT32_MAX, 1, &s->n) < 0 ||
        int_field(L, idx, "weekday", 0, DSL_WEEKDAY_MAX, -1, &s->weekday) < 0 ||
        (s->weekday >= 0 && unit_index != UNIT_WEEK)) {
        snprintf(why, whylen, "malformed every() schedule");
        return -1;
    }
    s->unit = (enum schedule_unit)unit_index;
    if (time)
        return schedule_parse_at(s->unit, time, &s->at_hour, &s->at_minute, &s->at_second, why,
                                 whylen);
    return 0;
}

/* The schedule table at absolute index idx into *s. */
static int convert_schedule(lua_State *L, int idx, struct schedule *s, char *why, size_t whylen)
{
    const char *text, *kind, *expr;
    int kind_index;

    memset(s, 0, sizeof *s);
    s->weekday = s->at_hour = s->at_minute = s->at_second = -1;
    if (string_field(L, idx, "text", &text) < 0 || string_field(L, idx, "kind", &kind) < 0 ||
        text == NULL || (kind_index = name_index(kind_names, kind)) < 0) {
        snprintf(why, whylen, "malformed schedule table");
        return -1;
    }
    snprintf(s->text, sizeof s->text, "%s", text);
    s->kind = (enum schedule_kind)kind_index;
    switch (s->kind) {
    case SCHEDULE_EVERY:
        if (convert_every(L, idx, s, why, whylen) < 0)
            return -1;
        break;
    case SCHEDULE_CRON:
        if (string_field(L, idx, "cron", &expr) < 0 || expr == NULL) {
            snprintf(why, whylen, "malformed cron() schedule");
            return -1;
        }
        if (cron_parse(expr, &s->cron, why, whylen) < 0)
            return -1;
        break;
    case SCHEDULE_ONCE:
        if (string_field(L, idx, "once", &expr) < 0 || expr == NULL) {
            snprintf(why, whylen, "malformed once() schedule");
            return -1;
        }
        if (schedule_parse_civil(expr, &s->once, why, whylen) < 0)
            return -1;
        break;
    }
    return convert_modifiers(L, idx, s, why, whylen);
}

/* A bare crontab line into *s, its text the line as written. */
static int convert_cron_line(const char *line, struct schedule *s, char *why, size_t whylen)
{
    memset(s, 0, sizeof *s);
    s->kind = SCHEDULE_CRON;
    s->weekday = s->at_hour = s->at_minute = s->at_second = -1;
    snprintf(s->text, sizeof s->text, "%s", line);
    return cron_parse(line, &s->cron, why, whylen);
}

bool dsl_is_cron_line(const char *expr)
{
    while (isspace((unsigned char)*expr))
        expr++;
    return isdigit((unsigned char)*expr) || *expr == '*' || *expr == '@';
}

int dsl_cron_line(const char *line, struct schedule_set *out, char *err, size_t errlen)
{
    out->items = calloc(1, sizeof *out->items);
    out->count = out->items ? 1 : 0;
    if (out->items == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (convert_cron_line(line, out->items, err, errlen) < 0) {
        schedule_set_free(out);
        return -1;
    }
    return 0;
}

/* What the value at idx is, for "got ..." in messages. */
static const char *describe(lua_State *L, int idx)
{
    if (has_metatable(L, idx, DSL_EVERY_MT))
        return "every() without a unit (write e.g. every(5).minutes)";
    return luaL_typename(L, idx);
}

/* Convert item `pos` (1-based; 0 for a lone schedule) at idx into s. */
static int convert_item(lua_State *L, int idx, int pos, struct schedule *s, char *err,
                        size_t errlen)
{
    char why[SCHEDULE_ERR_MAX];
    char item[32] = "";
    if (pos > 0)
        snprintf(item, sizeof item, "item %d: ", pos);
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *line = lua_tostring(L, idx);
        if (!dsl_is_cron_line(line)) {
            snprintf(err, errlen,
                     "%sexpected a schedule, got the string \"%.*s\" (a string "
                     "is a cron line such as \"*/5 * * * *\")",
                     item, SCHEDULE_TEXT_MAX, line);
            return -1;
        }
        if (convert_cron_line(line, s, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s\"%.*s\": %s", item, SCHEDULE_TEXT_MAX, line, why);
            return -1;
        }
        return 0;
    }
    if (!has_metatable(L, idx, DSL_SCHEDULE_MT)) {
        snprintf(err, errlen, "%sexpected a schedule, got %s", item, describe(L, idx));
        return -1;
    }
    if (convert_schedule(L, idx, s, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s%s: %s", item, s->text[0] ? s->text : "schedule", why);
        return -1;
    }
    return 0;
}

/* The length of the list at idx, or 0 when it is not a non-empty list
 * (a table whose keys are exactly 1..n). */
static size_t list_length(lua_State *L, int idx)
{
    size_t n, entries = 0;
    if (lua_type(L, idx) != LUA_TTABLE)
        return 0;
    n = (size_t)lua_rawlen(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        entries++;
    }
    return entries == n ? n : 0;
}

int dsl_to_schedule_set(lua_State *L, int idx, struct schedule_set *out, char *err,
                        size_t errlen)
{
    size_t count = 1;
    bool lone;

    idx = lua_absindex(L, idx);
    memset(out, 0, sizeof *out);
    lone = has_metatable(L, idx, DSL_SCHEDULE_MT) || lua_type(L, idx) == LUA_TSTRING;
    if (!lone && (count = list_length(L, idx)) == 0) {
        snprintf(err, errlen, "expected a schedule or a non-empty list of schedules, got %s",
                 describe(L, idx));
        return -1;
    }
    out->items = calloc(count, sizeof *out->items);
    if (out->items == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->count = count;
    if (lone) {
        if (convert_item(L, idx, 0, out->items, err, errlen) < 0)
            goto fail;
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        int rc;
        lua_rawgeti(L, idx, (lua_Integer)i + 1);
        rc = convert_item(L, lua_gettop(L), (int)i + 1, &out->items[i], err, errlen);
        lua_pop(L, 1);
        if (rc < 0)
            goto fail;
    }
    return 0;
fail:
    schedule_set_free(out);
    return -1;
}
