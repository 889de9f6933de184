/* calendar.h — the next fire instants of a schedule: those of a schedule
 * expression, as `main calendar` and GET /api/v1/calendar show them, and
 * those of a task's schedules, as `main next` shows them.  One computation
 * for each door; each wraps the arrays in its own document.
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "schedule/schedule.h"
#include "time/tz.h"

/* The first `count` fires of `set` strictly after `from`, in `zone`: a
 * JSON array of {"at": ISO-8601, "at_epoch": s} (time/instant_json.h),
 * shorter when the schedule has fewer.  New reference, NULL out of memory. */
json_t *calendar_fires(const struct schedule_set *set, int64_t from, const struct tz *zone,
                       long count);

/* The first `count` fires of `set` after `from` in `zone` and what `main
 * check` would warn about it (schedule_warning), an array of strings: 0
 * with both new references set, or -2 out of memory (with err). */
int calendar_set(const struct schedule_set *set, int64_t from, const struct tz *zone,
                 long count, json_t **fires, json_t **warnings, char *err, size_t errlen);

/* Evaluate the expression `expr` in the top-level sandbox, in a worker
 * process (isolated_eval_schedule: a hostile expression costs the caller
 * at most ISOLATED_TIMEOUT_MS), then its first `count` fires after `from`
 * in `zone` (also the zone of a schedule without :tz()) and its
 * warnings, as calendar_set.  0 with both new references set; -1 when the expression is at fault,
 * with the DSL's message in err; -2 when it could not be judged (out of
 * memory, no worker), with why in err. */
int calendar_expr(const char *expr, int64_t from, const struct tz *zone, long count,
                  json_t **fires, json_t **warnings, char *err, size_t errlen);

#endif
