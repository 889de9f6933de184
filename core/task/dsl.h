/* dsl.h — the C side of the schedule DSL (lua/dsl.lua).
 *
 * Installs the DSL's globals in a Lua state, with validators built on the
 * parsers of schedule.h and tz.h so Lua and C accept the same inputs, and
 * converts the schedule tables the DSL builds into struct schedule.
 */
#ifndef DSL_H
#define DSL_H

#include <stddef.h>

#include <lua.h>

#include "schedule/schedule.h"

/* Run the embedded lua/dsl.lua and set every, cron and once as globals.
 * Raises a Lua error on failure (call it in protected mode).  Leaves the
 * stack as it found it. */
void dsl_install(lua_State *L);

/* Convert the value at `idx` (one schedule, or a non-empty list of them)
 * into `out`, which the caller frees with schedule_set_free.  Returns 0, or
 * -1 with "expected a schedule ..., got ..." in err and `out` emptied.
 * Leaves the stack as it found it. */
int dsl_to_schedule_set(lua_State *L, int idx, struct schedule_set *out,
                        char *err, size_t errlen);

#endif
