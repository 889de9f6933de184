/* clock.c — wall clock with a test offset, monotonic clock, absolute sleep. */
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double offset_seconds;

int clock_init(char *err, unsigned long errlen)
{
    const char *text = getenv(CLOCK_OFFSET_ENV);
    char *end;
    double value;

    offset_seconds = 0;
    if (!text || !*text)
        return 0;
    errno = 0;
    value = strtod(text, &end);
    if (errno || *end || !isfinite(value)) {
        snprintf(err, errlen, "%s: '%s' is not a number of seconds", CLOCK_OFFSET_ENV, text);
        return -1;
    }
    offset_seconds = value;
    return 0;
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
}
