/* test_cron.c — cron_parse: fields to bit sets, Vixie flags, and errors
 * that name the bad field and value; APScheduler's key=value form, its
 * defaults, day positions, weeks and years.  Next-fire math is in
 * test_schedule.c. */
#include "schedule/schedule.h"
#include "testing.h"

/* Bits lo, lo+step, ... <= hi. */
static uint64_t bits(int lo, int hi, int step)
{
    uint64_t b = 0;
    for (int v = lo; v <= hi; v += step)
        b |= UINT64_C(1) << v;
    return b;
}

static struct cron_spec parse_ok(const char *expr)
{
    char err[SCHEDULE_ERR_MAX] = "";
    struct cron_spec c = {0};
    CHECK(cron_parse(expr, &c, err, sizeof err) == 0, "'%s' refused: %s", expr, err);
    return c;
}

static void check_error(const char *expr, const char *want)
{
    char err[SCHEDULE_ERR_MAX] = "";
    struct cron_spec c;
    CHECK(cron_parse(expr, &c, err, sizeof err) < 0, "'%s' accepted", expr);
    CHECK(strstr(err, want) != NULL, "'%s': error '%s' lacks '%s'", expr, err, want);
}

static void five_fields_fire_at_second_zero(void)
{
    struct cron_spec c = parse_ok("*/5 * * * *");

    CHECK(c.seconds == 1, "seconds %llx", (unsigned long long)c.seconds);
    CHECK(c.minutes == bits(0, 59, 5), "minutes %llx", (unsigned long long)c.minutes);
    CHECK(c.hours == bits(0, 23, 1), "hours %x", c.hours);
    CHECK(c.mdays == bits(1, 31, 1), "mdays %x", c.mdays);
    CHECK(c.months == bits(1, 12, 1), "months %x", c.months);
    CHECK(c.wdays == bits(0, 6, 1), "wdays %x", c.wdays);
    CHECK(c.mday_star && c.wday_star && c.hour_sub_daily, "flags");
}

static void six_fields_put_seconds_first(void)
{
    struct cron_spec c = parse_ok("15,45 0 12 * * *");

    CHECK(c.seconds == bits(15, 45, 30), "seconds %llx", (unsigned long long)c.seconds);
    CHECK(c.minutes == 1, "minutes %llx", (unsigned long long)c.minutes);
    CHECK(c.hours == bits(12, 12, 1), "hours %x", c.hours);
    CHECK(!c.hour_sub_daily, "fixed hour counted as sub-daily");
}

static void month_and_day_names_ignore_case(void)
{
    struct cron_spec c = parse_ok("0 9 * jan-Mar,DEC mon-FRI");

    CHECK(c.months == (bits(1, 3, 1) | bits(12, 12, 1)), "months %x", c.months);
    CHECK(c.wdays == bits(1, 5, 1), "wdays %x", c.wdays);
}

static void sunday_is_both_0_and_7(void)
{
    CHECK(parse_ok("0 0 * * 7").wdays == 1, "7 is not Sunday");
    CHECK(parse_ok("0 0 * * 0").wdays == 1, "0 is not Sunday");
    CHECK(parse_ok("0 0 * * 5-7").wdays == (bits(5, 6, 1) | 1), "5-7 wraps to Sunday");
}

static void steps_apply_to_ranges_and_start_values(void)
{
    CHECK(parse_ok("10/15 * * * *").minutes == bits(10, 59, 15), "a/n is a-max/n");
    CHECK(parse_ok("1-10/3 * * * *").minutes == bits(1, 10, 3), "a-b/n");
    CHECK(parse_ok("0 1,5-7,22 * * *").hours ==
              (bits(1, 1, 1) | bits(5, 7, 1) | bits(22, 22, 1)),
          "list of values and ranges");
}

/* As in Vixie cron, a step larger than its range starts at the range's
 * start and goes no further; the note says so for `main check`. */
