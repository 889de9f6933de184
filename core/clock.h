/* clock.h — the one place the program reads the time.
 *
 * "Now" is the system's wall clock plus an offset, so tests can run the
 * daemon in a shifted world (TASKSCHED_CLOCK_OFFSET=<seconds>, inherited by
 * run processes) instead of waiting for real minutes.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

#define CLOCK_OFFSET_ENV "TASKSCHED_CLOCK_OFFSET"

/* Read the offset from the environment; 0 when unset.  -1 when the value
 * is not a number (message in err).  Called once at start. */
int clock_init(char *err, unsigned long errlen);

/* Wall-clock now (shifted), in seconds with sub-second precision. */
double clock_now(void);

/* Wall-clock now (shifted), whole seconds. */
int64_t clock_now_s(void);

/* The offset in seconds that clock_now() adds to the real clock. */
double clock_offset(void);

/* Monotonic seconds, for measuring durations (never shifted). */
double clock_monotonic(void);

/* Sleep until the shifted wall-clock instant `at` (absolute, so a late
 * wake-up does not add up); returns at once if `at` has passed. */
void clock_sleep_until(double at);

#endif
