/* test_schedule.c — next-fire math for every kind of schedule, across DST
 * transitions in several zones, plus the text parsers and describe.
 *
 * Expected instants are written as ISO text with their UTC offset, so each
 * case reads like the fire list `main calendar` prints.  The property tests
 * at the end compare a year of fires with a brute-force oracle that scans
 * every minute of the year. */
#include <stdlib.h>

#include "schedule/schedule.h"
#include "testing.h"
#include "time/civil.h"

#define MINUTE 60
#define DAY 86400
#define YEAR_MINUTES (366 * 24 * 60)
#define PROBE_STEP 7919 /* a prime: probes land at every phase of a minute */

static const struct tz *zone_or_utc(const char *name)
{
    char err[SCHEDULE_ERR_MAX];
    const struct tz *z = tz_get(name[0] ? name : "UTC", err, sizeof err);
    CHECK(z != NULL, "zone %s: %s", name, err);
    return z;
}

static struct schedule every(int n, enum schedule_unit unit)
{
    struct schedule s = {.kind = SCHEDULE_EVERY,
                         .n = n,
                         .unit = unit,
                         .weekday = -1,
                         .at_hour = -1,
                         .at_minute = -1,
                         .at_second = -1};
    return s;
}

static struct schedule on_weekday(int weekday, const char *at)
{
    struct schedule s = every(1, UNIT_WEEK);
    char err[SCHEDULE_ERR_MAX];
    s.weekday = weekday;
    CHECK(schedule_parse_at(UNIT_WEEK, at, &s.at_hour, &s.at_minute, &s.at_second, err,
                            sizeof err) == 0,
          "%s", err);
    return s;
}

static struct schedule with_at(struct schedule s, const char *at)
{
    char err[SCHEDULE_ERR_MAX];
    CHECK(schedule_parse_at(s.unit, at, &s.at_hour, &s.at_minute, &s.at_second, err,
                            sizeof err) == 0,
          "at(%s): %s", at, err);
    return s;
}

static struct schedule cron(const char *expr)
{
    struct schedule s = {.kind = SCHEDULE_CRON, .weekday = -1};
    char err[SCHEDULE_ERR_MAX];
    CHECK(cron_parse(expr, &s.cron, err, sizeof err) == 0, "cron %s: %s", expr, err);
    snprintf(s.text, sizeof s.text, "cron(\"%s\")", expr); /* as the DSL writes it */
    return s;
}

static struct schedule once(const char *when)
{
    struct schedule s = {.kind = SCHEDULE_ONCE, .weekday = -1};
    char err[SCHEDULE_ERR_MAX];
    CHECK(schedule_parse_civil(when, &s.once, err, sizeof err) == 0, "%s", err);
    return s;
}

static struct schedule in_zone(struct schedule s, const char *zone)
{
    snprintf(s.zone, sizeof s.zone, "%s", zone);
    return s;
}

/* Walks next_fire from `after` and compares each fire with want[]; a NULL
 * entry means SCHEDULE_NEVER.  Times print in the schedule's zone. */
static void check_fires(const struct schedule *s, const char *after, const char *const want[],
                        size_t n, int line)
{
    const struct tz *z = zone_or_utc(s->zone);
    const struct tz *utc = zone_or_utc("UTC");
    char err[SCHEDULE_ERR_MAX], got[TZ_ISO_MAX];
    int64_t t;

    CHECK(tz_parse_iso(after, z, &t, err, sizeof err) == 0, "line %d: %s", line, err);
    for (size_t i = 0; i < n; i++) {
        int64_t next = schedule_next_fire(s, t, utc);
        if (next == SCHEDULE_NEVER)
            snprintf(got, sizeof got, "never");
        else
            tz_format_iso(z, next, got, sizeof got);
        CHECK(strcmp(got, want[i] ? want[i] : "never") == 0,
              "line %d: fire %zu after %s: got %s, want %s", line, i + 1, after, got,
              want[i] ? want[i] : "never");
        CHECK(next > t, "line %d: next_fire went backwards", line);
        if (next == SCHEDULE_NEVER)
            return;
        t = next;
    }
}

#define CHECK_FIRES(s, after, ...)                                                \
    do {                                                                          \
        static const char *const want_[] = {__VA_ARGS__};                         \
        struct schedule s_ = (s);                                                 \
        check_fires(&s_, after, want_, sizeof want_ / sizeof want_[0], __LINE__); \
    } while (0)

/* ---- clock-boundary rule, zone without DST ---- */

static void every_second_and_every_5_seconds_fire_on_their_boundaries(void)
{
    CHECK_FIRES(every(1, UNIT_SECOND), "2026-01-01T00:00:00Z", "2026-01-01T00:00:01+00:00",
                "2026-01-01T00:00:02+00:00");
    CHECK_FIRES(every(5, UNIT_SECOND), "2026-01-01T12:00:03Z", "2026-01-01T12:00:05+00:00",
                "2026-01-01T12:00:10+00:00");
}

static void every_90_seconds_restarts_at_midnight(void)
{
    CHECK_FIRES(every(90, UNIT_SECOND), "2026-01-01T23:58:00Z", "2026-01-01T23:58:30+00:00",
                "2026-01-02T00:00:00+00:00", "2026-01-02T00:01:30+00:00");
}

static void every_minute_fires_on_the_minute(void)
{
    CHECK_FIRES(every(1, UNIT_MINUTE), "2026-01-01T10:00:30Z", "2026-01-01T10:01:00+00:00",
                "2026-01-01T10:02:00+00:00");
}

/* Minutes since midnight divisible by 7: the last is 23:55 (1435 = 7 * 205);
 * DESIGN.md's example says 23:56, which does not fit its own rule. */
static void every_7_minutes_counts_from_midnight(void)
{
    CHECK_FIRES(every(7, UNIT_MINUTE), "2026-01-01T23:50:00Z", "2026-01-01T23:55:00+00:00",
                "2026-01-02T00:00:00+00:00", "2026-01-02T00:07:00+00:00");
}

static void every_15_minutes_fires_at_quarter_hours(void)
{
    CHECK_FIRES(every(15, UNIT_MINUTE), "2026-01-01T10:07:00Z", "2026-01-01T10:15:00+00:00",
                "2026-01-01T10:30:00+00:00");
}

static void every_2_and_5_hours_restart_at_midnight(void)
{
    CHECK_FIRES(every(2, UNIT_HOUR), "2026-01-01T23:00:00Z", "2026-01-02T00:00:00+00:00",
                "2026-01-02T02:00:00+00:00");
    CHECK_FIRES(every(5, UNIT_HOUR), "2026-01-01T19:00:00Z", "2026-01-01T20:00:00+00:00",
                "2026-01-02T00:00:00+00:00");
}

