/* main.c — the command line: global options, the config, and one action.
 *
 *   main [GLOBAL...]                  the daemon, in the foreground
 *   main [GLOBAL...] --daemon         the daemon, detached
 *   main [GLOBAL...] --status | --task NAME | COMMAND [ARGS...]
 *   main help [COMMAND], main COMMAND --help   the help, on stdout
 *   main __run                        a run process (spawned by the executor)
 *   main __forkserver                 the fork server: forks run processes
 *   main __notify                     a notification sender (alerts.c)
 *
 * The options that only shape the environment (--root, --config, --user,
 * --tag, --verbose, --json, --wide, --include-examples) are global and may appear
 * anywhere; the first word that is not an option names the subcommand, and
 * what follows it belongs to the subcommand (so `reset --task NAME` keeps
 * its own --task), but for the global options and --help.  The program
 * names itself by argv[0] in its messages (cli_program).  A broken config
 * fails at once, with file:line, exit 1 — except for the commands that
 * talk to a running daemon (--status and the entries marked lenient in
 * core/cli/cmd_*.c): a daemon keeps its last good config when config.yaml
 * breaks, and must still be reachable, so they warn with file:line and use
 * the defaults for their local parts.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "config/config.h"
#include "daemon/proctitle.h"
#include "lib/filemode.h"
#include "lib/suggest.h"
#include "notify/alerts.h"
#include "notify/notifier.h"
#include "run/forkserver.h"
#include "runner/runner.h"
#include "task/discovery.h"
#include "time/clock.h"
#include "time/tz.h"
#include "version.h"

#define RUN_COMMAND "__run"
#define HELP_COMMAND "help" /* `help` is --help, `help NAME` is `NAME --help` */
#define DEFAULT_CONFIG_REL "config/config.yaml"
#define MAIN_ERR_MAX (PATH_MAX + 512)

enum action {
    ACTION_DAEMON,
    ACTION_DETACH,
    ACTION_STATUS,
    ACTION_TASK,
    ACTION_COMMAND,
    ACTION_HELP,
    ACTION_VERSION
};

struct args {
    const char *root, *config, *user, *tags, *task;
    int tags_given; /* --tag takes one comma list, once */
    bool verbose, json, include_examples, wide;
    enum action action;
    bool action_set;
    const struct cli_command *command; /* ACTION_COMMAND, or the topic of ACTION_HELP */
    bool command_help;                 /* COMMAND --help */
    bool lenient;                      /* a broken config only warns */
    int sub_argc;                      /* the subcommand's argv, its name first */
    char **sub_argv;
};

/* "--name VALUE" or "--name=VALUE": the value, or NULL when this is not
 * the option; *bad is set when the option lacks its value. */
static const char *option_value(const char *name, char **argv, int argc, int *i, bool *bad)
{
    size_t len = strlen(name);

    if (strncmp(argv[*i], name, len) != 0)
        return NULL;
    if (argv[*i][len] == '=')
        return argv[*i] + len + 1;
    if (argv[*i][len] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *bad = true;
        return NULL;
    }
    return argv[++*i];
}

/* A global option at argv[*i]: 1 consumed, 0 not one, -1 missing value. */
static int global_option(struct args *a, char **argv, int argc, int *i)
{
    const char *arg = argv[*i];
    bool bad = false;
    const char *v;

    if (strcmp(arg, "--verbose") == 0)
        a->verbose = true;
    else if (strcmp(arg, "--json") == 0)
        a->json = true;
    else if (strcmp(arg, "--wide") == 0)
        a->wide = true;
    else if (strcmp(arg, "--include-examples") == 0)
        a->include_examples = true;
    else if ((v = option_value("--root", argv, argc, i, &bad)))
        a->root = v;
    else if ((v = option_value("--config", argv, argc, i, &bad)))
        a->config = v;
    else if ((v = option_value("--user", argv, argc, i, &bad)))
        a->user = v;
    else if ((v = option_value("--tag", argv, argc, i, &bad))) {
        a->tags = v;
        a->tags_given++;
    } else
        return bad ? -1 : 0;
    return 1;
}

/* The action named by argv word `arg`; only one per command line. */
static int set_action(struct args *a, enum action action, const char *arg)
{
    if (a->action_set)
        return cli_bad_args(arg, "only one of --daemon, --status, --task, --help, "
                                 "--version or a command may be given");
    a->action = action;
    a->action_set = true;
    return 0;
}

/* For "did you mean": the options that pick an action other than a
 * command, and the global ones. */
static const char *const action_options[] = {"--daemon", "--status",  "--task",
                                             "--help",   "--version", NULL};
static const char *const global_options[] = {
    "--root",    "--config",           "--user", "--tag", "--json", "--wide",
    "--verbose", "--include-examples", NULL};

