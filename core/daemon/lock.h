/* lock.h — one daemon per project root.
 *
 * The daemon holds an exclusive flock(2) on data/scheduler.lock for its
 * whole life, with its pid written inside for people and for the message a
 * second daemon prints.  The kernel drops the lock when the process dies,
 * however it dies, so a stale file never blocks a restart.
 *
 * The lock is only as good as its file: were data/ removed, a second daemon
 * would lock a new file at the same path.  The daemon watches for that
 * (datawatch.h) and checks with lock_is_at() that its file is still there.
 */
#ifndef LOCK_H
#define LOCK_H

#include <stdbool.h>
#include <stddef.h>

#define LOCK_FILE_REL "data/scheduler.lock"
/* The lock's descriptor number, for a daemon that re-executes itself
 * (lock_pass_on_exec): the new image takes over the lock it already holds
 * instead of racing anyone for it. */
#define LOCK_INHERIT_ENV "TASKSCHED_INHERITED_LOCK_FD"

/* Take the lock at `path` and write our pid into it.  Returns the open file
 * descriptor (keep it open: closing it releases the lock), or -1 with a
 * message in err: "another daemon is running (pid N)" when one holds it,
 * or that something else holds it when the pid in the file is not running.
 * *inherited is set when the lock came from before an exec (see above). */
int lock_acquire(const char *path, bool *inherited, char *err, size_t errlen);

/* Keep the held lock across an execv() of this process: clear its
 * close-on-exec flag and name it in LOCK_INHERIT_ENV.  0, or -1 with errno. */
int lock_pass_on_exec(int fd);

/* Write this process's pid into the held lock file (again after a fork
 * that detached the daemon: the lock is shared with the child).  0 or -1
 * with errno. */
int lock_write_pid(int fd);

/* Whether the file locked through fd is still the one at `path` (not
 * removed, moved away or replaced). */
bool lock_is_at(int fd, const char *path);

/* Release the lock (close the descriptor); -1 is ignored. */
void lock_release(int fd);

#endif
