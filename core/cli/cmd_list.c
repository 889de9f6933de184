/* cmd_list.c — `main list [--json]`: every task, its schedule in words and
 * its next fire.  From the daemon when one runs, else from the files. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "schedule/schedule.h"
#include "table.h"
#include "taskview.h"
#include "time/instant_json.h"

#define LIST_SCHEDULE_MAX (SCHEDULE_TEXT_MAX * 4 + 16) /* with " (paused)" */

static int list_print(const struct cli_options *opt, const json_t *tasks, double now)
{
    static const char *const header[] = {"TASK", "SCHEDULE", "NEXT FIRE", "USER", "SOURCE"};
    struct table t;
    size_t i;
    json_t *task;
    int rc;

    if (json_array_size(tasks) == 0)
        return taskview_print_none(opt);
    table_init(&t, sizeof header / sizeof header[0]);
    table_add(&t, header);
    json_array_foreach(tasks, i, task)
    {
        char next[RUNVIEW_WHEN_MAX], schedule[LIST_SCHEDULE_MAX], source[TASKVIEW_SOURCE_MAX];
        bool broken = json_is_true(json_object_get(task, "broken"));
        /* A paused task's fires are skipped: say so beside them. */
        const char *words = json_string_value(json_object_get(task, "schedule"));
        snprintf(schedule, sizeof schedule, "%s%s",
                 broken  ? "(broken: see main --status)"
                 : words ? words
                         : "",
                 json_is_true(json_object_get(task, "paused")) ? " (paused)" : "");
        taskview_source(task, opt->root, source, sizeof source);
        runview_when(opt->default_zone, instant_json_get(task, "next_fire"), now, next,
                     sizeof next);
        const char *row[] = {json_string_value(json_object_get(task, "name")), schedule, next,
                             json_string_value(json_object_get(task, "user")), source};
        table_add(&t, row);
    }
    rc = table_print(&t, stdout);
    table_free(&t);
    return rc;
}

static int list_exec(const struct cli_options *opt, int argc, char **argv)
{
    bool json;
    int rc = 1;
    json_t *doc = taskview_command(opt, argc, argv, cmd_list_entry.name, &json, &rc);

    if (!doc)
        return rc == EXIT_USAGE ? cli_command_usage(&cmd_list_entry) : rc;
    const json_t *tasks = json_object_get(doc, "tasks");
    int printed =
        json ? table_print_json(tasks, stdout) : list_print(opt, tasks, taskview_now(doc));
    if (printed >= 0 && fflush(stdout) == 0)
        rc = 0;
    json_decref(doc);
    return rc;
}

const struct cli_command cmd_list_entry = {
    .name = "list",
    .usage = "[--json]",
    .help = "the tasks, their schedules and next fires",
    .manual = "From the running daemon, else from the task files and the store.\n"
              "  --json  the tasks as JSON objects (as --status --json lists them)\n",
    .lenient = true,
    .exec = list_exec,
};