/* Neither an option nor a command: say so, with the word meant ("status"
 * is most likely --status). */
static int unknown_word(const char *arg)
{
    struct suggest near;
    const char *action;

    suggest_init(&near, arg);
    if (arg[0] == '-') {
        for (const char *const *o = action_options; *o; o++)
            suggest_consider(&near, *o);
        for (const char *const *o = global_options; *o; o++)
            suggest_consider(&near, *o);
        if (near.best)
            return cli_bad_args(arg, "unknown option (did you mean '%s'?)", near.best);
        return cli_bad_args(arg, "unknown option (see --help)");
    }
    for (const char *const *o = action_options; *o; o++)
        suggest_consider(&near, *o + 2); /* "status" for --status */
    action = near.best;
    for (const struct cli_command *const *c = cli_commands; *c; c++)
        suggest_consider(&near, (*c)->name);
    suggest_consider(&near, HELP_COMMAND);
    if (near.best)
        fprintf(stderr, "%s: unknown command '%s' (did you mean '%s%s'?)\n", cli_program(), arg,
                near.best == action ? "--" : "", near.best);
    else
        fprintf(stderr, "%s: unknown command '%s' (see --help)\n", cli_program(), arg);
    return -1;
}

static bool find_command(struct args *a, const char *name)
{
    a->command = cli_command_find(name);
    if (a->command)
        a->lenient = a->command->lenient;
    return a->command != NULL;
}

/* 0, or -1 for a usage error.  sub_argv is allocated (argc slots). */
static int parse(struct args *a, int argc, char **argv)
{
    bool bad = false;

    a->sub_argv = calloc((size_t)argc + 1, sizeof *a->sub_argv);
    if (!a->sub_argv)
        return cli_bad_args("arguments", "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int g = global_option(a, argv, argc, &i);
        const char *v;

        if (g < 0)
            return cli_bad_args(arg, "needs a value");
        if (g > 0)
            continue;
        if (a->action == ACTION_COMMAND) {
            if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
                a->command_help = true;
            else
                a->sub_argv[a->sub_argc++] = argv[i];
        } else if (a->action == ACTION_HELP && !a->command && arg[0] != '-') {
            if (!(a->command = cli_command_find(arg)))
                return unknown_word(arg);
        } else if (strcmp(arg, HELP_COMMAND) == 0) {
            if (set_action(a, ACTION_HELP, arg) != 0)
                return -1;
        } else if (strcmp(arg, "--daemon") == 0) {
            if (set_action(a, ACTION_DETACH, arg) != 0)
                return -1;
        } else if (strcmp(arg, "--status") == 0) {
            if (set_action(a, ACTION_STATUS, arg) != 0)
                return -1;
            a->lenient = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            if (set_action(a, ACTION_HELP, arg) != 0)
                return -1;
        } else if (strcmp(arg, "--version") == 0) {
            if (set_action(a, ACTION_VERSION, arg) != 0)
                return -1;
        } else if ((v = option_value("--task", argv, argc, &i, &bad)) || bad) {
            if (bad)
                return cli_bad_args(arg, "needs a value");
            if (set_action(a, ACTION_TASK, arg) != 0)
                return -1;
            a->task = v;
        } else if (arg[0] != '-' && find_command(a, arg)) {
            if (set_action(a, ACTION_COMMAND, arg) != 0)
                return -1;
            a->sub_argv[a->sub_argc++] = argv[i];
        } else {
            return unknown_word(arg);
        }
    }
    if (a->tags_given > 1)
        return cli_bad_args("--tag", "given twice: name the tags once, as a comma list "
                                     "(--tag a,b)");
    if (!a->action_set)
        a->action = ACTION_DAEMON;
    return 0;
}

