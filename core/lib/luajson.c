/* luajson.c — Lua values to and from jansson values (see luajson.h). */
#include "luajson.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* Longest key path kept for error messages; deeper paths are cut short. */
#define PATH_MAX_LEN 256

/* State of one luajson_to_json call.  `seen` holds the tables on the path
 * from the root to the current value, which is all cycle detection needs:
 * a table met twice on one path is a cycle, a table shared by two branches
 * is not.  Keeping it in C means the conversion never allocates on the Lua
 * side and so never raises.  `left` is what remains of the size budget
 * (luajson_to_json_bounded). */
struct encoder {
    lua_State *L;
    const void *seen[LUAJSON_MAX_DEPTH];
    int depth;
    char path[PATH_MAX_LEN];
    size_t left, max_bytes;
    char *err;
    size_t errlen;
};

static json_t *convert(struct encoder *e, int idx);

void luajson_push_array_mt(lua_State *L)
{
    luaL_newmetatable(L, LUAJSON_ARRAY_MT);
}

/* Records why the conversion stopped, and where; returns NULL to pass on. */
static json_t *fail(struct encoder *e, const char *what)
{
    if (e->path[0])
        snprintf(e->err, e->errlen, "%s at key '%s'", what, e->path);
    else
        snprintf(e->err, e->errlen, "%s", what);
    return NULL;
}

/* Appends one step to the key path; returns the old length to restore. */
static size_t path_push_key(struct encoder *e, const char *key)
{
    size_t old = strlen(e->path);

    snprintf(e->path + old, sizeof e->path - old, "%s%s", old ? "." : "", key);
    return old;
}

/* Takes `bytes` from the budget; false (with the message) when it is spent. */
static bool spend(struct encoder *e, size_t bytes)
{
    char what[96];

    if (bytes <= e->left) {
        e->left -= bytes;
        return true;
    }
    snprintf(what, sizeof what, "larger than %zu bytes as JSON", e->max_bytes);
    fail(e, what);
    return false;
}

static size_t path_push_index(struct encoder *e, lua_Integer i)
{
    size_t old = strlen(e->path);

    snprintf(e->path + old, sizeof e->path - old, "[%lld]", (long long)i);
    return old;
}

/* The array length of the table at idx: n when its keys are exactly 1..n,
 * 0 when it is empty and marked as an array, -1 when it is an object.
 * n distinct positive integer keys whose largest is n are exactly 1..n. */
static lua_Integer array_length(lua_State *L, int idx)
{
    lua_Integer count = 0, max = 0;
    int is_array = 1, marked;

    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int isint;
        lua_Integer k = lua_tointegerx(L, -2, &isint);

        count++;
        if (lua_type(L, -2) != LUA_TNUMBER || !isint || k < 1)
            is_array = 0;
        else if (k > max)
            max = k;
        lua_pop(L, 1);
    }
    if (count > 0)
        return is_array && max == count ? count : -1;
    marked = lua_getmetatable(L, idx);
    if (marked) {
        luaL_getmetatable(L, LUAJSON_ARRAY_MT);
        marked = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    return marked ? 0 : -1;
}

static json_t *convert_array(struct encoder *e, int idx, lua_Integer n)
{
    lua_State *L = e->L;
    json_t *arr = json_array();

    if (!arr)
        return fail(e, "out of memory");
    for (lua_Integer i = 1; i <= n; i++) {
        size_t old = path_push_index(e, i);
        json_t *item;

        lua_rawgeti(L, idx, i);
        item = convert(e, lua_gettop(L));
        lua_pop(L, 1);
        if (!item || json_array_append_new(arr, item) != 0) {
            if (item)
                fail(e, "out of memory");
            json_decref(arr);
            return NULL;
        }
        e->path[old] = '\0';
    }
    return arr;
}

