/* cmd_next.c — `main next TASK [-n N]`: the task's next N fire instants.
 *
 * Computed from the task file as it is now, one ISO-8601 instant with its
 * UTC offset per line (like `main calendar`), followed by how far away it
 * is.  A schedule with fewer fires prints fewer lines.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "schedule/schedule.h"
#include "table.h"
#include "taskview.h"
#include "time/clock.h"
#include "time/tz.h"

#define NEXT_DEFAULT_COUNT 5
#define NEXT_MAX_COUNT 100000
#define NEXT_ERR_MAX 512

static int next_parse(int argc, char **argv, const char **task, long *count)
{
    *task = NULL;
    *count = NEXT_DEFAULT_COUNT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0) {
            if (i + 1 >= argc)
                return cli_bad_arg("next", argv[i], true);
            if (cli_parse_count("next", "-n", argv[++i], NEXT_MAX_COUNT, count) < 0)
                return -1;
        } else if (argv[i][0] != '-' && !*task) {
            *task = argv[i];
        } else {
            return cli_bad_arg("next", argv[i], false);
        }
    }
    return *task ? 0 : cli_bad_args("next", "which task? (next TASK)");
}

static int next_print(const struct cli_options *opt, const struct task *task, long count)
{
    int64_t now = clock_now_s();
    int64_t at = now;

    for (long i = 0; i < count; i++) {
        char iso[TZ_ISO_MAX], rel[RUNVIEW_TEXT_MAX];
        at = schedule_set_next_fire(&task->schedules, at, opt->default_zone);
        if (at == SCHEDULE_NEVER)
            break;
        tz_format_iso(opt->default_zone, at, iso, sizeof iso);
        runview_relative((double)at, (double)now, rel, sizeof rel);
        if (printf("%s  (%s)\n", iso, rel) < 0)
            return -1;
    }
    return 0;
}

static int next_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct discovery found = {0};
    const char *name;
    long count;
    char err[NEXT_ERR_MAX];
    int rc = 1;

    if (next_parse(argc, argv, &name, &count) < 0)
        return cli_command_usage(&cmd_next_entry);
    if (taskview_scan(opt, name, &found, err, sizeof err) < 0) {
        fprintf(stderr, "next: %s\n", err);
        goto done;
    }
    if (found.count == 0 || !taskview_user_matches(opt, &found.items[0])) {
        fprintf(stderr, "next: unknown task '%s'\n", name);
        goto done;
    }
    if (!found.items[0].loaded) {
        fprintf(stderr, "next: %s\n", found.items[0].error);
        goto done;
    }
    if (next_print(opt, &found.items[0].task, count) < 0 || fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    discovery_free(&found);
    return rc;
}

const struct cli_command cmd_next_entry = {
    .name = "next",
    .usage = "TASK [-n N]",
    .help = "the next fire instants of a task",
    .lenient = true,
    .exec = next_exec,
};
