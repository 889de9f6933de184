/* schedule.c — the next fire instant of a schedule (DESIGN.md, "Schedules"
 * and "DST and zones").
 *
 * The math is split in two layers.  next_local() finds the first *local*
 * time at or after a given one that matches the schedule, in plain calendar
 * arithmetic that knows nothing of zones: it jumps straight to the next
 * matching value of each field rather than stepping.  The two walks below
 * then map local times to instants, one per kind of schedule:
 *  - sub-daily: within each offset segment of the zone, local time is
 *    instant + offset, so the first match in the segment is one subtraction
 *    away; a fall-back hour is visited twice (once per segment) and a gap
 *    is skipped because no segment's local times cover it;
 *  - wall-time: matching local times are taken in order and resolved by
 *    tz_resolve_local (gap -> first instant after it, repeat -> first
 *    occurrence).  Resolution never goes backwards as local time grows, so
 *    the first resolved instant after `after` is the answer, and a local
 *    time that resolves to an instant already passed (the second pass of a
 *    fall-back hour, a second time in the same gap) is simply skipped.
 */
#include <stdlib.h>

#include "cron_internal.h"
#include "schedule.h"
#include "time/civil.h"

#define SECONDS_PER_MINUTE 60
#define SECONDS_PER_HOUR 3600
#define DAYS_PER_WEEK 7
#define EPOCH_MONDAY 4 /* 1970-01-05, the first Monday, in days since 1970-01-01 */
#define YEAR_MAX 9999
/* Fires are searched within years 0000-9999; the bounds keep calendar
 * arithmetic far from overflow for any `after`. */
#define INSTANT_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define INSTANT_MIN INT64_C(-62167219200) /* 0000-01-01T00:00:00Z */

#define CRON_SECONDS_MASK ((UINT64_C(1) << 60) - 1)
#define CRON_HOURS_MASK ((UINT32_C(1) << 24) - 1)
#define CRON_MDAYS_MASK (UINT32_C(0xFFFFFFFF) << 1)
#define CRON_MONTHS_MASK (UINT16_C(0xFFF) << 1)
#define CRON_WDAYS_MASK UINT8_C(0x7F)

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

static const int64_t unit_seconds[] = {
    [UNIT_SECOND] = 1,
    [UNIT_MINUTE] = SECONDS_PER_MINUTE,
    [UNIT_HOUR] = SECONDS_PER_HOUR,
    [UNIT_DAY] = CIVIL_SECONDS_PER_DAY,
    [UNIT_WEEK] = DAYS_PER_WEEK * CIVIL_SECONDS_PER_DAY,
};

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The smallest x >= a with x % n == 0 (n > 0). */
static int64_t round_up(int64_t a, int64_t n)
{
    return -floor_div(-a, n) * n;
}

static int at_or_zero(int v)
{
    return v < 0 ? 0 : v;
}

/* every(n) of seconds, minutes or hours: the unit's count since local
 * midnight is a multiple of n, plus the .at() offset within the unit. */
static int64_t every_sub_daily_local(const struct schedule *s, int64_t local)
{
    int64_t period = (int64_t)s->n * unit_seconds[s->unit];
    int64_t phase = s->unit == UNIT_HOUR ? at_or_zero(s->at_minute) * SECONDS_PER_MINUTE +
                                               at_or_zero(s->at_second)
                    : s->unit == UNIT_MINUTE ? at_or_zero(s->at_second)
                                             : 0;
    int64_t day_start = civil_day_of(local) * CIVIL_SECONDS_PER_DAY;
    int64_t sod = local - day_start;
    int64_t cand = sod <= phase ? phase : phase + round_up(sod - phase, period);

    if (cand >= CIVIL_SECONDS_PER_DAY)
        return day_start + CIVIL_SECONDS_PER_DAY + phase; /* the count restarts */
    return day_start + cand;
}

/* every(n).days and every(n).weeks (on a weekday), at a time of day. */
static int64_t every_wall_local(const struct schedule *s, int64_t local)
{
    int64_t at = at_or_zero(s->at_hour) * SECONDS_PER_HOUR +
                 at_or_zero(s->at_minute) * SECONDS_PER_MINUTE + at_or_zero(s->at_second);
    int64_t day = civil_day_of(local) + (civil_second_of_day(local) > at);

    if (s->weekday >= 0 || s->unit == UNIT_WEEK) {
        /* Fire days are first + 7 w, for weeks w since 1970-01-05 with w % n == 0. */
        int64_t first = EPOCH_MONDAY + at_or_zero(s->weekday);
        int64_t week = -floor_div(first - day, DAYS_PER_WEEK);
        day = first + round_up(week, s->n) * DAYS_PER_WEEK;
    } else {
        day = round_up(day, s->n);
    }
    return day * CIVIL_SECONDS_PER_DAY + at;
}

