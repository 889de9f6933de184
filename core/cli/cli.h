/* cli.h — the subcommands and what each receives from the command line
 * parser.
 *
 * Each subcommand is one struct cli_command, defined in its cmd_*.c (as
 * tmux's cmd_entry): its name, usage, --help line and whether it runs on
 * a broken config.  main.c parses the global options, finds the entry in
 * cli_commands (commands.c), loads the config, and calls its exec with the
 * subcommand's own arguments (argv[0] is the subcommand's name).  Each
 * returns the process exit code: 0 ok, 1 failure, 2 usage error.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>

#include "time/tz.h"

#define EXIT_USAGE 2

struct config;

struct cli_options {
    const char *root;        /* project root (absolute) */
    const char *config_path; /* config file (absolute) */
    const char *tasks_dir;   /* tasks directory (absolute) */
    const char *jobs_file;   /* the root's jobs.yaml (absolute; it may not exist) */
    const char *user;        /* --user NAME, or NULL */
    const char *tags;        /* --tag A,B: only tasks with one of these tags, or NULL */
    bool verbose;
    bool json;                     /* --json given anywhere */
    bool include_examples;         /* tasks.include_example_tasks or --include-examples */
    bool examples_forced;          /* --include-examples itself (the daemon reads
                                  * the config's setting again at each reload) */
    const struct tz *default_zone; /* scheduler.timezone, else the system's */
    const struct config *config;   /* the loaded config (the defaults when a
                                  * lenient command found it broken) */
};

struct cli_command {
    const char *name;   /* the word that picks it: main NAME ... */
    const char *usage;  /* its arguments, "" for none: the usage
                         * line is "PROGRAM NAME USAGE" */
    const char *help;   /* what it does, in one line of --help */
    const char *manual; /* `NAME --help` and `help NAME`: its arguments
                         * and options explained, one per line; NULL
                         * prints the usage and help lines alone */
    bool lenient;       /* runs on the defaults, with a warning,
                         * when the config is broken (main.c) */
    int (*exec)(const struct cli_options *opt, int argc, char **argv);
};

/* The subcommands, in the order of --help; NULL-terminated (commands.c). */
extern const struct cli_command *const cli_commands[];

/* The entry of cli_commands named `name`, or NULL. */
const struct cli_command *cli_command_find(const char *name);

/* The entries, one in each cmd_*.c (cmd_stop.c has reload and restart). */
extern const struct cli_command cmd_list_entry, cmd_history_entry, cmd_check_entry,
    cmd_calendar_entry, cmd_next_entry, cmd_overdue_entry, cmd_reset_entry, cmd_reload_entry,
    cmd_stop_entry, cmd_restart_entry, cmd_config_entry, cmd_dashboard_entry, cmd_stats_entry,
    cmd_sources_entry;
/* cmd_pause.c has pause and resume. */
extern const struct cli_command cmd_pause_entry, cmd_resume_entry, cmd_cancel_entry;
extern const struct cli_command cmd_alerts_entry;

/* The program's name in usage and error lines: the last part of argv[0]
 * (`task-scheduler` when installed, `main` in the build tree). */
void cli_set_program(const char *argv0);
const char *cli_program(void);

/* Print "usage: PROGRAM " and the line to stderr; returns EXIT_USAGE. */
int cli_usage(const char *usage_line);

/* Print "usage: PROGRAM NAME USAGE" of the command to stderr; returns
 * EXIT_USAGE. */
int cli_command_usage(const struct cli_command *command);

/* `NAME --help`: the usage line, the help line and the manual, to stdout;
 * 0, or 1 when stdout cannot be written. */
int cli_command_help(const struct cli_command *command);

/* For the argument parsers: say what is wrong ("PROGRAM: WHAT: WHY" on
 * stderr, before the usage line the caller prints) and return -1.
 * `what` names the command or option. */
int cli_bad_args(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line to stdout, formatted, with its control characters escaped
 * (lib/utf8.h): for lines that hold a task's text.  0, or -1 when writing
 * failed or memory ran out. */
int cli_print_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* cli_bad_args for an argument the parser did not expect: "unknown option
 * '--x'", "'-n' needs a value" (an option it knows, `takes_value`), or
 * "unexpected argument 'x'". */
int cli_bad_arg(const char *command, const char *arg, bool takes_value);

/* The count of an option such as -n: a whole number from 1 to max into
 * *out; 0, or -1 after saying what is wrong. */
int cli_parse_count(const char *command, const char *option, const char *text, long max,
                    long *out);

/* Global options that name a command rather than a subcommand: main.c
 * calls cmd_status for `--status` and cmd_task for `--task NAME` (argv is
 * then {"--task", NAME}). */
int cmd_status(const struct cli_options *opt, int argc, char **argv);
int cmd_task(const struct cli_options *opt, int argc, char **argv);

/* `show RUN_ID` and `history --show RUN_ID` (cmd_show.c): one run in full,
 * or its JSON object with --json; errors are reported under `command`'s name.  The exit
 * code: 1 when there is no such run, 2 when `id` is not a run id. */
int cmd_show_run(const struct cli_options *opt, const char *command, const char *id);
extern const struct cli_command cmd_show_entry, cmd_logs_entry;

/* The daemon in this process (`main`), or detached (`--daemon`): its exit
 * code (core/cli/cmd_daemon.c). */
int cmd_daemon(const struct cli_options *opt, bool detach);

/* The program's own usage line (cli_usage prints it after "usage: "
 * and the program's name). */
#define CLI_USAGE                                                               \
    "[--root DIR] [--config FILE] [--verbose] [--json] [--wide] [--user NAME] " \
    "[--tag TAGS] [--include-examples] [--daemon | --status | --task NAME | COMMAND [ARGS]]"

/* The full --help text to stdout, the commands' lines made from their
 * entries (NULL-terminated, in that order). */
void cli_help(const struct cli_command *const commands[]);

#endif
