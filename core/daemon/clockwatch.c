/* clockwatch.c — wall-clock jumps reported by a timerfd (see clockwatch.h).
 *
 * The timer is armed at an absolute instant CLOCKWATCH_HORIZON ahead and
 * never meant to expire; it only exists to be cancelled by a clock change.
 * Should it expire after all (a year of uptime), it is simply re-armed.
 *
 * With TASKSCHED_CLOCK_OFFSET_FILE set (tests only, see clock.h) the offset
 * file is watched too, and a changed offset is reported as a jump: the
 * engine has one code path for both.  The watch is on the file's folder,
 * filtered on its name, so that a new file renamed over it is seen (a watch
 * on the file itself would stay on the replaced inode).
 */
#include "clockwatch.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log/log.h"
#include "time/clock.h"

#define CLOCKWATCH_HORIZON (365L * 24 * 3600) /* seconds */
#define CLOCKWATCH_ERR_MAX 512

/* The watch on the test clock's offset file; freed once libuv has closed
 * its handle, independently of the timerfd's. */
struct offsetwatch {
    uv_fs_event_t event;
    char name[NAME_MAX + 1]; /* the file's name in the watched folder */
    void (*on_jump)(void *data);
    void *data;
};

struct clockwatch {
    uv_poll_t poll;
    int fd;
    struct offsetwatch *offset; /* NULL unless the offset file is set */
    void (*on_jump)(void *data);
    void *data;
};

static int arm(int fd)
{
    struct itimerspec its = {0};

    if (clock_gettime(CLOCK_REALTIME, &its.it_value) != 0)
        return -1;
    its.it_value.tv_sec += CLOCKWATCH_HORIZON;
    return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
    struct clockwatch *cw = poll->data;
    uint64_t expirations;
    ssize_t n;

    (void)events;
    if (status < 0) {
        log_error("clock watch: %s", uv_strerror(status));
        return;
    }
    n = read(cw->fd, &expirations, sizeof expirations);
    if (n < 0 && errno == EAGAIN)
        return;
    /* ECANCELED: the clock was set.  The timer must be armed again either
     * way, or the fd stays readable. */
    if (arm(cw->fd) != 0)
        log_error("clock watch: cannot re-arm: %s", strerror(errno));
    if (n < 0 && errno == ECANCELED)
        cw->on_jump(cw->data);
}

/* ---- the test clock's offset file ------------------------------------- */

static void on_offset_event(uv_fs_event_t *event, const char *filename, int events, int status)
{
    struct offsetwatch *w = event->data;
    char err[CLOCKWATCH_ERR_MAX];
    double before = clock_offset();

    (void)events;
    if (status < 0) {
        log_error("test clock: %s", uv_strerror(status));
        return;
    }
    /* A NULL name (the kernel's queue overflowed) may hide the file's. */
    if (filename && strcmp(filename, w->name) != 0)
        return;
    switch (clock_reload(err, sizeof err)) {
    case -1:
        log_error("test clock: %s; keeping the offset %+.0f s", err, before);
        break;
    case 1:
        log_warn("clock offset changed by %+.0f s (test clock)", clock_offset() - before);
        w->on_jump(w->data);
        break;
    default: /* rewritten with the same offset, or another event on it */
        break;
    }
}

/* Split `path` into its folder (dir, PATH_MAX bytes) and its name. */
static int split_path(const char *path, char *dir, char *name, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;

    if (!*base || strlen(base) > NAME_MAX || dirlen >= PATH_MAX) {
        snprintf(err, errlen, "%s=%s: not a file's path", CLOCK_OFFSET_FILE_ENV, path);
        return -1;
    }
    memcpy(dir, slash ? path : ".", dirlen);
    dir[dirlen] = '\0';
    strcpy(name, base);
    return 0;
}

static void on_offset_closed(uv_handle_t *handle)
{
    free(handle->data);
}

static struct offsetwatch *offsetwatch_start(uv_loop_t *loop, const char *path,
                                             void (*on_jump)(void *data), void *data, char *err,
                                             size_t errlen)
{
    struct offsetwatch *w = calloc(1, sizeof *w);
    char dir[PATH_MAX];
    int rc;

    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->on_jump = on_jump;
    w->data = data;
    w->event.data = w;
    if (split_path(path, dir, w->name, err, errlen) != 0) {
        free(w);
        return NULL;
    }
    if ((rc = uv_fs_event_init(loop, &w->event)) != 0) {
        snprintf(err, errlen, "%s: %s", dir, uv_strerror(rc));
        free(w);
        return NULL;
    }
    if ((rc = uv_fs_event_start(&w->event, on_offset_event, dir, 0)) != 0) {
        snprintf(err, errlen, "%s: %s", dir, uv_strerror(rc));
        uv_close((uv_handle_t *)&w->event, on_offset_closed);
        return NULL;
    }
    return w;
}

/* ---- the clock watch ----------------------------------------------------- */

struct clockwatch *clockwatch_start(uv_loop_t *loop, void (*on_jump)(void *data), void *data,
                                    char *err, size_t errlen)
{
    struct clockwatch *cw = calloc(1, sizeof *cw);
    int rc;

    if (!cw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cw->on_jump = on_jump;
    cw->data = data;
    cw->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (cw->fd < 0 || arm(cw->fd) != 0) {
        snprintf(err, errlen, "timerfd: %s", strerror(errno));
        goto fail;
    }
    rc = uv_poll_init(loop, &cw->poll, cw->fd);
    if (rc != 0) {
        snprintf(err, errlen, "clock watch: %s", uv_strerror(rc));
        goto fail;
    }
    cw->poll.data = cw;
    rc = uv_poll_start(&cw->poll, UV_READABLE, on_readable);
    if (rc != 0) {
        snprintf(err, errlen, "clock watch: %s", uv_strerror(rc));
        clockwatch_stop(cw); /* the handle is open: libuv frees it */
        return NULL;
    }
    if (clock_offset_file() && !(cw->offset = offsetwatch_start(loop, clock_offset_file(),
                                                                on_jump, data, err, errlen))) {
        clockwatch_stop(cw);
        return NULL;
    }
    return cw;
fail:
    if (cw->fd >= 0)
        close(cw->fd);
    free(cw);
    return NULL;
}

static void on_closed(uv_handle_t *handle)
{
    struct clockwatch *cw = handle->data;

    close(cw->fd);
    free(cw);
}

void clockwatch_stop(struct clockwatch *cw)
{
    if (!cw)
        return;
    if (cw->offset)
        uv_close((uv_handle_t *)&cw->offset->event, on_offset_closed);
    uv_close((uv_handle_t *)&cw->poll, on_closed);
}
