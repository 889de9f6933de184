/* cron_internal.h — what the files of schedule/ share: the field parsers
 * of cron_field.c, and APScheduler's form, day and year rules (cron_aps.c). */
#ifndef CRON_INTERNAL_H
#define CRON_INTERNAL_H

#include "schedule.h"

struct cron_field {
    const char *name;
    int min, max;
    const char *const *names; /* names[i] stands for min + i, or NULL */
    bool max_is_min;          /* max means min too (crontab's Sunday 7) */
};

extern const char *const cron_month_names[]; /* JAN..DEC, NULL */

/* The range of one item of `len` chars: "*", "a", "a-b", each optionally
 * followed by "/step" ("a/n" is a-max/n).  0, or -1 with a message. */
int cron_item_range(const struct cron_field *f, const char *item, size_t len, int *lo, int *hi,
                    int *step, char *err, size_t errlen);

/* One item, or a comma list, or'ed into *bits (cron_parse_field clears
 * them first).  A step that leaves one value only is said in `note` (the
 * first such item).  0, or -1 with a message naming the field. */
int cron_parse_item(const struct cron_field *f, const char *item, size_t len, uint64_t *bits,
                    char note[CRON_NOTE_MAX], char *err, size_t errlen);
int cron_parse_field(const struct cron_field *f, const char *text, uint64_t *bits,
                     char note[CRON_NOTE_MAX], char *err, size_t errlen);

/* APScheduler's form, "key=value; ..." (cron_aps.c). */
int cron_aps_parse(const char *expr, struct cron_spec *out, char *err, size_t errlen);

/* APScheduler's fields, most significant first. */
enum {
    CRON_APS_YEAR,
    CRON_APS_MONTH,
    CRON_APS_DAY,
    CRON_APS_WEEK,
    CRON_APS_DOW,
    CRON_APS_HOUR,
    CRON_APS_MINUTE,
    CRON_APS_SECOND,
    CRON_APS_COUNT
};
#define CRON_APS_BUF (2 * SCHEDULE_TEXT_MAX)

/* The value of each field of a parsed spec as it applies, the defaults of
 * the fields left out included ("day=last sun" has hour "0"), pointing
 * into buf.  0, or -1 for a spec not in APScheduler's form. */
int cron_aps_values(const struct cron_spec *c, char buf[CRON_APS_BUF],
                    const char *value[CRON_APS_COUNT]);

/* The first year >= year that the spec allows, or -1. */
int cron_aps_next_year(const struct cron_spec *c, int year);

/* The days of a month (bits 1..31) that match the day, week and
 * day_of_week fields. */
uint32_t cron_aps_month_days(const struct cron_spec *c, int year, int month);

#endif
