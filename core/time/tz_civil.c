/* tz_civil.c — civil dates and ISO-8601 text for instants: parsing and
 * formatting, on top of the calendar arithmetic of civil.c and the zones of
 * tz.c.
 */
#include "tz.h"

#include <stdio.h>

#include "civil.h"

#define MAX_OFFSET_HOURS 23

void tz_format_iso(const struct tz *zone, int64_t t, char *buf, size_t len)
{
    int32_t off = zone ? tz_offset_at(zone, t) : 0;
    int32_t mag = off < 0 ? -off : off;
    struct civil_time c;
    int n;

    civil_from_local(t + off, &c);
    n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year, c.month, c.day,
                 c.hour, c.minute, c.second, off < 0 ? '-' : '+', mag / CIVIL_SECONDS_PER_HOUR,
                 mag / CIVIL_SECONDS_PER_MINUTE % 60);
    /* Local mean times before 1900 have offsets with seconds (+00:53:28). */
    if (n > 0 && (size_t)n < len && mag % CIVIL_SECONDS_PER_MINUTE != 0)
        snprintf(buf + n, len - (size_t)n, ":%02d", mag % CIVIL_SECONDS_PER_MINUTE);
}

/* Reads exactly `count` decimal digits. */
static bool read_digits(const char **p, int count, int *out)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    *p += count;
    *out = v;
    return true;
}

/* "HH:MM[:SS]" after a date; 0, or -1 with a message. */
static int parse_clock(const char *text, const char **p, struct civil_time *out, char *err,
                       size_t errlen)
{
    if (!read_digits(p, 2, &out->hour) || **p != ':' ||
        (++*p, !read_digits(p, 2, &out->minute))) {
        snprintf(err, errlen, "bad date-time '%s': expected YYYY-MM-DD HH:MM[:SS]", text);
        return -1;
    }
    if (**p == ':' && (++*p, !read_digits(p, 2, &out->second))) {
        snprintf(err, errlen, "bad date-time '%s': seconds must be two digits", text);
        return -1;
    }
    if (out->hour > 23 || out->minute > 59 || out->second > 59) {
        snprintf(err, errlen, "bad date-time '%s': %s", text,
                 out->hour > 23     ? "hour must be 00-23"
                 : out->minute > 59 ? "minute must be 00-59"
                                    : "second must be 00-59");
        return -1;
    }
    return 0;
}

int tz_parse_civil(const char *text, struct civil_time *out, const char **end, char *err,
                   size_t errlen)
{
    const char *p = text;
    struct civil_time c = {0};

    if (!read_digits(&p, 4, &c.year) || *p++ != '-' || !read_digits(&p, 2, &c.month) ||
        *p++ != '-' || !read_digits(&p, 2, &c.day)) {
        snprintf(err, errlen, "bad date '%s': expected YYYY-MM-DD[ HH:MM[:SS]]", text);
        return -1;
    }
    if (c.month < 1 || c.month > 12) {
        snprintf(err, errlen, "bad date '%s': month must be 01-12", text);
        return -1;
    }
    if (c.day < 1 || c.day > civil_days_in_month(c.year, c.month)) {
        snprintf(err, errlen, "bad date '%s': day must be 01-%02d in %04d-%02d", text,
                 civil_days_in_month(c.year, c.month), c.year, c.month);
        return -1;
    }
    c.date_only = !((*p == 'T' || *p == ' ') && p[1] >= '0' && p[1] <= '9');
    if (!c.date_only) {
        p++;
        if (parse_clock(text, &p, &c, err, errlen) < 0)
            return -1;
    }
    *out = c;
    *end = p;
    return 0;
}

/* "Z", "+HH:MM", "+HHMM" or "+HH" (or '-'); *off in seconds east. */
static bool parse_utc_offset(const char **p, int32_t *off)
{
    int sign, hours, minutes = 0;

    if (**p == 'Z' || **p == 'z') {
        ++*p;
        *off = 0;
        return true;
    }
    if (**p != '+' && **p != '-')
        return false;
    sign = *(*p)++ == '-' ? -1 : 1;
    if (!read_digits(p, 2, &hours) || hours > MAX_OFFSET_HOURS)
        return false;
    if (**p == ':')
        ++*p;
    if (**p >= '0' && **p <= '9' && (!read_digits(p, 2, &minutes) || minutes > 59))
        return false;
    *off = sign * (hours * CIVIL_SECONDS_PER_HOUR + minutes * CIVIL_SECONDS_PER_MINUTE);
    return true;
}

int tz_parse_iso(const char *text, const struct tz *zone, int64_t *out, char *err,
                 size_t errlen)
{
    struct civil_time c;
    const char *p;
    int32_t off;
    int64_t local;

    if (tz_parse_civil(text, &c, &p, err, errlen) < 0)
        return -1;
    local = civil_to_local(&c);
    if (*p == '\0') {
        *out = zone ? tz_resolve_local(zone, local) : local;
        return 0;
    }
    if (c.date_only || !parse_utc_offset(&p, &off) || *p != '\0') {
        snprintf(err, errlen,
                 "bad date-time '%s': expected YYYY-MM-DDTHH:MM[:SS] and an "
                 "optional Z or +HH:MM",
                 text);
        return -1;
    }
    *out = local - off;
    return 0;
}
