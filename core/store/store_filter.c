/* store_filter.c — the values of a history filter as a user writes them,
 * for `main history` and GET /api/v1/runs alike: status and trigger names,
 * and the instants of since/until (ISO-8601 or a span before now).
 *
 * The messages name what was wrong and what is accepted, never the option
 * (`--status` or `?status=`): the caller puts that in front.
 */
#include "store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "time/tz.h"

#define FILTER_NAMES_MAX 160 /* "queued, running, …": every status or trigger */

/* "a, b, c": every name `name_of` gives for 0 … last. */
static void filter_names(const char *(*name_of)(int), int last, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (int i = 0; i <= last && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", name_of(i));
}

static const char *status_name_of(int i)
{
    return store_status_name((enum store_status)i);
}

static const char *trigger_name_of(int i)
{
    return store_trigger_name((enum store_trigger)i);
}

int store_filter_status(const char *text, struct store_run_filter *f, char *err, size_t errlen)
{
    char names[FILTER_NAMES_MAX];

    if (store_status_parse(text, &f->status) == 0) {
        f->by_status = true;
        return 0;
    }
    filter_names(status_name_of, STORE_RUN_INTERRUPTED, names, sizeof names);
    snprintf(err, errlen, "unknown status '%s' (one of: %s)", text, names);
    return -1;
}

int store_filter_trigger(const char *text, struct store_run_filter *f, char *err, size_t errlen)
{
    char names[FILTER_NAMES_MAX];

    if (store_trigger_parse(text, &f->trigger) == 0) {
        f->by_trigger = true;
        return 0;
    }
    filter_names(trigger_name_of, STORE_TRIGGER_API, names, sizeof names);
    snprintf(err, errlen, "unknown trigger '%s' (one of: %s)", text, names);
    return -1;
}

/* A span before now: digits and one unit of s, m, h, d or w ("90m", "3d").
 * 1 and the seconds in *seconds, 0 when `text` is not one. */
static int filter_span(const char *text, double *seconds)
{
    static const char units[] = "smhdw";
    static const double unit_seconds[] = {1, 60, 3600, 86400, 604800};
    const char *unit;
    char *end;
    double n;

    if (!isdigit((unsigned char)text[0]))
        return 0;
    n = strtod(text, &end);
    if (end[0] == '\0' || end[1] != '\0' || !(unit = strchr(units, end[0])))
        return 0;
    *seconds = n * unit_seconds[unit - units];
    return 1;
}

int store_filter_when(const char *text, const struct tz *zone, double now, double *out,
                      char *err, size_t errlen)
{
    char why[STORE_ERR_MAX];
    double span;
    int64_t at;

    if (filter_span(text, &span)) {
        *out = now - span;
        return 0;
    }
    if (tz_parse_iso(text, zone, &at, why, sizeof why) == 0 && at > 0) {
        *out = (double)at;
        return 0;
    }
    snprintf(err, errlen,
             "expected an ISO-8601 time (2026-12-01T10:00, with or without an offset such as "
             "+01:00) or a span before now (30s, 15m, 2h, 3d, 1w), got '%s'",
             text);
    return -1;
}

int store_filter_check(const struct store_run_filter *f, const char *since, const char *until,
                       char *err, size_t errlen)
{
    if (f->since && f->until && f->since >= f->until) {
        snprintf(err, errlen, "%s must be before %s", since, until);
        return -1;
    }
    return 0;
}
