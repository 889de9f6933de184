/* tz_rule.h — POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3"), internal to
 * the tz module: the footer of a TZif file, or a zone given in $TZ. */
#ifndef TZ_RULE_H
#define TZ_RULE_H

#include <stdbool.h>
#include <stdint.h>

#define TZ_RULE_ABBR_MAX 16

/* A day of the year: 'J' Jn (1..365, Feb 29 never counted), 'N' n (0..365),
 * 'M' Mm.w.d (month, week 1..5 with 5 = last, weekday 0 = Sunday); `time`
 * is seconds after local midnight, possibly negative or beyond one day. */
struct tz_rule_date {
    char kind;
    int month, week, day;
    int32_t time;
};

struct tz_rule {
    char std_abbr[TZ_RULE_ABBR_MAX], dst_abbr[TZ_RULE_ABBR_MAX];
    int32_t std_off, dst_off;       /* seconds east of UTC */
    bool has_dst;                   /* false: std_off all year */
    struct tz_rule_date start, end; /* DST starts / ends (in local time) */
};

/* 0, or -1 when `text` is not a valid TZ string (RFC 8536 section 3.3.1). */
int tz_rule_parse(const char *text, struct tz_rule *out);

/* The offset in force at t under the rule, its abbreviation, and in *next
 * the next transition instant after t (INT64_MAX when there is none). */
int32_t tz_rule_lookup(const struct tz_rule *rule, int64_t t, int64_t *next, const char **abbr);

#endif
