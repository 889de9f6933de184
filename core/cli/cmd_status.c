/* cmd_status.c — `main --status [--json]`: the daemon and every task at a glance.
 *
 * The document comes from taskview_status (the daemon's own report, or one
 * built from the files when no daemon runs); --json prints it as is, else
 * a header line about the daemon and one aligned row per task.  Broken
 * tasks get their error under the table, where a long message fits.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "table.h"
#include "taskview.h"
#include "time/instant_json.h"

#define STATUS_USAGE "--status [--json]"
#define STATUS_STATE_MAX 64

#define STATUS_MB (1024.0 * 1024.0)

/* Only while the daemon's store refuses writes, or a reader holds its
 * checkpoints back (engine.h, "store"). */
static void status_print_store(const json_t *doc)
{
    const json_t *store = json_object_get(doc, "store");
    const json_t *blocked = json_object_get(store, "checkpoint_blocked_by");
    char since[RUNVIEW_TEXT_MAX];
    long long lost = (long long)json_integer_value(json_object_get(store, "lost"));

    if (!json_is_object(store))
        return;
    if (json_object_get(store, "error")) {
        runview_duration(taskview_now(doc) - json_number_value(json_object_get(store, "since")),
                         since, sizeof since);
        printf("store: error: %s (for %s; %lld write(s) waiting to be saved",
               json_string_value(json_object_get(store, "error")), since,
               (long long)json_integer_value(json_object_get(store, "pending")));
        if (lost > 0)
            printf(", %lld lost", lost);
        printf(")\n");
    }
    if (json_is_object(blocked)) {
        runview_duration(taskview_now(doc) -
                             json_number_value(json_object_get(blocked, "since")),
                         since, sizeof since);
        printf("store: checkpoints held back for %s by process %lld (%s), which keeps a read "
               "transaction open; the WAL is %.1f MB and grows until it ends\n",
               since, (long long)json_integer_value(json_object_get(blocked, "pid")),
               json_string_value(json_object_get(blocked, "command")),
               (double)json_integer_value(json_object_get(blocked, "wal_bytes")) / STATUS_MB);
    }
}

static void status_print_daemon(const json_t *doc)
{
    char up[RUNVIEW_TEXT_MAX];

    if (!json_is_true(json_object_get(doc, "daemon"))) {
        printf("daemon: not running\n");
        return;
    }
    runview_duration(json_number_value(json_object_get(doc, "uptime")), up, sizeof up);
    printf("daemon: running (pid %lld, up %s, version %s), %lld running, %lld queued\n",
           (long long)json_integer_value(json_object_get(doc, "pid")), up,
           json_string_value(json_object_get(doc, "version")),
           (long long)json_integer_value(json_object_get(doc, "running")),
           (long long)json_integer_value(json_object_get(doc, "queued")));
    status_print_store(doc);
}

/* What the task is doing, in one word or two. */
static void status_state(const json_t *task, char *buf, size_t len)
{
    const json_t *running = json_object_get(task, "running");

    if (json_is_true(json_object_get(task, "last_good")))
        snprintf(buf, len, "error (last good version runs)");
    else if (json_is_true(json_object_get(task, "broken")))
        snprintf(buf, len, "broken");
    else if (json_is_true(json_object_get(task, "installing")))
        snprintf(buf, len, "installing dependencies");
    else if (json_array_size(running) > 0)
        snprintf(
            buf, len, "running (pid %lld)",
            (long long)json_integer_value(json_object_get(json_array_get(running, 0), "pid")));
    else if (json_is_true(json_object_get(task, "overdue")))
        snprintf(buf, len, "overdue");
    else if (json_is_true(json_object_get(task, "paused")))
        snprintf(buf, len, "paused");
    else if (!json_is_true(json_object_get(task, "enabled")))
        snprintf(buf, len, "disabled");
    else
        snprintf(buf, len, "ok");
}

static int status_print_tasks(const struct cli_options *opt, const json_t *tasks, double now)
{
    static const char *const header[] = {"TASK",      "TITLE",    "SCHEDULE",
                                         "NEXT FIRE", "LAST RUN", "STATE"};
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
        char next[RUNVIEW_WHEN_MAX], last[RUNVIEW_TEXT_MAX], state[STATUS_STATE_MAX];
        runview_when(opt->default_zone, instant_json_get(task, "next_fire"), now, next,
                     sizeof next);
        runview_outcome(json_object_get(task, "last_run"), last, sizeof last);
        status_state(task, state, sizeof state);
        const char *row[] = {json_string_value(json_object_get(task, "name")),
                             json_string_value(json_object_get(task, "title")),
                             json_string_value(json_object_get(task, "schedule")),
                             next,
                             last,
                             state};
        table_add(&t, row);
    }
    rc = table_print(&t, stdout);
    table_free(&t);
    json_array_foreach(tasks, i, task)
    {
        if (json_is_true(json_object_get(task, "broken")))
            printf("broken: %s\n", json_string_value(json_object_get(task, "error")));
    }
    return rc;
}

static int status_print(const struct cli_options *opt, const json_t *doc)
{
    status_print_daemon(doc);
    taskview_print_scope(doc);
    return status_print_tasks(opt, json_object_get(doc, "tasks"), taskview_now(doc));
}

int cmd_status(const struct cli_options *opt, int argc, char **argv)
{
    bool json;
    int rc = 1;
    json_t *doc = taskview_command(opt, argc, argv, "status", &json, &rc);

    if (!doc)
        return rc == EXIT_USAGE ? cli_usage(STATUS_USAGE) : rc;
    if ((json ? table_print_json(doc, stdout) : status_print(opt, doc)) >= 0 &&
        fflush(stdout) == 0)
        rc = 0;
    json_decref(doc);
    return rc;
}
