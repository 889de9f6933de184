/* test_dsl.c — every form of the schedule DSL (lua/dsl.lua) becomes the
 * right struct schedule, and every bad form is refused with one message.
 * Expressions go through sandbox_eval_schedule, as `main calendar` does.
 */
#include "schedule/schedule.h"
#include "task/sandbox.h"
#include "testing.h"
#include "time/tz.h"

/* The single schedule `expr` evaluates to, in *s; 0 or -1. */
static int eval_one(const char *expr, struct schedule *s)
{
    struct schedule_set set;
    char err[512];
    if (sandbox_eval_schedule(expr, &set, err, sizeof err) < 0) {
        printf("#   %s: %s\n", expr, err);
        return -1;
    }
    CHECK_INT(set.count, 1);
    *s = set.items[0];
    schedule_set_free(&set);
    return 0;
}

/* The error message of a bad expression. */
static void check_refused(const char *expr, const char *want)
{
    struct schedule_set set;
    char err[512] = "";
    CHECK(sandbox_eval_schedule(expr, &set, err, sizeof err) < 0, "%s was accepted", expr);
    CHECK(set.items == NULL && set.count == 0, "%s: set not emptied", expr);
    CHECK_STR(err, want);
}

static void check_every(const char *expr, int n, enum schedule_unit unit, int weekday, int h,
                        int m, int sec)
{
    struct schedule s;
    if (eval_one(expr, &s) < 0) {
        CHECK(0, "%s refused", expr);
        return;
    }
    CHECK_INT(s.kind, SCHEDULE_EVERY);
    CHECK_INT(s.n, n);
    CHECK_INT(s.unit, unit);
    CHECK_INT(s.weekday, weekday);
    CHECK_INT(s.at_hour, h);
    CHECK_INT(s.at_minute, m);
    CHECK_INT(s.at_second, sec);
    CHECK_STR(s.zone, "");
    CHECK_INT(s.jitter, 0);
    CHECK(!s.has_from && !s.has_till, "%s: from/till set", expr);
    CHECK_STR(s.text, expr);
}

static void every_n_units_convert(void)
{
    check_every("every(5).seconds", 5, UNIT_SECOND, -1, -1, -1, -1);
    check_every("every(5).minutes", 5, UNIT_MINUTE, -1, -1, -1, -1);
    check_every("every(2).hours", 2, UNIT_HOUR, -1, -1, -1, -1);
    check_every("every(3).days", 3, UNIT_DAY, -1, -1, -1, -1);
    check_every("every(2).weeks", 2, UNIT_WEEK, -1, -1, -1, -1);
    check_every("every(1).minute", 1, UNIT_MINUTE, -1, -1, -1, -1);
}

static void every_singular_units_convert(void)
{
    check_every("every().second", 1, UNIT_SECOND, -1, -1, -1, -1);
    check_every("every().minute", 1, UNIT_MINUTE, -1, -1, -1, -1);
    check_every("every().hour", 1, UNIT_HOUR, -1, -1, -1, -1);
    check_every("every().day", 1, UNIT_DAY, -1, -1, -1, -1);
    check_every("every().week", 1, UNIT_WEEK, -1, -1, -1, -1);
}

static void at_works_with_dot_and_colon(void)
{
    struct schedule s;
    check_every("every().day.at(\"10:30\")", 1, UNIT_DAY, -1, 10, 30, 0);
    check_every("every().hour.at(\":15\")", 1, UNIT_HOUR, -1, -1, 15, 0);
    check_every("every().minute.at(\":30\")", 1, UNIT_MINUTE, -1, -1, -1, 30);
    if (eval_one("every().day:at(\"10:30\")", &s) == 0) {
        CHECK_INT(s.at_hour, 10);
        CHECK_INT(s.at_minute, 30);
        CHECK_STR(s.text, "every().day.at(\"10:30\")");
    }
}

static void weekdays_convert(void)
{
    check_every("every().monday", 1, UNIT_WEEK, 0, -1, -1, -1);
    check_every("every().monday.at(\"09:00\")", 1, UNIT_WEEK, 0, 9, 0, 0);
    check_every("every().wednesday.at(\"09:00\")", 1, UNIT_WEEK, 2, 9, 0, 0);
    check_every("every().sunday.at(\"23:59\")", 1, UNIT_WEEK, 6, 23, 59, 0);
}