/* Lowest set bit of mask at or above `from`, or -1. */
static int next_bit(uint64_t mask, int from)
{
    uint64_t rest = from < 64 ? mask >> from : 0;
    return rest ? from + __builtin_ctzll(rest) : -1;
}

static void civil_next_day(struct civil_time *c)
{
    c->hour = c->minute = c->second = 0;
    if (++c->day > civil_days_in_month(c->year, c->month)) {
        c->day = 1;
        if (++c->month > 12) {
            c->month = 1;
            c->year++;
        }
    }
}

static void civil_next_hour(struct civil_time *c)
{
    c->minute = c->second = 0;
    if (++c->hour == 24)
        civil_next_day(c);
}

static void civil_next_minute(struct civil_time *c)
{
    c->second = 0;
    if (++c->minute == 60)
        civil_next_hour(c);
}

/* Vixie cron: when both day fields are restricted a day matches if either
 * does; otherwise both must (an unrestricted field matches every day). */
static bool cron_day_matches(const struct cron_spec *cs, const struct civil_time *c)
{
    bool mday, wday;

    mday = cs->mdays >> c->day & 1;
    wday = cs->wdays >> civil_weekday(civil_days_from_date(c->year, c->month, c->day)) & 1;
    return cs->mday_star || cs->wday_star ? mday && wday : mday || wday;
}

/* The first local time >= local matching the cron fields.  Each failed field
 * moves to the start of the next candidate of that field and starts over. */
static int64_t cron_next_local(const struct cron_spec *spec, int64_t local)
{
    struct cron_spec cs = *spec;
    struct civil_time c;
    int v, mask_year = -1, mask_month = -1;
    uint32_t mask = 0;

    cs.seconds &= CRON_SECONDS_MASK;
    cs.minutes &= CRON_SECONDS_MASK;
    cs.hours &= CRON_HOURS_MASK;
    cs.mdays &= CRON_MDAYS_MASK;
    cs.months &= CRON_MONTHS_MASK;
    cs.wdays &= CRON_WDAYS_MASK;
    /* APScheduler's day field may be "last" or "xth y" alone, no mdays */
    if (!cs.seconds || !cs.minutes || !cs.hours || (!cs.mdays && !cs.aps) || !cs.months ||
        !cs.wdays)
        return SCHEDULE_NEVER;

    civil_from_local(local, &c);
    while (c.year <= YEAR_MAX) {
        if (cs.aps && (v = cron_aps_next_year(&cs, c.year)) != c.year) {
            if (v < 0)
                return SCHEDULE_NEVER;
            c = (struct civil_time){.year = v, .month = 1, .day = 1};
            continue;
        }
        if (!(cs.months >> c.month & 1)) {
            v = next_bit(cs.months, c.month + 1);
            if (v < 0) {
                c.year++;
                v = next_bit(cs.months, 1);
            }
            c = (struct civil_time){.year = c.year, .month = v, .day = 1};
            continue;
        }
        if (cs.aps) {
            /* APScheduler's day fields, a month at a time (cron_aps.c) */
            if (c.year != mask_year || c.month != mask_month) {
                mask = cron_aps_month_days(&cs, c.year, c.month);
                mask_year = c.year;
                mask_month = c.month;
            }
            if ((v = next_bit(mask, c.day)) != c.day) {
                if (v < 0) {
                    c.day = civil_days_in_month(c.year, c.month);
                    civil_next_day(&c);
                } else {
                    c = (struct civil_time){.year = c.year, .month = c.month, .day = v};
                }
                continue;
            }
        } else if (!cron_day_matches(&cs, &c)) {
            civil_next_day(&c);
            continue;
        }
        if ((v = next_bit(cs.hours, c.hour)) != c.hour) {
            if (v < 0) {
                civil_next_day(&c);
            } else {
                c.hour = v;
                c.minute = c.second = 0;
            }
            continue;
        }
        if ((v = next_bit(cs.minutes, c.minute)) != c.minute) {
            if (v < 0) {
                civil_next_hour(&c);
            } else {
                c.minute = v;
                c.second = 0;
            }
            continue;
        }
        if ((v = next_bit(cs.seconds, c.second)) < 0) {
            civil_next_minute(&c);
            continue;
        }
        c.second = v;
        return civil_to_local(&c);
    }
    return SCHEDULE_NEVER;
}

/* The first local time >= local that matches s, or SCHEDULE_NEVER. */
static int64_t next_local(const struct schedule *s, int64_t local)
{
    int64_t once;

    switch (s->kind) {
    case SCHEDULE_EVERY:
        if (s->n < 1 || (unsigned)s->unit > UNIT_WEEK)
            return SCHEDULE_NEVER;
        return schedule_is_sub_daily(s) ? every_sub_daily_local(s, local)
                                        : every_wall_local(s, local);
    case SCHEDULE_CRON:
        return cron_next_local(&s->cron, local);
    case SCHEDULE_ONCE:
        once = civil_to_local(&s->once);
        return once >= local ? once : SCHEDULE_NEVER;
    }
    return SCHEDULE_NEVER;
}

