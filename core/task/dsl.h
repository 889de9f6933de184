/* dsl.h — the C side of the schedule DSL (lua/dsl.lua).
 *
 * Installs the DSL's globals in a Lua state, with validators built on the
 * parsers of schedule.h and tz.h so Lua and C accept the same inputs, and
 * converts the schedule tables the DSL builds into struct schedule.
 */
#ifndef DSL_H
#define DSL_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#include "schedule/schedule.h"

/* Run the embedded lua/dsl.lua and set every, cron and once as globals.
 * Raises a Lua error on failure (call it in protected mode).  Leaves the
 * stack as it found it. */
void dsl_install(lua_State *L);

/* Convert the value at `idx` (one schedule, or a non-empty list of them)
 * into `out`, which the caller frees with schedule_set_free.  A string is
 * a bare crontab line, as cron() would take it ("0 9 * * MON-FRI").  Returns
 * 0, or -1 with "expected a schedule ..., got ..." in err and `out`
 * emptied.  Leaves the stack as it found it. */
int dsl_to_schedule_set(lua_State *L, int idx, struct schedule_set *out, char *err,
                        size_t errlen);

/* Whether a schedule expression is a bare crontab line rather than DSL
 * code: it starts as a crontab line does, with a digit, '*' or '@', which
 * no DSL expression does (they start with a name, a brace, a
 * parenthesis or a quote). */
bool dsl_is_cron_line(const char *expr);

/* The crontab line as a set of one cron schedule whose text is the line
 * itself (free it with schedule_set_free).  0, or -1 with a message. */
int dsl_cron_line(const char *line, struct schedule_set *out, char *err, size_t errlen);

#endif
