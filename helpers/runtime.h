/* runtime.h — the Lua VM of one run.
 *
 * A run's VM has the standard libraries, every helper module (registered
 * in package.preload, so `require "log"` works, and set as a global), and
 * the schedule DSL, so the task file's top level evaluates exactly as it did
 * at discovery.  The helpers find the run they serve through
 * runtime_context(): its task scopes `state` and names the `log` lines.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stddef.h>

#include <lua.h>

#include "log/log.h"

struct runtime_context {
    const char *task;        /* task name: scopes state, names log files */
    const char *title;       /* "[title]" of its log lines */
    const char *root;        /* project root (absolute) */
    const char *db_path;     /* data/scheduler.db, for the state helper */
    const char *config_path; /* config/config.yaml, for the config helper */
    int channel_fd;          /* fd to the executor; -1: write logs via tasklog */
    enum log_level log_level;/* log lines below it are not sent */
};

/* A fresh VM for `ctx`, which must outlive it.  NULL with a message in err. */
lua_State *runtime_open(const struct runtime_context *ctx, char *err, size_t errlen);

/* The context of the VM, or NULL when runtime_open did not make it (a
 * helper opened in a plain state, such as a unit test's). */
const struct runtime_context *runtime_context(lua_State *L);

#endif
