/* helpers.h — the C helper modules a run's Lua VM can open.
 *
 * One luaopen_* per file of helpers/ (DESIGN.md, "Helpers"); the run process
 * registers each in package.preload and as a global.  Add yours to the list.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include <lua.h>

int luaopen_json(lua_State *L);   /* helpers/json.c */
int luaopen_exec(lua_State *L);   /* helpers/exec.c */
int luaopen_http(lua_State *L);   /* helpers/http.c */
int luaopen_log(lua_State *L);    /* helpers/log.c */
int luaopen_state(lua_State *L);  /* helpers/state.c */
int luaopen_config(lua_State *L); /* helpers/config.c */
int luaopen_notify(lua_State *L); /* helpers/notify.c */
int luaopen_kafka(lua_State *L);  /* helpers/kafka.c */

#endif