static void hour_at_and_minute_at_pick_the_offset_within_the_unit(void)
{
    CHECK_FIRES(with_at(every(1, UNIT_HOUR), ":15"), "2026-01-01T10:15:00Z",
                "2026-01-01T11:15:00+00:00", "2026-01-01T12:15:00+00:00");
    CHECK_FIRES(with_at(every(1, UNIT_MINUTE), ":30"), "2026-01-01T10:00:30Z",
                "2026-01-01T10:01:30+00:00", "2026-01-01T10:02:30+00:00");
}

static void every_day_at_in_tokyo_fires_daily(void)
{
    CHECK_FIRES(in_zone(with_at(every(1, UNIT_DAY), "02:30"), "Asia/Tokyo"),
                "2026-05-01T03:00:00+09:00", "2026-05-02T02:30:00+09:00",
                "2026-05-03T02:30:00+09:00");
}

static void every_3_days_counts_days_since_1970(void)
{
    /* 2026-01-01 is day 20454 = 3 * 6818. */
    CHECK_FIRES(every(3, UNIT_DAY), "2026-01-01T00:00:00Z", "2026-01-04T00:00:00+00:00",
                "2026-01-07T00:00:00+00:00");
}

static void every_week_and_every_2_weeks_fire_on_mondays(void)
{
    CHECK_FIRES(every(1, UNIT_WEEK), "2026-01-01T00:00:00Z", "2026-01-05T00:00:00+00:00",
                "2026-01-12T00:00:00+00:00");
    /* The week of 2026-01-05 is week 2922 since 1970-01-05: even. */
    CHECK_FIRES(every(2, UNIT_WEEK), "2026-01-01T00:00:00Z", "2026-01-05T00:00:00+00:00",
                "2026-01-19T00:00:00+00:00");
}

static void weekday_at_fires_on_that_weekday(void)
{
    struct schedule fortnightly = on_weekday(4, "17:30");

    CHECK_FIRES(in_zone(on_weekday(0, "09:00"), "Europe/Berlin"), "2026-01-01T00:00:00+01:00",
                "2026-01-05T09:00:00+01:00", "2026-01-12T09:00:00+01:00");
    fortnightly.n = 2;
    CHECK_FIRES(fortnightly, "2026-01-01T00:00:00Z", "2026-01-09T17:30:00+00:00",
                "2026-01-23T17:30:00+00:00");
}

static void day_month_and_year_roll_over(void)
{
    CHECK_FIRES(with_at(every(1, UNIT_DAY), "23:59"), "2026-12-31T23:59:00Z",
                "2027-01-01T23:59:00+00:00");
    CHECK_FIRES(cron("0 0 1 * *"), "2026-12-15T00:00:00Z", "2027-01-01T00:00:00+00:00",
                "2027-02-01T00:00:00+00:00");
}

static void cron_feb_29_waits_for_leap_years(void)
{
    CHECK_FIRES(cron("0 0 29 2 *"), "2026-01-01T00:00:00Z", "2028-02-29T00:00:00+00:00",
                "2032-02-29T00:00:00+00:00");
    CHECK_FIRES(cron("0 0 29 2 *"), "2096-03-01T00:00:00Z", "2104-02-29T00:00:00+00:00");
}

static void cron_31st_skips_shorter_months(void)
{
    CHECK_FIRES(cron("0 12 31 * *"), "2026-01-31T12:00:00Z", "2026-03-31T12:00:00+00:00",
                "2026-05-31T12:00:00+00:00", "2026-07-31T12:00:00+00:00",
                "2026-08-31T12:00:00+00:00");
}

static void cron_day_fields_combine_as_in_vixie(void)
{
    /* Both restricted: the 13th OR any Friday. */
    CHECK_FIRES(cron("0 0 13 * FRI"), "2026-02-01T00:00:00Z", "2026-02-06T00:00:00+00:00",
                "2026-02-13T00:00:00+00:00", "2026-02-20T00:00:00+00:00",
                "2026-02-27T00:00:00+00:00", "2026-03-06T00:00:00+00:00",
                "2026-03-13T00:00:00+00:00");
    /* Day-of-month starts with '*': the 1st, 11th, 21st, 31st AND a Friday. */
    CHECK_FIRES(cron("0 0 */10 * FRI"), "2026-01-01T00:00:00Z", "2026-05-01T00:00:00+00:00",
                "2026-07-31T00:00:00+00:00", "2026-08-21T00:00:00+00:00");
}

static void cron_with_seconds_fires_within_the_minute(void)
{
    CHECK_FIRES(cron("15,45 * * * * *"), "2026-01-01T10:00:15Z", "2026-01-01T10:00:45+00:00",
                "2026-01-01T10:01:15+00:00");
}

/* ---- APScheduler's form: every field must match ---- */

static void aps_last_day_of_the_month(void)
{
    CHECK_FIRES(cron("day=last"), "2026-01-15T00:00:00Z", "2026-01-31T00:00:00+00:00",
                "2026-02-28T00:00:00+00:00", "2026-03-31T00:00:00+00:00",
                "2026-04-30T00:00:00+00:00");
    CHECK_FIRES(cron("month=2; day=last; hour=12"), "2027-03-01T00:00:00Z",
                "2028-02-29T12:00:00+00:00");
}

static void aps_weekday_positions_in_the_month(void)
{
    CHECK_FIRES(cron("day=2nd fri; hour=9"), "2026-01-01T00:00:00Z",
                "2026-01-09T09:00:00+00:00", "2026-02-13T09:00:00+00:00",
                "2026-03-13T09:00:00+00:00");
    CHECK_FIRES(cron("day=last fri"), "2026-01-01T00:00:00Z", "2026-01-30T00:00:00+00:00",
                "2026-02-27T00:00:00+00:00");
    /* a fifth Monday in February: leap years whose February starts on one */
    CHECK_FIRES(cron("month=2; day=5th mon"), "2026-01-01T00:00:00Z",
                "2044-02-29T00:00:00+00:00", "2072-02-29T00:00:00+00:00");
}

static void aps_day_and_day_of_week_both_apply(void)
{
    /* Friday the 13th, where crontab's "0 0 13 * FRI" is the 13th or a Friday */
    CHECK_FIRES(cron("day=13; day_of_week=fri"), "2026-01-01T00:00:00Z",
                "2026-02-13T00:00:00+00:00", "2026-03-13T00:00:00+00:00",
                "2026-11-13T00:00:00+00:00");
}

