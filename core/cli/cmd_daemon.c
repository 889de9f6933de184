/* cmd_daemon.c — the daemon started from the command line: `main`,
 * `main --daemon`, and the new daemon of `main restart`.  The daemon gets
 * only what it uses of the global options (daemon.h). */
#include "cli.h"

#include <stdio.h>

#include "daemon/daemon.h"

int cmd_daemon(const struct cli_options *opt, bool detach)
{
    if (opt->tags) { /* silently running every task would betray the option */
        fprintf(stderr, "main: --tag filters list, --status, overdue and history; a daemon "
                        "runs every task (--user NAME runs only NAME's)\n");
        return EXIT_USAGE;
    }
    const struct daemon_options dopt = {
        .root = opt->root,
        .config_path = opt->config_path,
        .config = opt->config,
        .verbose = opt->verbose,
        .examples_forced = opt->examples_forced,
        .detach = detach,
        .user = opt->user,
    };

    return daemon_run(&dopt);
}
