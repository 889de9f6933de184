/* tz_rule.c — POSIX TZ strings with the RFC 8536 extensions: quoted names
 * (<+1030>), transition times that are negative or beyond 24 hours
 * (America/Santiago's "M9.1.6/24"), and DST spanning the new year (southern
 * hemisphere rules where DST ends earlier in the year than it starts).
 */
#include "tz_rule.h"

#include <ctype.h>
#include <string.h>

#include "civil.h"

#define OFFSET_HOURS_MAX 24     /* POSIX: std/dst offsets are 0..24 hours */
#define RULE_TIME_HOURS_MAX 167 /* RFC 8536: rule times are -167..167 hours */
#define DEFAULT_RULE_TIME (2 * CIVIL_SECONDS_PER_HOUR)
#define ABBR_MIN 3
#define JULIAN_LEAP_DAY 60 /* Jn counts Mar 1 as 60 even in leap years */
#define SAMPLE_YEAR 2001   /* any year serves to test a rule's shape */

/* A transition: at `at` DST starts (dst true) or ends. */
struct event {
    int64_t at;
    bool dst;
};

/* Reads a number of at most `max_digits` digits. */
static bool read_number(const char **p, int max_digits, int *out)
{
    int v = 0, n = 0;
    while (n < max_digits && isdigit((unsigned char)**p)) {
        v = v * 10 + (*(*p)++ - '0');
        n++;
    }
    *out = v;
    return n > 0;
}

/* [+-]hh[:mm[:ss]] with hh <= max_hours, in seconds. */
static bool read_hms(const char **p, int max_hours, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;

    if (**p == '+' || **p == '-')
        sign = *(*p)++ == '-' ? -1 : 1;
    if (!read_number(p, 3, &h) || h > max_hours)
        return false;
    if (**p == ':' && (++*p, !read_number(p, 2, &m) || m > 59))
        return false;
    if (**p == ':' && (++*p, !read_number(p, 2, &s) || s > 59))
        return false;
    *out = sign * (h * CIVIL_SECONDS_PER_HOUR + m * CIVIL_SECONDS_PER_MINUTE + s);
    return true;
}

/* An abbreviation: 3+ letters, or <...> of letters, digits, '+' and '-'. */
static bool read_abbr(const char **p, char *out)
{
    const char *start = *p;
    size_t len = 0;
    bool quoted = **p == '<';

    if (quoted)
        start = ++*p;
    while (quoted ? (isalnum((unsigned char)**p) || **p == '+' || **p == '-')
                  : isalpha((unsigned char)**p)) {
        ++*p;
        len++;
    }
    if (quoted && *(*p)++ != '>')
        return false;
    if (len < ABBR_MIN || len >= TZ_RULE_ABBR_MAX)
        return false;
    memcpy(out, start, len);
    out[len] = '\0';
    return true;
}

static bool read_date(const char **p, struct tz_rule_date *d)
{
    d->time = DEFAULT_RULE_TIME;
    d->kind = **p == 'J' || **p == 'M' ? *(*p)++ : 'N';
    if (d->kind == 'M') {
        if (!read_number(p, 2, &d->month) || d->month < 1 || d->month > 12 || *(*p)++ != '.' ||
            !read_number(p, 1, &d->week) || d->week < 1 || d->week > 5 || *(*p)++ != '.' ||
            !read_number(p, 1, &d->day) || d->day > 6)
            return false;
    } else if (!read_number(p, 3, &d->day) || d->day > 365 || (d->kind == 'J' && d->day < 1)) {
        return false;
    }
    if (**p == '/')
        return ++*p, read_hms(p, RULE_TIME_HOURS_MAX, &d->time);
    return true;
}

/* Days since 1970-01-01 of the rule's date in `year`. */
static int64_t rule_day(const struct tz_rule_date *d, int64_t year)
{
    int64_t jan1 = civil_days_from_date(year, 1, 1);
    int64_t first, day;

    if (d->kind == 'N')
        return jan1 + d->day;
    if (d->kind == 'J')
        return jan1 + d->day - 1 +
               (d->day >= JULIAN_LEAP_DAY && civil_days_in_month(year, 2) == 29);
    first = civil_days_from_date(year, d->month, 1);
    day = first + (d->day - civil_weekday(first) + 7) % 7 + (d->week - 1) * 7;
    while (day >= first + civil_days_in_month(year, d->month))
        day -= 7; /* week 5 means the last such weekday */
    return day;
}

