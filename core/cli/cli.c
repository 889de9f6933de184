/* cli.c — the usage line and the --help text. */
#include "cli.h"

#include <stdio.h>

static const char help_text[] =
    "usage: " CLI_USAGE "\n"
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
    "  --user NAME         only tasks that run as this user\n"
    "  --json              machine-readable output\n"
    "  --include-examples  also load tasks/example_*.lua\n"
    "  --verbose           debug logging\n"
    "  --help, --version\n"
    "\n"
    "Commands:\n"
    "  list                          the tasks, their schedules and next fires\n"
    "  history [TASK] [-n N]         recent runs, newest first\n"
    "  check [FILE...]               validate task files (exit 1 on error)\n"
    "  calendar EXPR [--from ISO] [-n N] [--tz ZONE]\n"
    "                                the next fire instants of a schedule\n"
    "  next TASK [-n N]              the next fire instants of a task\n"
    "  overdue                       tasks whose fire time passed without a run\n"
    "  reset [--dry-run] [--future-only] [--task NAME]... [--all]\n"
    "                                recompute stored next fire times\n"
    "  reload                        make the daemon reload config and tasks\n"
    "  stop                          stop the daemon gracefully (waits for it)\n"
    "  restart                       stop it if it runs, then start it detached\n"
    "  config --effective            the settings in force and where each came from\n"
    "\n"
    "Signals to the daemon: SIGTERM/SIGINT stop, SIGHUP reload, SIGUSR1\n"
    "reopen log files.  Exit codes: 0 ok, 1 failure, 2 usage.\n";

int cli_usage(const char *usage_line)
{
    fprintf(stderr, "usage: %s\n", usage_line);
    return EXIT_USAGE;
}

void cli_help(void)
{
    fputs(help_text, stdout);
}
