/* clock.c — wall clock with a test offset, monotonic clock, absolute sleep. */
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Longest offset file read: a number of seconds and a newline fit easily;
 * anything longer is not an offset. */
#define CLOCK_OFFSET_FILE_MAX 64
/* How often clock_sleep_until looks again at the coarse clock while it lags
 * (a tick is 1 to 10 ms). */
#define CLOCK_COARSE_POLL_NS 100000L

static double offset_seconds;

/* Parse `text` (from `source`, for the message) as a number of seconds. */
static int parse_offset(const char *text, const char *source, double *value, char *err,
                        size_t errlen)
{
    char *end;

    errno = 0;
    *value = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(*value)) {
        snprintf(err, errlen, "%s: '%s' is not a number of seconds", source, text);
        return -1;
    }
    return 0;
}

/* Read up to `cap` bytes; their count, or -1 with errno set. */
static ssize_t read_upto(int fd, char *buf, size_t cap)
{
    size_t len = 0;

    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    return (ssize_t)len;
}

/* The offset written in `path`: the number, then at most one newline. */
static int read_offset_file(const char *path, double *value, char *err, size_t errlen)
{
    /* One byte more than allowed, to tell a long file from a full one,
     * and the terminating NUL. */
    char text[CLOCK_OFFSET_FILE_MAX + 2];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t len;

    if (fd < 0)
        goto fail;
    len = read_upto(fd, text, sizeof text - 1);
    if (len < 0) {
        int saved = errno;

        (void)close(fd); /* the read error is the one to report */
        errno = saved;
        goto fail;
    }
    if (close(fd) != 0)
        goto fail;
    if (len > CLOCK_OFFSET_FILE_MAX) {
        snprintf(err, errlen, "%s: longer than %d bytes", path, CLOCK_OFFSET_FILE_MAX);
        return -1;
    }
    if (len > 0 && text[len - 1] == '\n')
        len--;
    text[len] = '\0';
    return parse_offset(text, path, value, err, errlen);
fail:
    snprintf(err, errlen, "%s=%s: %s", CLOCK_OFFSET_FILE_ENV, path, strerror(errno));
    return -1;
}

/* The offset the environment asks for now: the file's when one is named,
 * else TASKSCHED_CLOCK_OFFSET's, else 0. */
static int wanted_offset(double *value, char *err, size_t errlen)
{
    const char *path = clock_offset_file();
    const char *text = getenv(CLOCK_OFFSET_ENV);

    *value = 0;
    if (path)
        return read_offset_file(path, value, err, errlen);
    if (!text || !*text)
        return 0;
    return parse_offset(text, CLOCK_OFFSET_ENV, value, err, errlen);
}

int clock_init(char *err, size_t errlen)
{
    offset_seconds = 0;
    return wanted_offset(&offset_seconds, err, errlen);
}

int clock_reload(char *err, size_t errlen)
{
    double value;

    if (!clock_offset_file())
        return 0;
    if (wanted_offset(&value, err, errlen) != 0)
        return -1;
    if (value == offset_seconds)
        return 0;
    offset_seconds = value;
    return 1;
}

const char *clock_offset_file(void)
{
    const char *path = getenv(CLOCK_OFFSET_FILE_ENV);

    return path && *path ? path : NULL;
}
static double timespec_seconds(const struct timespec *ts)
{
    return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

double clock_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return timespec_seconds(&ts) + offset_seconds;
}

int64_t clock_now_s(void)
{
    return (int64_t)floor(clock_now());
}

double clock_offset(void)
{
    return offset_seconds;
}

double clock_monotonic(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return timespec_seconds(&ts);
}

double clock_thread_cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return timespec_seconds(&ts);
}

static bool timespec_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* time() — and so Lua's os.time and os.date, and the kernel's file times —
 * reads the coarse wall clock, which moves once per timer tick and so lags
 * CLOCK_REALTIME by up to a tick: a run woken on the instant 17:55:00 itself
 * would read 17:54:59 and name its backup "…175459".  Sleep on in short
 * steps until that clock has reached the instant too: about a tick at most. */
static void wait_for_coarse_clock(const struct timespec *at)
{
    const struct timespec step = {0, CLOCK_COARSE_POLL_NS};
    struct timespec coarse;

    /* An interrupted step only means looking again sooner. */
    while (clock_gettime(CLOCK_REALTIME_COARSE, &coarse) == 0 && timespec_before(&coarse, at))
        (void)nanosleep(&step, NULL);
}

void clock_sleep_until(double at)
{
    double real = at - offset_seconds;
    struct timespec ts;

    if (real <= 0)
        return;
    ts.tv_sec = (time_t)floor(real);
    ts.tv_nsec = (long)((real - floor(real)) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    /* Absolute sleep: an interrupted sleep simply resumes to the same end. */
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    wait_for_coarse_clock(&ts);
}