static void steps_past_the_range_leave_its_start(void)
{
    struct cron_spec c = parse_ok("*/75 * * * *");

    CHECK(c.minutes == 1, "minutes %llx", (unsigned long long)c.minutes);
    CHECK_STR(c.note, "*/75 in the minute field is minute 0 only: its step leaves one value "
                      "of the range");
    c = parse_ok("0 0 * * */10");
    CHECK(c.wdays == 1, "wdays %x", c.wdays);
    CHECK_STR(c.note, "*/10 in the day-of-week field is day-of-week 0 only: its step leaves "
                      "one value of the range");
    CHECK(parse_ok("0 0 * * */7").wdays == 1, "*/7: 0 and 7 are both Sunday");
    CHECK(parse_ok("0 0 * * */7").note[0] != '\0', "*/7 in day-of-week has no note");
    c = parse_ok("10-20/15 */99999999999 * * *");
    CHECK(c.minutes == 1u << 10 && c.hours == 1, "minutes %llx hours %x",
          (unsigned long long)c.minutes, c.hours);
    CHECK_STR(c.note, "10-20/15 in the minute field is minute 10 only: its step leaves one "
                      "value of the range");
    CHECK_STR(parse_ok("*/5 * * * *").note, "");
    CHECK_STR(parse_ok("*/30 0/12 * * *").note, "");
    CHECK_STR(parse_ok("59/10 * * * *").note, ""); /* one value as written */
}

static void expression_is_kept_trimmed_for_display(void)
{
    CHECK_STR(parse_ok("  */5 * * * *\t").expr, "*/5 * * * *");
    CHECK_STR(parse_ok("@daily ").expr, "@daily");
}

static void nicknames_expand_to_their_fields(void)
{
    struct cron_spec hourly = parse_ok("@hourly");
    struct cron_spec weekly = parse_ok("@WEEKLY");
    struct cron_spec yearly = parse_ok("@annually");

    CHECK(hourly.minutes == 1 && hourly.hour_sub_daily, "@hourly");
    CHECK(weekly.wdays == 1 && weekly.hours == 1 && !weekly.hour_sub_daily, "@weekly");
    CHECK(yearly.months == bits(1, 1, 1) && yearly.mdays == bits(1, 1, 1), "@annually");
    CHECK(parse_ok("@midnight").hours == 1, "@midnight");
}

static void hour_field_decides_sub_daily(void)
{
    CHECK(parse_ok("0 */2 * * *").hour_sub_daily, "step hour");
    CHECK(parse_ok("0 8-18/2 * * *").hour_sub_daily, "ranged step hour");
    CHECK(!parse_ok("0 0-23 * * *").hour_sub_daily, "range without step");
    CHECK(!parse_ok("30 9 * * MON-FRI").hour_sub_daily, "fixed hour");
}

static void day_fields_record_vixie_star_flags(void)
{
    struct cron_spec both = parse_ok("0 0 1 * MON");
    struct cron_spec stepped = parse_ok("0 0 */2 * MON");

    CHECK(!both.mday_star && !both.wday_star, "both restricted");
    CHECK(stepped.mday_star && !stepped.wday_star, "'*' + step counts as star (Vixie)");
}

static void bad_fields_are_named_with_their_value(void)
{
    check_error("61 * * * *", "minute field: 61 is out of range 0-59");
    check_error("0 24 * * *", "hour field: 24 is out of range 0-23");
    check_error("0 0 0 * *", "day-of-month field: 0 is out of range 1-31");
    check_error("0 0 * 13 *", "month field: 13 is out of range 1-12");
    check_error("0 0 * * 8", "day-of-week field: 8 is out of range 0-7");
    check_error("60 0 0 * * *", "second field: 60 is out of range 0-59");
    check_error("0 0 * FOO *", "month field: 'FOO' is not a number or name");
    check_error("0 0 * * MONDAY", "day-of-week field: 'MONDAY'");
    check_error("5-2 * * * *", "minute field: range 5-2 is backwards");
    check_error("*/0 * * * *", "minute field: step 0: a step is 1 or more");
    check_error("*/x * * * *", "minute field: step 'x' is not a number");
    check_error("*/ * * * *", "minute field: step '' is not a number");
    check_error("1,,2 * * * *", "minute field: empty item");
    check_error("x * * * *", "minute field: 'x' is not a number");
}

