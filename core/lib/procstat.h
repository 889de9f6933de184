/* procstat.h — the fields of /proc/PID/stat that the program reads: is a
 * process a zombie, which session and group is it in, when did it start.
 *
 * The line is "PID (COMM) STATE PPID PGRP SESSION … STARTTIME …" (proc(5)).
 * COMM is whatever short name the process gave itself, spaces and
 * parentheses included, so the fields are read after the LAST ')'.
 */
#ifndef PROCSTAT_H
#define PROCSTAT_H

#include <sys/types.h>

#define PROCSTAT_ZOMBIE 'Z' /* the state of one dead but not reaped */

struct procstat {
    char state; /* 'R', 'S', 'D', PROCSTAT_ZOMBIE… */
    pid_t ppid;
    pid_t pgrp; /* its process group */
    pid_t session;
    unsigned long long start_ticks; /* start, in clock ticks after boot */
};

/* Read the stat of process `pid` into *ps.  0, or -1 with errno set:
 * ENOENT (or ESRCH) when there is no such process, EINVAL when the line
 * does not read as proc(5) says. */
int procstat_read(pid_t pid, struct procstat *ps);

#endif
