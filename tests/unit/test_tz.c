/* test_tz.c — zones from tzdata: offsets, transitions (table and POSIX
 * footer), the system zone, ISO-8601 text and calendar arithmetic.
 * Expected transition instants were taken from Python's zoneinfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testing.h"
#include "time/civil.h"
#include "time/tz.h"
#include "time/tz_rule.h"

#define HOUR 3600

static const struct tz *zone(const char *name)
{
    char err[TZ_ERR_MAX];
    const struct tz *z = tz_get(name, err, sizeof err);
    CHECK(z != NULL, "tz_get(%s): %s", name, err);
    return z ? z : tz_system();
}

static int64_t instant(const char *iso)
{
    char err[TZ_ERR_MAX];
    int64_t t = 0;
    CHECK(tz_parse_iso(iso, NULL, &t, err, sizeof err) == 0, "%s: %s", iso, err);
    return t;
}

/* Checks the next `n` offset-changing transitions after `from`. */
static void check_transitions(const char *name, const char *from, const char *const want[],
                              size_t n)
{
    const struct tz *z = zone(name);
    int64_t t = instant(from);
    char got[TZ_ISO_MAX], exp[TZ_ISO_MAX];

    for (size_t i = 0; i < n; i++) {
        t = tz_next_transition(z, t);
        tz_format_iso(NULL, t, got, sizeof got);
        tz_format_iso(NULL, instant(want[i]), exp, sizeof exp);
        CHECK(strcmp(got, exp) == 0, "%s transition %zu after %s: got %s, want %s", name, i,
              from, got, exp);
    }
}

static void utc_always_loads_with_zero_offset(void)
{
    const struct tz *z = zone("UTC");
    char buf[TZ_ISO_MAX];

    CHECK_INT(tz_offset_at(z, instant("2026-06-01T00:00:00Z")), 0);
    CHECK(tz_next_transition(z, 0) == INT64_MAX, "UTC has no transitions");
    tz_format_iso(z, instant("2026-03-29T01:00:00Z"), buf, sizeof buf);
    CHECK_STR(buf, "2026-03-29T01:00:00+00:00");
}

static void cache_returns_the_same_zone_object(void)
{
    CHECK(zone("Europe/Berlin") == zone("Europe/Berlin"), "cached zone differs");
    CHECK_STR(tz_name(zone("Europe/Berlin")), "Europe/Berlin");
}

static void zone_names_escaping_tzdir_are_rejected(void)
{
    char err[TZ_ERR_MAX];

    CHECK(tz_get("../../etc/passwd", err, sizeof err) == NULL, "'..' accepted");
    CHECK(tz_get("/etc/localtime", err, sizeof err) == NULL, "absolute path accepted");
    CHECK(tz_get("Mars/Olympus_Mons", err, sizeof err) == NULL, "unknown zone loaded");
    CHECK(strstr(err, "Mars/Olympus_Mons") != NULL, "error names the zone: %s", err);
}

static void berlin_2026_offsets_change_on_the_last_sundays(void)
{
    const struct tz *z = zone("Europe/Berlin");
    static const char *const want[] = {"2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"};

    check_transitions("Europe/Berlin", "2026-01-01T00:00:00Z", want, 2);
    CHECK_INT(tz_offset_at(z, instant("2026-03-29T00:59:59Z")), HOUR);
    CHECK_INT(tz_offset_at(z, instant("2026-03-29T01:00:00Z")), 2 * HOUR);
    CHECK_STR(tz_abbrev_at(z, instant("2026-07-01T00:00:00Z")), "CEST");
    CHECK_STR(tz_abbrev_at(z, instant("2026-12-01T00:00:00Z")), "CET");
}

static void berlin_footer_rule_gives_2040_dst_dates(void)
{
    static const char *const want[] = {"2040-03-25T01:00:00Z", "2040-10-28T01:00:00Z",
                                       "2041-03-31T01:00:00Z"};
    const struct tz *z = zone("Europe/Berlin");

    check_transitions("Europe/Berlin", "2040-01-01T00:00:00Z", want, 3);
    CHECK_INT(tz_offset_at(z, instant("2040-07-01T00:00:00Z")), 2 * HOUR);
    CHECK_INT(tz_offset_at(z, instant("2040-12-01T00:00:00Z")), HOUR);
}

static void santiago_rules_with_24h_times_move_midnight(void)
{
    static const char *const want[] = {"2026-04-05T03:00:00Z", "2026-09-06T04:00:00Z",
                                       "2040-04-08T03:00:00Z", "2040-09-02T04:00:00Z"};

    check_transitions("America/Santiago", "2026-01-01T00:00:00Z", want, 2);
    check_transitions("America/Santiago", "2040-01-01T00:00:00Z", want + 2, 2);
}

