/* runtime_context.c — the run's context in its Lua VM's registry. */
#include "runtime_context.h"

/* Registry key of the light userdata pointing at the run's context. */
#define RUNTIME_CONTEXT_KEY "tasksched.runtime"

void runtime_context_set(lua_State *L, const struct runtime_context *ctx)
{
    lua_pushlightuserdata(L, (void *)ctx);
    lua_setfield(L, LUA_REGISTRYINDEX, RUNTIME_CONTEXT_KEY);
}

const struct runtime_context *runtime_context(lua_State *L)
{
    const struct runtime_context *ctx;

    lua_getfield(L, LUA_REGISTRYINDEX, RUNTIME_CONTEXT_KEY);
    ctx = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return ctx;
}
