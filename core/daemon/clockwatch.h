/* clockwatch.h — hear from the kernel when the wall clock is set.
 *
 * A timerfd on CLOCK_REALTIME armed with TFD_TIMER_CANCEL_ON_SET fails its
 * read with ECANCELED whenever the clock is set (settimeofday, an NTP step,
 * a resume from suspend), so jumps are reported, not found by polling.
 */
#ifndef CLOCKWATCH_H
#define CLOCKWATCH_H

#include <stddef.h>
#include <uv.h>

struct clockwatch;

/* Watch the clock; `on_jump(data)` is called on the loop after each
 * change.  NULL with a message in err when the kernel cannot do it. */
struct clockwatch *clockwatch_start(uv_loop_t *loop, void (*on_jump)(void *data), void *data,
                                    char *err, size_t errlen);

/* Stop watching; the struct is freed once libuv has closed its handle. */
void clockwatch_stop(struct clockwatch *cw);

#endif
