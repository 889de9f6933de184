/* taskview.h — the tasks as the CLI shows them, whether a daemon runs or not.
 *
 * With a daemon, its own report (engine_status_json) is the truth: it knows
 * what runs now.  Without one, the same document is built from the task
 * files and the store, so every listing command has one input and one
 * printer.
 */
#ifndef TASKVIEW_H
#define TASKVIEW_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "task/discovery.h"

struct store;

/* data/scheduler.db (database.path): NULL with a message in err. */
struct store *taskview_store_open(const struct cli_options *opt, char *err, size_t errlen);

/* Find and load the task files as the daemon does; `only` names the one
 * task wanted, or NULL for all.  `out` is always safe to free. */
int taskview_scan(const struct cli_options *opt, const char *only, struct discovery *out,
                  char *err, size_t errlen);

/* False when --user names someone else than the task's user (a task with
 * no `user` runs as the daemon's own user: it is nobody else's); a file
 * that does not load cannot say whose it is, and is every user's. */
bool taskview_user_matches(const struct cli_options *opt, const struct discovered *item);

/* Whether a task of the status document passes --user and --tag (one of
 * the comma list's tags; a file that does not load passes, as above).
 * This is the one filter of list, --status, overdue and history. */
bool taskview_wanted(const struct cli_options *opt, const json_t *task);

/* Whether --user or --tag filters the tasks. */
bool taskview_filtered(const struct cli_options *opt);

/* Whether the status document lists the task `name`. */
bool taskview_lists(const json_t *doc, const char *name);

/* The line of an empty listing: "no tasks in DIR", or with the filters
 * "no tasks for user NAME tagged A,B in DIR".  0, or -1 when stdout fails. */
int taskview_print_none(const struct cli_options *opt);

/* The daemon's own scope, when it runs with --user (the document's
 * "only_user"): "daemon: runs only the tasks of user NAME"; nothing else. */
void taskview_print_scope(const json_t *doc);

/* The status document of engine.h (engine_status_json) with one more key,
 * "daemon": true when a daemon answered, false when the document was built
 * here (then "pid", "started_at" and "uptime" are null and nothing runs).
 * Filtered by --user and --tag (taskview_wanted).  New reference, or NULL with a message in err. */
json_t *taskview_status(const struct cli_options *opt, char *err, size_t errlen);

/* The start of `--status`, `list` and `overdue`: their only option is
 * the global --json (*json; --user and --tag are global options too); returns the status document (new reference),
 * or NULL with the exit code in *rc: EXIT_USAGE for any other argument
 * (the caller prints its usage line), 1 after reporting the failure under
 * the command's name. */
json_t *taskview_command(const struct cli_options *opt, int argc, char **argv, const char *name,
                         bool *json, int *rc);

/* The document's "now" (Unix s): the daemon's clock, which tests and
 * TASKSCHED_CLOCK_OFFSET may shift, so "in 5m" agrees with its next fires;
 * this process's clock when the document has none. */
double taskview_now(const json_t *doc);

#endif

#define TASKVIEW_SOURCE_MAX (PATH_MAX + 24) /* a path, ':' and a line */

/* The task's "source" as SOURCE shows it: its path relative to `root`
 * (as given when outside it), then ":LINE" when the line is known;
 * "" without one.  Truncated to fit len. */
void taskview_source(const json_t *task, const char *root, char *buf, size_t len);
