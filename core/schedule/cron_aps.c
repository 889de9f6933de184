/* cron_aps.c — APScheduler 3's cron trigger as a cron_spec: the fields
 * year, month, day, week, day_of_week, hour, minute and second written as
 * "key=value" items separated by ';' ("day=last sun; hour=3").
 *
 * As in APScheduler every field must match (there is no crontab OR of the
 * two day fields), a field left out is '*' when it is more significant than
 * the least significant one given and its minimum when it is less (week
 * and day_of_week stay '*'), day_of_week counts from Monday = 0, and the
 * day field also takes "last" (the month's last day) and "xth y" ("1st"
 * .. "5th" or "last", then a weekday).  `week` is the ISO week number, as
 * Python's isocalendar() gives it; `year` the calendar year.
 *
 * The days of a month that match are one bit mask, built with shifts a
 * week at a time (cron_aps_month_days), so the next-fire search of
 * schedule.c skips a month per step where no day matches.  A spec that
 * matches no date at all ("day=31; month=2") is refused: the calendar
 * repeats every 400 years (146097 days are whole weeks), so one look at
 * the months of each allowed year's residue modulo 400 decides it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron_internal.h"
#include "time/civil.h"

#define DAYS_PER_WEEK 7
#define NTH_LAST 5 /* k of "last y" in nth_wdays */
#define YEAR_MIN 1970
#define YEAR_MAX 9999
#define CALENDAR_CYCLE 400 /* years after which dates fall on the same weekdays */
#define SEVEN_DAYS_MASK UINT64_C(0x7F)

enum {
    A_YEAR = CRON_APS_YEAR,
    A_MONTH = CRON_APS_MONTH,
    A_DAY = CRON_APS_DAY,
    A_WEEK = CRON_APS_WEEK,
    A_DOW = CRON_APS_DOW,
    A_HOUR = CRON_APS_HOUR,
    A_MINUTE = CRON_APS_MINUTE,
    A_SECOND = CRON_APS_SECOND,
    A_COUNT = CRON_APS_COUNT
};

/* The fields, most significant first, with the value a field left out
 * takes below the least significant one given. */
static const struct {
    const char *key, *minimum;
} keys[A_COUNT] = {
    [A_YEAR] = {"year", "*"},     [A_MONTH] = {"month", "1"},     [A_DAY] = {"day", "1"},
    [A_WEEK] = {"week", "*"},     [A_DOW] = {"day_of_week", "*"}, [A_HOUR] = {"hour", "0"},
    [A_MINUTE] = {"minute", "0"}, [A_SECOND] = {"second", "0"},
};

static const char *const weekday_names[] = {"MON", "TUE", "WED", "THU",
                                            "FRI", "SAT", "SUN", NULL};
static const char *const positions[] = {"1st", "2nd", "3rd", "4th", "5th", "last"};

static const struct cron_field year_field = {"year", YEAR_MIN, YEAR_MAX, NULL, false};
static const struct cron_field fields[A_COUNT] = {
    [A_MONTH] = {"month", 1, 12, cron_month_names, false},
    [A_DAY] = {"day", 1, 31, NULL, false},
    [A_WEEK] = {"week", 1, 53, NULL, false},
    [A_DOW] = {"day_of_week", 0, 6, weekday_names, false},
    [A_HOUR] = {"hour", 0, 23, NULL, false},
    [A_MINUTE] = {"minute", 0, 59, NULL, false},
    [A_SECOND] = {"second", 0, 59, NULL, false},
};

