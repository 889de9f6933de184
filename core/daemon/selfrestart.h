/* selfrestart.h — scheduler.max_memory_usage: the daemon's own memory
 * limit, and the re-exec that brings it back down.
 *
 * The daemon asks selfrestart_over_limit() when a run ends and at the
 * hourly housekeeping sweep (no polling of its own).  Once over, it waits
 * for a moment with no job at all — nothing queued, prepared, running or
 * waiting for a retry — stops like on SIGTERM (which then has nothing to
 * wait for), and calls selfrestart_exec(): the same program, with the same
 * arguments and the same pid, keeping the lock across the exec, so no
 * second daemon can slip in.  Next fires, history and state are in the
 * store already; the new image reads them back like any start, so no fire
 * is lost or run twice.
 */
#ifndef SELFRESTART_H
#define SELFRESTART_H

#include <stdbool.h>

#define SELFRESTART_PROGRAM "/proc/self/exe"

/* True when this process's resident memory exceeds limit_mb (0 = no
 * limit); logs the figures when it does.  An unreadable /proc counts as
 * under the limit. */
bool selfrestart_over_limit(int limit_mb);

/* Replace this process with a fresh copy of its program run with `argv`,
 * handing the lock held on lock_fd down.  Returns only on failure: -1
 * with errno, and the lock still held by this process. */
int selfrestart_exec(char *const argv[], int lock_fd);

#endif
