/* schedule.h — a schedule as plain data, and the pure next-fire math.
 *
 * Nothing here reads a clock: every function takes the instant it reasons
 * about, so tests can walk through years of fires without waiting.  Instants
 * are Unix seconds (int64_t, UTC).  Local times are computed in a zone
 * (struct tz, see tz.h); a schedule without its own zone uses the default
 * zone passed by the caller.
 *
 * Two kinds of schedule (DESIGN.md, "DST and zones"):
 *  - sub-daily: fire at every real instant whose local time matches;
 *  - wall-time: fire once per local date; a wall time inside a gap fires at
 *    the first instant after the gap, a repeated wall time fires once (first).
 */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "time/civil.h"
#include "time/tz.h"

#define SCHEDULE_NEVER INT64_MAX
#define SCHEDULE_ZONE_MAX 64
#define SCHEDULE_TEXT_MAX 160
#define SCHEDULE_WORDS_MAX 320 /* one schedule in words, its caveat included */
#define SCHEDULE_ERR_MAX 256
#define CRON_NOTE_MAX 160
#define CRON_YEARS_MAX 8 /* items of an APScheduler year field */

enum schedule_kind { SCHEDULE_EVERY, SCHEDULE_CRON, SCHEDULE_ONCE };
enum schedule_unit { UNIT_SECOND, UNIT_MINUTE, UNIT_HOUR, UNIT_DAY, UNIT_WEEK };

/* A parsed cron expression: one bit per allowed value.  In APScheduler's
 * form (aps) every field must match, Vixie's day rule does not apply, and
 * the day field may also hold "last" and "xth y" (cron_aps.c). */
struct cron_spec {
    uint64_t seconds;    /* bits 0..59 */
    uint64_t minutes;    /* bits 0..59 */
    uint32_t hours;      /* bits 0..23 */
    uint32_t mdays;      /* bits 1..31 */
    uint16_t months;     /* bits 1..12 */
    uint8_t wdays;       /* bits 0..6, 0 = Sunday */
    bool mday_star;      /* day-of-month field was '*' (Vixie rule) */
    bool wday_star;      /* day-of-week field was '*' */
    bool hour_sub_daily; /* hour field is '*' or a step: sub-daily kind */
    bool aps;            /* APScheduler's form: the fields below too */
    bool mday_last;      /* day "last": the last day of the month */
    uint64_t nth_wdays;  /* day "xth y": bit 7 k + weekday (0 = Sunday),
                                   * k 0..4 the 1st..5th, 5 the last */
    uint64_t weeks;      /* ISO week numbers, bits 1..53 */
    int year_count;      /* items in years; 0 = every year */
    struct {
        int lo, hi, step;
    } years[CRON_YEARS_MAX];
    char expr[SCHEDULE_TEXT_MAX]; /* the expression, trimmed, for display */
    char note[CRON_NOTE_MAX];     /* what a step larger than its range makes of
                              * the expression ("... is minute 0 only"), or "" */
};

struct schedule {
    enum schedule_kind kind;

    /* SCHEDULE_EVERY */
    int n; /* every(n); 1 for every().unit */
    enum schedule_unit unit;
    int weekday;                       /* -1, or 0 = Monday .. 6 = Sunday (implies UNIT_WEEK) */
    int at_hour, at_minute, at_second; /* -1 where .at() did not set them */

    /* SCHEDULE_CRON */
    struct cron_spec cron;

    /* SCHEDULE_ONCE */
    struct civil_time once;

    /* modifiers */
    char zone[SCHEDULE_ZONE_MAX]; /* "" = the caller's default zone */
    int jitter;                   /* seconds, 0 = none */
    bool has_from, has_till;
    struct civil_time from, till; /* local to the schedule's zone */
    /* :anchor() of an every(n) without .at(): fires at anchor + k * period
     * (k >= 0), counted in elapsed seconds whatever the unit, as
     * APScheduler's interval counts from its start date. */
    bool has_anchor;
    struct civil_time anchor; /* local to the schedule's zone */

    char text[SCHEDULE_TEXT_MAX]; /* the expression as the user wrote it */
};

/* A task's schedule: the union of one or more schedules. */
struct schedule_set {
    struct schedule *items;
    size_t count;
};

/* True for the sub-daily kind, false for the wall-time kind (an anchored
 * every(n) is neither: it counts elapsed seconds from its anchor). */
bool schedule_is_sub_daily(const struct schedule *s);

/* The first fire instant strictly after `after`, or SCHEDULE_NEVER.
 * `default_zone` is used when s->zone is empty; it must not be NULL. */
int64_t schedule_next_fire(const struct schedule *s, int64_t after,
                           const struct tz *default_zone);

/* The earliest next fire of any member of the set (SCHEDULE_NEVER if none). */
int64_t schedule_set_next_fire(const struct schedule_set *set, int64_t after,
                               const struct tz *default_zone);

/* A deterministic jitter in [0, s->jitter] for the fire at `instant`, so a
 * restarted daemon picks the same delay for the same fire. */
int schedule_jitter_for(const struct schedule *s, int64_t instant, const char *seed);

/* The schedule in words ("every 5 minutes", "every Monday at 09:00"),
 * with what it really does where its text says otherwise: "every 25 hours
 * — daily at 00:00 only: 25 does not divide 24 and the count restarts at
 * midnight" (DESIGN.md's clock-boundary rule). */
void schedule_describe(const struct schedule *s, char *buf, size_t len);

/* What `main check` warns about, as one line starting with the schedule's
 * text: the caveat of schedule_describe, or a schedule that never fires
 * after `now` (a once() or a till() in the past).  False, with "" in buf,
 * when there is nothing to say. */
bool schedule_warning(const struct schedule *s, int64_t now, const struct tz *default_zone,
                      char *buf, size_t len);

/* Every schedule of a set in words, joined by "; " (cut to fit `len`). */
void schedule_set_describe(const struct schedule_set *set, char *buf, size_t len);

/* Parsers used by the Lua DSL (for early, line-numbered errors) and by the
 * table-to-struct conversion.  Each returns 0, or -1 with a message in err. */
int schedule_parse_at(enum schedule_unit unit, const char *text, int *hour, int *minute,
                      int *second, char *err, size_t errlen);
/* schedule_parse_civil sets out->date_only for "YYYY-MM-DD": as `till` such
 * a date means the end of that day, as `from` or `once` its start. */
int schedule_parse_civil(const char *text, struct civil_time *out, char *err, size_t errlen);
int cron_parse(const char *expr, struct cron_spec *out, char *err, size_t errlen);

void schedule_set_free(struct schedule_set *set);

#endif