static void cron_and_once_convert(void)
{
    struct schedule s;
    if (eval_one("cron(\"*/5 * * * *\")", &s) == 0) {
        CHECK_INT(s.kind, SCHEDULE_CRON);
        CHECK(s.cron.minutes & (1ULL << 5), "minute 5 not set");
        CHECK(!(s.cron.minutes & (1ULL << 6)), "minute 6 set");
        CHECK_STR(s.text, "cron(\"*/5 * * * *\")");
    }
    if (eval_one("once(\"2026-12-01 10:00\")", &s) == 0) {
        CHECK_INT(s.kind, SCHEDULE_ONCE);
        CHECK_INT(s.once.year, 2026);
        CHECK_INT(s.once.month, 12);
        CHECK_INT(s.once.day, 1);
        CHECK_INT(s.once.hour, 10);
        CHECK_STR(s.text, "once(\"2026-12-01 10:00\")");
    }
}

static void modifiers_convert(void)
{
    struct schedule s;
    if (eval_one("every(5).minutes:tz(\"Europe/Berlin\"):jitter(30)"
                 ":from(\"2026-01-01\"):till(\"2026-06-30 18:00\")",
                 &s) == 0) {
        CHECK_STR(s.zone, "Europe/Berlin");
        CHECK_INT(s.jitter, 30);
        CHECK(s.has_from && s.has_till, "from/till not set");
        CHECK_INT(s.from.year, 2026);
        CHECK_INT(s.till.month, 6);
        CHECK_INT(s.till.hour, 18);
        CHECK_STR(s.text, "every(5).minutes:tz(\"Europe/Berlin\"):jitter(30)"
                          ":from(\"2026-01-01\"):till(\"2026-06-30 18:00\")");
    }
    if (eval_one("cron(\"@daily\").tz(\"UTC\")", &s) == 0)
        CHECK_STR(s.zone, "UTC");
    if (eval_one("every(5).minutes:anchor(\"2026-01-01 00:00:03\"):tz(\"UTC\")", &s) == 0) {
        CHECK(s.has_anchor && !s.has_from, "anchor not set");
        CHECK_INT(s.anchor.year, 2026);
        CHECK_INT(s.anchor.second, 3);
        CHECK_STR(s.text, "every(5).minutes:anchor(\"2026-01-01 00:00:03\"):tz(\"UTC\")");
    }
}

static void a_list_is_a_union(void)
{
    struct schedule_set set;
    char err[512];
    int rc = sandbox_eval_schedule(
        "{ every(5).minutes, cron(\"@hourly\"), once(\"2027-01-01\") }", &set, err, sizeof err);
    CHECK_INT(rc, 0);
    CHECK_INT(set.count, 3);
    if (set.count == 3) {
        CHECK_INT(set.items[0].kind, SCHEDULE_EVERY);
        CHECK_INT(set.items[1].kind, SCHEDULE_CRON);
        CHECK_INT(set.items[2].kind, SCHEDULE_ONCE);
    }
    schedule_set_free(&set);
}

static void schedules_are_immutable(void)
{
    struct schedule_set set;
    char err[512];
    int rc = sandbox_eval_schedule("(function() local d = every().day\n"
                                   "  local a = d.at(\"10:00\")\n"
                                   "  return { d, a, d:tz(\"UTC\") } end)()",
                                   &set, err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc == 0 && set.count == 3) {
        CHECK_INT(set.items[0].at_hour, -1);
        CHECK_INT(set.items[1].at_hour, 10);
        CHECK_STR(set.items[2].zone, "UTC");
        CHECK_STR(set.items[0].zone, "");
    }
    schedule_set_free(&set);
}

