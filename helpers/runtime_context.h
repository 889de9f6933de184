/* runtime_context.h — the run a Lua VM serves, as the helper modules see it.
 *
 * runtime_open (runtime.h) stores the context in the VM's registry; the
 * helpers read it back with runtime_context(): its task scopes `state` and
 * names the `log` lines.  Kept apart from runtime.c, which opens every
 * helper module, so that the modules depend on this file and not on the
 * file that depends on them.
 */
#ifndef RUNTIME_CONTEXT_H
#define RUNTIME_CONTEXT_H

#include <jansson.h>
#include <lua.h>

#include "log/log.h"

struct runtime_context {
    const char *task;         /* task name: scopes state, names log files */
    const char *title;        /* "[title]" of its log lines */
    const char *root;         /* project root (absolute) */
    const char *config_path;  /* config/config.yaml, for the config helper */
    int channel_fd;           /* fd to the executor; -1: write logs via tasklog */
    enum log_level log_level; /* log lines below it are not sent */
    json_t *state;            /* the state helper's view of the task's state
                              * (object key -> value, changed by state.set),
                              * or NULL and */
    const char *state_error;  /* why the daemon could not give it */
};

/* Make `ctx` (which must outlive L) the context of L.  May raise (out of
 * memory): call it in protected mode. */
void runtime_context_set(lua_State *L, const struct runtime_context *ctx);

/* The context of the VM, or NULL when runtime_open did not make it (a
 * helper opened in a plain state, such as a unit test's). */
const struct runtime_context *runtime_context(lua_State *L);

#endif
