/* session.h — every process of a run, found by its session.
 *
 * A run process is started with setsid, so its pid is the id of a new
 * session, and everything it starts stays in that session unless it calls
 * setsid itself.  A process group is not enough: exec.run gives each
 * command a group of its own (so that its own timeout can kill what the
 * command started), and kill(-pgid) of the run would miss those.
 */
#ifndef SESSION_H
#define SESSION_H

#include <sys/types.h>

/* Send `sig` to every live process whose session id is `sid` (> 1).  With
 * SIGKILL it looks again, a bounded number of times, until none is left:
 * a process may fork between the look and the kill.  Returns the number of
 * signals sent (a process still dying at the next look counts again), or
 * -1 with errno set when /proc cannot be read. */
int session_kill(pid_t sid, int sig);

#endif
