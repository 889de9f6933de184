/* clockwatch.c — wall-clock jumps reported by a timerfd (see clockwatch.h).
 *
 * The timer is armed at an absolute instant CLOCKWATCH_HORIZON ahead and
 * never meant to expire; it only exists to be cancelled by a clock change.
 * Should it expire after all (a year of uptime), it is simply re-armed.
 */
#include "clockwatch.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define CLOCKWATCH_HORIZON (365L * 24 * 3600) /* seconds */

struct clockwatch {
    uv_poll_t poll;
    int fd;
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

struct clockwatch *clockwatch_start(uv_loop_t *loop, void (*on_jump)(void *data),
                                    void *data, char *err, size_t errlen)
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
    if (cw)
        uv_close((uv_handle_t *)&cw->poll, on_closed);
}
