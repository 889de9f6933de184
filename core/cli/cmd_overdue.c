/* cmd_overdue.c — `main overdue [--json]`: tasks whose next fire passed
 * without a run.  Exit 1 when there is any, so a cron line or a monitor
 * can alert on it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "table.h"
#include "taskview.h"
#include "time/instant_json.h"

/* The overdue tasks of the status document (new reference, or NULL). */
static json_t *overdue_tasks(const json_t *doc)
{
    json_t *found = json_array();
    size_t i;
    json_t *task;

    json_array_foreach(json_object_get(doc, "tasks"), i, task)
    {
        if (found && json_is_true(json_object_get(task, "overdue")) &&
            json_array_append(found, task) < 0) {
            json_decref(found);
            found = NULL;
        }
    }
    return found;
}

static int overdue_print(const struct cli_options *opt, const json_t *tasks, double now)
{
    static const char *const header[] = {"TASK", "DUE", "LAST RUN"};
    struct table t;
    size_t i;
    json_t *task;
    int rc;

    if (json_array_size(tasks) == 0)
        return printf("no task is overdue\n") < 0 ? -1 : 0;
    table_init(&t, sizeof header / sizeof header[0]);
    table_add(&t, header);
    json_array_foreach(tasks, i, task)
    {
        char due[RUNVIEW_WHEN_MAX], last[RUNVIEW_TEXT_MAX];
        runview_when(opt->default_zone, instant_json_get(task, "next_fire"), now, due,
                     sizeof due);
        runview_outcome(json_object_get(task, "last_run"), last, sizeof last);
        const char *row[] = {json_string_value(json_object_get(task, "name")), due, last};
        table_add(&t, row);
    }
    rc = table_print(&t, stdout);
    table_free(&t);
    return rc;
}

static int overdue_exec(const struct cli_options *opt, int argc, char **argv)
{
    bool json;
    int rc = 1;
    json_t *doc = taskview_command(opt, argc, argv, cmd_overdue_entry.name, &json, &rc);
    json_t *tasks = NULL;

    if (!doc)
        return rc == EXIT_USAGE ? cli_command_usage(&cmd_overdue_entry) : rc;
    tasks = overdue_tasks(doc);
    if (!tasks) {
        fprintf(stderr, "overdue: out of memory\n");
        goto done;
    }
    bool none = !json && json_array_size(json_object_get(doc, "tasks")) == 0;
    int printed = json   ? table_print_json(tasks, stdout)
                  : none ? taskview_print_none(opt)
                         : overdue_print(opt, tasks, taskview_now(doc));
    if (printed < 0 || fflush(stdout) != 0)
        goto done;
    rc = json_array_size(tasks) > 0 ? 1 : 0;
done:
    json_decref(tasks);
    json_decref(doc);
    return rc;
}

const struct cli_command cmd_overdue_entry = {
    .name = "overdue",
    .usage = "[--json]",
    .help = "tasks whose fire time passed without a run",
    .manual = "Exit 1 when any task is overdue, 0 when none is.\n"
              "  --json  the overdue tasks as JSON objects\n",
    .lenient = true,
    .exec = overdue_exec,
};
