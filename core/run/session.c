/* session.c — signalling a run's session (session.h).
 *
 * Linux has no kill() for a session, so this walks /proc.  It is safe from
 * pid reuse as long as one member of the session lives: the kernel does not
 * hand out a pid still used as a session id.
 */
#include "session.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "lib/procstat.h"

#define SESSION_PROC_DIR "/proc"
#define SESSION_KILL_PASSES 5          /* looks for survivors after a SIGKILL */
#define SESSION_PASS_PAUSE_NS 1000000L /* lets the killed become zombies */

/* The session of process `pid`, or -1 when it is gone or a zombie (which
 * no signal can reach). */
static pid_t session_of(pid_t pid)
{
    struct procstat ps;

    if (procstat_read(pid, &ps) != 0 || ps.state == PROCSTAT_ZOMBIE)
        return -1;
    return ps.session;
}

/* One look through /proc: `sig` to each member of `sid`.  Returns how many
 * were signalled, or -1. */
static int session_kill_pass(pid_t sid, int sig)
{
    DIR *dir = opendir(SESSION_PROC_DIR);
    struct dirent *de;
    int signalled = 0;

    if (!dir)
        return -1;
    while ((de = readdir(dir))) {
        pid_t pid;

        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid = (pid_t)strtol(de->d_name, NULL, 10);
        if (session_of(pid) == sid && kill(pid, sig) == 0)
            signalled++;
    }
    if (closedir(dir) != 0)
        return -1;
    return signalled;
}

int session_kill(pid_t sid, int sig)
{
    const struct timespec pause = {0, SESSION_PASS_PAUSE_NS};
    int total = 0, n;

    if (sid <= 1) { /* 0 and 1 would mean ourselves or init */
        errno = EINVAL;
        return -1;
    }
    for (int pass = 0; pass < SESSION_KILL_PASSES; pass++) {
        if ((n = session_kill_pass(sid, sig)) < 0)
            return -1;
        total += n;
        /* Only SIGKILL is sure to end what it reaches; a process may ignore
         * or handle any other signal, so looking again would not help. */
        if (n == 0 || sig != SIGKILL)
            break;
        nanosleep(&pause, NULL); /* EINTR only shortens the pause */
    }
    return total;
}
