/* logtail.c — the last lines of a log file, and following it through
 * rotation (logtail.h). */
#include "logtail.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "lib/filemode.h"
#include "lib/fs.h"

#define LOGTAIL_CHUNK 65536

static int logtail_fail(char *err, size_t errlen, const char *what, const char *path)
{
    snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

/* Open the file at t->path afresh, positioned at its start.  0 when it is
 * open or does not exist, -1. */
static int logtail_reopen(struct logtail *t, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(t->path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return errno == ENOENT ? 0 : logtail_fail(err, errlen, "cannot open", t->path);
    if (fstat(fd, &st) != 0) {
        logtail_fail(err, errlen, "cannot stat", t->path);
        close(fd);
        return -1;
    }
    if (t->fd >= 0)
        close(t->fd);
    t->fd = fd;
    t->dev = st.st_dev;
    t->ino = st.st_ino;
    t->pos = 0;
    return 0;
}

int logtail_open(struct logtail *t, const char *path, FILE *out, char *err, size_t errlen)
{
    *t = (struct logtail){.path = path, .out = out, .fd = -1};
    return logtail_reopen(t, err, errlen);
}

void logtail_close(struct logtail *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

/* Copy the open file from t->pos to `end` (or to its end, for end < 0)
 * to the output.  0 or -1. */
static int logtail_copy(struct logtail *t, off_t end, char *err, size_t errlen)
{
    char buf[LOGTAIL_CHUNK];
    ssize_t n;

    while (end < 0 || t->pos < end) {
        size_t want =
            end < 0 || end - t->pos > (off_t)sizeof buf ? sizeof buf : (size_t)(end - t->pos);
        n = pread(t->fd, buf, want, t->pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return logtail_fail(err, errlen, "cannot read", t->path);
        if (n == 0)
            break;
        if (fwrite(buf, 1, (size_t)n, t->out) != (size_t)n)
            return logtail_fail(err, errlen, "cannot write", "the output");
        t->pos += n;
    }
    if (fflush(t->out) != 0)
        return logtail_fail(err, errlen, "cannot write", "the output");
    return 0;
}

/* Where the last `lines` lines of the first `size` bytes begin: reading
 * back from the end, the newline that ends the file is not counted. */
static int logtail_start(struct logtail *t, off_t size, long lines, off_t *start, char *err,
                         size_t errlen)
{
    char buf[LOGTAIL_CHUNK];
    off_t at = size;
    long seen = 0;

    while (at > 0) {
        size_t n = at > (off_t)sizeof buf ? sizeof buf : (size_t)at;
        ssize_t got = pread(t->fd, buf, n, at - (off_t)n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return logtail_fail(err, errlen, "cannot read", t->path);
        if (got != (ssize_t)n) {
            snprintf(err, errlen, "%s shrank while it was read", t->path);
            return -1;
        }
        for (size_t i = n; i-- > 0;) {
            off_t offset = at - (off_t)n + (off_t)i;
            if (buf[i] == '\n' && offset != size - 1 && ++seen == lines) {
                *start = offset + 1;
                return 0;
            }
        }
        at -= (off_t)n;
    }
    *start = 0;
    return 0;
}

int logtail_last(struct logtail *t, long lines, char *err, size_t errlen)
{
    struct stat st;
    off_t start;

    if (t->fd < 0)
        return 0;
    if (fstat(t->fd, &st) != 0)
        return logtail_fail(err, errlen, "cannot stat", t->path);
    t->pos = st.st_size;
    if (lines == 0 || st.st_size == 0)
        return 0;
    if (logtail_start(t, st.st_size, lines, &start, err, errlen) != 0)
        return -1;
    t->pos = start;
    return logtail_copy(t, st.st_size, err, errlen);
}

/* Print what is new: the rest of the open file (which a rotation may have
 * renamed), then the file now at the path when it is another one, or the
 * same file again from its start when it was truncated. */
static int logtail_catch_up(struct logtail *t, char *err, size_t errlen)
{
    struct stat st;

    if (t->fd >= 0 && logtail_copy(t, -1, err, errlen) != 0)
        return -1;
    if (stat(t->path, &st) != 0)
        return errno == ENOENT ? 0 : logtail_fail(err, errlen, "cannot stat", t->path);
    if (t->fd < 0 || st.st_dev != t->dev || st.st_ino != t->ino) {
        if (logtail_reopen(t, err, errlen) != 0)
            return -1;
    } else if (st.st_size < t->pos) {
        t->pos = 0;
    } else {
        return 0;
    }
    return t->fd >= 0 ? logtail_copy(t, -1, err, errlen) : 0;
}

struct logtail_follow {
    struct logtail *t;
    uv_fs_event_t event;
    uv_signal_t sigint, sigterm;
    char *err;
    size_t errlen;
    int rc;
};

static void logtail_stop(struct logtail_follow *f)
{
    uv_handle_t *handles[] = {(uv_handle_t *)&f->event, (uv_handle_t *)&f->sigint,
                              (uv_handle_t *)&f->sigterm};

    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
        if (!uv_is_closing(handles[i]))
            uv_close(handles[i], NULL);
}

/* Any change in the folder (another task's log too) may be ours: reading
 * to the end of a file that did not grow costs one read. */
static void logtail_on_event(uv_fs_event_t *event, const char *filename, int events, int status)
{
    struct logtail_follow *f = event->data;

    (void)filename;
    (void)events;
    if (status < 0) {
        snprintf(f->err, f->errlen, "watching %s: %s", f->t->path, uv_strerror(status));
        f->rc = -1;
        logtail_stop(f);
    } else if (logtail_catch_up(f->t, f->err, f->errlen) != 0) {
        f->rc = -1;
        logtail_stop(f);
    }
}

static void logtail_on_signal(uv_signal_t *handle, int signum)
{
    (void)signum;
    logtail_stop(handle->data);
}

int logtail_follow(struct logtail *t, char *err, size_t errlen)
{
    struct logtail_follow f = {.t = t, .err = err, .errlen = errlen};
    char dir[PATH_MAX];
    uv_loop_t loop;
    int rc;

    if (snprintf(dir, sizeof dir, "%s", t->path) >= (int)sizeof dir) {
        snprintf(err, errlen, "%s: path too long", t->path);
        return -1;
    }
    if (fs_mkdirs(dirname(dir), FILEMODE_DIR, NULL, 0) != 0)
        return logtail_fail(err, errlen, "cannot make the folder of", t->path);
    if ((rc = uv_loop_init(&loop)) != 0) {
        snprintf(err, errlen, "event loop: %s", uv_strerror(rc));
        return -1;
    }
    f.event.data = f.sigint.data = f.sigterm.data = &f;
    uv_fs_event_init(&loop, &f.event);
    uv_signal_init(&loop, &f.sigint);
    uv_signal_init(&loop, &f.sigterm);
    if ((rc = uv_fs_event_start(&f.event, logtail_on_event, dir, 0)) != 0 ||
        (rc = uv_signal_start(&f.sigint, logtail_on_signal, SIGINT)) != 0 ||
        (rc = uv_signal_start(&f.sigterm, logtail_on_signal, SIGTERM)) != 0) {
        snprintf(err, errlen, "watching %s: %s", dir, uv_strerror(rc));
        f.rc = -1;
        logtail_stop(&f);
    } else if (logtail_catch_up(t, err, errlen) != 0) {
        /* what changed between the last lines and the watch's start */
        f.rc = -1;
        logtail_stop(&f);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0 && f.rc == 0) {
        snprintf(err, errlen, "event loop: handles left open");
        f.rc = -1;
    }
    return f.rc;
}
