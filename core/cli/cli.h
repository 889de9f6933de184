/* cli.h — what every subcommand receives from the command line parser.
 *
 * main.c parses the global options, loads the config, and calls one
 * cmd_* function with the subcommand's own arguments (argv[0] is the
 * subcommand's name).  Each cmd_* returns the process exit code:
 * 0 ok, 1 failure, 2 usage error.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>

#include "time/tz.h"

#define EXIT_USAGE 2

struct config;

struct cli_options {
    const char *root;            /* project root (absolute) */
    const char *config_path;     /* config file (absolute) */
    const char *tasks_dir;       /* tasks directory (absolute) */
    const char *user;            /* --user NAME, or NULL */
    bool verbose;
    bool json;                   /* --json given anywhere */
    bool include_examples;       /* tasks.include_example_tasks or --include-examples */
    bool examples_forced;        /* --include-examples itself (the daemon reads
                                  * the config's setting again at each reload) */
    const struct tz *default_zone; /* scheduler.timezone, else the system's */
    const struct config *config; /* the loaded config (the defaults when a
                                  * lenient command found it broken) */
};

/* Print "usage: main NAME ..." style line for a subcommand to stderr and
 * return EXIT_USAGE. */
int cli_usage(const char *usage_line);

int cmd_check(const struct cli_options *opt, int argc, char **argv);
int cmd_calendar(const struct cli_options *opt, int argc, char **argv);

/* Global options that name a command rather than a subcommand: main.c
 * calls cmd_status for `--status` and cmd_task for `--task NAME` (argv is
 * then {"--task", NAME}). */
int cmd_status(const struct cli_options *opt, int argc, char **argv);
int cmd_task(const struct cli_options *opt, int argc, char **argv);

/* The daemon in this process (`main`), or detached (`--daemon`): its exit
 * code (core/cli/cmd_daemon.c). */
int cmd_daemon(const struct cli_options *opt, bool detach);

/* Subcommands that read the store or talk to the daemon (core/cmd_*.c). */
int cmd_list(const struct cli_options *opt, int argc, char **argv);
int cmd_history(const struct cli_options *opt, int argc, char **argv);
int cmd_next(const struct cli_options *opt, int argc, char **argv);
int cmd_overdue(const struct cli_options *opt, int argc, char **argv);
int cmd_reset(const struct cli_options *opt, int argc, char **argv);
int cmd_stop(const struct cli_options *opt, int argc, char **argv);
int cmd_reload(const struct cli_options *opt, int argc, char **argv);
int cmd_restart(const struct cli_options *opt, int argc, char **argv);
int cmd_config(const struct cli_options *opt, int argc, char **argv);

/* The program's own usage line (cli_usage prints it after "usage: "). */
#define CLI_USAGE                                                             \
    "main [--root DIR] [--config FILE] [--verbose] [--json] [--user NAME] "   \
    "[--include-examples] [--daemon | --status | --task NAME | COMMAND [ARGS]]"

/* The full --help text to stdout. */
void cli_help(void);

#endif
