/* lock.c — the per-root daemon lock (see lock.h). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/filemode.h"
#include "lib/procstat.h"

#define PID_TEXT_MAX 32
#define PID_SETTLE_US 50000 /* a daemon that just took the lock writes its pid within */

static pid_t read_pid(int fd)
{
    char buf[PID_TEXT_MAX];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    long pid;

    if (n <= 0)
        return 0;
    buf[n] = '\0';
    pid = strtol(buf, NULL, 10);
    return pid > 0 ? (pid_t)pid : 0;
}

/* Alive, and not a zombie waiting for its parent: a daemon that stopped
 * is one for a while. */
static bool is_running(pid_t pid)
{
    struct procstat ps;

    return pid > 0 && procstat_read(pid, &ps) == 0 && ps.state != PROCSTAT_ZOMBIE;
}

/* The lock is held.  A daemon writes its pid into the file right after it
 * takes the lock, and loses the lock when it dies; so a file that still
 * names a dead process a moment later is held by something else — any
 * process that could open the file (before its modes were fixed, any
 * local user).  The message names the pid the file records either way. */
static void explain_held(int fd, const char *path, char *err, size_t errlen)
{
    pid_t pid = read_pid(fd);

    if (!is_running(pid)) {
        usleep(PID_SETTLE_US);
        pid = read_pid(fd);
    }
    if (is_running(pid))
        snprintf(err, errlen, "another daemon is running (pid %ld)", (long)pid);
    else
        snprintf(err, errlen,
                 "%s is locked, but not by the daemon it names (pid %ld is not "
                 "running): another process holds it open (`fuser -v %s` names it)",
                 path, (long)pid, path);
}

int lock_write_pid(int fd)
{
    char text[PID_TEXT_MAX];
    int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());

    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len)
        return -1;
    return 0;
}

bool lock_is_at(int fd, const char *path)
{
    struct stat held, named;

    return fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
           held.st_ino == named.st_ino;
}

/* The descriptor a re-executed daemon kept, when it is the lock file at
 * `path`; else -1.  The variable goes, so run processes never see it. */
static int inherited_fd(const char *path)
{
    const char *text = getenv(LOCK_INHERIT_ENV);
    char *end;
    long fd;

    if (!text)
        return -1;
    fd = strtol(text, &end, 10);
    if (unsetenv(LOCK_INHERIT_ENV) != 0 || *end || end == text || fd < 0 || fd > INT_MAX ||
        !lock_is_at((int)fd, path) || fcntl((int)fd, F_SETFD, FD_CLOEXEC) != 0)
        return -1;
    return (int)fd;
}

int lock_pass_on_exec(int fd)
{
    char text[PID_TEXT_MAX];

    snprintf(text, sizeof text, "%d", fd);
    if (fcntl(fd, F_SETFD, 0) != 0 || setenv(LOCK_INHERIT_ENV, text, 1) != 0)
        return -1;
    return 0;
}

int lock_acquire(const char *path, bool *inherited, char *err, size_t errlen)
{
    int fd = inherited_fd(path);

    *inherited = fd >= 0;
    if (fd < 0)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, FILEMODE_FILE);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* On an inherited descriptor this re-takes the lock it already holds. */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            explain_held(fd, path, err, errlen);
        else
            snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(errno));
        goto fail;
    }
    if (lock_write_pid(fd) != 0) {
        snprintf(err, errlen, "%s: cannot write the pid: %s", path, strerror(errno));
        goto fail;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

void lock_release(int fd)
{
    /* Closing drops the lock; the pid left in the file is harmless, since
     * only a held lock means a daemon runs. */
    if (fd >= 0)
        close(fd);
}
