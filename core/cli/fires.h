/* fires.h — the next fire instants of a schedule, as `next` and `calendar`
 * print them: one list, written as JSON or as text from the same array.
 */
#ifndef FIRES_H
#define FIRES_H

#include <jansson.h>
#include <stdint.h>

#include "schedule/schedule.h"
#include "time/tz.h"

/* The first `count` fires of `set` strictly after `from`, in `zone`: a
 * JSON array of {"at": ISO-8601, "at_epoch": s} (time/instant_json.h),
 * shorter when the schedule has fewer.  New reference, NULL out of memory. */
json_t *fires_json(const struct schedule_set *set, int64_t from, const struct tz *zone,
                   long count);

#endif
