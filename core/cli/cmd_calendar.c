/* cmd_calendar.c — `main calendar EXPR|TASK [--from ISO] [-n N] [--tz ZONE]
 * [--json]`.
 *
 * Prints the next N fire instants (default CALENDAR_DEFAULT_COUNT = 5)
 * strictly after FROM (default: now) of a schedule expression such as
 * 'every(5).minutes', or of the schedules of a task as its file (a YAML
 * job's entry too) says now, one ISO-8601 instant with its UTC offset per line,
 * like `systemd-analyze calendar`; fewer lines when the schedule has fewer
 * fires.  Instants are shown in --tz ZONE, else the configured default
 * zone, which is also the zone of a schedule without :tz().  A FROM
 * without an offset is local to that zone.  A schedule that does not do
 * what its text suggests, or never fires after FROM, gets a warning line
 * on stderr ("calendar: warning: …"), so stdout stays one instant a line.
 * With --json, one document holds the instants and the warnings.
 * Exit 0 ok, 2 for a bad expression ("calendar: <message>") or usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table.h"
#include "task/calendar.h"
#include "task/dsl.h"
#include "taskname.h"
#include "taskview.h"
#include "time/clock.h"
#include "time/instant_json.h"
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
    return args->expr ? 0 : cli_bad_args("calendar", "which schedule? (calendar EXPR or TASK)");
}

/* The fires of the task named `name`: 1 when `name` is an expression (it
 * holds a parenthesis or starts as a crontab line, as no task name does),
 * 0 with fires and warnings set, -1 after saying why there are none (it
 * is broken), -2 after saying there is no such task (with the nearest
 * name: a word alone is no schedule either). */
static int task_calendar(const struct cli_options *opt, const char *name, int64_t at,
                         const struct tz *zone, long count, json_t **fires, json_t **warnings)
{
    struct discovery found = {0};
    char err[CALENDAR_ERR_MAX];
    int rc;

    if (strchr(name, '(') || strchr(name, '{') || dsl_is_cron_line(name))
        return 1;
    if (taskview_scan(opt, name, &found, err, sizeof err) < 0) {
        fprintf(stderr, "calendar: %s\n", err);
        rc = -1;
    } else if (found.count == 0) {
        if (taskname_check(opt, "calendar", name) == 0) /* there, but not among these */
            fprintf(stderr, "calendar: task '%s' is left out here (--include-examples)\n",
                    name);
        rc = -2;
    } else if (!found.items[0].loaded) {
        fprintf(stderr, "calendar: %s\n", found.items[0].error);
        rc = -1;
    } else if (calendar_set(&found.items[0].task.schedules, at, zone, count, fires, warnings,
                            err, sizeof err) < 0) {
        fprintf(stderr, "calendar: %s\n", err);
        rc = -1;
    } else {
        rc = 0;
    }
    discovery_free(&found);
    return rc;
}

/* The warnings (stderr, or "warnings" with --json) and the fires: one
 * instant a line, or {"expression" (or "task"), "zone", "from", "from_epoch",
 * "warnings": [TEXT...], "fires": [{"at", "at_epoch"}...]}.  The exit code. */
static int calendar_print(const struct cli_options *opt, const char *expr, bool task,
                          json_t *fires, json_t *warnings, const struct tz *zone, int64_t from)
{
    json_t *doc, *item;
    size_t i;
    int rc = 0;

    if (opt->json) {
        doc = json_pack("{s:s, s:s, s:O, s:O}", task ? "task" : "expression", expr, "zone",
                        tz_name(zone), "warnings", warnings, "fires", fires);
        if (!doc || instant_json_set(doc, "from", zone, (double)from) < 0) {
            fprintf(stderr, "calendar: out of memory\n");
            json_decref(doc);
            return 1;
        }
        rc = table_print_json(doc, stdout) < 0 ? 1 : 0;
        json_decref(doc);
        return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
    }
    json_array_foreach(warnings, i, item)
    {
        fprintf(stderr, "calendar: warning: %s\n", json_string_value(item));
    }
    json_array_foreach(fires, i, item)
    {
        if (rc == 0 && printf("%s\n", json_string_value(json_object_get(item, "at"))) < 0)
            rc = 1;
    }
    return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}

static int calendar_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct calendar_args args = {0};
    json_t *fires, *warnings;
    const struct tz *zone = opt->default_zone;
    char err[CALENDAR_ERR_MAX];
    int64_t at = clock_now_s();
    int rc, task;

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
    if ((task = task_calendar(opt, args.expr, at, zone, args.count, &fires, &warnings)) < 0)
        return task == -2 ? EXIT_USAGE : 1;
    if (task == 1 && (rc = calendar_expr(args.expr, at, zone, args.count, &fires, &warnings,
                                         err, sizeof err)) < 0) {
        fprintf(stderr, "calendar: %s\n", err);
        return rc == -1 ? EXIT_USAGE : 1; /* the expression is an argument: a usage error */
    }
    rc = calendar_print(opt, args.expr, task == 0, fires, warnings, zone, at);
    json_decref(fires);
    json_decref(warnings);
    return rc;
}

const struct cli_command cmd_calendar_entry = {
    .name = "calendar",
    .usage = "EXPR|TASK [--from ISO] [-n N] [--tz ZONE] [--json]",
    .help = "the next fire instants of a schedule or a task",
    .manual =
        "  EXPR        a schedule as a task writes it: 'every(5).minutes',\n"
        "              'cron(\"0 9 * * MON-FRI\")', 'every().day:at(\"03:00\")'\n"
        "  TASK        a task's name (jobs/daily_backup): its schedules as its file\n"
        "              says now\n"
        "  --from ISO  start after this instant (default now); without an offset\n"
        "              it is local to the zone\n"
        "  -n N        how many instants (default 5)\n"
        "  --tz ZONE   show them in ZONE (default scheduler.timezone)\n"
        "  --json      {\"expression\" (or \"task\"), \"zone\", \"from\", \"from_epoch\",\n"
        "              \"warnings\", \"fires\": [{\"at\", \"at_epoch\"}]}\n",
    .lenient = false,
    .exec = calendar_exec,
};
