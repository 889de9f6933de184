/* luaopt.h — read optional fields of an options table, the way luaL_opt*
 * reads optional arguments.
 *
 * `arg` is the stack index of the options table, or 0 when the caller got
 * none (every function then returns its default).  A field of the wrong
 * type raises "bad argument #arg to 'f' (field 'name': number expected,
 * got string)".  All of them leave the stack as they found it.
 */
#ifndef LUAOPT_H
#define LUAOPT_H

#include <stddef.h>

#include <lua.h>

/* The options table at `arg`, or 0 when that argument is none or nil. */
int luaopt_table(lua_State *L, int arg);

lua_Number luaopt_number(lua_State *L, int arg, const char *name, lua_Number def);
lua_Integer luaopt_integer(lua_State *L, int arg, const char *name, lua_Integer def);
int luaopt_boolean(lua_State *L, int arg, const char *name, int def);

/* The string stays valid as long as the table holds it.  `len` may be NULL. */
const char *luaopt_string(lua_State *L, int arg, const char *name, const char *def,
                          size_t *len);

/* Pushes t[name] when it is a table and returns 1; pushes nothing and
 * returns 0 when it is nil. */
int luaopt_subtable(lua_State *L, int arg, const char *name);

#endif
