/* runtime.h — the Lua VM of one run.
 *
 * A run's VM has the standard libraries, every helper module (registered
 * in package.preload, so `require "log"` works, and set as a global), and
 * the schedule DSL, so the task file's top level evaluates exactly as it did
 * at discovery.  The helpers find the run they serve through
 * runtime_context() (runtime_context.h): its task scopes `state` and names
 * the `log` lines.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stddef.h>

#include <lua.h>

#include "runtime_context.h"

/* A fresh VM for `ctx`, which must outlive it.  NULL with a message in err. */
lua_State *runtime_open(const struct runtime_context *ctx, char *err, size_t errlen);

#endif