/* An absolute path for `path` (relative to the working directory). */
static int absolute(const char *path, char *out, size_t len, bool must_exist)
{
    char cwd[PATH_MAX];
    int n;

    if (realpath(path, out))
        return 0;
    if (must_exist || errno != ENOENT)
        return -1;
    if (path[0] == '/')
        n = snprintf(out, len, "%s", path);
    else if (getcwd(cwd, sizeof cwd))
        n = snprintf(out, len, "%s/%s", cwd, path);
    else
        return -1;
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

struct paths {
    char root[PATH_MAX], config[PATH_MAX], tasks[PATH_MAX], jobs[PATH_MAX];
};

/* Fill opt from the arguments and the loaded config.  -1 with a message. */
static int prepare(const struct args *a, struct config *config, struct paths *p,
                   struct cli_options *opt, char *err, size_t errlen)
{
    char zone_err[CONFIG_ERR_MAX];
    char default_config[PATH_MAX];

    if (clock_init(err, errlen) != 0)
        return -1;
    if (absolute(a->root ? a->root : ".", p->root, sizeof p->root, true) != 0) {
        snprintf(err, errlen, "--root %s: %s", a->root ? a->root : ".", strerror(errno));
        return -1;
    }
    if (config_resolve_path(p->root, DEFAULT_CONFIG_REL, default_config,
                            sizeof default_config) != 0 ||
        absolute(a->config ? a->config : default_config, p->config, sizeof p->config, false) !=
            0) {
        snprintf(err, errlen, "--config %s: %s", a->config ? a->config : default_config,
                 strerror(errno));
        return -1;
    }
    if (config_load_root(p->root, p->config, config, err, errlen) != 0) {
        if (!a->lenient)
            return -1;
        fprintf(stderr,
                "%s: warning: %s\n"
                "%s: warning: using the default settings here; a running daemon "
                "keeps its last good config\n",
                cli_program(), err, cli_program());
        if (config_defaults(config) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (config_resolve_path(p->root, config->tasks.directory, p->tasks, sizeof p->tasks) != 0 ||
        config_resolve_path(p->root, DISCOVERY_JOBS_FILE, p->jobs, sizeof p->jobs) != 0) {
        snprintf(err, errlen, "tasks.directory: path too long");
        return -1;
    }
    opt->root = p->root;
    opt->config_path = p->config;
    opt->tasks_dir = p->tasks;
    opt->jobs_file = p->jobs;
    opt->user = a->user;
    opt->tags = a->tags;
    opt->verbose = a->verbose;
    opt->json = a->json;
    opt->include_examples = a->include_examples || config->tasks.include_example_tasks;
    opt->examples_forced = a->include_examples;
    opt->config = config;
    if (!config->scheduler.timezone || !*config->scheduler.timezone) {
        opt->default_zone = tz_system();
    } else if (!(opt->default_zone =
                     tz_get(config->scheduler.timezone, zone_err, sizeof zone_err))) {
        snprintf(err, errlen, "scheduler.timezone: %s", zone_err);
        return -1;
    }
    return 0;
}

static int dispatch(const struct args *a, const struct cli_options *opt)
{
    char *task_argv[] = {"--task", (char *)a->task, NULL};
    char *status_argv[] = {"--status", NULL};

    switch (a->action) {
    case ACTION_DAEMON:
        return cmd_daemon(opt, false);
    case ACTION_DETACH:
        return cmd_daemon(opt, true);
    case ACTION_STATUS:
        return cmd_status(opt, 1, status_argv);
    case ACTION_TASK:
        return cmd_task(opt, 2, task_argv);
    case ACTION_COMMAND:
        return a->command->exec(opt, a->sub_argc, a->sub_argv);
    case ACTION_HELP:
    case ACTION_VERSION:
        break;
    }
    return 1;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    struct config config = {0};
    struct cli_options opt = {0};
    struct paths *paths = NULL;
    char err[MAIN_ERR_MAX];
    int rc = 1, titled;

    filemode_set_umask(); /* before anything is created (lib/filemode.h) */
    if (argc >= 2 && strcmp(argv[1], RUN_COMMAND) == 0)
        return runner_main();
    if (argc >= 2 && strcmp(argv[1], FORKSERVER_ARG) == 0)
        return forkd_main(argv); /* before proctitle_init: a child renames itself in argv */
    if (argc >= 2 && strcmp(argv[1], ALERTS_COMMAND) == 0)
        return notifier_child_main();
    titled = proctitle_init(argc, argv);
    cli_set_program(argv[0]); /* proctitle_init's copy: a process title leaves it alone */
    if (titled != 0) {
        fprintf(stderr, "%s: out of memory\n", cli_program());
        goto done;
    }
    if (parse(&a, argc, argv) != 0) {
        rc = cli_usage(CLI_USAGE);
        goto done;
    }
    if (a.command_help || (a.action == ACTION_HELP && a.command)) {
        rc = cli_command_help(a.command);
        goto done;
    }
    if (a.action == ACTION_HELP || a.action == ACTION_VERSION) {
        if (a.action == ACTION_HELP)
            cli_help(cli_commands);
        else
            printf("%s %s\n", cli_program(), SCHEDULER_VERSION);
        rc = fflush(stdout) == 0 ? 0 : 1;
        goto done;
    }
    paths = malloc(sizeof *paths);
    if (!paths) {
        fprintf(stderr, "%s: out of memory\n", cli_program());
        goto done;
    }
    if (prepare(&a, &config, paths, &opt, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", cli_program(), err);
        goto done;
    }
    table_set_wide(a.wide);
    rc = dispatch(&a, &opt);
done:
    config_free(&config);
    free(paths);
    free(a.sub_argv);
    tz_cache_clear();
    return rc;
}
