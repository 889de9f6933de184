/* orphans.h — run processes left behind by a daemon killed with -9.
 *
 * A run process lives in its own process group and is timed out by the
 * daemon that spawned it (executor.h).  When that daemon dies without a
 * stop, nothing ends its runs: a task stuck in a loop would spin for ever.
 * At start, before the runs still recorded queued or running are closed as
 * `interrupted`, the new daemon kills the process group of each of them
 * that is provably one of ours (orphans.c says how it makes sure).
 */
#ifndef ORPHANS_H
#define ORPHANS_H

#include "store/store.h"

/* SIGKILL the process group of every run `st` still has open whose
 * process is alive and is this program's run process, started no later
 * than the run (a pid reused since is left alone); each kill is logged.
 * Returns how many groups were killed, or -1 with store_error(st). */
int orphans_stop(struct store *st);

#endif