static int64_t walk_sub_daily(const struct schedule *s, const struct tz *z, int64_t after)
{
    int64_t t = after + 1;

    for (;;) {
        int64_t until;
        int32_t off = tz_offset_span(z, t, &until);
        int64_t local = next_local(s, t + off);
        if (local == SCHEDULE_NEVER)
            return SCHEDULE_NEVER;
        if (local - off < until)
            return local - off;
        t = until; /* the match lies past this segment: redo it in the next */
    }
}

static int64_t walk_wall_time(const struct schedule *s, const struct tz *z, int64_t after)
{
    int64_t local = after + tz_offset_at(z, after);

    for (;;) {
        int64_t match = next_local(s, local);
        int64_t t;
        if (match == SCHEDULE_NEVER)
            return SCHEDULE_NEVER;
        t = tz_resolve_local(z, match);
        if (t > after)
            return t;
        local = match + 1;
    }
}

bool schedule_is_sub_daily(const struct schedule *s)
{
    switch (s->kind) {
    case SCHEDULE_EVERY:
        return s->weekday < 0 && s->unit <= UNIT_HOUR;
    case SCHEDULE_CRON:
        return s->cron.hour_sub_daily;
    case SCHEDULE_ONCE:
        return false;
    }
    return false;
}

/* An anchored every(n): the first anchor + k * period (k >= 0) after
 * `after`.  Pure elapsed seconds, so no zone rule applies past resolving
 * the anchor itself (README, "Time zones and DST"). */
static int64_t walk_anchored(const struct schedule *s, const struct tz *z, int64_t after)
{
    int64_t anchor = tz_resolve_local(z, civil_to_local(&s->anchor));
    int64_t period = (int64_t)s->n * unit_seconds[s->unit];

    if (s->kind != SCHEDULE_EVERY || s->n < 1 || (unsigned)s->unit > UNIT_WEEK)
        return SCHEDULE_NEVER;
    if (after < anchor)
        return anchor;
    return anchor + (floor_div(after - anchor, period) + 1) * period;
}

/* The first instant past the `till` bound: a date-only till includes the
 * whole day, a date-time till includes that second. */
static int64_t till_end(const struct schedule *s, const struct tz *z)
{
    int64_t local = civil_to_local(&s->till);
    local += s->till.date_only ? CIVIL_SECONDS_PER_DAY : 1;
    return tz_resolve_local(z, local);
}

int64_t schedule_next_fire(const struct schedule *s, int64_t after,
                           const struct tz *default_zone)
{
    char err[SCHEDULE_ERR_MAX];
    const struct tz *z = s->zone[0] ? tz_get(s->zone, err, sizeof err) : default_zone;
    int64_t t;

    if (!z || after >= INSTANT_MAX)
        return SCHEDULE_NEVER;
    if (after < INSTANT_MIN)
        after = INSTANT_MIN;
    if (s->has_from) {
        int64_t from = tz_resolve_local(z, civil_to_local(&s->from));
        if (after < from - 1)
            after = from - 1;
    }
    t = s->has_anchor              ? walk_anchored(s, z, after)
        : schedule_is_sub_daily(s) ? walk_sub_daily(s, z, after)
                                   : walk_wall_time(s, z, after);
    if (t > INSTANT_MAX || (s->has_till && t >= till_end(s, z)))
        return SCHEDULE_NEVER;
    return t;
}

int64_t schedule_set_next_fire(const struct schedule_set *set, int64_t after,
                               const struct tz *default_zone)
{
    int64_t best = SCHEDULE_NEVER;

    for (size_t i = 0; i < set->count; i++) {
        int64_t t = schedule_next_fire(&set->items[i], after, default_zone);
        if (t < best)
            best = t;
    }
    return best;
}

int schedule_jitter_for(const struct schedule *s, int64_t instant, const char *seed)
{
    uint64_t h = FNV_OFFSET;

    if (s->jitter <= 0)
        return 0;
    for (const char *p = seed ? seed : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * FNV_PRIME;
    /* splitmix64's finalizer spreads nearby instants over the whole range. */
    h ^= (uint64_t)instant;
    h = (h ^ (h >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    h = (h ^ (h >> 27)) * UINT64_C(0x94d049bb133111eb);
    h ^= h >> 31;
    return (int)(h % ((uint64_t)s->jitter + 1));
}

void schedule_set_free(struct schedule_set *set)
{
    free(set->items);
    set->items = NULL;
    set->count = 0;
}
