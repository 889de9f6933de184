/* proclimit.c — a run's RLIMIT_NPROC (proclimit.h). */
#include "proclimit.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PROCLIMIT_PROC_DIR "/proc"
#define PROCLIMIT_PATH_MAX 64
#define PROCLIMIT_STATUS_MAX 4096 /* /proc/PID/status is about 1.5 kB */
#define PROCLIMIT_ROOT_UID 0

/* The threads of process `pid` if its real uid is `uid`, else 0 (also
 * when it is gone: processes come and go while we look). */
static long threads_of(pid_t pid, uid_t uid)
{
    char path[PROCLIMIT_PATH_MAX], status[PROCLIMIT_STATUS_MAX];
    const char *line;
    unsigned long real;
    long threads;
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, PROCLIMIT_PROC_DIR "/%d/status", (int)pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return 0;
    n = read(fd, status, sizeof status - 1);
    if (close(fd) != 0 || n <= 0)
        return 0;
    status[n] = '\0';
    /* "Uid:\treal\teffective\t...", then later "Threads:\tN". */
    if (!(line = strstr(status, "\nUid:")) || sscanf(line + 5, "%lu", &real) != 1 ||
        real != (unsigned long)uid)
        return 0;
    if (!(line = strstr(status, "\nThreads:")) || sscanf(line + 9, "%ld", &threads) != 1)
        return 0;
    return threads;
}

/* What Linux counts against the RLIMIT_NPROC of `uid`; -1 without /proc. */
static long user_threads(uid_t uid)
{
    DIR *dir = opendir(PROCLIMIT_PROC_DIR);
    struct dirent *de;
    long total = 0;

    if (!dir)
        return -1;
    while ((de = readdir(dir)))
        if (isdigit((unsigned char)de->d_name[0]))
            total += threads_of((pid_t)strtol(de->d_name, NULL, 10), uid);
    if (closedir(dir) != 0)
        return -1;
    return total;
}

int proclimit_apply(long extra, char *err, size_t errlen)
{
    uid_t uid = getuid();
    long base = uid == PROCLIMIT_ROOT_UID ? 0 : user_threads(uid);
    struct rlimit lim;
    rlim_t want;

    if (base < 0) {
        snprintf(err, errlen, "process limit: counting the user's processes: %s",
                 strerror(errno));
        return -1;
    }
    if (getrlimit(RLIMIT_NPROC, &lim) != 0) {
        snprintf(err, errlen, "process limit: %s", strerror(errno));
        return -1;
    }
    want = (rlim_t)(base + extra);
    if (lim.rlim_max > want) /* RLIM_INFINITY is the largest rlim_t */
        lim.rlim_max = want;
    if (lim.rlim_cur > lim.rlim_max)
        lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NPROC, &lim) != 0) {
        snprintf(err, errlen, "process limit %llu: %s", (unsigned long long)lim.rlim_max,
                 strerror(errno));
        return -1;
    }
    return 0;
}
