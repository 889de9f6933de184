/* instant_json.h — the one way an instant appears in JSON output.
 *
 * Every instant the program prints as JSON is a pair of keys: NAME holds
 * ISO-8601 with the zone's UTC offset ("2026-12-03T09:00:00+01:00") and
 * NAME_epoch the Unix seconds (a whole number for scheduled instants, with
 * fractions for measured ones).  An instant that does not exist (never, not
 * yet) is null in both.  Readers take NAME_epoch, so no text is parsed back.
 */
#ifndef INSTANT_JSON_H
#define INSTANT_JSON_H

#include <jansson.h>

#include "tz.h"

#define INSTANT_JSON_EPOCH_SUFFIX "_epoch"

/* Set obj[name] and obj[name_epoch] for `t` in `zone`; t <= 0 or not
 * finite or INT64_MAX-like (past year 9999) sets both to null.  0, or -1
 * out of memory. */
int instant_json_set(json_t *obj, const char *name, const struct tz *zone, double t);

/* obj[name_epoch] as seconds, 0 when absent or null. */
double instant_json_get(const json_t *obj, const char *name);

#endif
