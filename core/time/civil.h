/* civil.h — the civil calendar as pure arithmetic: dates to days since
 * 1970-01-01 and back, month lengths, weekdays, and the civil fields of a
 * local time (seconds since 1970-01-01 00:00:00 on some wall clock; see
 * tz.h).  Proleptic Gregorian calendar, no zone, independent of the
 * process's TZ and much faster than mktime.
 */
#ifndef CIVIL_H
#define CIVIL_H

#include <stdbool.h>
#include <stdint.h>

#define CIVIL_SECONDS_PER_DAY 86400
#define CIVIL_SECONDS_PER_HOUR 3600
#define CIVIL_SECONDS_PER_MINUTE 60

/* A civil (zone-less) date and time, as written by the user. */
struct civil_time {
    int year, month, day; /* month 1..12, day 1..31 */
    int hour, minute, second;
    bool date_only; /* parsed from "YYYY-MM-DD" without a time */
};

/* Days since 1970-01-01 and back. */
int64_t civil_days_from_date(int64_t year, int month, int day);
void civil_date_from_days(int64_t days, int *year, int *month, int *day);
int civil_days_in_month(int64_t year, int month);
/* 0 = Sunday .. 6 = Saturday, as in cron and struct tm. */
int civil_weekday(int64_t days);

/* A local time and its civil fields (date_only is set false). */
void civil_from_local(int64_t local, struct civil_time *out);
int64_t civil_to_local(const struct civil_time *c);

/* The day (since 1970-01-01) and second of day of a local time. */
static inline int64_t civil_day_of(int64_t local)
{
    return local >= 0 ? local / CIVIL_SECONDS_PER_DAY
                      : -((-local - 1) / CIVIL_SECONDS_PER_DAY) - 1;
}

static inline int civil_second_of_day(int64_t local)
{
    return (int)(local - civil_day_of(local) * CIVIL_SECONDS_PER_DAY);
}

#endif
