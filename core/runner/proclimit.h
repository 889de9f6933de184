/* proclimit.h — a run's cap on the processes it may start.
 *
 * RLIMIT_NPROC is not per process: Linux counts every process (every
 * thread, in fact) of the caller's real user against it, and does not
 * apply it to root.  A fixed value would either not stop a fork bomb or
 * stop a user with a desktop session from forking at all, so the cap is
 * what the user has now plus what a run may add.
 */
#ifndef PROCLIMIT_H
#define PROCLIMIT_H

#include <stddef.h>

/* Set this process's RLIMIT_NPROC (soft and hard) to the threads its real
 * user has now plus `extra`; for root, to `extra` alone, since it is not
 * held to it.  Never raises the limit it inherited.  0, or -1 with a
 * message in err. */
int proclimit_apply(long extra, char *err, size_t errlen);

#endif
