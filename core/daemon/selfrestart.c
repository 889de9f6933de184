/* selfrestart.c — the daemon's memory limit and its re-exec (see
 * selfrestart.h). */
#include "selfrestart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/filemode.h"
#include "lock.h"
#include "log/log.h"

#define STATM_PATH "/proc/self/statm"
#define BYTES_PER_MB (1024L * 1024L)

/* Resident bytes: statm's second field, in pages.  -1 when unreadable. */
static long rss_bytes(void)
{
    FILE *f = fopen(STATM_PATH, "re");
    long size, resident, page = sysconf(_SC_PAGESIZE);
    int n;

    if (!f)
        return -1;
    n = fscanf(f, "%ld %ld", &size, &resident);
    if (fclose(f) != 0 || n != 2 || page <= 0)
        return -1;
    return resident * page;
}

bool selfrestart_over_limit(int limit_mb)
{
    long rss;

    if (limit_mb <= 0 || (rss = rss_bytes()) < 0 || rss <= limit_mb * BYTES_PER_MB)
        return false;
    log_warn("memory: the daemon uses %ld MB, over scheduler.max_memory_usage (%d MB); "
             "it restarts itself as soon as no run is active",
             rss / BYTES_PER_MB, limit_mb);
    return true;
}

int selfrestart_exec(char *const argv[], int lock_fd)
{
    int saved;

    if (lock_pass_on_exec(lock_fd) != 0)
        return -1;
    /* The new image records the umask it starts with as the one its tasks
     * get (lib/filemode.h): give it the one this image started with. */
    umask(filemode_inherited_umask());
    execv(SELFRESTART_PROGRAM, argv);
    saved = errno;
    filemode_set_umask();
    /* Still us: the lock must not leak into run processes. */
    if (fcntl(lock_fd, F_SETFD, FD_CLOEXEC) != 0 || unsetenv(LOCK_INHERIT_ENV) != 0)
        log_error("cannot take back the lock's descriptor: %s", strerror(errno));
    errno = saved;
    return -1;
}
