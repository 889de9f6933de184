/* module.h — the Lua modules that live beside the tasks.
 *
 * A file under tasks/lib/ (at any depth), and a file whose name starts
 * with '_' (tasks/cameras/_common.lua), is a module, not a task: discovery
 * skips it, `check` only compiles it, and a run's `require` finds it.  A
 * run's package.path starts with its own folder (for its `_name` modules),
 * then tasks/lib/?.lua and tasks/lib/?/init.lua (after the LuaRocks tree
 * of a task with dependencies), so `require("util")` loads
 * tasks/lib/util.lua and `require("net.http")` tasks/lib/net/http.lua.
 */
#ifndef MODULE_H
#define MODULE_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

#define MODULE_LIB_DIR "lib"
#define MODULE_PREFIX '_'

/* Whether `rel`, a path under tasks/ with or without its extension
 * ("lib/util.lua", "cameras/_common"), is a module. */
bool module_is(const char *rel);

/* What `require` names the module `rel` by: "util" for lib/util.lua,
 * "net.http" for lib/net/http.lua, "net" for lib/net/init.lua, "_common"
 * for cameras/_common.lua.  0, or -1 when it does not fit. */
int module_require_name(const char *rel, char *buf, size_t len);

/* Compile the module's file without running it (a syntax check).  0, or
 * -1 with "file:line: message" in err. */
int module_check(const char *path, char *err, size_t errlen);

/* Put `path` (and `cpath`, unless NULL) first on L's package.path (and
 * package.cpath), before what is there.  0, or -1 with a message. */
int module_prepend(lua_State *L, const char *path, const char *cpath, char *err, size_t errlen);

/* For a run process: the modules' entries first on package.path, for the
 * task `task_name` whose file is `task_path` (so tasks/ is the folder
 * task_name's depth above it).  0, or -1 with a message. */
int module_open(lua_State *L, const char *task_path, const char *task_name, char *err,
                size_t errlen);

#endif
