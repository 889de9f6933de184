/* cli.c — the usage lines, the --help text, and the CLI's message helpers.
 *
 * The commands' part of --help is made from their entries, which main.c
 * passes in: reading cli_commands here would make cli.c, commands.c and
 * the cmd_*.c (which call cli_usage) call each other in a circle.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

#define CLI_HELP_COLUMN 30 /* where a command's help starts, after the indent */
#define CLI_HELP_GAP 2     /* the least room between a synopsis and its help */
#define CLI_SYNOPSIS_MAX 256

static const char *program = "main";

static const char help_head[] =
    "\n"
    "A task scheduler: runs the Lua tasks under tasks/ on their schedules,\n"
    "records every run in data/scheduler.db, and catches up what it missed.\n"
    "\n"
    "Without a command, runs the scheduler daemon in the foreground.\n"
    "\n"
    "Options:\n"
    "  --root DIR          project root holding tasks/ config/ data/ logs/\n"
    "                      (default: the current directory)\n"
    "  --config FILE       config file (default: ROOT/config/config.yaml)\n"
    "  --daemon            run the daemon detached (pid in data/scheduler.pid)\n"
    "  --status            is the daemon up, what runs next, what failed\n"
    "  --task NAME         run a task now (through the daemon when it runs)\n"
    "  --user NAME         only the tasks whose `user` is NAME: the daemon runs\n"
    "                      only those, the views show only those\n"
    "  --tag A,B           list, --status, overdue, history: only tasks\n"
    "                      tagged A or B\n"
    "  --json              machine-readable output\n"
    "  --wide              tables keep long cells whole (else they fit the\n"
    "                      terminal, or $COLUMNS, cut with '…')\n"
    "  --include-examples  also load tasks/example_*.lua\n"
    "  --verbose           debug logging\n"
    "  --help, --version\n"
    "\n"
    "Global options may also follow the command.\n"
    "\n"
    "Commands (COMMAND --help or help COMMAND explains one):\n";

static const char help_tail[] =
    "  help [COMMAND]                this text, or the options of a command\n"
    "\n"
    "Signals to the daemon: SIGTERM/SIGINT stop, SIGHUP reload, SIGUSR1\n"
    "reopen log files.  Exit codes: 0 ok, 1 failure, 2 usage; --status exits\n"
    "3 when no daemon runs, 1 when a task is failing or broken, else 0.\n";

void cli_set_program(const char *argv0)
{
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

    if (argv0 && *argv0)
        program = slash && slash[1] ? slash + 1 : argv0;
}

const char *cli_program(void)
{
    return program;
}

int cli_bad_args(const char *what, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: %s: ", program, what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

int cli_print_line(const char *fmt, ...)
{
    va_list ap;
    char *line;
    int n, rc;

    va_start(ap, fmt);
    n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    rc = utf8_write_escaped(stdout, line, (size_t)n) == 0 && putchar('\n') != EOF ? 0 : -1;
    free(line);
    return rc;
}

int cli_bad_arg(const char *command, const char *arg, bool takes_value)
{
    if (takes_value)
        return cli_bad_args(command, "'%s' needs a value", arg);
    if (arg[0] == '-')
        return cli_bad_args(command, "unknown option '%s'", arg);
    return cli_bad_args(command, "unexpected argument '%s'", arg);
}

int cli_parse_count(const char *command, const char *option, const char *text, long max,
                    long *out)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(text, &end, 10);
    if (errno || end == text || *end != '\0' || n < 1 || n > max)
        return cli_bad_args(command, "%s: expected a whole number from 1 to %ld, got '%s'",
                            option, max, text);
    *out = n;
    return 0;
}

int cli_usage(const char *usage_line)
{
    fprintf(stderr, "usage: %s %s\n", program, usage_line);
    return EXIT_USAGE;
}

/* "NAME USAGE", or "NAME" when the command takes no arguments. */
static void synopsis(const struct cli_command *command, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", command->name, *command->usage ? " " : "", command->usage);
}

int cli_command_usage(const struct cli_command *command)
{
    char line[CLI_SYNOPSIS_MAX];

    synopsis(command, line, sizeof line);
    fprintf(stderr, "usage: %s %s\n", program, line);
    return EXIT_USAGE;
}

int cli_command_help(const struct cli_command *command)
{
    char line[CLI_SYNOPSIS_MAX];

    synopsis(command, line, sizeof line);
    /* the help line starts lower-case, to follow a synopsis in --help */
    printf("usage: %s %s\n\n%c%s.\n", program, line, toupper((unsigned char)command->help[0]),
           command->help + 1);
    if (command->manual)
        printf("\n%s", command->manual);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* "  SYNOPSIS  HELP", the help in its column, or on a line of its own when
 * the synopsis leaves no room. */
static void help_command(const struct cli_command *command)
{
    char line[CLI_SYNOPSIS_MAX];

    synopsis(command, line, sizeof line);
    if (strlen(line) + CLI_HELP_GAP <= CLI_HELP_COLUMN)
        printf("  %-*s%s\n", CLI_HELP_COLUMN, line, command->help);
    else
        printf("  %s\n  %-*s%s\n", line, CLI_HELP_COLUMN, "", command->help);
}

void cli_help(const struct cli_command *const commands[])
{
    printf("usage: %s %s\n", program, CLI_USAGE);
    fputs(help_head, stdout);
    for (size_t i = 0; commands[i]; i++)
        help_command(commands[i]);
    fputs(help_tail, stdout);
}