/* Text without the white space around it, cut in place. */
static char *trim(char *p)
{
    char *end;

    while (isspace((unsigned char)*p))
        p++;
    end = p + strlen(p);
    while (end > p && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return p;
}

static int parse_years(const char *text, struct cron_spec *c, char *err, size_t errlen)
{
    const char *p = text;

    if (strcmp(text, "*") == 0)
        return 0; /* year_count 0: every year */
    for (;;) {
        size_t len = strcspn(p, ",");
        int i = c->year_count;
        if (len == 0) {
            snprintf(err, errlen, "year field: empty item in '%s'", text);
            return -1;
        }
        if (i == CRON_YEARS_MAX) {
            snprintf(err, errlen, "year field: more than %d items in '%s'", CRON_YEARS_MAX,
                     text);
            return -1;
        }
        if (cron_item_range(&year_field, p, len, &c->years[i].lo, &c->years[i].hi,
                            &c->years[i].step, err, errlen) < 0)
            return -1;
        c->year_count++;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* "xth y" or "last y" into nth_wdays; false when the item has another shape. */
static bool parse_position(const char *item, size_t len, struct cron_spec *c)
{
    for (int k = 0; k <= NTH_LAST; k++) {
        size_t n = strlen(positions[k]), at = n;
        if (len <= n || strncasecmp(item, positions[k], n) != 0 ||
            !isspace((unsigned char)item[n]))
            continue;
        while (at < len && isspace((unsigned char)item[at]))
            at++;
        for (int d = 0; d < DAYS_PER_WEEK; d++) {
            if (len - at == 3 && strncasecmp(item + at, weekday_names[d], 3) == 0) {
                /* d counts from Monday, the bits from Sunday */
                c->nth_wdays |= UINT64_C(1) << (DAYS_PER_WEEK * k + (d + 1) % DAYS_PER_WEEK);
                return true;
            }
        }
    }
    return false;
}

/* The day field: numbers, ranges and steps as cron's, "last", "xth y". */
static int parse_day(const char *text, struct cron_spec *c, char *err, size_t errlen)
{
    const char *p = text;
    uint64_t bits = 0;

    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 4 && strncasecmp(p, "last", 4) == 0) {
            c->mday_last = true;
        } else if (!parse_position(p, len, c)) {
            if (len == 0) {
                snprintf(err, errlen, "day field: empty item in '%s'", text);
                return -1;
            }
            if (cron_parse_item(&fields[A_DAY], p, len, &bits, c->note, err, errlen) < 0) {
                if (isalpha((unsigned char)p[len - 1])) /* a word, not a number */
                    snprintf(err, errlen,
                             "day field: '%.*s' is not a day, 'last' or 'xth y' (1st..5th "
                             "or last, then mon..sun)",
                             (int)len, p);
                return -1;
            }
        }
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    c->mdays = (uint32_t)bits;
    return 0;
}

/* Fields left out take '*' or their minimum, as APScheduler fills them. */
static void fill_defaults(const char *value[A_COUNT])
{
    int last_given = -1;

    for (int i = 0; i < A_COUNT; i++)
        if (value[i])
            last_given = i;
    for (int i = 0; i < A_COUNT; i++)
        if (!value[i])
            value[i] = i < last_given ? "*" : keys[i].minimum;
}

static int parse_values(const char *value[A_COUNT], struct cron_spec *c, char *err,
                        size_t errlen)
{
    uint64_t bits[A_COUNT] = {0};

    if (parse_years(value[A_YEAR], c, err, errlen) < 0 ||
        parse_day(value[A_DAY], c, err, errlen) < 0)
        return -1;
    for (int i = A_MONTH; i < A_COUNT; i++)
        if (i != A_DAY &&
            cron_parse_field(&fields[i], value[i], &bits[i], c->note, err, errlen) < 0)
            return -1;
    c->months = (uint16_t)bits[A_MONTH];
    c->weeks = bits[A_WEEK];
    /* Monday-first bits 0..6 to Sunday-first */
    c->wdays = (uint8_t)(((bits[A_DOW] << 1) | (bits[A_DOW] >> 6)) & SEVEN_DAYS_MASK);
    c->hours = (uint32_t)bits[A_HOUR];
    c->minutes = bits[A_MINUTE];
    c->seconds = bits[A_SECOND];
    c->hour_sub_daily = value[A_HOUR][0] == '*' || strchr(value[A_HOUR], '/') != NULL;
    return 0;
}

/* Whether any date at all matches the date fields (the file's comment). */
static bool some_date_matches(const struct cron_spec *c)
{
    bool seen[CALENDAR_CYCLE] = {false};

    for (int y = cron_aps_next_year(c, YEAR_MIN); y >= 0; y = cron_aps_next_year(c, y + 1)) {
        if (seen[y % CALENDAR_CYCLE])
            continue;
        seen[y % CALENDAR_CYCLE] = true;
        for (int m = 1; m <= 12; m++)
            if ((c->months >> m & 1) && cron_aps_month_days(c, y, m))
                return true;
    }
    return false;
}

/* Splits "key=value; ..." (in buf, cut in place) into value[] by key. */
static int split_items(char *buf, const char *expr, const char *value[A_COUNT], char *err,
                       size_t errlen)
{
    for (char *item = buf, *next; item; item = next) {
        char *eq, *key, *text;
        int i;
        if ((next = strchr(item, ';')))
            *next++ = '\0';
        if (*trim(item) == '\0' && !next)
            break; /* a trailing ';' */
        if (!(eq = strchr(item, '='))) {
            snprintf(err, errlen, "cron '%s': '%s' is not key=value", expr, trim(item));
            return -1;
        }
        *eq = '\0';
        key = trim(item);
        text = trim(eq + 1);
        for (i = 0; i < A_COUNT && strcmp(key, keys[i].key) != 0; i++)
            ;
        if (i == A_COUNT) {
            snprintf(err, errlen,
                     "cron '%s': unknown field '%s' (expected year, month, day, week, "
                     "day_of_week, hour, minute or second)",
                     expr, key);
            return -1;
        }
        if (value[i] || *text == '\0') {
            snprintf(err, errlen, "cron '%s': field '%s' %s", expr, key,
                     value[i] ? "is given twice" : "has no value");
            return -1;
        }
        value[i] = text;
    }
    return 0;
}

/* The items given, in the fields' order, as c->expr. */
static int write_expr(const char *value[A_COUNT], struct cron_spec *c, char *err, size_t errlen)
{
    size_t used = 0;

    for (int i = 0; i < A_COUNT; i++) {
        int n;
        if (!value[i])
            continue;
        n = snprintf(c->expr + used, sizeof c->expr - used, "%s%s=%s", used ? "; " : "",
                     keys[i].key, value[i]);
        if (n < 0 || (size_t)n >= sizeof c->expr - used) {
            snprintf(err, errlen, "cron expression is longer than %zu characters",
                     sizeof c->expr - 1);
            return -1;
        }
        used += (size_t)n;
    }
    return 0; /* cron_parse came here for an '=': some field was given */
}

int cron_aps_values(const struct cron_spec *c, char buf[CRON_APS_BUF],
                    const char *value[CRON_APS_COUNT])
{
    char err[SCHEDULE_ERR_MAX];

    for (int i = 0; i < A_COUNT; i++)
        value[i] = NULL;
    if (!c->aps)
        return -1;
    snprintf(buf, CRON_APS_BUF, "%s", c->expr);
    if (split_items(buf, c->expr, value, err, sizeof err) < 0)
        return -1;
    fill_defaults(value);
    return 0;
}

int cron_aps_parse(const char *expr, struct cron_spec *out, char *err, size_t errlen)
{
    struct cron_spec c = {.aps = true};
    char buf[CRON_APS_BUF];
    const char *value[A_COUNT] = {NULL};

    if (strlen(expr) >= sizeof buf) {
        snprintf(err, errlen, "cron expression is longer than %zu characters",
                 sizeof c.expr - 1);
        return -1;
    }
    memcpy(buf, expr, strlen(expr) + 1);
    if (split_items(buf, expr, value, err, errlen) < 0 ||
        write_expr(value, &c, err, errlen) < 0)
        return -1;
    fill_defaults(value);
    if (parse_values(value, &c, err, errlen) < 0)
        return -1;
    if (!some_date_matches(&c)) {
        snprintf(err, errlen,
                 "cron '%s' never fires: no date matches its year, month, day, week and "
                 "day_of_week together",
                 c.expr);
        return -1;
    }
    *out = c;
    return 0;
}

int cron_aps_next_year(const struct cron_spec *c, int year)
{
    int best = -1;

    if (year > YEAR_MAX)
        return -1;
    if (c->year_count == 0)
        return year;
    for (int i = 0; i < c->year_count && i < CRON_YEARS_MAX; i++) {
        int lo = c->years[i].lo, hi = c->years[i].hi, step = c->years[i].step, y;
        if (step < 1)
            continue;
        y = year <= lo ? lo : lo + (year - lo + step - 1) / step * step;
        if (y <= hi && (best < 0 || y < best))
            best = y;
    }
    return best;
}

/* The ISO week number of a day: the week of its Thursday, counted from
 * the first week with a Thursday in that Thursday's year. */
static int iso_week(int64_t days)
{
    int64_t thursday = days - (civil_weekday(days) + 6) % DAYS_PER_WEEK + 3;
    int year, month, day;

    civil_date_from_days(thursday, &year, &month, &day);
    return (int)((thursday - civil_days_from_date(year, 1, 1)) / DAYS_PER_WEEK) + 1;
}

/* Weekday bits (0 = Sunday) as the bits 0..6 of seven days in a row from
 * one of weekday `from`. */
static uint32_t days_from(uint64_t weekdays, int from)
{
    uint32_t w = (uint32_t)(weekdays & SEVEN_DAYS_MASK);
    return ((w >> from) | (w << (DAYS_PER_WEEK - from))) & SEVEN_DAYS_MASK;
}

/* Days d of the month whose ISO week is allowed, a Monday-to-Sunday run
 * at a time. */
static uint32_t days_in_weeks(const struct cron_spec *c, int64_t first, int wday, int last)
{
    uint32_t days = 0;

    for (int d = 1; d <= last;) {
        int run = d == 1 ? (DAYS_PER_WEEK + 1 - wday) % DAYS_PER_WEEK : DAYS_PER_WEEK;
        run = run == 0 ? DAYS_PER_WEEK : run; /* from Monday (1) to Sunday (0) */
        if (c->weeks >> iso_week(first + d - 1) & 1)
            days |= ((UINT32_C(1) << run) - 1) << d;
        d += run;
    }
    return days;
}

uint32_t cron_aps_month_days(const struct cron_spec *c, int year, int month)
{
    int64_t first = civil_days_from_date(year, month, 1);
    int last = civil_days_in_month(year, month);
    int wday = civil_weekday(first);
    uint32_t month_days = (uint32_t)(((UINT64_C(1) << last) - 1) << 1);
    uint32_t week = days_from(c->wdays, wday), day_field = c->mdays, weekdays = 0;

    for (int k = 0; k < NTH_LAST; k++) {
        weekdays |= week << (DAYS_PER_WEEK * k + 1);
        day_field |= days_from(c->nth_wdays >> (DAYS_PER_WEEK * k), wday)
                     << (DAYS_PER_WEEK * k + 1);
    }
    day_field |= days_from(c->nth_wdays >> (DAYS_PER_WEEK * NTH_LAST),
                           (wday + last - DAYS_PER_WEEK) % DAYS_PER_WEEK)
                 << (last - DAYS_PER_WEEK + 1);
    if (c->mday_last)
        day_field |= UINT32_C(1) << last;
    if ((c->weeks >> 1) != (UINT64_C(1) << 53) - 1)
        month_days &= days_in_weeks(c, first, wday, last);
    return day_field & weekdays & month_days;
}
