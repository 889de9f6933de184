/* procstat.c — /proc/PID/stat, read once and parsed from its last ')'. */
#include "procstat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROCSTAT_PROC_DIR "/proc"
#define PROCSTAT_PATH_MAX 64
/* The line is about 300 bytes; its fields 3 to 22, the ones read here,
 * come well within this. */
#define PROCSTAT_LINE_MAX 1024
/* After "(COMM)": state ppid pgrp session, then tty_nr tpgid flags minflt
 * cminflt majflt cmajflt utime stime cutime cstime priority nice
 * num_threads itrealvalue skipped as words (whatever their width), then
 * starttime: fields 3 to 22 of proc(5). */
#define PROCSTAT_FORMAT \
    " %c %d %d %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu"
#define PROCSTAT_FIELDS 5 /* what PROCSTAT_FORMAT stores */

int procstat_read(pid_t pid, struct procstat *ps)
{
    char path[PROCSTAT_PATH_MAX], line[PROCSTAT_LINE_MAX];
    const char *fields;
    int fd, saved, ppid, pgrp, session;
    ssize_t n;

    snprintf(path, sizeof path, PROCSTAT_PROC_DIR "/%d/stat", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    n = read(fd, line, sizeof line - 1);
    saved = errno;
    if (close(fd) != 0)
        return -1;
    if (n < 0) {
        errno = saved;
        return -1;
    }
    line[n] = '\0';
    if (!(fields = strrchr(line, ')')) ||
        sscanf(fields + 1, PROCSTAT_FORMAT, &ps->state, &ppid, &pgrp, &session,
               &ps->start_ticks) != PROCSTAT_FIELDS) {
        errno = EINVAL;
        return -1;
    }
    ps->ppid = (pid_t)ppid;
    ps->pgrp = (pid_t)pgrp;
    ps->session = (pid_t)session;
    return 0;
}