static void bad_forms_are_refused_with_one_message(void)
{
    check_refused("every(0).minutes", "every(n): expected an integer >= 1, got 0");
    check_refused("every(2.5).minutes", "every(n): expected an integer >= 1, got 2.5");
    check_refused("every(\"5\").minutes", "every(n): expected an integer >= 1, got \"5\"");
    check_refused("every(5).minute",
                  "every(5).minute: with n, write the plural: every(5).minutes");
    check_refused("every(2).monday", "every(2).monday: a weekday takes no n: every().monday");
    check_refused("every(5).fortnights",
                  "every(5).fortnights: unknown unit (expected seconds, minutes, hours, days, "
                  "weeks, or monday .. sunday)");
    check_refused("every().second.at(\":15\")", "at(\":15\"): .at() does not apply to seconds");
    check_refused("cron(\"@daily\"):at(\"10:00\")",
                  "at(\"10:00\"): .at() applies to every() schedules only");
    check_refused("every().day.at(\"10:00\").at(\"11:00\")",
                  "at(\"11:00\"): .at() is already set");
    check_refused("every().day.at(10)", "at(10): expected a string, got 10");
    check_refused("every().day:jitter(-1)", "jitter(-1): expected an integer >= 0, got -1");
    check_refused("every().day:tz(\"UTC\"):tz(\"UTC\")", "tz(\"UTC\"): already set");
    check_refused("every().day.at(\"10:00\"):anchor(\"2026-01-01\")",
                  "anchor(\"2026-01-01\"): applies to every(n).seconds|minutes|hours|days|"
                  "weeks without .at() only");
    check_refused("cron(\"@daily\"):anchor(\"2026-01-01\")",
                  "anchor(\"2026-01-01\"): applies to every(n).seconds|minutes|hours|days|"
                  "weeks without .at() only");
    check_refused("every().monday:anchor(\"2026-01-01\")",
                  "anchor(\"2026-01-01\"): applies to every(n).seconds|minutes|hours|days|"
                  "weeks without .at() only");
    check_refused("every(5).minutes:anchor(\"2026-01-01\"):at(\":30\")",
                  "at(\":30\"): .at() does not apply to an anchored every(n)");
    check_refused("every(5).minutes:anchor(\"2026-01-01\"):anchor(\"2026-01-02\")",
                  "anchor(\"2026-01-02\"): already set");
    check_refused(
        "every(5).minutes:anchor(\"2026-02-30\")",
        "anchor(\"2026-02-30\"): bad date '2026-02-30': day must be 01-28 in 2026-02");
    check_refused("every(5)",
                  "expected a schedule or a non-empty list of schedules, got every() "
                  "without a unit (write e.g. every(5).minutes)");
    check_refused("{}", "expected a schedule or a non-empty list of schedules, got table");
    check_refused("{ every().day, 5 }", "item 2: expected a schedule, got number");
    check_refused("true", "expected a schedule or a non-empty list of schedules, got boolean");
    check_refused("every(5).minutes end", "<eof> expected near 'end'");
}

/* A bare crontab line is read as cron() reads it, in an expression (as
 * `main calendar` gives it) and as a string where a schedule goes. */
static void bare_cron_lines_are_cron(void)
{
    struct schedule s;
    struct schedule_set set;
    char err[512];

    if (eval_one("0 9 * * MON-FRI", &s) == 0) {
        CHECK_INT(s.kind, SCHEDULE_CRON);
        CHECK_STR(s.cron.expr, "0 9 * * MON-FRI");
        CHECK_STR(s.text, "0 9 * * MON-FRI");
        CHECK(s.cron.wdays == 0x3e && s.cron.hours == 1u << 9, "fields");
    }
    if (eval_one("  @daily", &s) == 0)
        CHECK_STR(s.cron.expr, "@daily");
    if (eval_one("\"*/5 * * * *\"", &s) == 0)
        CHECK(s.kind == SCHEDULE_CRON && (s.cron.minutes & 1ULL << 5), "a string is cron");
    CHECK_INT(
        sandbox_eval_schedule("{ \"30 2 * * *\", every(1).hours }", &set, err, sizeof err), 0);
    CHECK(set.count == 2 && set.items[0].kind == SCHEDULE_CRON &&
              set.items[1].kind == SCHEDULE_EVERY,
          "a list mixes strings and schedules");
    schedule_set_free(&set);
    check_refused("61 * * * *", "minute field: 61 is out of range 0-59");
    check_refused("\"61 * * * *\"", "\"61 * * * *\": minute field: 61 is out of range 0-59");
    check_refused(
        "{ every().day, \"daily\" }",
        "item 2: expected a schedule, got the string \"daily\" (a string is a cron line "
        "such as \"*/5 * * * *\")");
}

/* cron{...}: APScheduler's fields, in the fields' order whatever the
 * table's, integers or strings, checked by the C parser. */
