/* clock.h — the one place the program reads the time.
 *
 * "Now" is the system's wall clock plus an offset, so tests can run the
 * daemon in a shifted world (TASKSCHED_CLOCK_OFFSET=<seconds>, inherited by
 * run processes) instead of waiting for real minutes.
 *
 * For tests of live clock jumps only, and off unless the variable is set:
 * TASKSCHED_CLOCK_OFFSET_FILE=<path> takes the offset from that file instead
 * (a number of seconds, optional trailing newline).  Run processes inherit
 * the variable and read the file at their clock_init, so they agree with
 * the daemon; the daemon reads it again through clock_reload when
 * clockwatch sees the file change.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_OFFSET_ENV "TASKSCHED_CLOCK_OFFSET"
#define CLOCK_OFFSET_FILE_ENV "TASKSCHED_CLOCK_OFFSET_FILE"

/* Read the offset from the environment (or the offset file); 0 when unset.
 * -1 when the value is not a number or the file cannot be read (message in
 * err).  Called once at start. */
int clock_init(char *err, size_t errlen);

/* Read the offset file again: 1 when the offset changed, 0 when it did not
 * (or no file is set), -1 with a message when the file is unreadable or not
 * a number — the offset is then left as it was. */
int clock_reload(char *err, size_t errlen);

/* The offset file's path, or NULL when TASKSCHED_CLOCK_OFFSET_FILE is unset. */
const char *clock_offset_file(void);

/* Wall-clock now (shifted), in seconds with sub-second precision. */
double clock_now(void);

/* Wall-clock now (shifted), whole seconds. */
int64_t clock_now_s(void);

/* The offset in seconds that clock_now() adds to the real clock. */
double clock_offset(void);

/* Monotonic seconds, for measuring durations (never shifted). */
double clock_monotonic(void);

/* CPU seconds the calling thread has used: a budget of work that a busy
 * machine, which delays the thread, does not spend. */
double clock_thread_cpu(void);

/* Sleep until the shifted wall-clock instant `at` (absolute, so a late
 * wake-up does not add up); returns at once if `at` has passed.  On return
 * every reading of the real wall clock, time()'s coarse one included, is at
 * or after `at` less the offset. */
void clock_sleep_until(double at);

#endif