static void aps_iso_weeks_and_years(void)
{
    CHECK_FIRES(cron("week=10; day_of_week=mon; hour=8"), "2026-01-01T00:00:00Z",
                "2026-03-02T08:00:00+00:00", "2027-03-08T08:00:00+00:00");
    /* the ISO week of the date, in the calendar year of the date */
    CHECK_FIRES(cron("year=2027; week=53"), "2026-01-01T00:00:00Z", "2027-01-01T00:00:00+00:00",
                "2027-01-02T00:00:00+00:00", "2027-01-03T00:00:00+00:00", NULL);
    CHECK_FIRES(cron("year=2027"), "2026-06-01T00:00:00Z", "2027-01-01T00:00:00+00:00", NULL);
    CHECK_FIRES(cron("year=*/4; month=7; day=4"), "2026-08-01T00:00:00Z",
                "2030-07-04T00:00:00+00:00", "2034-07-04T00:00:00+00:00");
    CHECK_FIRES(cron("year=2026-2027,2040; month=12; day=last sun"), "2026-01-01T00:00:00Z",
                "2026-12-27T00:00:00+00:00", "2027-12-26T00:00:00+00:00",
                "2040-12-30T00:00:00+00:00", NULL);
    CHECK_FIRES(cron("year=2020"), "2026-01-01T00:00:00Z", NULL);
}

static void aps_last_sunday_follows_the_dst_rules(void)
{
    /* 02:30 of Berlin's spring-forward Sunday does not exist: 03:00, once */
    CHECK_FIRES(in_zone(cron("month=3; day=last sun; hour=2; minute=30"), "Europe/Berlin"),
                "2026-01-01T00:00:00+01:00", "2026-03-29T03:00:00+02:00",
                "2027-03-28T03:00:00+02:00");
    /* ... and of its fall-back Sunday is twice: the first pass only */
    CHECK_FIRES(in_zone(cron("month=10; day=last sun; hour=2; minute=30"), "Europe/Berlin"),
                "2026-01-01T00:00:00+01:00", "2026-10-25T02:30:00+02:00",
                "2027-10-31T02:30:00+02:00");
    /* an hour of '*' is sub-daily: both passes of the repeated hour */
    CHECK_FIRES(in_zone(cron("month=10; day=last sun; minute=*/30"), "Europe/Berlin"),
                "2026-10-25T01:45:00+02:00", "2026-10-25T02:00:00+02:00",
                "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00",
                "2026-10-25T02:30:00+01:00", "2026-10-25T03:00:00+01:00");
}

/* ---- DST: sub-daily schedules ---- */

static void every_30_minutes_fires_in_both_passes_of_berlin_fall_back(void)
{
    CHECK_FIRES(in_zone(every(30, UNIT_MINUTE), "Europe/Berlin"), "2026-10-25T01:30:00+02:00",
                "2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00",
                "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00",
                "2026-10-25T03:00:00+01:00");
}

static void every_30_minutes_skips_the_berlin_spring_gap(void)
{
    CHECK_FIRES(in_zone(every(30, UNIT_MINUTE), "Europe/Berlin"), "2026-03-29T01:00:00+01:00",
                "2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00",
                "2026-03-29T03:30:00+02:00");
}

static void cron_every_30_minutes_matches_every_30_minutes_in_new_york(void)
{
    CHECK_FIRES(in_zone(cron("*/30 * * * *"), "America/New_York"), "2026-03-08T01:00:00-05:00",
                "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00");
    CHECK_FIRES(in_zone(cron("*/30 * * * *"), "America/New_York"), "2026-11-01T00:30:00-04:00",
                "2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00",
                "2026-11-01T01:00:00-05:00", "2026-11-01T01:30:00-05:00",
                "2026-11-01T02:00:00-05:00");
}

static void every_15_minutes_in_lord_howe_follows_the_half_hour_shifts(void)
{
    struct schedule s = in_zone(every(15, UNIT_MINUTE), "Australia/Lord_Howe");

    CHECK_FIRES(s, "2026-10-04T01:45:00+10:30", "2026-10-04T02:30:00+11:00",
                "2026-10-04T02:45:00+11:00");
    CHECK_FIRES(s, "2026-04-05T01:15:00+11:00", "2026-04-05T01:30:00+11:00",
                "2026-04-05T01:45:00+11:00", "2026-04-05T01:30:00+10:30",
                "2026-04-05T01:45:00+10:30", "2026-04-05T02:00:00+10:30");
}

/* ---- DST: wall-time schedules ---- */

static void every_day_at_in_spring_gap_fires_after_gap(void)
{
    /* The done-when case of the schedule engine. */
    CHECK_FIRES(in_zone(with_at(every(1, UNIT_DAY), "02:30"), "Europe/Berlin"),
                "2026-03-28T12:00:00+01:00", "2026-03-29T03:00:00+02:00",
                "2026-03-30T02:30:00+02:00");
    CHECK_FIRES(in_zone(with_at(every(1, UNIT_DAY), "02:30"), "America/New_York"),
                "2026-03-07T12:00:00-05:00", "2026-03-08T03:00:00-04:00",
                "2026-03-09T02:30:00-04:00");
}

static void every_day_at_a_repeated_time_fires_at_the_first_pass_only(void)
{
    struct schedule berlin = in_zone(with_at(every(1, UNIT_DAY), "02:30"), "Europe/Berlin");
    struct schedule ny = in_zone(with_at(every(1, UNIT_DAY), "01:30"), "America/New_York");

    CHECK_FIRES(berlin, "2026-10-24T12:00:00+02:00", "2026-10-25T02:30:00+02:00",
                "2026-10-26T02:30:00+01:00");
    CHECK_FIRES(berlin, "2026-10-25T02:45:00+01:00", "2026-10-26T02:30:00+01:00");
    CHECK_FIRES(ny, "2026-10-31T12:00:00-04:00", "2026-11-01T01:30:00-04:00",
                "2026-11-02T01:30:00-05:00");
}

static void cron_with_fixed_hours_is_wall_time(void)
{
    /* Both 02:00 and 02:30 fall in the gap and map to 03:00: one fire. */
    CHECK_FIRES(in_zone(cron("0,30 2 * * *"), "Europe/Berlin"), "2026-03-28T12:00:00+01:00",
                "2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00",
                "2026-03-30T02:30:00+02:00");
    CHECK_FIRES(in_zone(cron("30 2 * * *"), "Europe/Berlin"), "2026-10-24T12:00:00+02:00",
                "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00");
}

static void lord_howe_wall_times_in_the_half_hour_gap_and_repeat(void)
{
    CHECK_FIRES(in_zone(with_at(every(1, UNIT_DAY), "02:15"), "Australia/Lord_Howe"),
                "2026-10-03T12:00:00+10:30", "2026-10-04T02:30:00+11:00",
                "2026-10-05T02:15:00+11:00");
    CHECK_FIRES(in_zone(with_at(every(1, UNIT_DAY), "01:45"), "Australia/Lord_Howe"),
                "2026-04-04T12:00:00+11:00", "2026-04-05T01:45:00+11:00",
                "2026-04-06T01:45:00+10:30");
}

