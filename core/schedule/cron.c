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
 * APScheduler's form instead, parsed by cron_aps.c with the field parsers
 * of this file.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron_internal.h"
#include "schedule.h"

#define CRON_FIELDS_MAX 6
#define CRON_NAME_LEN 3
#define DOW_SUNDAY_ALIAS 7

enum { F_SECOND, F_MINUTE, F_HOUR, F_MDAY, F_MONTH, F_WDAY, F_COUNT };

const char *const cron_month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                          "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const struct cron_field fields[F_COUNT] = {
    [F_SECOND] = {"second", 0, 59, NULL},
    [F_MINUTE] = {"minute", 0, 59, NULL},
    [F_HOUR] = {"hour", 0, 23, NULL},
    [F_MDAY] = {"day-of-month", 1, 31, NULL},
    [F_MONTH] = {"month", 1, 12, cron_month_names},
    [F_WDAY] = {"day-of-week", 0, DOW_SUNDAY_ALIAS, day_names},
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

/* One number or name of `len` chars at `text`; 0, or -1 with a message. */
static int parse_value(const struct cron_field *f, const char *text, size_t len, int *out,
                       char *err, size_t errlen)
{
    int v = 0;
    size_t i;

    for (i = 0; i < len && isdigit((unsigned char)text[i]); i++)
        if (v <= f->max) /* once too big, stay too big without overflowing */
            v = v * 10 + (text[i] - '0');
    if (i == len && len > 0) {
        if (v < f->min || v > f->max) {
            snprintf(err, errlen, "%s field: %.*s is out of range %d-%d", f->name, (int)len,
                     text, f->min, f->max);
            return -1;
        }
        *out = v;
        return 0;
    }
    for (int n = 0; f->names && f->names[n]; n++) {
        if (len == CRON_NAME_LEN && strncasecmp(text, f->names[n], len) == 0) {
            *out = f->min + n;
            return 0;
        }
    }
    snprintf(err, errlen, "%s field: '%.*s' is not a %s", f->name, (int)len, text,
             f->names ? "number or name" : "number");
    return -1;
}

/* The step after a '/': a whole number >= 1, of any size (one past the
 * field's range stays just past it, so nothing overflows). */
static int parse_step(const struct cron_field *f, const char *text, size_t len, int *out,
                      char *err, size_t errlen)
{
    int v = 0;
    size_t i;

    for (i = 0; i < len && isdigit((unsigned char)text[i]); i++)
        if (v <= f->max)
            v = v * 10 + (text[i] - '0');
    if (len == 0 || i < len) {
        snprintf(err, errlen, "%s field: step '%.*s' is not a number", f->name, (int)len, text);
        return -1;
    }
    if (v == 0) {
        snprintf(err, errlen, "%s field: step 0: a step is 1 or more", f->name);
        return -1;
    }
    *out = v;
    return 0;
}

/* Day-of-week 7 is Sunday, which is bit 0. */
static uint64_t fold_sunday(const struct cron_field *f, uint64_t bits)
{
    if (f == &fields[F_WDAY] && (bits >> DOW_SUNDAY_ALIAS & 1))
        bits = (bits | 1) & ~(UINT64_C(1) << DOW_SUNDAY_ALIAS);
    return bits;
}

int cron_item_range(const struct cron_field *f, const char *item, size_t len, int *lo_out,
                    int *hi_out, int *step_out, char *err, size_t errlen)
{
    const char *slash = memchr(item, '/', len);
    size_t range_len = slash ? (size_t)(slash - item) : len;
    const char *dash = memchr(item, '-', range_len);
    int lo = f->min, hi = f->max, step = 1;

    if (slash && parse_step(f, slash + 1, len - range_len - 1, &step, err, errlen) < 0)
        return -1;
    if (range_len == 1 && item[0] == '*') {
        /* lo and hi stay the whole field */
    } else if (dash) {
        if (parse_value(f, item, (size_t)(dash - item), &lo, err, errlen) < 0 ||
            parse_value(f, dash + 1, range_len - (size_t)(dash - item) - 1, &hi, err, errlen) <
                0)
            return -1;
        if (lo > hi) {
            snprintf(err, errlen, "%s field: range %.*s is backwards", f->name, (int)range_len,
                     item);
            return -1;
        }
    } else {
        if (parse_value(f, item, range_len, &lo, err, errlen) < 0)
            return -1;
        if (!slash)
            hi = lo; /* "a/n" means a-max/n */
    }
    *lo_out = lo;
    *hi_out = hi;
    *step_out = step;
    return 0;
}

int cron_parse_item(const struct cron_field *f, const char *item, size_t len, uint64_t *bits,
                    char note[CRON_NOTE_MAX], char *err, size_t errlen)
{
    int lo, hi, step;
    uint64_t own = 0;

    if (cron_item_range(f, item, len, &lo, &hi, &step, err, errlen) < 0)
        return -1;
    for (int v = lo; v <= hi; v += step)
        own |= UINT64_C(1) << v;
    own = fold_sunday(f, own);
    if (memchr(item, '/', len) && hi > lo && __builtin_popcountll(own) == 1 &&
        note[0] == '\0')
        snprintf(note, CRON_NOTE_MAX,
                 "%.*s in the %s field is %s %d only: its step leaves one "
                 "value of the range",
                 (int)len, item, f->name, f->name, lo);
    *bits |= own;
    return 0;
}

int cron_parse_field(const struct cron_field *f, const char *text, uint64_t *bits,
                     char note[CRON_NOTE_MAX], char *err, size_t errlen)
{
    const char *p = text;

    *bits = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) {
            snprintf(err, errlen, "%s field: empty item in '%s'", f->name, text);
            return -1;
        }
        if (cron_parse_item(f, p, len, bits, note, err, errlen) < 0)
            return -1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

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
