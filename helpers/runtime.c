/* runtime.c — build a run's Lua VM: libraries, helpers, DSL, context. */
#include "runtime.h"

#include <stdio.h>

#include <lauxlib.h>
#include <lualib.h>

#include "helpers.h"
#include "task/dsl.h"

/* Every helper module a run can use: one line per module. */
static const luaL_Reg runtime_helpers[] = {
    {"json", luaopen_json},     {"exec", luaopen_exec},   {"http", luaopen_http},
    {"log", luaopen_log},       {"state", luaopen_state}, {"config", luaopen_config},
    {"notify", luaopen_notify}, {"kafka", luaopen_kafka}, {NULL, NULL},
};

/* Protected setup: anything here may raise (memory, a broken DSL). */
static int setup(lua_State *L)
{
    luaL_openlibs(L);
    runtime_context_set(L, lua_touserdata(L, 1));
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    for (const luaL_Reg *h = runtime_helpers; h->name; h++) {
        lua_pushcfunction(L, h->func);
        lua_setfield(L, -2, h->name);
        luaL_requiref(L, h->name, h->func, 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    dsl_install(L);
    return 0;
}

lua_State *runtime_open(const struct runtime_context *ctx, char *err, size_t errlen)
{
    lua_State *L = luaL_newstate();

    if (!L) {
        snprintf(err, errlen, "cannot create a Lua state: out of memory");
        return NULL;
    }
    lua_pushcfunction(L, setup);
    lua_pushlightuserdata(L, (void *)ctx);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "building the run's Lua state: %s", lua_tostring(L, -1));
        lua_close(L);
        return NULL;
    }
    return L;
}