static void santiago_midnight_that_does_not_exist_fires_at_one(void)
{
    struct schedule midnight = in_zone(every(1, UNIT_DAY), "America/Santiago");

    CHECK_FIRES(midnight, "2026-09-05T12:00:00-04:00", "2026-09-06T01:00:00-03:00",
                "2026-09-07T00:00:00-03:00");
    /* Fall back at midnight: 23:00-23:59 of April 4 happens twice. */
    CHECK_FIRES(midnight, "2026-04-04T12:00:00-03:00", "2026-04-05T00:00:00-04:00");
    CHECK_FIRES(in_zone(with_at(every(1, UNIT_DAY), "23:30"), "America/Santiago"),
                "2026-04-04T12:00:00-03:00", "2026-04-04T23:30:00-03:00",
                "2026-04-05T23:30:00-04:00");
}

/* ---- once, from/till, zones ---- */

static void once_fires_a_single_time(void)
{
    CHECK_FIRES(in_zone(once("2026-12-01 10:00"), "Europe/Berlin"), "2026-01-01T00:00:00Z",
                "2026-12-01T10:00:00+01:00", NULL);
    CHECK_FIRES(in_zone(once("2026-03-29T02:30"), "Europe/Berlin"), "2026-01-01T00:00:00Z",
                "2026-03-29T03:00:00+02:00", NULL);
    CHECK_FIRES(once("2026-12-01"), "2026-12-01T00:00:00Z", NULL);
}

static void from_and_till_bound_the_fires(void)
{
    char err[SCHEDULE_ERR_MAX];
    struct schedule s = with_at(every(1, UNIT_DAY), "12:00");
    struct schedule hourly = every(6, UNIT_HOUR);

    s.has_from = s.has_till = true;
    CHECK(schedule_parse_civil("2026-03-10", &s.from, err, sizeof err) == 0, "%s", err);
    CHECK(schedule_parse_civil("2026-03-12", &s.till, err, sizeof err) == 0, "%s", err);
    CHECK_FIRES(s, "2026-01-01T00:00:00Z", "2026-03-10T12:00:00+00:00",
                "2026-03-11T12:00:00+00:00", "2026-03-12T12:00:00+00:00", NULL);
    CHECK(schedule_parse_civil("2026-03-12 11:59:59", &s.till, err, sizeof err) == 0, "%s",
          err);
    CHECK_FIRES(s, "2026-03-10T12:00:00Z", "2026-03-11T12:00:00+00:00", NULL);

    /* A date-only till includes the whole day. */
    hourly.has_till = true;
    CHECK(schedule_parse_civil("2026-03-12", &hourly.till, err, sizeof err) == 0, "%s", err);
    CHECK_FIRES(hourly, "2026-03-12T12:00:00Z", "2026-03-12T18:00:00+00:00", NULL);
}

/* Bounds are instants: a bound at a wall time that occurs twice is its
 * first occurrence, one inside a gap the first instant after the gap. */
static void from_and_till_at_dst_transitions_are_instants(void)
{
    char err[SCHEDULE_ERR_MAX];
    struct schedule s = in_zone(every(15, UNIT_MINUTE), "Europe/Berlin");
    struct schedule gap = s;

    s.has_from = true;
    CHECK(schedule_parse_civil("2026-10-25 02:30", &s.from, err, sizeof err) == 0, "%s", err);
    /* From the first 02:30 on, the second 02:00-02:30 pass comes later. */
    CHECK_FIRES(s, "2026-10-24T12:00:00+02:00", "2026-10-25T02:30:00+02:00",
                "2026-10-25T02:45:00+02:00", "2026-10-25T02:00:00+01:00",
                "2026-10-25T02:15:00+01:00", "2026-10-25T02:30:00+01:00");
    s.has_from = false;
    s.has_till = true;
    CHECK(schedule_parse_civil("2026-10-25 02:30", &s.till, err, sizeof err) == 0, "%s", err);
    CHECK_FIRES(s, "2026-10-25T02:00:00+02:00", "2026-10-25T02:15:00+02:00",
                "2026-10-25T02:30:00+02:00", NULL);
    gap.has_from = true;
    CHECK(schedule_parse_civil("2026-03-29 02:30", &gap.from, err, sizeof err) == 0, "%s", err);
    CHECK_FIRES(gap, "2026-03-28T12:00:00+01:00", "2026-03-29T03:00:00+02:00",
                "2026-03-29T03:15:00+02:00");
}

static struct schedule anchored(struct schedule s, const char *anchor)
{
    char err[SCHEDULE_ERR_MAX];
    s.has_anchor = true;
    CHECK(schedule_parse_civil(anchor, &s.anchor, err, sizeof err) == 0, "%s", err);
    return s;
}

/* :anchor(): anchor + k * period, strictly after `after`, k >= 0. */
static void anchored_every_counts_from_its_anchor(void)
{
    struct schedule five = anchored(every(5, UNIT_MINUTE), "2026-01-01 00:00:03");
    struct schedule bounded = five;
    char err[SCHEDULE_ERR_MAX];

    /* Before the anchor: the anchor itself is the first fire. */
    CHECK_FIRES(five, "2025-12-31T23:00:00Z", "2026-01-01T00:00:03+00:00",
                "2026-01-01T00:05:03+00:00");
    /* On a fire, the next one; between fires, the next multiple. */
    CHECK_FIRES(five, "2026-01-01T00:05:03Z", "2026-01-01T00:10:03+00:00");
    CHECK_FIRES(five, "2026-03-01T12:07:00Z", "2026-03-01T12:10:03+00:00",
                "2026-03-01T12:15:03+00:00");
    /* No restart at midnight: 7 minutes stay 7 minutes apart. */
    CHECK_FIRES(anchored(every(7, UNIT_MINUTE), "2026-01-01"), "2026-01-01T23:50:00Z",
                "2026-01-01T23:55:00+00:00", "2026-01-02T00:02:00+00:00");
    /* :till still ends it, and :from still bounds it. */
    bounded.has_till = true;
    CHECK(schedule_parse_civil("2026-01-01 00:10:03", &bounded.till, err, sizeof err) == 0,
          "%s", err);
    CHECK_FIRES(bounded, "2026-01-01T00:00:03Z", "2026-01-01T00:05:03+00:00",
                "2026-01-01T00:10:03+00:00", NULL);
    bounded.has_till = false;
    bounded.has_from = true;
    CHECK(schedule_parse_civil("2026-02-01", &bounded.from, err, sizeof err) == 0, "%s", err);
    CHECK_FIRES(bounded, "2025-12-01T00:00:00Z", "2026-02-01T00:00:03+00:00");
}

/* An anchored count is elapsed seconds: across Berlin's changes an hourly
 * one stays 3600 s apart (the repeated hour runs twice) and a daily one
 * moves by the hour in local time, as APScheduler's interval does. */
