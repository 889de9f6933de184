/* cmd_calendar.c — `main calendar EXPR [--from ISO] [-n N] [--tz ZONE]`.
 *
 * Prints the next N fire instants (default CALENDAR_DEFAULT_COUNT = 5)
 * strictly after FROM (default: now) of a schedule expression such as
 * 'every(5).minutes', one ISO-8601 instant with its UTC offset per line,
 * like `systemd-analyze calendar`; fewer lines when the schedule has fewer
 * fires.  Instants are shown in --tz ZONE, else the configured default
 * zone, which is also the zone of a schedule without :tz().  A FROM
 * without an offset is local to that zone.  A schedule that does not do
 * what its text suggests, or never fires after FROM, gets a warning line
 * on stderr ("calendar: warning: …"), so stdout stays one instant a line.
 * Exit 0 ok, 1 for a bad expression ("calendar: <message>"), 2 for usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "schedule/schedule.h"
#include "task/sandbox.h"
#include "time/clock.h"
#include "time/tz.h"

#define CALENDAR_DEFAULT_COUNT 5
#define CALENDAR_MAX_COUNT 100000
#define CALENDAR_ERR_MAX 512

struct calendar_args {
    const char *expr, *from, *zone;
    long count;
};

/* Fill args from argv; -1 on a usage error. */
static int parse_args(int argc, char **argv, struct calendar_args *args)
{
    args->count = CALENDAR_DEFAULT_COUNT;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes_value =
            strcmp(arg, "--from") == 0 || strcmp(arg, "--tz") == 0 || strcmp(arg, "-n") == 0;
        if (takes_value && !value)
            return cli_bad_arg("calendar", arg, true);
        if (strcmp(arg, "--from") == 0) {
            args->from = value;
            i++;
        } else if (strcmp(arg, "--tz") == 0) {
            args->zone = value;
            i++;
        } else if (strcmp(arg, "-n") == 0) {
            if (cli_parse_count("calendar", "-n", value, CALENDAR_MAX_COUNT, &args->count) < 0)
                return -1;
            i++;
        } else if (arg[0] != '-' && args->expr == NULL) {
            args->expr = arg;
        } else {
            return cli_bad_arg("calendar", arg, false);
        }
    }
    return args->expr ? 0 : cli_bad_args("calendar", "which schedule? (calendar EXPR)");
}

static int calendar_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct calendar_args args = {0};
    struct schedule_set set = {0};
    const struct tz *zone = opt->default_zone;
    char err[CALENDAR_ERR_MAX], iso[TZ_ISO_MAX], warning[SCHEDULE_WORDS_MAX];
    int64_t at = clock_now_s();

    if (parse_args(argc, argv, &args) < 0)
        return cli_command_usage(&cmd_calendar_entry);
    if (args.zone && (zone = tz_get(args.zone, err, sizeof err)) == NULL) {
        fprintf(stderr, "calendar: %s\n", err);
        return EXIT_USAGE;
    }
    if (args.from && tz_parse_iso(args.from, zone, &at, err, sizeof err) < 0) {
        fprintf(stderr, "calendar: --from: %s\n", err);
        return EXIT_USAGE;
    }
    if (sandbox_eval_schedule(args.expr, &set, err, sizeof err) < 0) {
        fprintf(stderr, "calendar: %s\n", err);
        return EXIT_USAGE; /* the expression is an argument: a usage error */
    }
    for (size_t i = 0; i < set.count; i++)
        if (schedule_warning(&set.items[i], at, zone, warning, sizeof warning))
            fprintf(stderr, "calendar: warning: %s\n", warning);
    for (long i = 0; i < args.count; i++) {
        at = schedule_set_next_fire(&set, at, zone);
        if (at == SCHEDULE_NEVER)
            break;
        tz_format_iso(zone, at, iso, sizeof iso);
        printf("%s\n", iso);
    }
    schedule_set_free(&set);
    return 0;
}

const struct cli_command cmd_calendar_entry = {
    .name = "calendar",
    .usage = "EXPR [--from ISO] [-n N] [--tz ZONE]",
    .help = "the next fire instants of a schedule",
    .lenient = false,
    .exec = calendar_exec,
};