static void wrong_shapes_are_refused(void)
{
    check_error("* * * *", "has 4 fields");
    check_error("* * * * * * *", "has 7 fields");
    check_error("", "has 0 fields");
    check_error("@reboot", "@reboot' is not supported");
    check_error("@fortnightly", "unknown nickname");
    check_error("0 0 30 2 *", "day-of-month field: '30' never occurs in month '2'");
    check_error("0 0 31 4,6,9,11 *", "never occurs");
}

static void impossible_dates_are_fine_when_weekdays_also_match(void)
{
    /* Vixie OR: "the 30th of February or any Monday in February". */
    parse_ok("0 0 30 2 MON");
    parse_ok("0 0 29 2 *");
}

/* ---- APScheduler's form ---- */

static void aps_fields_left_out_take_apschedulers_defaults(void)
{
    struct cron_spec c = parse_ok("hour=2; minute=30");

    CHECK(c.aps, "not APScheduler's form");
    CHECK(c.seconds == 1 && c.minutes == bits(30, 30, 1) && c.hours == bits(2, 2, 1),
          "time %llx %llx %x", (unsigned long long)c.seconds, (unsigned long long)c.minutes,
          c.hours);
    CHECK(c.mdays == bits(1, 31, 1) && c.months == bits(1, 12, 1) && c.wdays == bits(0, 6, 1),
          "more significant fields are '*'");
    CHECK(c.weeks == bits(1, 53, 1) && c.year_count == 0, "week and year are '*'");
    CHECK(!c.hour_sub_daily, "a fixed hour is wall time");
    c = parse_ok("month=6");
    CHECK(c.mdays == bits(1, 1, 1) && c.hours == 1 && c.minutes == 1 && c.seconds == 1,
          "less significant fields are their minimum");
    CHECK(c.wdays == bits(0, 6, 1) && c.weeks == bits(1, 53, 1),
          "week and day_of_week stay '*' below");
    CHECK(parse_ok("minute=5").hour_sub_daily, "hour '*' above the minute: sub-daily");
    CHECK(parse_ok("second=*/20").minutes == bits(0, 59, 1), "minute '*' above the second");
}

static void aps_day_of_week_counts_from_monday(void)
{
    CHECK(parse_ok("day_of_week=mon-fri").wdays == bits(1, 5, 1), "mon-fri");
    CHECK(parse_ok("day_of_week=0").wdays == bits(1, 1, 1), "0 is Monday");
    CHECK(parse_ok("day_of_week=6").wdays == 1, "6 is Sunday");
    CHECK(parse_ok("day_of_week=*/2").wdays == (bits(1, 5, 2) | 1), "*/2: mon wed fri sun");
    CHECK(parse_ok("day_of_week=SAT,sun").wdays == (bits(6, 6, 1) | 1), "names ignore case");
}

static void aps_day_takes_last_and_positions(void)
{
    struct cron_spec c = parse_ok("day=last");

    CHECK(c.mday_last && c.mdays == 0 && c.nth_wdays == 0, "last");
    c = parse_ok("day=2nd fri");
    CHECK(c.nth_wdays == UINT64_C(1) << (7 * 1 + 5) && !c.mday_last, "2nd fri %llx",
          (unsigned long long)c.nth_wdays);
    c = parse_ok("day=last sun");
    CHECK(c.nth_wdays == UINT64_C(1) << (7 * 5 + 0) && !c.mday_last, "last sun %llx",
          (unsigned long long)c.nth_wdays);
    c = parse_ok("day=1,15-16,3rd  Mon,last");
    CHECK(c.mdays == (bits(1, 1, 1) | bits(15, 16, 1)) && c.mday_last &&
              c.nth_wdays == UINT64_C(1) << (7 * 2 + 1),
          "a list of all kinds");
    CHECK(parse_ok("day=*/10").mdays == bits(1, 31, 10), "steps from 1");
}

static void aps_week_and_year_fields(void)
{
    struct cron_spec c = parse_ok("week=1-53/26");

    CHECK(c.weeks == (bits(1, 1, 1) | bits(27, 27, 1) | bits(53, 53, 1)), "weeks %llx",
          (unsigned long long)c.weeks);
    c = parse_ok("year=2027,2030-2040/5");
    CHECK(c.year_count == 2 && c.years[0].lo == 2027 && c.years[0].hi == 2027 &&
              c.years[1].lo == 2030 && c.years[1].hi == 2040 && c.years[1].step == 5,
          "years");
    c = parse_ok("year=*/4");
    CHECK(c.year_count == 1 && c.years[0].lo == 1970 && c.years[0].hi == 9999 &&
              c.years[0].step == 4,
          "*/4 counts from 1970, as APScheduler's year field starts");
}