static void anchored_every_is_elapsed_time_across_dst(void)
{
    struct schedule hourly =
        in_zone(anchored(every(1, UNIT_HOUR), "2026-01-01 00:30"), "Europe/Berlin");
    struct schedule daily =
        in_zone(anchored(every(1, UNIT_DAY), "2026-03-28 02:30"), "Europe/Berlin");

    CHECK_FIRES(hourly, "2026-10-25T01:00:00+02:00", "2026-10-25T01:30:00+02:00",
                "2026-10-25T02:30:00+02:00", "2026-10-25T02:30:00+01:00",
                "2026-10-25T03:30:00+01:00");
    CHECK_FIRES(hourly, "2026-03-29T01:00:00+01:00", "2026-03-29T01:30:00+01:00",
                "2026-03-29T03:30:00+02:00");
    CHECK_FIRES(daily, "2026-03-27T12:00:00+01:00", "2026-03-28T02:30:00+01:00",
                "2026-03-29T03:30:00+02:00", "2026-03-30T03:30:00+02:00");
    /* An anchor inside the spring gap resolves as a bound does: after it. */
    CHECK_FIRES(in_zone(anchored(every(2, UNIT_HOUR), "2026-03-29 02:30"), "Europe/Berlin"),
                "2026-03-29T00:00:00+01:00", "2026-03-29T03:00:00+02:00",
                "2026-03-29T05:00:00+02:00");
}

static void unknown_zone_never_fires_and_empty_zone_uses_the_default(void)
{
    const struct tz *berlin = zone_or_utc("Europe/Berlin");
    struct schedule s = in_zone(every(1, UNIT_DAY), "Mars/Olympus");
    struct schedule local = every(1, UNIT_DAY);
    char buf[TZ_ISO_MAX], err[TZ_ERR_MAX];
    int64_t after = 0;

    CHECK(schedule_next_fire(&s, 0, berlin) == SCHEDULE_NEVER, "unknown zone fired");
    CHECK(tz_parse_iso("2026-03-28T12:00:00+01:00", NULL, &after, err, sizeof err) == 0, "%s",
          err);
    tz_format_iso(berlin, schedule_next_fire(&local, after, berlin), buf, sizeof buf);
    CHECK_STR(buf, "2026-03-29T00:00:00+01:00");
}

static void set_fires_at_the_earliest_member(void)
{
    struct schedule items[2] = {with_at(every(1, UNIT_DAY), "10:00"),
                                with_at(every(1, UNIT_DAY), "08:00")};
    struct schedule_set set = {items, 2};
    const struct tz *utc = zone_or_utc("UTC");

    CHECK_INT(schedule_set_next_fire(&set, 0, utc), 8 * 3600);
    set.count = 0;
    CHECK(schedule_set_next_fire(&set, 0, utc) == SCHEDULE_NEVER, "empty set fired");
}

static void jitter_is_deterministic_and_bounded(void)
{
    struct schedule s = every(1, UNIT_MINUTE);
    int max = 0;
    bool differs = false;

    CHECK_INT(schedule_jitter_for(&s, 1000, "task"), 0);
    s.jitter = 30;
    for (int64_t t = 0; t < 1000 * MINUTE; t += MINUTE) {
        int j = schedule_jitter_for(&s, t, "backup");
        CHECK(j >= 0 && j <= 30, "jitter %d out of [0, 30]", j);
        CHECK_INT(schedule_jitter_for(&s, t, "backup"), j);
        differs |= j != schedule_jitter_for(&s, t, "report");
        max = j > max ? j : max;
    }
    CHECK_INT(max, 30);
    CHECK(differs, "the seed does not change the jitter");
}

/* ---- text ---- */

static void at_parser_accepts_each_unit_shape_and_names_bad_fields(void)
{
    char err[SCHEDULE_ERR_MAX];
    int h, m, s;

    CHECK(schedule_parse_at(UNIT_DAY, "09:05:07", &h, &m, &s, err, sizeof err) == 0, "%s", err);
    CHECK(h == 9 && m == 5 && s == 7, "got %d:%d:%d", h, m, s);
    CHECK(schedule_parse_at(UNIT_HOUR, ":15", &h, &m, &s, err, sizeof err) == 0, "%s", err);
    CHECK(h == -1 && m == 15 && s == 0, "got %d:%d:%d", h, m, s);
    CHECK(schedule_parse_at(UNIT_HOUR, "15:30", &h, &m, &s, err, sizeof err) == 0, "%s", err);
    CHECK(m == 15 && s == 30, "got %d:%d", m, s);
    CHECK(schedule_parse_at(UNIT_MINUTE, ":30", &h, &m, &s, err, sizeof err) == 0, "%s", err);
    CHECK(h == -1 && m == -1 && s == 30, "got %d:%d:%d", h, m, s);

    CHECK(schedule_parse_at(UNIT_DAY, "25:00", &h, &m, &s, err, sizeof err) < 0, "25:00");
    CHECK_STR(err, "bad time '25:00': hour must be 00-23");
    CHECK(schedule_parse_at(UNIT_DAY, "10:60", &h, &m, &s, err, sizeof err) < 0, "10:60");
    CHECK_STR(err, "bad time '10:60': minute must be 00-59");
    CHECK(schedule_parse_at(UNIT_DAY, "9:00", &h, &m, &s, err, sizeof err) < 0, "9:00");
    CHECK(schedule_parse_at(UNIT_DAY, ":15", &h, &m, &s, err, sizeof err) < 0, ":15 on days");
    CHECK(schedule_parse_at(UNIT_MINUTE, "10:30", &h, &m, &s, err, sizeof err) < 0, "minute");
    CHECK(schedule_parse_at(UNIT_SECOND, ":30", &h, &m, &s, err, sizeof err) < 0, "second");
}

static void civil_parser_validates_month_lengths(void)
{
    char err[SCHEDULE_ERR_MAX];
    struct civil_time c;

    CHECK(schedule_parse_civil("2028-02-29 10:00", &c, err, sizeof err) == 0, "%s", err);
    CHECK(c.year == 2028 && c.month == 2 && c.day == 29 && c.hour == 10 && !c.date_only,
          "fields");
    CHECK(schedule_parse_civil("2026-04-01", &c, err, sizeof err) == 0 && c.date_only,
          "date only");
    CHECK(schedule_parse_civil("2026-04-31", &c, err, sizeof err) < 0, "April 31");
    CHECK(schedule_parse_civil("2100-02-29", &c, err, sizeof err) < 0, "2100-02-29");
    CHECK(schedule_parse_civil("2026-04-01 10:00 UTC", &c, err, sizeof err) < 0, "trailer");
    CHECK(strstr(err, "2026-04-01 10:00 UTC") != NULL, "error names the text: %s", err);
}

