/* cmd_history.c — `main history [TASK] [-n N] [--json]`: runs, newest first.
 *
 * Read straight from the store, so it works whether or not a daemon runs
 * (WAL lets a reader in beside the daemon's writes).  --user keeps the runs
 * of that user's tasks, as the task files say today.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "store/store.h"
#include "table.h"
#include "taskname.h"
#include "taskview.h"
#include "time/instant_json.h"

#define HISTORY_DEFAULT_COUNT 20
#define HISTORY_MAX_COUNT 1000000
#define HISTORY_ERR_MAX 512
#define HISTORY_ERROR_SHOWN 80 /* characters of a run's error in the table */

struct history_args {
    const char *task;
    long count;
    bool json;
};

struct history_walk {
    const struct cli_options *opt;
    const struct discovery *users; /* task files, when --user filters */
    json_t *runs;
    long left;
    bool out_of_memory;
};

static int history_parse(const struct cli_options *opt, int argc, char **argv,
                         struct history_args *args)
{
    args->task = NULL;
    args->count = HISTORY_DEFAULT_COUNT;
    args->json = opt->json;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            args->json = true;
        } else if (strcmp(argv[i], "-n") == 0) {
            if (i + 1 >= argc)
                return cli_bad_arg("history", argv[i], true);
            if (cli_parse_count("history", "-n", argv[++i], HISTORY_MAX_COUNT, &args->count) <
                0)
                return -1;
        } else if (argv[i][0] != '-' && !args->task) {
            args->task = argv[i];
        } else {
            return cli_bad_arg("history", argv[i], false);
        }
    }
    return 0;
}

/* Whether the run's task belongs to the --user asked for. */
static bool history_wanted(const struct history_walk *w, const char *task)
{
    if (!w->users)
        return true;
    for (size_t i = 0; i < w->users->count; i++) {
        const struct discovered *item = &w->users->items[i];
        if (strcmp(item->name, task) == 0)
            return taskview_user_matches(w->opt, item);
    }
    return false;
}

/* Collect up to `left` wanted runs; 1 stops the walk when there are
 * enough, or when memory ran out. */
static int history_take(const struct store_run *run, void *ud)
{
    struct history_walk *w = ud;

    if (!history_wanted(w, run->task))
        return 0;
    json_t *row = runview_run_json(run, w->opt->default_zone);
    if (!row || json_array_append_new(w->runs, row) < 0) {
        w->out_of_memory = true;
        return 1;
    }
    return --w->left > 0 ? 0 : 1;
}

/* The first line of a run's error, cut to HISTORY_ERROR_SHOWN characters. */
static void history_error_cell(const char *error, char *buf, size_t len)
{
    size_t n = error ? strcspn(error, "\n") : 0;

    if (n > HISTORY_ERROR_SHOWN)
        n = HISTORY_ERROR_SHOWN;
    snprintf(buf, len, "%.*s", (int)n, error ? error : "");
}

static int history_print(const struct cli_options *opt, const json_t *runs)
{
    static const char *const header[] = {"ID",        "TASK",    "TRIGGER", "ATTEMPT",
                                         "SCHEDULED", "STARTED", "RESULT",  "ERROR"};
    struct table t;
    size_t i;
    json_t *run;
    int rc;

    if (json_array_size(runs) == 0) {
        printf("no runs recorded\n");
        return 0;
    }
    table_init(&t, sizeof header / sizeof header[0]);
    table_add(&t, header);
    json_array_foreach(runs, i, run)
    {
        char id[RUNVIEW_TEXT_MAX], attempt[RUNVIEW_TEXT_MAX], scheduled[RUNVIEW_TEXT_MAX];
        char started[RUNVIEW_TEXT_MAX], result[RUNVIEW_TEXT_MAX];
        char error[HISTORY_ERROR_SHOWN * 4 + 1]; /* UTF-8: up to 4 bytes each */
        snprintf(id, sizeof id, "%lld",
                 (long long)json_integer_value(json_object_get(run, "id")));
        snprintf(attempt, sizeof attempt, "%lld",
                 (long long)json_integer_value(json_object_get(run, "attempt")));
        runview_time(opt->default_zone, instant_json_get(run, "scheduled_for"), scheduled,
                     sizeof scheduled);
        runview_time(opt->default_zone, instant_json_get(run, "started_at"), started,
                     sizeof started);
        runview_outcome(run, result, sizeof result);
        history_error_cell(json_string_value(json_object_get(run, "error")), error,
                           sizeof error);
        const char *row[] = {id,
                             json_string_value(json_object_get(run, "task")),
                             json_string_value(json_object_get(run, "trigger")),
                             attempt,
                             scheduled,
                             started,
                             result,
                             error};
        table_add(&t, row);
    }
    rc = table_print(&t, stdout);
    table_free(&t);
    return rc;
}

static int history_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct history_args args;
    struct discovery found = {0};
    struct history_walk walk = {.opt = opt};
    struct store *st = NULL;
    char err[HISTORY_ERR_MAX];
    int rc = 1;

    if (history_parse(opt, argc, argv, &args) < 0)
        return cli_command_usage(&cmd_history_entry);
    if (opt->user) {
        if (taskview_scan(opt, args.task, &found, err, sizeof err) < 0) {
            fprintf(stderr, "history: %s\n", err);
            goto done;
        }
        walk.users = &found;
    }
    st = taskview_store_open(opt, err, sizeof err);
    walk.runs = json_array();
    walk.left = args.count;
    if (!st || !walk.runs) {
        fprintf(stderr, "history: %s\n", st ? "out of memory" : err);
        goto done;
    }
    /* No row limit in SQL: --user may skip rows; history_take stops the walk. */
    if (store_history(st, args.task, 0, history_take, &walk) < 0 || walk.out_of_memory) {
        fprintf(stderr, "history: %s\n",
                walk.out_of_memory ? "out of memory" : store_error(st));
        goto done;
    }
    /* No runs and no such file: a misspelt name, not an empty history
     * (a removed task's runs stay listed). */
    if (args.task && json_array_size(walk.runs) == 0 &&
        taskname_check(opt, "history", args.task) != 0)
        goto done;
    if ((args.json ? table_print_json(walk.runs, stdout) : history_print(opt, walk.runs)) < 0 ||
        fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    json_decref(walk.runs);
    store_close(st);
    discovery_free(&found);
    return rc;
}

const struct cli_command cmd_history_entry = {
    .name = "history",
    .usage = "[TASK] [-n N] [--json]",
    .help = "recent runs, newest first",
    .manual = "  TASK    only this task's runs\n"
              "  -n N    at most N runs (default 20)\n"
              "  --json  the runs as JSON objects\n"
              "Exit 1 for a TASK that has no file and no runs.\n",
    .lenient = true,
    .exec = history_exec,
};
