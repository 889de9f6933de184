/* rocks.h — a task's `dependencies`: LuaRocks packages in the project's
 * rocks tree (DESIGN.md, Task files; Config `dependencies`).
 *
 * The tree is ROOT/<dependencies.tree> (default data/rocks).  Specs are
 * LuaRocks dependency strings: "name", "name 1.0" (exactly that version),
 * "name >= 2.1", "name >= 2.1, < 3".  They are installed by Debian's
 * `luarocks` for this Lua version, from dependencies.server only when it is
 * set (--only-server: a configured server is the one source), else from
 * luarocks' own defaults.
 *
 * Installed once per spec, not at every load: a spec that luarocks
 * installed is written to TREE/.tasksched-installed, and a spec listed
 * there whose rock folder still exists costs no process.  Delete that file
 * (or the tree) to make every spec be checked by luarocks again.
 */
#ifndef ROCKS_H
#define ROCKS_H

#include <stddef.h>

#include <lua.h>
#include <uv.h>

#include "config/config.h"
#include "task.h"

#define ROCKS_ERR_MAX 1024
/* An install that takes longer is killed (a server that never answers
 * must not hold a worker thread, or the daemon's stop, forever). */
#define ROCKS_INSTALL_TIMEOUT 300
/* Room for the package.path or package.cpath additions of one tree. */
#define ROCKS_PATHS_MAX (3 * 4096 + 64)

/* Make sure every spec is installed in the tree; blocks while luarocks runs
 * (seconds).  0, or -1 with a message in err: a bad spec, or the last
 * lines of luarocks' output ("Error: Could not satisfy dependency …").
 * Safe to call from several threads and processes at once: installs into
 * one tree are serialised by a lock file in it. */
int rocks_ensure(const struct config *cfg, const char *root, const struct string_list *specs,
                 char *err, size_t errlen);

/* Called on the loop thread when an rocks_ensure_async job ends: status 0
 * or -1, and the message (NULL on success; valid during the call only). */
typedef void rocks_done_fn(void *data, int status, const char *err);

/* rocks_ensure in libuv's thread pool, for the daemon, whose loop must not
 * wait for luarocks.  Everything it needs from cfg, root and specs is
 * copied, so they may change or go away at once.  `done` is called exactly
 * once, on the loop thread, unless this returns -1 (message in err).  A job
 * in flight keeps the loop alive until it ends (at most
 * ROCKS_INSTALL_TIMEOUT seconds). */
int rocks_ensure_async(uv_loop_t *loop, const struct config *cfg, const char *root,
                       const struct string_list *specs, rocks_done_fn *done, void *data,
                       char *err, size_t errlen);

/* The tree's path into `tree`: dependencies.tree resolved against root.
 * 0, or -1 when it does not fit. */
int rocks_tree_path(const struct config *cfg, const char *root, char *tree, size_t len);

/* The package.path and package.cpath entries of a tree, without a trailing
 * ';': "T/share/lua/5.4/?.lua;T/share/lua/5.4/?/init.lua" and
 * "T/lib/lua/5.4/?.so".  0, or -1 when a buffer is too small. */
int rocks_paths(const char *tree, char *path, size_t pathlen, char *cpath, size_t cpathlen);

/* For a run process: put the tree (rocks_tree_path's, from the request)
 * first on L's package.path and package.cpath.  The tree need not exist: a
 * require then looks there in vain and goes on.  0, or -1 with a message
 * in err. */
int rocks_open_tree(lua_State *L, const char *tree, char *err, size_t errlen);

#endif