static void describe_reads_like_the_dsl(void)
{
    struct schedule zoned = in_zone(with_at(every(1, UNIT_DAY), "02:30"), "Europe/Berlin");
    struct {
        struct schedule s;
        const char *want;
    } cases[] = {
        {every(5, UNIT_MINUTE), "every 5 minutes"},
        {every(1, UNIT_SECOND), "every second"},
        {with_at(every(1, UNIT_DAY), "02:30"), "every day at 02:30"},
        {on_weekday(0, "09:00"), "every Monday at 09:00"},
        {with_at(every(1, UNIT_HOUR), ":15"), "every hour at :15"},
        {with_at(every(1, UNIT_MINUTE), ":30"), "every minute at :30"},
        {cron("*/5 * * * *"), "cron '*/5 * * * *'"},
        {cron(" @daily "), "cron '@daily'"},
        {once("2026-12-01 10:00"), "once at 2026-12-01 10:00"},
        {zoned, "every day at 02:30 (Europe/Berlin)"},
        /* What the clock-boundary rule makes of an n that does not divide the day. */
        {every(25, UNIT_HOUR), "every 25 hours — daily at 00:00 only: 25 does not divide 24 "
                               "and the count restarts at midnight"},
        {with_at(every(30, UNIT_HOUR), ":15:30"),
         "every 30 hours at :15:30 — daily at "
         "00:15:30 only: 30 does not divide 24 and the count restarts at midnight"},
        {every(61, UNIT_MINUTE), "every 61 minutes — the day's last gap is 37 minutes: 61 "
                                 "does not divide 1440 and the count restarts at midnight"},
        {every(7, UNIT_SECOND), "every 7 seconds — the day's last gap is 6 seconds: 7 does "
                                "not divide 86400 and the count restarts at midnight"},
        {every(1439, UNIT_MINUTE),
         "every 1439 minutes — the day's last gap is 1 minute: "
         "1439 does not divide 1440 and the count restarts at midnight"},
        {every(90, UNIT_MINUTE), "every 90 minutes"},
        {every(24, UNIT_HOUR), "every 24 hours"},
        {every(5, UNIT_DAY), "every 5 days"},
        {anchored(every(61, UNIT_MINUTE), "2026-01-01 00:00:03"),
         "every 61 minutes counted from 2026-01-01 00:00:03"},
        {cron("*/75 * * * *"), "cron '*/75 * * * *' — */75 in the minute field is minute 0 "
                               "only: its step leaves one value of the range"},
        {cron("day=last sun; hour=3"), "cron 'day=last sun; hour=3': at 03:00:00 on the "
                                       "last Sunday"},
        {cron("hour=9; minute=30; day=2nd fri,last,1-5"),
         "cron 'day=2nd fri,last,1-5; hour=9; minute=30': at 09:30:00 on the 2nd Friday, the "
         "last day, day 1-5"},
        {cron("month=6"), "cron 'month=6': at 00:00:00 on day 1 in month 6"},
        {cron("day=13; day_of_week=fri; hour=9"),
         "cron 'day=13; day_of_week=fri; hour=9': at 09:00:00 on day 13 that is a fri"},
        {cron("day_of_week=mon-sun; hour=2; minute=30; week=1-53"),
         "cron 'week=1-53; day_of_week=mon-sun; hour=2; minute=30': at 02:30:00"},
        {cron("minute=*/1; second=*"), "cron 'minute=*/1; second=*': every second"},
        {cron("year=2027; week=10; day_of_week=mon-fri; hour=8-17"),
         "cron 'year=2027; week=10; day_of_week=mon-fri; hour=8-17': at hour 8-17, minute 0, "
         "second 0 on mon-fri in ISO week 10 in year 2027"},
        {cron("second=*/20"), "cron 'second=*/20': at second */20"},
        {cron("minute=*/75"), "cron 'minute=*/75': at minute */75, second 0 — */75 in the "
                              "minute field is minute 0 only: its step leaves one value of "
                              "the range"},
    };
    char buf[SCHEDULE_WORDS_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        schedule_describe(&cases[i].s, buf, sizeof buf);
        CHECK_STR(buf, cases[i].want);
    }
    schedule_describe(&zoned, buf, 8);
    CHECK_STR(buf, "every d");
}

/* `main check` warns where the text misleads, and where nothing will fire. */
static void warnings_name_the_schedule_and_what_it_does(void)
{
    const struct tz *utc = zone_or_utc("UTC");
    int64_t now = 1767225600; /* 2026-01-01T00:00:00Z */
    struct schedule past = once("2025-06-01 10:00"), future = once("2026-06-01 10:00");
    struct schedule ended = every(1, UNIT_HOUR), quarter = every(15, UNIT_MINUTE);
    struct schedule daily = every(25, UNIT_HOUR);
    char buf[SCHEDULE_WORDS_MAX];
    char err[SCHEDULE_ERR_MAX];

    snprintf(past.text, sizeof past.text, "once(\"2025-06-01 10:00\")");
    snprintf(daily.text, sizeof daily.text, "every(25).hours");
    snprintf(ended.text, sizeof ended.text, "every(1).hours:till(\"2025-12-31\")");
    ended.has_till = true;
    CHECK(schedule_parse_civil("2025-12-31", &ended.till, err, sizeof err) == 0, "%s", err);

    CHECK(schedule_warning(&past, now, utc, buf, sizeof buf), "a once() in the past");
    CHECK_STR(buf, "once(\"2025-06-01 10:00\"): never fires: its time has passed");
    CHECK(schedule_warning(&ended, now, utc, buf, sizeof buf), "a till() in the past");
    CHECK_STR(buf, "every(1).hours:till(\"2025-12-31\"): never fires again");
    CHECK(schedule_warning(&daily, now, utc, buf, sizeof buf), "every(25).hours");
    CHECK_STR(buf, "every(25).hours: daily at 00:00 only: 25 does not divide 24 and the count "
                   "restarts at midnight");
    CHECK(!schedule_warning(&future, now, utc, buf, sizeof buf), "once() ahead: %s", buf);
    CHECK(!schedule_warning(&quarter, now, utc, buf, sizeof buf), "every(15): %s", buf);
    CHECK_STR(buf, "");
}

/* ---- properties: a year of fires against a brute-force oracle ---- */

typedef bool (*minute_match)(const struct civil_time *c, int64_t day);

struct oracle_case {
    const char *what;
    struct schedule s;
    minute_match match; /* sub-daily: does this local minute fire? */
    int wall[2], nwall; /* wall-time: seconds of day fired on matching dates */
};

static bool each_30_min(const struct civil_time *c, int64_t day)
{
    (void)day;
    return c->minute % 30 == 0;
}

static bool each_7_min(const struct civil_time *c, int64_t day)
{
    (void)day;
    return (c->hour * 60 + c->minute) % 7 == 0;
}

static bool quarter_past(const struct civil_time *c, int64_t day)
{
    (void)day;
    return c->minute == 15;
}

static bool any_day(const struct civil_time *c, int64_t day)
{
    (void)c;
    (void)day;
    return true;
}

static bool weekdays(const struct civil_time *c, int64_t day)
{
    (void)c;
    return civil_weekday(day) >= 1 && civil_weekday(day) <= 5;
}

