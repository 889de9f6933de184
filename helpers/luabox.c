/* luabox.c — userdata with __gc and __close, shared by the helpers. */
#include "luabox.h"

#include <string.h>

#include <lauxlib.h>

void *luabox_new(lua_State *L, size_t size, const char *name, lua_CFunction closer)
{
    void *box = lua_newuserdatauv(L, size, 0);

    memset(box, 0, size);
    if (luaL_newmetatable(L, name)) {
        lua_pushcfunction(L, closer);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, closer);
        lua_setfield(L, -2, "__close");
    }
    lua_setmetatable(L, -2);
    return box;
}
