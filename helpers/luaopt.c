/* luaopt.c — typed access to the fields of an options table (see luaopt.h). */
#include "luaopt.h"

#include <string.h>

#include <lauxlib.h>

/* Pushes t[name]; raises unless it is nil or of type `type`.  Returns 0 for
 * nil, 1 otherwise (the value stays pushed either way). */
static int field(lua_State *L, int arg, const char *name, int type)
{
    int got = lua_getfield(L, arg, name);

    if (got == LUA_TNIL)
        return 0;
    if (got != type)
        return luaL_argerror(L, arg,
                             lua_pushfstring(L, "field '%s': %s expected, got %s", name,
                                             lua_typename(L, type), luaL_typename(L, -1)));
    return 1;
}

int luaopt_table(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg))
        return 0;
    luaL_checktype(L, arg, LUA_TTABLE);
    return lua_absindex(L, arg);
}

lua_Number luaopt_number(lua_State *L, int arg, const char *name, lua_Number def)
{
    lua_Number n = def;

    if (arg && field(L, arg, name, LUA_TNUMBER))
        n = lua_tonumber(L, -1);
    if (arg)
        lua_pop(L, 1);
    return n;
}

lua_Integer luaopt_integer(lua_State *L, int arg, const char *name, lua_Integer def)
{
    lua_Integer i = def;
    int exact = 1;

    if (arg && field(L, arg, name, LUA_TNUMBER))
        i = lua_tointegerx(L, -1, &exact);
    if (!exact)
        luaL_argerror(
            L, arg,
            lua_pushfstring(L, "field '%s': number has no integer representation", name));
    if (arg)
        lua_pop(L, 1);
    return i;
}

int luaopt_boolean(lua_State *L, int arg, const char *name, int def)
{
    int b = def;

    if (arg && field(L, arg, name, LUA_TBOOLEAN))
        b = lua_toboolean(L, -1);
    if (arg)
        lua_pop(L, 1);
    return b;
}

const char *luaopt_string(lua_State *L, int arg, const char *name, const char *def, size_t *len)
{
    const char *s = def;
    size_t n = def ? strlen(def) : 0;

    if (arg && field(L, arg, name, LUA_TSTRING))
        s = lua_tolstring(L, -1, &n);
    if (arg)
        lua_pop(L, 1); /* the table still references the string */
    if (len)
        *len = n;
    return s;
}

int luaopt_subtable(lua_State *L, int arg, const char *name)
{
    if (arg && field(L, arg, name, LUA_TTABLE))
        return 1;
    if (arg)
        lua_pop(L, 1);
    return 0;
}
