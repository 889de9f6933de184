/* cmd_history.c — `main history [TASK] [-n N] [--status S] [--trigger T]
 * [--since WHEN] [--until WHEN] [--show ID] [--json]`: runs, newest first.
 *
 * Read straight from the store, so it works whether or not a daemon runs
 * (WAL lets a reader in beside the daemon's writes).  The filters are the
 * store's query (store_run_filter); --user and --tag keep the runs of the
 * tasks they pick (taskview_wanted), as they are today.
 *
 * The table shows each run's most telling line (its error's first line),
 * and the missed rows of one task that follow each other — the fires of one
 * downtime — as one line "missed ×42 (first … last)".  -n counts table
 * lines, so such a line stands for all its rows; --json lists every row of
 * the lines shown.  --show ID is `main show ID`.
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
#include "time/clock.h"
#include "time/instant_json.h"

#define HISTORY_DEFAULT_COUNT 20
#define HISTORY_MAX_COUNT 1000000
#define HISTORY_ERR_MAX 512
#define HISTORY_ERROR_SHOWN 80 /* characters of a run's error in the table */
#define HISTORY_COLUMNS 8

struct history_args {
    const char *task, *show;
    long count;
    struct store_run_filter filter;
};

struct history_walk {
    const struct cli_options *opt;
    const json_t *shown; /* the status document, when --user or --tag filters */
    json_t *runs;
    long lines, count; /* table lines taken, and wanted */
    bool out_of_memory;
};

/* A filter's value through store_filter.c's parsers, its message after
 * the option's name. */
static int history_value(int rc, const char *option, const char *why)
{
    return rc == 0 ? 0 : cli_bad_args("history", "%s: %s", option, why);
}

static int history_parse(const struct cli_options *opt, int argc, char **argv,
                         struct history_args *args)
{
    memset(args, 0, sizeof *args);
    args->count = HISTORY_DEFAULT_COUNT;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool takes_value = strcmp(arg, "-n") == 0 || strcmp(arg, "--status") == 0 ||
                           strcmp(arg, "--trigger") == 0 || strcmp(arg, "--since") == 0 ||
                           strcmp(arg, "--until") == 0 || strcmp(arg, "--show") == 0;
        const char *value = takes_value && i + 1 < argc ? argv[++i] : NULL;
        char why[HISTORY_ERR_MAX];
        int rc = 0;

        if (takes_value && !value)
            return cli_bad_arg("history", arg, true);
        if (strcmp(arg, "-n") == 0)
            rc = cli_parse_count("history", "-n", value, HISTORY_MAX_COUNT, &args->count);
        else if (strcmp(arg, "--status") == 0)
            rc = history_value(store_filter_status(value, &args->filter, why, sizeof why), arg,
                               why);
        else if (strcmp(arg, "--trigger") == 0)
            rc = history_value(store_filter_trigger(value, &args->filter, why, sizeof why), arg,
                               why);
        else if (strcmp(arg, "--since") == 0 || strcmp(arg, "--until") == 0)
            rc = history_value(store_filter_when(value, opt->default_zone, clock_now(),
                                                 strcmp(arg, "--since") == 0
                                                     ? &args->filter.since
                                                     : &args->filter.until,
                                                 why, sizeof why),
                               arg, why);
        else if (strcmp(arg, "--show") == 0)
            args->show = value;
        else if (arg[0] != '-' && !args->task)
            args->task = arg;
        else
            return cli_bad_arg("history", arg, false);
        if (rc < 0)
            return -1;
    }
    args->filter.task = args->task;
    char why[HISTORY_ERR_MAX];
    if (store_filter_check(&args->filter, "--since", "--until", why, sizeof why) < 0)
        return cli_bad_args("history", "%s", why);
    if (args->show && (args->task || args->filter.by_status || args->filter.by_trigger ||
                       args->filter.since || args->filter.until))
        return cli_bad_args("history", "--show ID shows one run: it takes no filter");
    return 0;
}

/* Two rows share a table line: both missed, of one task. */
static bool history_same_downtime(const json_t *a, const json_t *b)
{
    const char *sa = json_string_value(json_object_get(a, "status"));
    const char *sb = json_string_value(json_object_get(b, "status"));

    return a && b && sa && sb && strcmp(sa, "missed") == 0 && strcmp(sb, "missed") == 0 &&
           json_equal(json_object_get(a, "task"), json_object_get(b, "task"));
}

/* Collect the wanted runs of `count` table lines; 1 stops the walk at the
 * first row of one line more, or when memory ran out. */
static int history_take(const struct store_run *run, void *ud)
{
    struct history_walk *w = ud;
    size_t taken = json_array_size(w->runs);
    json_t *row;

    if (w->shown && !taskview_lists(w->shown, run->task))
        return 0;
    row = store_run_json(run, w->opt->default_zone);
    if (!row) {
        w->out_of_memory = true;
        return 1;
    }
    if (!history_same_downtime(taken ? json_array_get(w->runs, taken - 1) : NULL, row)) {
        if (w->lines == w->count) {
            json_decref(row);
            return 1;
        }
        w->lines++;
    }
    if (json_array_append_new(w->runs, row) < 0) {
        w->out_of_memory = true;
        return 1;
    }
    return 0;
}

/* The first line of a run's error, cut to HISTORY_ERROR_SHOWN characters. */
static void history_error_cell(const char *error, char *buf, size_t len)
{
    size_t n = error ? strcspn(error, "\n") : 0;

    if (n > HISTORY_ERROR_SHOWN)
        n = HISTORY_ERROR_SHOWN;
    snprintf(buf, len, "%.*s", (int)n, error ? error : "");
}

