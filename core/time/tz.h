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
 * The civil-calendar helpers below are pure arithmetic (proleptic Gregorian
 * calendar), independent of the process's TZ and much faster than mktime.
 */
#ifndef TZ_H
#define TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_SECONDS_PER_DAY 86400
#define TZ_ERR_MAX 256
#define TZ_ISO_MAX 40 /* "-2026-03-29T03:00:00+10:30:00" and a NUL fit */

struct tz;

/* A civil (zone-less) date and time, as written by the user. */
struct civil_time {
    int year, month, day;    /* month 1..12, day 1..31 */
    int hour, minute, second;
    bool date_only;          /* parsed from "YYYY-MM-DD" without a time */
};

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
int tz_parse_iso(const char *text, const struct tz *zone, int64_t *out,
                 char *err, size_t errlen);

/* Parses "YYYY-MM-DD" optionally followed by ' ' or 'T' and "HH:MM[:SS]",
 * validating the day against the month.  *end points past what was read.
 * 0, or -1 with a message naming `text` in err. */
int tz_parse_civil(const char *text, struct civil_time *out, const char **end,
                   char *err, size_t errlen);

/* Calendar arithmetic: days since 1970-01-01 and back. */
int64_t tz_days_from_civil(int64_t year, int month, int day);
void tz_civil_from_days(int64_t days, int *year, int *month, int *day);
int tz_days_in_month(int64_t year, int month);
/* 0 = Sunday .. 6 = Saturday, as in cron and struct tm. */
int tz_weekday(int64_t days);

/* A local time and its civil fields (date_only is set false). */
void tz_civil_from_local(int64_t local, struct civil_time *out);
int64_t tz_local_from_civil(const struct civil_time *c);

/* The day (since 1970-01-01) and second of day of a local time. */
static inline int64_t tz_day_of(int64_t local)
{
    return local >= 0 ? local / TZ_SECONDS_PER_DAY
                      : -((-local - 1) / TZ_SECONDS_PER_DAY) - 1;
}

static inline int tz_second_of_day(int64_t local)
{
    return (int)(local - tz_day_of(local) * TZ_SECONDS_PER_DAY);
}

void tz_cache_clear(void);

#endif
