/* cron.c — cron expressions parsed into bit sets (struct cron_spec).
 *
 * Accepts what Vixie cron accepts in its five fields (numbers, JAN-DEC and
 * SUN-SAT names, ranges, steps, lists, 0 or 7 for Sunday, @nicknames), plus
 * an optional leading seconds field.  Expressions whose day-of-month can
 * never occur in their months ("0 0 30 2 *") are refused here, so the
 * next-fire search never hunts for a date that does not exist.  A step
 * larger than its range is taken as Vixie cron takes it, from the range's
 * start (a star's step in the minute field by 75 is minute 0 alone), and
 * said in the spec's note, which `main check` shows as a warning.
 *
 * An expression of `key=value` items ("day=last sun; hour=3") is
 * APScheduler's form instead, parsed by cron_aps.c.  Both read their
 * fields with cron_field.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron_internal.h"
#include "schedule.h"

#define CRON_FIELDS_MAX 6
#define DOW_SUNDAY_ALIAS 7

enum { F_SECOND, F_MINUTE, F_HOUR, F_MDAY, F_MONTH, F_WDAY, F_COUNT };

static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const struct cron_field fields[F_COUNT] = {
    [F_SECOND] = {"second", 0, 59, NULL, false},
    [F_MINUTE] = {"minute", 0, 59, NULL, false},
    [F_HOUR] = {"hour", 0, 23, NULL, false},
    [F_MDAY] = {"day-of-month", 1, 31, NULL, false},
    [F_MONTH] = {"month", 1, 12, cron_month_names, false},
    [F_WDAY] = {"day-of-week", 0, DOW_SUNDAY_ALIAS, day_names, true},
};

static const struct {
    const char *name, *expansion;
} nicknames[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

/* The most days each month can have, in any year. */
static const int month_days_max[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* Splits `buf` in place at whitespace; returns the number of fields, which
 * may exceed max (only the first max are stored). */
static int split_fields(char *buf, char *field[], int max)
{
    int n = 0;
    char *p = buf;

    for (;;) {
        while (isspace((unsigned char)*p))
            *p++ = '\0';
        if (!*p)
            return n;
        if (n < max)
            field[n] = p;
        n++;
        while (*p && !isspace((unsigned char)*p))
            p++;
    }
}

static int expand_nickname(const char *expr, const char **out, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof nicknames / sizeof nicknames[0]; i++) {
        if (strcasecmp(expr, nicknames[i].name) == 0) {
            *out = nicknames[i].expansion;
            return 0;
        }
    }
    if (strcasecmp(expr, "@reboot") == 0)
        snprintf(err, errlen,
                 "cron '@reboot' is not supported: the scheduler has no "
                 "boot event (use catchup or a systemd unit)");
    else
        snprintf(err, errlen,
                 "cron '%s': unknown nickname (use @yearly, @annually, "
                 "@monthly, @weekly, @daily, @midnight or @hourly)",
                 expr);
    return -1;
}

/* When the day fields combine with AND, some allowed day-of-month must exist
 * in some allowed month, or the expression can never fire. */
static int check_dates_exist(const struct cron_spec *c, const char *mday_text,
                             const char *month_text, char *err, size_t errlen)
{
    if (!c->mday_star && !c->wday_star)
        return 0; /* OR: every allowed weekday occurs in every month */
    for (int m = 1; m <= 12; m++)
        for (int d = 1; d <= month_days_max[m]; d++)
            if ((c->months >> m & 1) && (c->mdays >> d & 1))
                return 0;
    snprintf(err, errlen, "day-of-month field: '%s' never occurs in month '%s'", mday_text,
             month_text);
    return -1;
}

int cron_parse(const char *expr, struct cron_spec *out, char *err, size_t errlen)
{
    struct cron_spec c = {0};
    char buf[sizeof c.expr];
    char *field[CRON_FIELDS_MAX];
    uint64_t bits[F_COUNT];
    const char *text = expr;
    size_t given_len;
    int n, first;

    if (strchr(expr, '='))
        return cron_aps_parse(expr, out, err, errlen);
    while (isspace((unsigned char)*text))
        text++;
    given_len = strlen(text);
    while (given_len > 0 && isspace((unsigned char)text[given_len - 1]))
        given_len--;
    if (given_len >= sizeof c.expr) {
        snprintf(err, errlen, "cron expression is longer than %zu characters",
                 sizeof c.expr - 1);
        return -1;
    }
    memcpy(c.expr, text, given_len);
    c.expr[given_len] = '\0';
    text = c.expr;
    if (*text == '@' && expand_nickname(c.expr, &text, err, errlen) < 0)
        return -1;
    memcpy(buf, text, strlen(text) + 1); /* fits: buf is as large as c.expr */
    n = split_fields(buf, field, CRON_FIELDS_MAX);
    if (n != CRON_FIELDS_MAX && n != CRON_FIELDS_MAX - 1) {
        snprintf(err, errlen,
                 "cron '%s' has %d fields; expected 5 (minute hour "
                 "day-of-month month day-of-week) or 6 with seconds first",
                 expr, n);
        return -1;
    }
    /* With five fields, field[i] is field number i + 1: seconds are 0. */
    first = n == CRON_FIELDS_MAX ? F_SECOND : F_MINUTE;
    bits[F_SECOND] = 1;
    for (int f = first; f < F_COUNT; f++)
        if (cron_parse_field(&fields[f], field[f - first], &bits[f], c.note, err, errlen) < 0)
            return -1;

    c.seconds = bits[F_SECOND];
    c.minutes = bits[F_MINUTE];
    c.hours = (uint32_t)bits[F_HOUR];
    c.mdays = (uint32_t)bits[F_MDAY];
    c.months = (uint16_t)bits[F_MONTH];
    c.wdays = (uint8_t)bits[F_WDAY];
    /* Vixie cron's test is whether the field *starts* with '*', so a star
     * with a step in a day field still counts as unrestricted for the
     * AND/OR rule. */
    c.mday_star = field[F_MDAY - first][0] == '*';
    c.wday_star = field[F_WDAY - first][0] == '*';
    c.hour_sub_daily =
        field[F_HOUR - first][0] == '*' || strchr(field[F_HOUR - first], '/') != NULL;
    if (check_dates_exist(&c, field[F_MDAY - first], field[F_MONTH - first], err, errlen) < 0)
        return -1;
    *out = c;
    return 0;
}
