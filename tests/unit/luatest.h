/* luatest.h — run Lua snippets against a helper module from a C test.
 *
 *   lua_State *L = luatest_open("json", luaopen_json);
 *   CHECK_STR(luatest_eval(L, "return json.encode({1})"), "[1]");
 *
 * luatest_eval returns the first result converted with tostring(), or
 * "error: <message>" when the snippet raised; the string lives until the
 * next call.
 */
#ifndef LUATEST_H
#define LUATEST_H

#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

/* A fresh state with the standard libraries and `name` as a global. */
static inline lua_State *luatest_open(const char *name, lua_CFunction open)
{
    lua_State *L = luaL_newstate();

    luaL_openlibs(L);
    luaL_requiref(L, name, open, 1);
    lua_pop(L, 1);
    return L;
}

static inline const char *luatest_eval(lua_State *L, const char *code)
{
    static char result[4096];

    lua_settop(L, 0);
    if (luaL_dostring(L, code) != LUA_OK)
        snprintf(result, sizeof result, "error: %s", lua_tostring(L, -1));
    else
        snprintf(result, sizeof result, "%s",
                 lua_gettop(L) ? luaL_tolstring(L, 1, NULL) : "(no result)");
    lua_settop(L, 0);
    return result;
}

#endif
