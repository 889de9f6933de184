/* taskname.h — a task named on the command line that does not exist:
 * "no task named 'camera/copy' (did you mean 'cameras/copy'?)", the
 * suggestion taken from the task files' names (lib/suggest.h).
 */
#ifndef TASKNAME_H
#define TASKNAME_H

#include "cli.h"

/* 0 when a task file of that name exists under the tasks folder (example
 * files count: whether they are included is the daemon's to say); else 1
 * after "COMMAND: no task named 'NAME'" and the nearest name on stderr,
 * or -1 after saying why the folder could not be read. */
int taskname_check(const struct cli_options *opt, const char *command, const char *name);

#endif
