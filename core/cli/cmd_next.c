/* cmd_next.c — `main next TASK [-n N] [--json]`: the task's next N fire
 * instants.
 *
 * Computed from the task file as it is now, one ISO-8601 instant with its
 * UTC offset per line (like `main calendar`), followed by how far away it
 * is; or one JSON document (task/calendar.h).  A schedule with fewer fires prints
 * fewer.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "schedule/schedule.h"
#include "table.h"
#include "task/calendar.h"
#include "taskname.h"
#include "taskview.h"
#include "time/clock.h"
#include "time/instant_json.h"
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

/* The fires as lines, "ISO  (in 5m)", or with --json as
 * {"task": NAME, "zone": ZONE, "fires": [{"at", "at_epoch"}...]}. */
static int next_print(const struct cli_options *opt, const char *name, const struct task *task,
                      long count)
{
    int64_t now = clock_now_s();
    json_t *fires = calendar_fires(&task->schedules, now, opt->default_zone, count);
    json_t *fire;
    size_t i;
    int rc = 0;

    if (!fires) {
        fprintf(stderr, "next: out of memory\n");
        return -1;
    }
    if (opt->json) {
        json_t *doc = json_pack("{s:s, s:s, s:O}", "task", name, "zone",
                                tz_name(opt->default_zone), "fires", fires);
        rc = doc ? table_print_json(doc, stdout) : -1;
        json_decref(doc);
    }
    json_array_foreach(fires, i, fire)
    {
        char rel[RUNVIEW_TEXT_MAX];
        if (opt->json || rc < 0)
            break;
        runview_relative(instant_json_get(fire, "at"), (double)now, rel, sizeof rel);
        rc = printf("%s  (%s)\n", json_string_value(json_object_get(fire, "at")), rel) < 0 ? -1
                                                                                           : 0;
    }
    json_decref(fires);
    return rc;
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
    if (found.count == 0) {
        if (taskname_check(opt, "next", name) == 0) /* there, but not among these */
            fprintf(stderr, "next: task '%s' is left out here (--include-examples)\n", name);
        goto done;
    }
    if (!taskview_user_matches(opt, &found.items[0])) {
        fprintf(stderr, "next: no task '%s' for user %s in %s (it runs as %s)\n", name,
                opt->user, opt->tasks_dir,
                found.items[0].task.user ? found.items[0].task.user : "the daemon's user");
        goto done;
    }
    if (!found.items[0].loaded) {
        fprintf(stderr, "next: %s\n", found.items[0].error);
        goto done;
    }
    if (next_print(opt, name, &found.items[0].task, count) < 0 || fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    discovery_free(&found);
    return rc;
}

const struct cli_command cmd_next_entry = {
    .name = "next",
    .usage = "TASK [-n N] [--json]",
    .help = "the next fire instants of a task",
    .manual = "  TASK    the task's name: its path under tasks/ without .lua\n"
              "  -n N    how many instants (default 5)\n"
              "  --json  {\"task\", \"zone\", \"fires\": [{\"at\", \"at_epoch\"}]}\n"
              "Instants are shown in scheduler.timezone (else the system's zone).\n",
    .lenient = true,
    .exec = next_exec,
};
