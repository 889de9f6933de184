/* civil.c — civil-calendar arithmetic, a leaf of time/: it needs no zone.
 *
 * Days from/to civil dates use Howard Hinnant's closed-form algorithms
 * (proleptic Gregorian calendar, 400-year eras), so converting is a few
 * integer operations and never depends on the process's TZ or on libc.
 */
#include "civil.h"

#define DAYS_PER_ERA 146097      /* days in 400 Gregorian years */
#define DAYS_0000_TO_1970 719468 /* 0000-03-01 to 1970-01-01 */
#define EPOCH_WEEKDAY 4          /* 1970-01-01 was a Thursday */

int64_t civil_days_from_date(int64_t year, int month, int day)
{
    /* Count years from March so the leap day is the last day of a year. */
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * DAYS_PER_ERA + doe - DAYS_0000_TO_1970;
}

void civil_date_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + DAYS_0000_TO_1970;
    int64_t era = (z >= 0 ? z : z - (DAYS_PER_ERA - 1)) / DAYS_PER_ERA;
    int64_t doe = z - era * DAYS_PER_ERA;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = m;
    *year = (int)(yoe + era * 400 + (m <= 2));
}

int civil_days_in_month(int64_t year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

int civil_weekday(int64_t days)
{
    int w = (int)((days + EPOCH_WEEKDAY) % 7);
    return w < 0 ? w + 7 : w;
}

void civil_from_local(int64_t local, struct civil_time *out)
{
    int sod = civil_second_of_day(local);
    civil_date_from_days(civil_day_of(local), &out->year, &out->month, &out->day);
    out->hour = sod / CIVIL_SECONDS_PER_HOUR;
    out->minute = sod / CIVIL_SECONDS_PER_MINUTE % 60;
    out->second = sod % CIVIL_SECONDS_PER_MINUTE;
    out->date_only = false;
}

int64_t civil_to_local(const struct civil_time *c)
{
    return civil_days_from_date(c->year, c->month, c->day) * CIVIL_SECONDS_PER_DAY +
           c->hour * CIVIL_SECONDS_PER_HOUR + c->minute * CIVIL_SECONDS_PER_MINUTE + c->second;
}
