/* fuzz.h — what the libFuzzer targets in tests/fuzz/ share: the input as a
 * C string, and the next-fire property every accepted schedule must keep
 * (DESIGN.md: next_fire(t) > t, in every zone).  A broken property aborts,
 * which libFuzzer reports as a crash with the input that caused it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule/schedule.h"
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
static const char *const fuzz_zone_names[] = { "UTC", "Europe/Berlin" };

#define FUZZ_COUNT(a) (sizeof (a) / sizeof (a)[0])

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
                    fprintf(stderr, "fuzz: after %" PRId64 " in %s: next %" PRId64 "\n",
                            t, fuzz_zone_names[z], next);
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
