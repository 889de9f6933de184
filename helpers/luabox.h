/* luabox.h — a C resource owned by Lua: a zeroed full userdata whose
 * metatable's __gc and __close both call one idempotent closer (the
 * liolib.c pattern), so nothing leaks when an error unwinds the stack.
 */
#ifndef LUABOX_H
#define LUABOX_H

#include <stddef.h>

#include <lua.h>

/* Push a new zeroed userdata of `size` bytes with metatable `name`
 * (created on first use with __gc = __close = `closer`); returns it. */
void *luabox_new(lua_State *L, size_t size, const char *name, lua_CFunction closer);

#endif