/* The cells of one table line: the run `first` (newest), or the `rows`
 * missed rows from `first` to `last` (oldest) as one line. */
struct history_line {
    char id[2 * RUNVIEW_TEXT_MAX], attempt[RUNVIEW_TEXT_MAX], scheduled[RUNVIEW_TEXT_MAX];
    char started[RUNVIEW_TEXT_MAX], result[4 * RUNVIEW_TEXT_MAX];
    char error[HISTORY_ERROR_SHOWN * 4 + 1]; /* UTF-8: up to 4 bytes each */
};

static void history_line(const struct cli_options *opt, const json_t *first, const json_t *last,
                         size_t rows, struct history_line *l)
{
    json_int_t id = json_integer_value(json_object_get(first, "id"));

    snprintf(l->attempt, sizeof l->attempt, "%lld",
             (long long)json_integer_value(json_object_get(first, "attempt")));
    runview_time(opt->default_zone, instant_json_get(first, "scheduled_for"), l->scheduled,
                 sizeof l->scheduled);
    runview_time(opt->default_zone, instant_json_get(first, "started_at"), l->started,
                 sizeof l->started);
    history_error_cell(json_string_value(json_object_get(last, "error")), l->error,
                       sizeof l->error);
    if (rows == 1) {
        snprintf(l->id, sizeof l->id, "%lld", (long long)id);
        runview_outcome(first, l->result, sizeof l->result);
        return;
    }
    char from[RUNVIEW_TEXT_MAX];
    runview_time(opt->default_zone, instant_json_get(last, "scheduled_for"), from, sizeof from);
    snprintf(l->id, sizeof l->id, "%lld…%lld",
             (long long)json_integer_value(json_object_get(last, "id")), (long long)id);
    snprintf(l->result, sizeof l->result, "missed ×%zu (%s … %s)", rows, from, l->scheduled);
}

static int history_print(const struct cli_options *opt, const json_t *runs)
{
    static const char *const header[HISTORY_COLUMNS] = {
        "ID", "TASK", "TRIGGER", "ATTEMPT", "SCHEDULED", "STARTED", "RESULT", "ERROR"};
    size_t count = json_array_size(runs);
    struct table t;
    int rc;

    if (count == 0) {
        printf("no runs recorded\n");
        return 0;
    }
    table_init(&t, HISTORY_COLUMNS);
    table_add(&t, header);
    for (size_t i = 0, rows; i < count; i += rows) {
        const json_t *first = json_array_get(runs, i);
        struct history_line l;

        for (rows = 1;
             i + rows < count && history_same_downtime(json_array_get(runs, i + rows), first);
             rows++)
            ;
        history_line(opt, first, json_array_get(runs, i + rows - 1), rows, &l);
        const char *row[HISTORY_COLUMNS] = {
            l.id,
            json_string_value(json_object_get(first, "task")),
            json_string_value(json_object_get(first, "trigger")),
            l.attempt,
            l.scheduled,
            l.started,
            l.result,
            l.error};
        table_add(&t, row);
    }
    rc = table_print(&t, stdout);
    if (rc == 0 && printf("(times in %s)\n", tz_name(opt->default_zone)) < 0)
        rc = -1;
    table_free(&t);
    return rc;
}

static int history_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct history_args args;
    json_t *shown = NULL;
    struct history_walk walk = {.opt = opt};
    struct store *st = NULL;
    char err[HISTORY_ERR_MAX];
    int rc = 1;

    if (history_parse(opt, argc, argv, &args) < 0)
        return cli_command_usage(&cmd_history_entry);
    if (args.show) {
        rc = cmd_show_run(opt, "history", args.show);
        return rc == EXIT_USAGE ? cli_command_usage(&cmd_history_entry) : rc;
    }
    if (taskview_filtered(opt) &&
        !(walk.shown = shown = taskview_status(opt, err, sizeof err))) {
        fprintf(stderr, "history: %s\n", err);
        goto done;
    }
    st = taskview_store_open(opt, err, sizeof err);
    walk.runs = json_array();
    walk.count = args.count;
    if (!st || !walk.runs) {
        fprintf(stderr, "history: %s\n", st ? "out of memory" : err);
        goto done;
    }
    /* No row limit in SQL: --user and --tag may skip rows, a line may hold
     * many; history_take stops the walk. */
    if (store_history(st, &args.filter, 0, history_take, &walk) < 0 || walk.out_of_memory) {
        fprintf(stderr, "history: %s\n",
                walk.out_of_memory ? "out of memory" : store_error(st));
        goto done;
    }
    /* No runs and no such file: a misspelt name, not an empty history
     * (a removed task's runs stay listed). */
    if (args.task && json_array_size(walk.runs) == 0 &&
        taskname_check(opt, "history", args.task) != 0)
        goto done;
    bool none = !opt->json && shown && json_array_size(json_object_get(shown, "tasks")) == 0;
    if ((opt->json ? table_print_json(walk.runs, stdout)
         : none    ? taskview_print_none(opt)
                   : history_print(opt, walk.runs)) < 0 ||
        fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    json_decref(walk.runs);
    store_close(st);
    json_decref(shown);
    return rc;
}

const struct cli_command cmd_history_entry = {
    .name = "history",
    .usage = "[TASK] [-n N] [--status S] [--trigger T] [--since WHEN] [--until WHEN] "
             "[--show ID] [--json]",
    .help = "recent runs, newest first",
    .manual = "  TASK    only this task's runs\n"
              "  -n N    at most N runs (default 20)\n"
              "  --json  the runs as JSON objects\n"
              "Exit 1 for a TASK that has no file and no runs.\n",
    .lenient = true,
    .exec = history_exec,
};
