/* cmd_daemon.c — the daemon started from the command line: `main`,
 * `main --daemon`, and the new daemon of `main restart`.  The daemon gets
 * only what it uses of the global options (daemon.h). */
#include "cli.h"

#include "daemon/daemon.h"

int cmd_daemon(const struct cli_options *opt, bool detach)
{
    const struct daemon_options dopt = {
        .root = opt->root,
        .config_path = opt->config_path,
        .config = opt->config,
        .verbose = opt->verbose,
        .examples_forced = opt->examples_forced,
        .detach = detach,
    };

    return daemon_run(&dopt);
}
