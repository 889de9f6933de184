/* tz.h — time zones read from the system's tzdata (TZif files).
 *
 * glibc offers only one process-wide zone (TZ + tzset), which re-reads files
 * on every switch; schedules need many zones at once and exact transition
 * instants, so zones are loaded once into immutable objects and cached.
 *
 * Two currencies of time are used throughout:
 *  - an *instant*: Unix seconds (UTC);
 *  - a *local time*: seconds since 1970-01-01 00:00:00 on the wall clock of
 *    some zone, i.e. instant + offset.  Local times carry no zone; turning one
 *    back into an instant needs a zone and a rule for gaps and repeats.
 * The calendar arithmetic on local times, which needs no zone, is civil.h's.
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"

#define TZ_ERR_MAX 256
#define TZ_ISO_MAX 40 /* "-2026-03-29T03:00:00+10:30:00" and a NUL fit */

struct tz;

/* The cached zone called `name` ("Europe/Berlin", "UTC"), loaded from
 * $TZDIR or /usr/share/zoneinfo.  NULL with a message in err when unknown.
 * "UTC" works even without tzdata.  Zones live until tz_cache_clear(). */
const struct tz *tz_get(const char *name, char *err, size_t errlen);

/* The system's zone: $TZ if set (":Name", "Name" or a POSIX TZ string such
 * as "CET-1CEST,M3.5.0,M10.5.0/3"), else the zone /etc/localtime links to,
 * else UTC.  Never NULL. */
const struct tz *tz_system(void);

const char *tz_name(const struct tz *zone);

/* UTC offset in seconds (east positive) in force at instant t. */
int32_t tz_offset_at(const struct tz *zone, int64_t t);

/* The offset in force at t, and in *until the next instant after t at which
 * the zone's rules change (the offset may stay the same there), INT64_MAX
 * when there is none.  One lookup for callers that walk offset segments. */
int32_t tz_offset_span(const struct tz *zone, int64_t t, int64_t *until);

/* The first transition instant strictly after t at which the offset changes,
 * or INT64_MAX when there is none. */
int64_t tz_next_transition(const struct tz *zone, int64_t t);

/* Abbreviation in force at t ("CET"), for display. */
const char *tz_abbrev_at(const struct tz *zone, int64_t t);

/* The instant of local time `local` in the zone, by the wall-time rule: a
 * local time inside a gap maps to the first instant after the gap, a local
 * time that occurs twice maps to its first occurrence. */
int64_t tz_resolve_local(const struct tz *zone, int64_t local);

/* "2026-03-29T03:00:00+02:00" (UTC gives "+00:00"); len >= TZ_ISO_MAX. */
void tz_format_iso(const struct tz *zone, int64_t t, char *buf, size_t len);

/* Parses "2026-03-28T12:00:00+01:00", "...Z", or a time without offset
 * ("2026-03-28T12:00:00", "2026-03-28 12:00", "2026-03-28"), which is local
 * to `zone` (NULL = UTC) and resolved by the wall-time rule.  0 or -1. */
int tz_parse_iso(const char *text, const struct tz *zone, int64_t *out, char *err,
                 size_t errlen);

/* Parses "YYYY-MM-DD" optionally followed by ' ' or 'T' and "HH:MM[:SS]",
 * validating the day against the month.  *end points past what was read.
 * 0, or -1 with a message naming `text` in err. */
int tz_parse_civil(const char *text, struct civil_time *out, const char **end, char *err,
                   size_t errlen);

void tz_cache_clear(void);

#endif