static json_t *convert_object(struct encoder *e, int idx)
{
    lua_State *L = e->L;
    json_t *obj = json_object();

    if (!obj)
        return fail(e, "out of memory");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        size_t keylen, old;
        const char *key;
        json_t *item;

        if (lua_type(L, -2) != LUA_TSTRING) {
            fail(e, lua_type(L, -2) == LUA_TNUMBER ? "non-string key (a sparse or mixed array?)"
                                                   : "non-string key");
            lua_pop(L, 2);
            json_decref(obj);
            return NULL;
        }
        key = lua_tolstring(L, -2, &keylen);
        if (!spend(e, keylen)) {
            lua_pop(L, 2);
            json_decref(obj);
            return NULL;
        }
        old = path_push_key(e, key);
        item = convert(e, lua_gettop(L));
        lua_pop(L, 1);
        if (!item || json_object_setn_new(obj, key, keylen, item) != 0) {
            if (item)
                fail(e, "invalid UTF-8 in key");
            lua_pop(L, 1);
            json_decref(obj);
            return NULL;
        }
        e->path[old] = '\0';
    }
    return obj;
}

static json_t *convert_table(struct encoder *e, int idx)
{
    const void *t = lua_topointer(e->L, idx);
    lua_Integer n;
    json_t *v;

    for (int i = 0; i < e->depth; i++)
        if (e->seen[i] == t)
            return fail(e, "cycle detected");
    /* Each level holds a key, a value and an iteration slot. */
    if (e->depth == LUAJSON_MAX_DEPTH || !lua_checkstack(e->L, 4))
        return fail(e, "nesting too deep");
    e->seen[e->depth++] = t;
    n = array_length(e->L, idx);
    v = n >= 0 ? convert_array(e, idx, n) : convert_object(e, idx);
    e->depth--;
    return v;
}

static json_t *convert(struct encoder *e, int idx)
{
    lua_State *L = e->L;
    char what[64];
    json_t *v = NULL;
    size_t len = 0;
    const char *s;

    if (lua_type(L, idx) == LUA_TSTRING)
        lua_tolstring(L, idx, &len);
    if (!spend(e, len + 1))
        return NULL;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return json_null();
    case LUA_TBOOLEAN:
        return json_boolean(lua_toboolean(L, idx));
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            v = json_integer((json_int_t)lua_tointeger(L, idx));
        else if (!isfinite(lua_tonumber(L, idx)))
            return fail(e, "cannot encode a non-finite number");
        else
            v = json_real(lua_tonumber(L, idx));
        break;
    case LUA_TSTRING:
        s = lua_tolstring(L, idx, &len);
        if (!(v = json_stringn(s, len)))
            return fail(e, "invalid UTF-8 in string");
        return v;
    case LUA_TTABLE:
        return convert_table(e, idx);
    case LUA_TLIGHTUSERDATA: /* json.null; any other one is not JSON */
        if (lua_touserdata(L, idx) == NULL)
            return json_null();
        /* fall through */
    default:
        snprintf(what, sizeof what, "cannot encode a %s", luaL_typename(L, idx));
        return fail(e, what);
    }
    if (!v)
        fail(e, "out of memory");
    return v;
}

int luajson_to_json_bounded(lua_State *L, int idx, size_t max_bytes, json_t **out, char *err,
                            size_t len)
{
    struct encoder e = {
        .L = L, .left = max_bytes, .max_bytes = max_bytes, .err = err, .errlen = len};

    *out = convert(&e, lua_absindex(L, idx));
    return *out ? 0 : -1;
}

int luajson_to_json(lua_State *L, int idx, json_t **out, char *err, size_t len)
{
    return luajson_to_json_bounded(L, idx, SIZE_MAX, out, err, len);
}

void luajson_push(lua_State *L, json_t *v)
{
    const char *key;
    size_t keylen, i;
    json_t *item;

    luaL_checkstack(L, 3, "JSON nested too deeply");
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        lua_createtable(L, 0, (int)json_object_size(v));
        json_object_keylen_foreach(v, key, keylen, item)
        {
            lua_pushlstring(L, key, keylen);
            luajson_push(L, item);
            lua_rawset(L, -3);
        }
        break;
    case JSON_ARRAY:
        lua_createtable(L, (int)json_array_size(v), 0);
        json_array_foreach(v, i, item)
        {
            luajson_push(L, item);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        luajson_push_array_mt(L);
        lua_setmetatable(L, -2);
        break;
    case JSON_STRING:
        lua_pushlstring(L, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        lua_pushinteger(L, (lua_Integer)json_integer_value(v));
        break;
    case JSON_REAL:
        lua_pushnumber(L, json_real_value(v));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        lua_pushboolean(L, json_is_true(v));
        break;
    case JSON_NULL:
        lua_pushlightuserdata(L, NULL);
        break;
    }
}