static bool every_third_day(const struct civil_time *c, int64_t day)
{
    (void)c;
    return day % 3 == 0;
}

/* The ISO week number the textbook way (an oracle for cron_aps.c's): from
 * the day of the year and the weekday, corrected at the year's ends. */
static int iso_weeks_in(int64_t year)
{
    int64_t p = (year + year / 4 - year / 100 + year / 400) % 7;
    int64_t q = (year - 1 + (year - 1) / 4 - (year - 1) / 100 + (year - 1) / 400) % 7;
    return p == 4 || q == 3 ? 53 : 52;
}

static int iso_week_of(const struct civil_time *c, int64_t day)
{
    int doy = (int)(day - civil_days_from_date(c->year, 1, 1)) + 1;
    int weekday = (civil_weekday(day) + 6) % 7 + 1; /* Monday 1 .. Sunday 7 */
    int week = (doy - weekday + 10) / 7;

    if (week < 1)
        return iso_weeks_in(c->year - 1);
    return week > iso_weeks_in(c->year) ? 1 : week;
}

/* day=last sun */
static bool last_sunday(const struct civil_time *c, int64_t day)
{
    return civil_weekday(day) == 0 && c->day + 7 > civil_days_in_month(c->year, c->month);
}

/* minute every 20 (hour '*') on the second Friday or the month's last day */
static bool second_friday_or_last_each_20_min(const struct civil_time *c, int64_t day)
{
    return c->minute % 20 == 0 && ((civil_weekday(day) == 5 && c->day > 7 && c->day <= 14) ||
                                   c->day == civil_days_in_month(c->year, c->month));
}

/* week=1,13,27,52-53; day_of_week=sat,sun */
static bool weekend_of_some_weeks(const struct civil_time *c, int64_t day)
{
    int week = iso_week_of(c, day);
    return (civil_weekday(day) == 0 || civil_weekday(day) == 6) &&
           (week == 1 || week == 13 || week == 27 || week >= 52);
}

static void add_fire(int64_t **fires, size_t *n, int64_t t)
{
    if (*n == 0 || (*fires)[*n - 1] < t)
        (*fires)[(*n)++] = t;
}

/* Fires in (start, start + 1 year], found minute by minute: sub-daily at each
 * matching local minute; wall-time at the first instant of a matching local
 * date whose time of day reaches the wall time (which is the gap and repeat
 * rule said differently).  All zones used have whole-minute offsets. */
static size_t oracle_fires(const struct oracle_case *oc, const struct tz *z, int64_t start,
                           int64_t *fires)
{
    size_t n = 0;
    int64_t last_day[2] = {INT64_MIN, INT64_MIN};

    for (int64_t t = start - 2 * DAY; t <= start + (int64_t)YEAR_MINUTES * MINUTE;
         t += MINUTE) {
        int64_t local = t + tz_offset_at(z, t);
        int64_t day = civil_day_of(local);
        struct civil_time c;
        civil_from_local(local, &c);
        if (oc->nwall == 0) {
            if (t > start && oc->match(&c, day))
                add_fire(&fires, &n, t);
            continue;
        }
        for (int w = 0; w < oc->nwall; w++) {
            if (day > last_day[w] && civil_second_of_day(local) >= oc->wall[w] &&
                oc->match(&c, day)) {
                last_day[w] = day;
                if (t > start)
                    add_fire(&fires, &n, t);
            }
        }
    }
    return n;
}

static void check_against_oracle(const struct oracle_case *oc, const char *zone_name)
{
    const struct tz *z = zone_or_utc(zone_name);
    struct schedule s = in_zone(oc->s, zone_name);
    int64_t start = 1767225600; /* 2026-01-01T00:00:00Z */
    int64_t *fires = malloc(sizeof *fires * YEAR_MINUTES);
    size_t n, i = 0, lo = 0;
    int64_t t = start;
    char a[TZ_ISO_MAX], b[TZ_ISO_MAX];

    CHECK(fires != NULL, "out of memory");
    if (!fires)
        return;
    n = oracle_fires(oc, z, start, fires);
    CHECK(n > 0, "%s in %s: oracle found no fires", oc->what, zone_name);
    /* The chain of fires: strictly increasing and equal to the oracle's. */
    for (; i < n; i++) {
        int64_t next = schedule_next_fire(&s, t, z);
        if (next != fires[i]) {
            tz_format_iso(z, next, a, sizeof a);
            tz_format_iso(z, fires[i], b, sizeof b);
            CHECK(false, "%s in %s: fire %zu is %s, oracle says %s", oc->what, zone_name, i, a,
                  b);
            break;
        }
        t = next;
    }
    /* From arbitrary instants, next_fire(t) > t is the oracle's first fire after t. */
    for (t = start; t < fires[n - 1]; t += PROBE_STEP) {
        int64_t next = schedule_next_fire(&s, t, z);
        while (fires[lo] <= t)
            lo++;
        if (next != fires[lo] || next <= t) {
            tz_format_iso(z, t, a, sizeof a);
            tz_format_iso(z, next, b, sizeof b);
            CHECK(false, "%s in %s: next after %s is %s", oc->what, zone_name, a, b);
            break;
        }
    }
    free(fires);
}

/* ---- APScheduler's days over ten years, against a day-by-day oracle ---- */

typedef bool (*date_match)(const struct civil_time *c, int64_t day);

/* The how-manieth such weekday of its month the date is (1..5), and
 * whether it is the last one. */
static int nth_of_month(const struct civil_time *c)
{
    return (c->day - 1) / 7 + 1;
}

static bool last_of_its_kind(const struct civil_time *c)
{
    return c->day + 7 > civil_days_in_month(c->year, c->month);
}

/* day=1st mon,3rd wed,last fri,last */
static bool positions_and_last(const struct civil_time *c, int64_t day)
{
    int w = civil_weekday(day);
    return (w == 1 && nth_of_month(c) == 1) || (w == 3 && nth_of_month(c) == 3) ||
           (w == 5 && last_of_its_kind(c)) || c->day == civil_days_in_month(c->year, c->month);
}

/* day: every fifth from the 1st; day_of_week=sat,sun */
static bool every_fifth_on_weekends(const struct civil_time *c, int64_t day)
{
    return (c->day - 1) % 5 == 0 && (civil_weekday(day) == 0 || civil_weekday(day) == 6);
}

/* week=1-53/4; day_of_week=tue */
static bool tuesdays_of_every_fourth_week(const struct civil_time *c, int64_t day)
{
    return civil_weekday(day) == 2 && (iso_week_of(c, day) - 1) % 4 == 0;
}

/* month=2,3; day=4th sun,5th sun,29 */
static bool late_sundays_of_february_and_march(const struct civil_time *c, int64_t day)
{
    return (c->month == 2 || c->month == 3) &&
           ((civil_weekday(day) == 0 && nth_of_month(c) >= 4) || c->day == 29);
}

