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
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SESSION_PROC_DIR "/proc"
#define SESSION_STAT_MAX 512      /* enough of /proc/PID/stat for its session */
#define SESSION_PATH_MAX 64
#define SESSION_KILL_PASSES 5     /* looks for survivors after a SIGKILL */
#define SESSION_PASS_PAUSE_NS 1000000L /* lets the killed become zombies */

/* The session of process `pid`, or -1 when it is gone or a zombie (which
 * no signal can reach). */
static pid_t session_of(pid_t pid)
{
    char path[SESSION_PATH_MAX], stat[SESSION_STAT_MAX], state;
    const char *end;
    ssize_t n;
    int fd, sid;

    snprintf(path, sizeof path, SESSION_PROC_DIR "/%d/stat", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    n = read(fd, stat, sizeof stat - 1);
    if (close(fd) != 0 || n <= 0)
        return -1;
    stat[n] = '\0';
    /* "pid (comm) state ppid pgrp session ...": comm may hold spaces and
     * parentheses, so the fields start after the last ')'. */
    if (!(end = strrchr(stat, ')')) ||
        sscanf(end + 1, " %c %*d %*d %d", &state, &sid) != 2 || state == 'Z')
        return -1;
    return (pid_t)sid;
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
