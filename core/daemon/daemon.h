/* daemon.h — the scheduler daemon's life, from lock to exit.
 *
 * daemon_run() checks data/ and logs/ (strictmodes.h), takes the per-root
 * lock, optionally detaches, opens the log, makes data/ and logs/ private,
 * opens the store, kills the processes of the runs a dead predecessor
 * left open and closes those runs (as `interrupted`, orphans.h), starts
 * the engine (discovery, catch-up, schedule), the clock watch, the file
 * watch, housekeeping, the control socket and the HTTP API (api/api.h),
 * and runs the loop until SIGTERM/SIGINT (or `main stop`) has let the runs
 * finish.  Should data/ vanish meanwhile, it starts again in place on a
 * fresh one (datawatch.h).
 *
 * Signals: SIGTERM, SIGINT  graceful stop (scheduler.shutdown_timeout)
 *          SIGHUP           reload the config and rescan the tasks
 *          SIGUSR1          reopen the log files (external logrotate)
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>

#define DAEMON_PID_FILE_REL "data/scheduler.pid"

struct config;

/* How the daemon was asked to run; borrowed for the daemon's life. */
struct daemon_options {
    const char *root;            /* project root (absolute) */
    const char *config_path;     /* config file (absolute), read again on reload */
    const struct config *config; /* the config loaded at start */
    bool verbose;                /* debug level; kept across a self-restart */
    bool examples_forced;        /* --include-examples itself (the config's
                                  * setting is read again at each reload) */
    bool detach;                 /* --daemon: double fork, setsid, pid file */
    const char *user;            /* --user NAME: run only NAME's tasks
                                  * (engine_options.only_user); NULL = all */
};

/* Run the daemon.  Returns the process exit code: 0 after a graceful
 * stop, 1 when start-up failed (the reason is printed on stderr). */
int daemon_run(const struct daemon_options *opt);

#endif
