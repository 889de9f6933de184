/* json.c — the `json` helper module: encode and decode JSON text (jansson).
 *
 *   json.encode(value [, {indent = n, sort_keys = bool}]) -> text   (raises)
 *   json.decode(text) -> value | nil, "json.decode: line L column C: why"
 *   json.null, json.array([t]), json.array_mt
 *
 * A value that cannot be encoded (a cycle, a function, inf) is a programming
 * error and raises; text that cannot be decoded is data and returns nil, msg.
 * The Lua <-> jansson mapping lives in luajson.c.  Floats are written with
 * 17 significant digits (jansson's default) so that they read back exactly:
 * 0.1 encodes as 0.10000000000000001.
 */
#include <stdlib.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "lib/luajson.h"
#include "luabox.h"
#include "luaopt.h"

#define BOX_MT "json.box"
#define ENCODE_ERR_MAX 320

/* A jansson value and its text while a call converts them.  Converting
 * into Lua can raise (out of memory); the box is a userdata so that its
 * __gc frees them then. */
struct box {
    json_t *value;
    char *text;
};

static void box_close(struct box *b)
{
    json_decref(b->value);
    b->value = NULL;
    free(b->text);
    b->text = NULL;
}

static int box_gc(lua_State *L)
{
    box_close(luaL_checkudata(L, 1, BOX_MT));
    return 0;
}

/* Pushes a new empty box. */
static struct box *box_new(lua_State *L)
{
    return luabox_new(L, sizeof(struct box), BOX_MT, box_gc);
}

static int l_encode(lua_State *L)
{
    int opts;
    lua_Integer indent;
    size_t flags = JSON_ENCODE_ANY;
    char err[ENCODE_ERR_MAX];
    struct box *b;

    luaL_checkany(L, 1);
    opts = luaopt_table(L, 2);
    indent = luaopt_integer(L, opts, "indent", 0);
    luaL_argcheck(L, indent >= 0 && indent <= JSON_MAX_INDENT, 2,
                  "field 'indent' out of range");
    flags |= indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT;
    if (luaopt_boolean(L, opts, "sort_keys", 0))
        flags |= JSON_SORT_KEYS;
    b = box_new(L);
    if (luajson_to_json(L, 1, &b->value, err, sizeof err) != 0)
        return luaL_error(L, "json.encode: %s", err);
    if (!(b->text = json_dumps(b->value, flags)))
        return luaL_error(L, "json.encode: out of memory");
    lua_pushstring(L, b->text);
    box_close(b);
    return 1;
}

static int l_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    json_error_t error;
    struct box *b = box_new(L);

    b->value = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!b->value) {
        luaL_pushfail(L);
        lua_pushfstring(L, "json.decode: line %d column %d: %s", error.line, error.column,
                        error.text);
        return 2;
    }
    luajson_push(L, b->value);
    box_close(b);
    return 1;
}

/* json.array([t]): marks t (or a new table) as an array, so that it encodes
 * as [] even when empty. */
static int l_array(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
    }
    luajson_push_array_mt(L);
    lua_setmetatable(L, 1);
    return 1;
}

static const luaL_Reg funcs[] = {{"encode", l_encode}, {"decode", l_decode}, {"array", l_array},
                                 {"null", NULL},       {"array_mt", NULL},   {NULL, NULL}};

int luaopen_json(lua_State *L)
{
    luaL_newlib(L, funcs);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    luajson_push_array_mt(L);
    lua_setfield(L, -2, "array_mt");
    return 1;
}
