/* test_cron.c — cron_parse: fields to bit sets, Vixie flags, and errors
 * that name the bad field and value.  Next-fire math is in test_schedule.c. */
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
    TESTING_EXIT();
}
