/* cmd_stop.c — `main stop`, `main restart` and `main reload`: ask the
 * running daemon.
 *
 * `stop` returns once the daemon's process is gone (bounded by the time
 * the daemon may take: shutdown_timeout for its runs, kill_grace for the
 * last ones, and a margin), so `main stop && main --daemon` restarts
 * cleanly; it and `reload` exit 1 when no daemon runs.  `restart` is that
 * stop (when a daemon runs) followed by `main --daemon` on the same root
 * and config: it exits 0 once the new daemon holds the lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "cli.h"
#include "client.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "lib/procstat.h"

#define STOP_ERR_MAX 512
#define STOP_POLL_NS 50000000L /* 50 ms between looks at the process */
#define STOP_MARGIN_S 5        /* beyond shutdown_timeout + kill_grace */

/* Send {"cmd": cmd}: the reply (new reference), or NULL after printing why
 * (*absent says that no daemon runs; then nothing is printed when `quiet`). */
static json_t *stop_ask(const struct cli_options *opt, const char *cmd, bool quiet,
                        bool *absent)
{
    char err[STOP_ERR_MAX];
    json_t *request = json_pack("{s:s}", "cmd", cmd);
    json_t *reply = NULL;

    *absent = false;
    if (!request) {
        fprintf(stderr, "%s: out of memory\n", cmd);
        return NULL;
    }
    switch (client_call(opt->root, request, &reply, err, sizeof err)) {
    case CLIENT_OK:
        if (client_reply_error(reply)) {
            fprintf(stderr, "%s: %s\n", cmd, client_reply_error(reply));
            json_decref(reply);
            reply = NULL;
        }
        break;
    case CLIENT_NOT_RUNNING:
        *absent = true;
        if (!quiet)
            fprintf(stderr, "daemon: not running\n");
        break;
    case CLIENT_ERROR:
        fprintf(stderr, "%s: %s\n", cmd, err);
        break;
    }
    json_decref(request);
    return reply;
}

/* True when `pid` has exited: no such process, or a zombie its parent has
 * not reaped yet. */
static bool stop_process_gone(pid_t pid)
{
    struct procstat ps;

    if (kill(pid, 0) < 0 && errno == ESRCH)
        return true;
    if (procstat_read(pid, &ps) != 0)
        return errno == ENOENT;
    return ps.state == PROCSTAT_ZOMBIE;
}

static bool stop_wait_gone(pid_t pid, int seconds)
{
    const struct timespec pause = {0, STOP_POLL_NS};
    long polls = (long)seconds * (1000000000L / STOP_POLL_NS);

    for (long i = 0; i < polls; i++) {
        if (stop_process_gone(pid))
            return true;
        nanosleep(&pause, NULL);
    }
    return stop_process_gone(pid);
}

/* Stop the daemon and wait for its process to end: 0 stopped, 1 failed
 * (said why), or -1 when none ran (said so unless `quiet`). */
static int stop_and_wait(const struct cli_options *opt, bool quiet)
{
    bool absent;
    json_t *reply = stop_ask(opt, "stop", quiet, &absent);

    if (!reply)
        return absent ? -1 : 1;
    pid_t pid = (pid_t)json_integer_value(json_object_get(reply, "pid"));
    json_decref(reply);
    int limit = opt->config->scheduler.shutdown_timeout + opt->config->scheduler.kill_grace +
                STOP_MARGIN_S;
    if (pid <= 0 || !stop_wait_gone(pid, limit)) {
        fprintf(stderr, "stop: the daemon (pid %d) is still running after %d s\n", (int)pid,
                limit);
        return 1;
    }
    printf("daemon stopped (pid %d)\n", (int)pid);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int stop_exec(const struct cli_options *opt, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_command_usage(&cmd_stop_entry);
    return stop_and_wait(opt, false) == 0 ? 0 : 1;
}

/* main.c lets a broken config through for the stop; the new daemon must
 * not start on defaults, so the config is read again, strictly, before the
 * running daemon is touched: a broken one leaves it running. */
static int restart_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct cli_options fresh_opt = *opt;
    struct config fresh;
    char err[CONFIG_ERR_MAX];
    int rc = 1;

    (void)argv;
    if (argc > 1)
        return cli_command_usage(&cmd_restart_entry);
    if (config_load(opt->config_path, &fresh, err, sizeof err) != 0) {
        fprintf(stderr, "restart: %s\nrestart: the running daemon (if any) was left alone\n",
                err);
        return 1;
    }
    fresh_opt.config = &fresh;
    if (stop_and_wait(opt, true) <= 0)
        rc = cmd_daemon(&fresh_opt, true); /* a start-up error reaches stderr */
    config_free(&fresh);
    return rc;
}

static int reload_exec(const struct cli_options *opt, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_command_usage(&cmd_reload_entry);
    bool absent;
    json_t *reply = stop_ask(opt, "reload", false, &absent);
    if (!reply)
        return 1;
    json_decref(reply);
    printf("daemon: reloading config and tasks\n");
    return fflush(stdout) == 0 ? 0 : 1;
}

const struct cli_command cmd_stop_entry = {
    .name = "stop",
    .usage = "",
    .help = "stop the daemon gracefully (waits for it)",
    .lenient = true,
    .exec = stop_exec,
};

const struct cli_command cmd_restart_entry = {
    .name = "restart",
    .usage = "",
    .help = "stop it if it runs, then start it detached",
    .lenient = true,
    .exec = restart_exec,
};

const struct cli_command cmd_reload_entry = {
    .name = "reload",
    .usage = "",
    .help = "make the daemon reload config and tasks",
    .lenient = true,
    .exec = reload_exec,
};
