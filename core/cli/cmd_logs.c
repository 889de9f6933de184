/* cmd_logs.c — `main logs TASK [-f] [-n N]`: the end of the task's own log
 * (logs/tasks/TASK.log), like tail: the last N lines (default
 * LOGS_DEFAULT_COUNT, as tail's), and with -f what is written after them,
 * through rotations, until Ctrl-C (exit 0).
 *
 * The file is read directly, so it works with or without a daemon.  A
 * task is known when its file is under tasks/ or its log exists (history
 * outlives a deleted file); any other name is an error with the nearest
 * task name suggested, exit 1.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config/logsetup.h"
#include "lib/suggest.h"
#include "log/tasklog.h"
#include "logtail.h"
#include "taskview.h"

#define LOGS_DEFAULT_COUNT 10
#define LOGS_MAX_COUNT 1000000
#define LOGS_ERR_MAX 512

struct logs_args {
    const char *task;
    long count;
    bool follow;
};

static int logs_parse(int argc, char **argv, struct logs_args *args)
{
    *args = (struct logs_args){.count = LOGS_DEFAULT_COUNT};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0) {
            args->follow = true;
        } else if (strcmp(argv[i], "-n") == 0) {
            if (i + 1 >= argc)
                return cli_bad_arg("logs", argv[i], true);
            /* -n 0 -f: only the lines to come */
            if (strcmp(argv[++i], "0") == 0)
                args->count = 0;
            else if (cli_parse_count("logs", "-n", argv[i], LOGS_MAX_COUNT, &args->count) < 0)
                return -1;
        } else if (argv[i][0] != '-' && !args->task) {
            args->task = argv[i];
        } else {
            return cli_bad_arg("logs", argv[i], false);
        }
    }
    return args->task ? 0 : cli_bad_args("logs", "which task? (logs TASK)");
}

/* 1 when `name` is a task (its file or its log exists), 0 after saying it
 * is not, with the nearest name, -1 after reporting a failure.  `path` is
 * its log, or NULL for a name that can have none. */
static int logs_known(const struct cli_options *opt, const char *name, const char *path)
{
    struct discovery found = {0};
    struct suggest near;
    struct stat st;
    char err[LOGS_ERR_MAX];
    int rc = 0;

    if (path && stat(path, &st) == 0)
        return 1;
    if (taskview_scan(opt, NULL, &found, err, sizeof err) < 0) {
        fprintf(stderr, "logs: %s\n", err);
        discovery_free(&found);
        return -1;
    }
    suggest_init(&near, name);
    for (size_t i = 0; i < found.count && rc == 0; i++) {
        rc = strcmp(found.items[i].name, name) == 0;
        suggest_consider(&near, found.items[i].name);
    }
    if (rc == 0 && near.best)
        fprintf(stderr, "logs: no task named '%s' (did you mean '%s'?)\n", name, near.best);
    else if (rc == 0)
        fprintf(stderr, "logs: no task named '%s' in %s\n", name, opt->tasks_dir);
    discovery_free(&found);
    return rc;
}

static int logs_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct logs_args args;
    struct logtail tail;
    char logs_dir[PATH_MAX], path[PATH_MAX], err[LOGS_ERR_MAX];
    bool has_path;
    int rc = 1;

    if (logs_parse(argc, argv, &args) < 0)
        return cli_command_usage(&cmd_logs_entry);
    has_path = logsetup_logs_dir(opt->root, logs_dir, sizeof logs_dir) == 0 &&
               tasklog_path(logs_dir, args.task, path, sizeof path) == 0;
    if (logs_known(opt, args.task, has_path ? path : NULL) != 1)
        return 1;
    if (!has_path) { /* a task, but its log's path would not fit */
        fprintf(stderr, "logs: %s: the path of its log is too long\n", args.task);
        return 1;
    }
    if (logtail_open(&tail, path, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "logs: %s\n", err);
        return 1;
    }
    if (tail.fd < 0 && !args.follow)
        fprintf(stderr, "logs: %s has logged nothing yet (%s)\n", args.task, path);
    if (logtail_last(&tail, args.count, err, sizeof err) == 0 &&
        (!args.follow || logtail_follow(&tail, err, sizeof err) == 0))
        rc = 0;
    else
        fprintf(stderr, "logs: %s\n", err);
    logtail_close(&tail);
    return rc;
}

const struct cli_command cmd_logs_entry = {
    .name = "logs",
    .usage = "TASK [-f] [-n N]",
    .help = "the end of a task's log; -f follows it",
    .lenient = true,
    .exec = logs_exec,
};
