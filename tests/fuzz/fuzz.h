/* fuzz.h — what the libFuzzer targets in tests/fuzz/ share: the input as a
 * C string, the next-fire property every accepted schedule must keep
 * (DESIGN.md: next_fire(t) > t, in every zone), and a wall-clock budget per
 * input for the targets that run the sandbox.  A broken property or a
 * spent budget aborts, which libFuzzer reports as a crash with the input
 * that caused it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schedule/schedule.h"
#include "task/sandbox.h"
#include "time/tz.h"

/* Fires followed from each starting instant. */
#define FUZZ_FIRE_STEPS 4
#define FUZZ_DESCRIBE_MAX 512

/* Starting instants: the epoch, Berlin's 2026 spring-forward and fall-back
 * nights, the eve of the 2028 leap day, and the last seconds of 2026. */
static const int64_t fuzz_afters[] = {
    0, 1774744200, 1792888200, 1835395199, 1798761570,
};

/* Default zones a schedule without :tz() is computed in. */
static const char *const fuzz_zone_names[] = {"UTC", "Europe/Berlin"};

#define FUZZ_COUNT(a) (sizeof(a) / sizeof(a)[0])

static inline void fuzz_fail(const char *what, const char *text)
{
    fprintf(stderr, "fuzz: %s: %s\n", what, text);
    abort();
}

/* The input, NUL-terminated (it ends at its first NUL byte, if any). */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        fuzz_fail("out of memory", "copying the input");
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

/* The sandbox stops what it sees within its own time limit; what it does
 * not see (a C loop it does not charge, a finalizer) runs past it.  Three
 * times the limit leaves room for the sanitizers' slowness after the trip
 * (unwinding, reading, lua_close).  libFuzzer's -timeout would catch a
 * hang too, but only as a hang: this says that the deadline did not hold,
 * and holds in the replay of `make test` as well. */
#define FUZZ_BUDGET_MS (3 * SANDBOX_TIME_LIMIT_MS)

static inline void fuzz_budget_spent(union sigval unused)
{
    (void)unused;
    fuzz_fail("the sandbox's deadline did not hold", "input ran past the budget");
}

/* Arm (ms > 0) or disarm (0) the budget's timer, which aborts from a
 * thread of its own: the input's thread may be stuck in C. */
static inline void fuzz_budget_set(long ms)
{
    static timer_t timer;
    static int made;
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD,
                          .sigev_notify_function = fuzz_budget_spent};
    struct itimerspec when = {.it_value = {ms / 1000, (ms % 1000) * 1000000L}};

    if (!made && timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0)
        fuzz_fail("timer_create", strerror(errno));
    made = 1;
    if (timer_settime(timer, 0, &when, NULL) != 0)
        fuzz_fail("timer_settime", strerror(errno));
}

static inline const struct tz *fuzz_zone(size_t i)
{
    char err[TZ_ERR_MAX];
    const struct tz *zone = tz_get(fuzz_zone_names[i], err, sizeof err);
    if (!zone)
        fuzz_fail("no zone", err);
    return zone;
}

/* Follow a few fires from every starting instant in every default zone:
 * each must come strictly after the one before. */
static inline void fuzz_check_schedule(const struct schedule *s)
{
    char text[FUZZ_DESCRIBE_MAX];

    schedule_describe(s, text, sizeof text);
    for (size_t z = 0; z < FUZZ_COUNT(fuzz_zone_names); z++) {
        for (size_t a = 0; a < FUZZ_COUNT(fuzz_afters); a++) {
            int64_t t = fuzz_afters[a];
            for (int step = 0; step < FUZZ_FIRE_STEPS; step++) {
                int64_t next = schedule_next_fire(s, t, fuzz_zone(z));
                if (next == SCHEDULE_NEVER)
                    break;
                if (next <= t) {
                    fprintf(stderr, "fuzz: after %" PRId64 " in %s: next %" PRId64 "\n", t,
                            fuzz_zone_names[z], next);
                    fuzz_fail("next fire not after the instant", text);
                }
                t = next;
            }
        }
    }
}

/* The property for every member of a set, and for the set's union. */
static inline void fuzz_check_set(const struct schedule_set *set)
{
    char text[FUZZ_DESCRIBE_MAX];

    schedule_set_describe(set, text, sizeof text);
    for (size_t i = 0; i < set->count; i++)
        fuzz_check_schedule(&set->items[i]);
    for (size_t a = 0; a < FUZZ_COUNT(fuzz_afters); a++) {
        int64_t next = schedule_set_next_fire(set, fuzz_afters[a], fuzz_zone(0));
        if (next != SCHEDULE_NEVER && next <= fuzz_afters[a])
            fuzz_fail("set's next fire not after the instant", text);
    }
}

#endif