/* year=2027,2029-2035/3; week=52,53,1; day=last */
static bool last_days_at_year_ends(const struct civil_time *c, int64_t day)
{
    int week = iso_week_of(c, day);
    return (c->year == 2027 || c->year == 2029 || c->year == 2032 || c->year == 2035) &&
           (week >= 52 || week == 1) && c->day == civil_days_in_month(c->year, c->month);
}

static void aps_days_match_the_oracle_for_ten_years(void)
{
    static const struct {
        const char *expr;
        date_match match;
    } cases[] = {
        {"day=1st mon,3rd wed,last fri,last", positions_and_last},
        {"day=*/5; day_of_week=sat,sun", every_fifth_on_weekends},
        {"week=1-53/4; day_of_week=tue", tuesdays_of_every_fourth_week},
        {"month=2,3; day=4th sun,5th sun,29", late_sundays_of_february_and_march},
        {"year=2027,2029-2035/3; week=52,53,1; day=last", last_days_at_year_ends},
    };
    const struct tz *utc = zone_or_utc("UTC");
    int64_t first = civil_days_from_date(2026, 1, 1), end = civil_days_from_date(2036, 1, 1);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct schedule s = cron(cases[i].expr);
        int64_t t = first * DAY - 1;
        size_t fires = 0;
        for (int64_t day = first; day < end; day++) {
            struct civil_time c;
            int64_t next;
            civil_from_local(day * DAY, &c);
            if (!cases[i].match(&c, day))
                continue;
            next = schedule_next_fire(&s, t, utc);
            CHECK(next == day * DAY, "%s: fire %zu is day %lld, oracle says %lld",
                  cases[i].expr, fires, (long long)(next / DAY), (long long)day);
            if (next != day * DAY)
                break;
            t = next;
            fires++;
        }
        CHECK(fires > 0, "%s: the oracle found no fires", cases[i].expr);
    }
}

static void a_year_of_fires_matches_the_oracle_in_dst_zones(void)
{
    static const char *const zones[] = {"Europe/Berlin", "America/New_York",
                                        "Australia/Lord_Howe", "America/Santiago"};
    const struct oracle_case cases[] = {
        {"every(30).minutes", every(30, UNIT_MINUTE), each_30_min, {0}, 0},
        {"every(7).minutes", every(7, UNIT_MINUTE), each_7_min, {0}, 0},
        {"every().hour.at(':15')", with_at(every(1, UNIT_HOUR), ":15"), quarter_past, {0}, 0},
        {"cron */30", cron("*/30 * * * *"), each_30_min, {0}, 0},
        {"every().day", every(1, UNIT_DAY), any_day, {0}, 1},
        {"every().day.at('02:30')", with_at(every(1, UNIT_DAY), "02:30"), any_day, {9000}, 1},
        {"every().day.at('01:45')", with_at(every(1, UNIT_DAY), "01:45"), any_day, {6300}, 1},
        {"every(3).days.at('23:30')",
         with_at(every(3, UNIT_DAY), "23:30"),
         every_third_day,
         {84600},
         1},
        {"cron 30 9 * * MON-FRI", cron("30 9 * * MON-FRI"), weekdays, {34200}, 1},
        {"cron 0,30 2 * * *", cron("0,30 2 * * *"), any_day, {7200, 9000}, 2},
        {"aps day=last sun; hour=2; minute=30",
         cron("day=last sun; hour=2; minute=30"),
         last_sunday,
         {9000},
         1},
        {"aps minute=*/20; day=2nd fri,last",
         cron("minute=*/20; day=2nd fri,last"),
         second_friday_or_last_each_20_min,
         {0},
         0},
        {"aps week=1,13,27,52-53; day_of_week=sat,sun; hour=1; minute=45",
         cron("week=1,13,27,52-53; day_of_week=sat,sun; hour=1; minute=45"),
         weekend_of_some_weeks,
         {6300},
         1},
    };

    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++)
        for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
            check_against_oracle(&cases[ci], zones[zi]);
}

int main(void)
{
    RUN(every_second_and_every_5_seconds_fire_on_their_boundaries);
    RUN(every_90_seconds_restarts_at_midnight);
    RUN(every_minute_fires_on_the_minute);
    RUN(every_7_minutes_counts_from_midnight);
    RUN(every_15_minutes_fires_at_quarter_hours);
    RUN(every_2_and_5_hours_restart_at_midnight);
    RUN(hour_at_and_minute_at_pick_the_offset_within_the_unit);
    RUN(every_day_at_in_tokyo_fires_daily);
    RUN(every_3_days_counts_days_since_1970);
    RUN(every_week_and_every_2_weeks_fire_on_mondays);
    RUN(weekday_at_fires_on_that_weekday);
    RUN(day_month_and_year_roll_over);
    RUN(cron_feb_29_waits_for_leap_years);
    RUN(cron_31st_skips_shorter_months);
    RUN(cron_day_fields_combine_as_in_vixie);
    RUN(cron_with_seconds_fires_within_the_minute);
    RUN(aps_last_day_of_the_month);
    RUN(aps_weekday_positions_in_the_month);
    RUN(aps_day_and_day_of_week_both_apply);
    RUN(aps_iso_weeks_and_years);
    RUN(aps_last_sunday_follows_the_dst_rules);
    RUN(every_30_minutes_fires_in_both_passes_of_berlin_fall_back);
    RUN(every_30_minutes_skips_the_berlin_spring_gap);
    RUN(cron_every_30_minutes_matches_every_30_minutes_in_new_york);
    RUN(every_15_minutes_in_lord_howe_follows_the_half_hour_shifts);
    RUN(every_day_at_in_spring_gap_fires_after_gap);
    RUN(every_day_at_a_repeated_time_fires_at_the_first_pass_only);
    RUN(cron_with_fixed_hours_is_wall_time);
    RUN(lord_howe_wall_times_in_the_half_hour_gap_and_repeat);
    RUN(santiago_midnight_that_does_not_exist_fires_at_one);
    RUN(once_fires_a_single_time);
    RUN(from_and_till_bound_the_fires);
    RUN(from_and_till_at_dst_transitions_are_instants);
    RUN(anchored_every_counts_from_its_anchor);
    RUN(anchored_every_is_elapsed_time_across_dst);
    RUN(unknown_zone_never_fires_and_empty_zone_uses_the_default);
    RUN(set_fires_at_the_earliest_member);
    RUN(jitter_is_deterministic_and_bounded);
    RUN(at_parser_accepts_each_unit_shape_and_names_bad_fields);
    RUN(civil_parser_validates_month_lengths);
    RUN(describe_reads_like_the_dsl);
    RUN(warnings_name_the_schedule_and_what_it_does);
    RUN(a_year_of_fires_matches_the_oracle_in_dst_zones);
    RUN(aps_days_match_the_oracle_for_ten_years);
    tz_cache_clear();
    TESTING_EXIT();
}