static void aps_expression_is_kept_in_the_fields_order(void)
{
    CHECK_STR(parse_ok("  hour = 3 ; day = last sun ;").expr, "day=last sun; hour=3");
    CHECK_STR(parse_ok("second=*/20").expr, "second=*/20");
}

static void aps_bad_fields_are_named(void)
{
    check_error("hours=3", "unknown field 'hours' (expected year, month, day, week");
    check_error("hour=3; hour=4", "field 'hour' is given twice");
    check_error("hour=", "field 'hour' has no value");
    check_error("hour=3; 5", "'5' is not key=value");
    check_error("=3", "unknown field ''");
    check_error("day=6th mon", "day field: '6th mon' is not a day, 'last' or 'xth y'");
    check_error("day=last sunday", "day field: 'last sunday' is not a day");
    check_error("day=0", "day field: 0 is out of range 1-31");
    check_error("week=54", "week field: 54 is out of range 1-53");
    check_error("year=1969", "year field: 1969 is out of range 1970-9999");
    check_error("year=27", "year field: 27 is out of range 1970-9999");
    check_error("year=2001,2002,2003,2004,2005,2006,2007,2008,2009",
                "year field: more than 8 items");
    check_error("day_of_week=7", "day_of_week field: 7 is out of range 0-6");
    check_error("day_of_week=fri-mon", "day_of_week field: range fri-mon is backwards");
    check_error("month=13", "month field: 13 is out of range 1-12");
}

/* APScheduler ANDs every field: a combination no date has never fires. */
static void aps_impossible_combinations_are_refused(void)
{
    check_error("month=2; day=31", "cron 'month=2; day=31' never fires");
    check_error("year=2027; month=2; day=29", "never fires");
    check_error("year=2027; month=2; day=5th mon", "never fires");
    check_error("year=2027; month=2; week=53", "never fires");
    check_error("month=1; week=20", "never fires");
    check_error("month=2; day=30-31,last; day_of_week=mon; year=2027,2035", "never fires");
    /* ... and what some date has is fine, however rare */
    parse_ok("month=2; day=29; day_of_week=mon");
    parse_ok("month=2; day=5th mon");
    parse_ok("year=2027; week=53");              /* 2027-01-01..03 are in 2026's week 53 */
    parse_ok("year=2030,2800; month=2; day=29"); /* 2800 is a leap year */
    parse_ok("day=1; day_of_week=fri");
}

static void crontab_lines_stay_vixie(void)
{
    CHECK(!parse_ok("0 0 1 * MON").aps, "a crontab line is not APScheduler's form");
}

int main(void)
{
    RUN(five_fields_fire_at_second_zero);
    RUN(six_fields_put_seconds_first);
    RUN(month_and_day_names_ignore_case);
    RUN(sunday_is_both_0_and_7);
    RUN(steps_apply_to_ranges_and_start_values);
    RUN(steps_past_the_range_leave_its_start);
    RUN(expression_is_kept_trimmed_for_display);
    RUN(nicknames_expand_to_their_fields);
    RUN(hour_field_decides_sub_daily);
    RUN(day_fields_record_vixie_star_flags);
    RUN(bad_fields_are_named_with_their_value);
    RUN(wrong_shapes_are_refused);
    RUN(impossible_dates_are_fine_when_weekdays_also_match);
    RUN(aps_fields_left_out_take_apschedulers_defaults);
    RUN(aps_day_of_week_counts_from_monday);
    RUN(aps_day_takes_last_and_positions);
    RUN(aps_week_and_year_fields);
    RUN(aps_expression_is_kept_in_the_fields_order);
    RUN(aps_bad_fields_are_named);
    RUN(aps_impossible_combinations_are_refused);
    RUN(crontab_lines_stay_vixie);
    TESTING_EXIT();
}