static void lord_howe_shifts_by_thirty_minutes(void)
{
    static const char *const want[] = {"2040-03-31T15:00:00Z", "2040-10-06T15:30:00Z"};
    const struct tz *z = zone("Australia/Lord_Howe");

    check_transitions("Australia/Lord_Howe", "2040-01-01T00:00:00Z", want, 2);
    CHECK_INT(tz_offset_at(z, instant("2040-06-01T00:00:00Z")), 10 * HOUR + HOUR / 2);
    CHECK_INT(tz_offset_at(z, instant("2041-01-01T00:00:00Z")), 11 * HOUR);
}

static void southern_dst_spans_the_new_year_beyond_the_table(void)
{
    static const char *const want[] = {"2045-04-01T16:00:00Z", "2045-09-30T16:00:00Z"};
    const struct tz *z = zone("Australia/Sydney");

    check_transitions("Australia/Sydney", "2045-01-01T00:00:00Z", want, 2);
    CHECK_INT(tz_offset_at(z, instant("2045-01-01T00:00:00Z")), 11 * HOUR);
    CHECK_INT(tz_offset_at(z, instant("2045-12-31T12:00:00Z")), 11 * HOUR);
}

static void posix_rule_folds_all_year_dst_into_a_fixed_offset(void)
{
    struct tz_rule r;
    const char *abbr;
    int64_t next;

    CHECK(tz_rule_parse("EST5EDT,0/0,J365/25", &r) == 0, "rule refused");
    CHECK_INT(tz_rule_lookup(&r, instant("2030-06-01T00:00:00Z"), &next, &abbr), -4 * HOUR);
    CHECK(next == INT64_MAX, "all-year DST reports a transition");
    CHECK(tz_rule_parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", &r) == 0, "quoted names");
    CHECK_STR(r.std_abbr, "+1030");
    CHECK_INT(r.std_off, 10 * HOUR + HOUR / 2);
    CHECK(tz_rule_parse("CET-1CEST,M3.5.0,M13.5.0/3", &r) < 0, "month 13 accepted");
    CHECK(tz_rule_parse("AB-1", &r) < 0, "two-letter name accepted");
}

static void system_zone_follows_tz_variable(void)
{
    const char *saved = getenv("TZ");
    char saved_copy[256] = "";
    const struct tz *z;

    if (saved)
        snprintf(saved_copy, sizeof saved_copy, "%s", saved);
    setenv("TZ", ":Europe/Berlin", 1);
    tz_cache_clear();
    CHECK_STR(tz_name(tz_system()), "Europe/Berlin");

    setenv("TZ", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 1);
    tz_cache_clear();
    z = tz_system();
    CHECK_INT(tz_offset_at(z, instant("2040-06-01T00:00:00Z")), 10 * HOUR + HOUR / 2);
    CHECK_INT(tz_next_transition(z, instant("2040-06-01T00:00:00Z")),
              instant("2040-10-06T15:30:00Z"));

    if (saved)
        setenv("TZ", saved_copy, 1);
    else
        unsetenv("TZ");
    tz_cache_clear();
    CHECK(tz_system() != NULL, "no system zone");
}

static void iso_text_round_trips_with_offsets(void)
{
    const struct tz *berlin = zone("Europe/Berlin");
    char err[TZ_ERR_MAX], buf[TZ_ISO_MAX];
    int64_t t;

    CHECK_INT(instant("2026-03-28T12:00:00+01:00"), instant("2026-03-28T11:00:00Z"));
    CHECK(tz_parse_iso("2026-03-28 12:00", berlin, &t, err, sizeof err) == 0, "%s", err);
    tz_format_iso(berlin, t, buf, sizeof buf);
    CHECK_STR(buf, "2026-03-28T12:00:00+01:00");
    CHECK(tz_parse_iso("2026-03-28", berlin, &t, err, sizeof err) == 0, "%s", err);
    tz_format_iso(berlin, t, buf, sizeof buf);
    CHECK_STR(buf, "2026-03-28T00:00:00+01:00");
    tz_format_iso(zone("America/New_York"), instant("2026-07-04T16:00:00Z"), buf, sizeof buf);
    CHECK_STR(buf, "2026-07-04T12:00:00-04:00");
}

static void local_times_in_gaps_and_repeats_follow_the_wall_time_rule(void)
{
    const struct tz *berlin = zone("Europe/Berlin");
    char err[TZ_ERR_MAX], buf[TZ_ISO_MAX];
    int64_t t;

    CHECK(tz_parse_iso("2026-03-29T02:30:00", berlin, &t, err, sizeof err) == 0, "%s", err);
    tz_format_iso(berlin, t, buf, sizeof buf);
    CHECK_STR(buf, "2026-03-29T03:00:00+02:00");
    CHECK(tz_parse_iso("2026-10-25T02:30:00", berlin, &t, err, sizeof err) == 0, "%s", err);
    tz_format_iso(berlin, t, buf, sizeof buf);
    CHECK_STR(buf, "2026-10-25T02:30:00+02:00");
}

static void bad_dates_are_refused_with_the_reason(void)
{
    char err[TZ_ERR_MAX];
    int64_t t;

    CHECK(tz_parse_iso("2026-02-29", NULL, &t, err, sizeof err) < 0, "Feb 29 2026");
    CHECK(strstr(err, "day must be 01-28") != NULL, "message: %s", err);
    CHECK(tz_parse_iso("2024-02-29", NULL, &t, err, sizeof err) == 0, "leap day: %s", err);
    CHECK(tz_parse_iso("2026-13-01", NULL, &t, err, sizeof err) < 0, "month 13");
    CHECK(tz_parse_iso("2026-03-28T24:00", NULL, &t, err, sizeof err) < 0, "hour 24");
    CHECK(tz_parse_iso("2026-03-28T12:00+1", NULL, &t, err, sizeof err) < 0, "offset +1");
    CHECK(tz_parse_iso("2026-03-28Z", NULL, &t, err, sizeof err) < 0, "date with Z");
}

static void calendar_arithmetic_round_trips_for_800_years(void)
{
    int y, m, d;
    int64_t day = civil_days_from_date(1700, 1, 1);
    int64_t last = civil_days_from_date(2500, 12, 31);
    int bad = 0;

    for (; day <= last; day++) {
        civil_date_from_days(day, &y, &m, &d);
        bad += civil_days_from_date(y, m, d) != day || d > civil_days_in_month(y, m);
    }
    CHECK_INT(bad, 0);
    CHECK_INT(civil_days_from_date(1970, 1, 1), 0);
    CHECK_INT(civil_weekday(civil_days_from_date(2026, 3, 29)), 0); /* a Sunday */
    CHECK_INT(civil_days_in_month(1900, 2), 28);
    CHECK_INT(civil_days_in_month(2000, 2), 29);
}

/* A name that is not a zone gets the closest zone in the message, and a
 * FIFO (or any non-file) named like a zone is refused without blocking. */
static void unknown_zones_are_refused_with_the_nearest_name(void)
{
    char dir[] = "/tmp/test_tz_XXXXXX", path[256], err[TZ_ERR_MAX];
    const char *old = getenv("TZDIR");
    FILE *f;

    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/Asia", dir);
    CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
    snprintf(path, sizeof path, "%s/Asia/Tokyo", dir);
    CHECK((f = fopen(path, "w")) != NULL && fclose(f) == 0, "create %s", path);
    snprintf(path, sizeof path, "%s/Trap", dir);
    CHECK(mkfifo(path, 0600) == 0, "mkfifo %s", path);
    setenv("TZDIR", dir, 1);

    CHECK(tz_get("Asia/Tokio", err, sizeof err) == NULL, "Asia/Tokio refused");
    CHECK_STR(err, "unknown time zone 'Asia/Tokio' (did you mean 'Asia/Tokyo'?)");
    CHECK(tz_get("Trap", err, sizeof err) == NULL, "a FIFO is no zone");
    CHECK(strstr(err, "not a regular file") != NULL, "the reason, got '%s'", err);

    if (old)
        setenv("TZDIR", old, 1);
    else
        unsetenv("TZDIR");
    unlink(path);
    snprintf(path, sizeof path, "%s/Asia/Tokyo", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/Asia", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    RUN(utc_always_loads_with_zero_offset);
    RUN(cache_returns_the_same_zone_object);
    RUN(zone_names_escaping_tzdir_are_rejected);
    RUN(berlin_2026_offsets_change_on_the_last_sundays);
    RUN(berlin_footer_rule_gives_2040_dst_dates);
    RUN(santiago_rules_with_24h_times_move_midnight);
    RUN(lord_howe_shifts_by_thirty_minutes);
    RUN(southern_dst_spans_the_new_year_beyond_the_table);
    RUN(posix_rule_folds_all_year_dst_into_a_fixed_offset);
    RUN(system_zone_follows_tz_variable);
    RUN(iso_text_round_trips_with_offsets);
    RUN(local_times_in_gaps_and_repeats_follow_the_wall_time_rule);
    RUN(bad_dates_are_refused_with_the_reason);
    RUN(calendar_arithmetic_round_trips_for_800_years);
    RUN(unknown_zones_are_refused_with_the_nearest_name);
    tz_cache_clear();
    TESTING_EXIT();
}