static void cron_table_is_apschedulers_form(void)
{
    struct schedule s;

    if (eval_one("cron{ hour = 3, day = \"last sun\" }:tz(\"UTC\")", &s) == 0) {
        CHECK_INT(s.kind, SCHEDULE_CRON);
        CHECK(s.cron.aps, "APScheduler's form");
        CHECK_STR(s.cron.expr, "day=last sun; hour=3");
        CHECK_STR(s.text, "cron{day = \"last sun\", hour = 3}:tz(\"UTC\")");
        CHECK(s.cron.hours == 1u << 3 && s.cron.nth_wdays == UINT64_C(1) << 35, "fields");
    }
    if (eval_one("cron(\"day=2nd fri; hour=9\")", &s) == 0)
        CHECK(s.cron.aps && s.cron.nth_wdays == UINT64_C(1) << 12, "the string form");
    check_refused("cron{ hours = 3 }",
                  "cron{...}: unknown field \"hours\" (expected year, month, day, week, "
                  "day_of_week, hour, minute or second)");
    check_refused("cron{ hour = 2.5 }",
                  "cron{...}: field hour: expected an integer or a string without ';' or "
                  "'=', got 2.5");
    check_refused("cron{ hour = \"1; minute=5\" }",
                  "cron{...}: field hour: expected an integer or a string without ';' or "
                  "'=', got \"1; minute=5\"");
    check_refused("cron{}", "cron{...}: no field given (year, month, day, week, day_of_week, "
                            "hour, minute or second)");
    check_refused("cron{ month = 2, day = 30 }",
                  "cron{month = 2, day = 30}: cron 'month=2; day=30' never fires: no date "
                  "matches its year, month, day, week and day_of_week together");
}

/* Messages from the C parsers pass through; only their prefix is ours. */
static void bad_values_use_the_c_parsers(void)
{
    struct schedule_set set;
    char err[512];
    const char *bad[] = {
        "every().day.at(\"25:00\")",
        "every().day:tz(\"Mars/Olympus\")",
        "cron(\"61 * * * *\")",
        "once(\"2026-02-30 10:00\")",
        "every().day:from(\"yesterday\")",
    };
    const char *prefix[] = {
        "at(\"25:00\"): ", "tz(\"Mars/Olympus\"): ", "cron(\"61 * * * *\"): ",
        "once(\"2026-02-30 10:00\"): ", "from(\"yesterday\"): "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(sandbox_eval_schedule(bad[i], &set, err, sizeof err) < 0, "%s accepted", bad[i]);
        CHECK(strncmp(err, prefix[i], strlen(prefix[i])) == 0 &&
                  strlen(err) > strlen(prefix[i]),
              "%s: got '%s'", bad[i], err);
        CHECK(strchr(err, '\n') == NULL, "message has a newline: %s", err);
    }
}

/* The product owner's example: a wall time in the spring-forward gap. */
static void calendar_example_skips_the_gap(void)
{
    struct schedule_set set;
    char err[512], iso[TZ_ISO_MAX];
    const struct tz *berlin = tz_get("Europe/Berlin", err, sizeof err);
    int64_t from;

    CHECK(berlin != NULL, "%s", err);
    CHECK_INT(tz_parse_iso("2026-03-28T12:00:00+01:00", berlin, &from, err, sizeof err), 0);
    CHECK_INT(sandbox_eval_schedule("every().day.at(\"02:30\")", &set, err, sizeof err), 0);
    if (berlin == NULL || set.count != 1)
        return;
    from = schedule_set_next_fire(&set, from, berlin);
    tz_format_iso(berlin, from, iso, sizeof iso);
    CHECK_STR(iso, "2026-03-29T03:00:00+02:00");
    from = schedule_set_next_fire(&set, from, berlin);
    tz_format_iso(berlin, from, iso, sizeof iso);
    CHECK_STR(iso, "2026-03-30T02:30:00+02:00");
    schedule_set_free(&set);
}

int main(void)
{
    RUN(every_n_units_convert);
    RUN(every_singular_units_convert);
    RUN(at_works_with_dot_and_colon);
    RUN(weekdays_convert);
    RUN(cron_and_once_convert);
    RUN(modifiers_convert);
    RUN(a_list_is_a_union);
    RUN(schedules_are_immutable);
    RUN(bad_forms_are_refused_with_one_message);
    RUN(bad_values_use_the_c_parsers);
    RUN(bare_cron_lines_are_cron);
    RUN(cron_table_is_apschedulers_form);
    RUN(calendar_example_skips_the_gap);
    TESTING_EXIT();
}