/* The year's two transitions in time order.  DST starts at its time in
 * standard time and ends at its time in daylight time (POSIX). */
static void rule_events(const struct tz_rule *r, int64_t year, struct event ev[2])
{
    struct event start = {
        rule_day(&r->start, year) * CIVIL_SECONDS_PER_DAY + r->start.time - r->std_off, true};
    struct event end = {
        rule_day(&r->end, year) * CIVIL_SECONDS_PER_DAY + r->end.time - r->dst_off, false};
    bool start_first = start.at < end.at;
    ev[0] = start_first ? start : end;
    ev[1] = start_first ? end : start;
}

/* A rule whose DST or standard period is empty (e.g. "EST5EDT,0/0,J365/25",
 * DST all year) has transitions that change nothing: fold it into a fixed
 * offset so every transition reported changes the offset. */
static void fold_permanent(struct tz_rule *r)
{
    struct event ev[4];

    if (r->std_off == r->dst_off) {
        r->has_dst = false;
        return;
    }
    rule_events(r, SAMPLE_YEAR, ev);
    rule_events(r, SAMPLE_YEAR + 1, ev + 2);
    for (int i = 0; i < 3; i++) {
        if (ev[i].at < ev[i + 1].at)
            continue;
        /* The period after ev[i] is empty: the one after ev[i+1] is forever. */
        r->has_dst = false;
        if (ev[i + 1].dst) {
            r->std_off = r->dst_off;
            memcpy(r->std_abbr, r->dst_abbr, sizeof r->std_abbr);
        }
        return;
    }
}

int tz_rule_parse(const char *text, struct tz_rule *out)
{
    const char *p = text;
    struct tz_rule r = {0};
    int32_t west;

    if (!read_abbr(&p, r.std_abbr) || !read_hms(&p, OFFSET_HOURS_MAX, &west))
        return -1;
    r.std_off = -west; /* POSIX offsets count hours west of Greenwich */
    if (*p == '\0')
        return *out = r, 0;
    if (!read_abbr(&p, r.dst_abbr))
        return -1;
    r.has_dst = true;
    r.dst_off = r.std_off + CIVIL_SECONDS_PER_HOUR;
    if (*p != ',' && *p != '\0') {
        if (!read_hms(&p, OFFSET_HOURS_MAX, &west))
            return -1;
        r.dst_off = -west;
    }
    if (*p == '\0') {
        /* No rule given: POSIX leaves it to the implementation; glibc and
         * tzcode use the US rules, and so do we. */
        r.start = (struct tz_rule_date){'M', 3, 2, 0, DEFAULT_RULE_TIME};
        r.end = (struct tz_rule_date){'M', 11, 1, 0, DEFAULT_RULE_TIME};
    } else if (*p++ != ',' || !read_date(&p, &r.start) || *p++ != ',' ||
               !read_date(&p, &r.end) || *p != '\0') {
        return -1;
    }
    fold_permanent(&r);
    *out = r;
    return 0;
}

int32_t tz_rule_lookup(const struct tz_rule *rule, int64_t t, int64_t *next, const char **abbr)
{
    struct event ev[2], nx[2];
    struct event state;
    int year, month, day;

    if (!rule->has_dst) {
        *next = INT64_MAX;
        *abbr = rule->std_abbr;
        return rule->std_off;
    }
    civil_date_from_days(civil_day_of(t + rule->std_off), &year, &month, &day);
    rule_events(rule, year, ev);
    while (t < ev[0].at) /* a transition of this year may fall in the last */
        rule_events(rule, --year, ev);
    for (;;) {
        if (t < ev[1].at) {
            state = ev[0];
            *next = ev[1].at;
            break;
        }
        rule_events(rule, ++year, nx);
        if (t < nx[0].at) {
            state = ev[1];
            *next = nx[0].at;
            break;
        }
        memcpy(ev, nx, sizeof ev);
    }
    *abbr = state.dst ? rule->dst_abbr : rule->std_abbr;
    return state.dst ? rule->dst_off : rule->std_off;
}
