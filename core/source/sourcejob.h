/* sourcejob.h — one row of a table of actions as the task it stands for.
 *
 * A row becomes Lua task code (the `content` of a discovery_extra), so
 * discovery evaluates and validates it like any task file, the run
 * process loads the same code again, and its hash says when the row
 * changed:
 *
 *   local handler = (function() <the handler task file>
 *   end)()
 *   return { title = NAME, schedule = cron("* * * * *"), catchup = "once",
 *            grace = 600, args = { command = …, action = NAME, source = SOURCE },
 *            run = (handler or {}).run }
 *
 * without a handler `command = { "/bin/sh", "-c", COMMAND }` and
 * `env = { ACTION_NAME = NAME, ACTION_SOURCE = SOURCE }` instead of
 * `args` and `run` (a command task's args would be more argv).  The
 * columns map so: `cron` a crontab line (5 fields, or 6 with seconds
 * first) or the APScheduler form {"format": "apscheduler", "params":
 * {…}} (a cron trigger's fields, mapped by yamljob_trigger);
 * merge_missed TRUE → catchup "once", FALSE → "all", NULL → the source's
 * default; actuality_time → grace (negative: unlimited), NULL → the
 * default; enabled (NULL: true); timezone → the schedule's :tz(); timeout
 * (NULL: the config's default).  The task is SOURCE/NAME, its path
 * "sql:SOURCE/TABLE" (task_source_json shows type "sql"), its line the
 * row; errors read "SOURCE/NAME (row N): message".
 */
#ifndef SOURCEJOB_H
#define SOURCEJOB_H

#include <stddef.h>

#include "config/config.h"
#include "rowsource.h"
#include "task/discovery.h"

#define SOURCEJOB_NAME_MAX 128 /* bytes of an action's name */

/* The handler's file as read by the caller: its path and content, or
 * NULL content with `error` saying why it cannot be read. */
struct sourcejob_handler {
    const char *path;
    const char *content;
    size_t content_len;
    const char *error;
};

/* `row` of source `src` as an item for discovery: `out`'s strings are
 * malloc'd (free with sourcejob_free).  `duplicate` > 0: the row number
 * that already has this name (the row is then broken).  `handler` NULL:
 * the source has none.  0, or -1 when out of memory. */
int sourcejob_make(const struct config_source *src, const struct action_row *row,
                   long duplicate, const struct sourcejob_handler *handler,
                   struct discovery_extra *out);
void sourcejob_free(struct discovery_extra *x);

/* The task name of a row: "SOURCE/NAME", or "SOURCE/row-N" when its name
 * cannot be one (missing, too long, holding '/' or unprintable bytes).
 * malloc'd, NULL when out of memory. */
char *sourcejob_name(const struct config_source *src, const struct action_row *row);

#endif
