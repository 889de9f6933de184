/* cmd_stop.c — `main stop`, `main restart` and `main reload`: ask the
 * running daemon.
 *
 * `stop` returns once the daemon's process is gone (bounded by the time
 * the daemon may take: shutdown_timeout for its runs, kill_grace for the
 * last ones, and a margin), so `main stop && main --daemon` restarts
 * cleanly; it and `reload` exit 1 when no daemon runs.  `restart` is that
 * stop (when a daemon runs) followed by `main --daemon` on the same root
 * and config: it exits 0 once the new daemon holds the lock.  Each says
 * what it did in a line, or with --json in one object.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "lib/procstat.h"
#include "table.h"

#define STOP_ERR_MAX 512
#define STOP_POLL_NS 50000000L /* 50 ms between looks at the process */
#define STOP_MARGIN_S 5        /* beyond shutdown_timeout + kill_grace */
#define STOP_TEXT_MAX 128

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

/* An outcome to stdout: `doc` with --json, else the line `text`.  Takes
 * doc (NULL: out of memory).  The exit code: 0, or 1 when nothing could be
 * written. */
static int stop_report(const struct cli_options *opt, json_t *doc, const char *text)
{
    int rc = -1;

    if (!opt->json)
        rc = printf("%s\n", text) < 0 ? -1 : 0;
    else if (doc)
        rc = table_print_json(doc, stdout);
    else
        fprintf(stderr, "%s: out of memory\n", cli_program());
    json_decref(doc);
    return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}

/* Stop the daemon and wait for its process to end: 0 stopped (its pid in
 * *stopped), 1 failed (said why), or -1 when none ran (said so unless
 * `quiet`). */
static int stop_and_wait(const struct cli_options *opt, bool quiet, pid_t *stopped)
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
    *stopped = pid;
    return 0;
}

/* "daemon stopped (pid N)", or {"stopped": true, "pid": N}. */
static int stop_exec(const struct cli_options *opt, int argc, char **argv)
{
    char text[STOP_TEXT_MAX];
    pid_t pid;

    (void)argv;
    if (argc > 1)
        return cli_command_usage(&cmd_stop_entry);
    if (stop_and_wait(opt, false, &pid) != 0)
        return 1;
    snprintf(text, sizeof text, "daemon stopped (pid %d)", (int)pid);
    return stop_report(opt, json_pack("{s:b, s:i}", "stopped", 1, "pid", (int)pid), text);
}

/* `main --daemon` in a child: a detaching daemon's first process exits
 * with the new daemon's verdict instead of returning, and restart still
 * has its outcome to print.  A start-up error reaches stderr.  The exit
 * code. */
static int restart_start(const struct cli_options *opt)
{
    int status;
    pid_t child;

    if (fflush(stdout) != 0 || (child = fork()) < 0) {
        perror("restart: cannot start the daemon");
        return 1;
    }
    if (child == 0)
        _exit(cmd_daemon(opt, true));
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR) {
            perror("restart: waiting for the new daemon");
            return 1;
        }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* main.c lets a broken config through for the stop; the new daemon must
 * not start on defaults, so the config is read again, strictly, before the
 * running daemon is touched: a broken one leaves it running. */
static int restart_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct cli_options fresh_opt = *opt;
    struct config fresh;
    char err[CONFIG_ERR_MAX], text[STOP_TEXT_MAX];
    pid_t pid = 0;
    int rc = 1;

    (void)argv;
    if (argc > 1)
        return cli_command_usage(&cmd_restart_entry);
    if (config_load_root(opt->root, opt->config_path, &fresh, err, sizeof err) != 0) {
        fprintf(stderr, "restart: %s\nrestart: the running daemon (if any) was left alone\n",
                err);
        return 1;
    }
    fresh_opt.config = &fresh;
    int stop = stop_and_wait(opt, true, &pid);
    if (stop <= 0)
        rc = restart_start(&fresh_opt);
    config_free(&fresh);
    if (rc != 0)
        return rc;
    /* "daemon restarted (pid N stopped)", or {"stopped": true, "pid": N,
     * "started": true}; without a daemon before, "daemon started" and
     * {"stopped": false, "pid": null, "started": true}. */
    if (stop == 0)
        snprintf(text, sizeof text, "daemon restarted (pid %d stopped)", (int)pid);
    return stop_report(opt,
                       json_pack("{s:b, s:o, s:b}", "stopped", stop == 0, "pid",
                                 stop == 0 ? json_integer(pid) : json_null(), "started", 1),
                       stop == 0 ? text : "daemon started");
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
    return stop_report(opt, json_pack("{s:b}", "reloading", 1),
                       "daemon: reloading config and tasks");
}

const struct cli_command cmd_stop_entry = {
    .name = "stop",
    .usage = "[--json]",
    .help = "stop the daemon gracefully (waits for it)",
    .manual = "Waits for the daemon's process to end: its runs get\n"
              "scheduler.shutdown_timeout, then SIGTERM and kill_grace.\n"
              "Exit 1 when no daemon runs.  --json: {\"stopped\": true, \"pid\": N}\n",
    .lenient = true,
    .exec = stop_exec,
};

const struct cli_command cmd_restart_entry = {
    .name = "restart",
    .usage = "[--json]",
    .help = "stop it if it runs, then start it detached",
    .manual = "Reads the config first: a broken one leaves the running daemon alone.\n"
              "--json: {\"stopped\": BOOL, \"pid\": OLD PID or null, \"started\": true}\n",
    .lenient = true,
    .exec = restart_exec,
};

const struct cli_command cmd_reload_entry = {
    .name = "reload",
    .usage = "[--json]",
    .help = "make the daemon reload config and tasks",
    .manual = "As SIGHUP: the daemon reads config.yaml and the task files again;\n"
              "a broken config keeps the last good one.  Exit 1 when no daemon runs.\n"
              "--json: {\"reloading\": true}\n",
    .lenient = true,
    .exec = reload_exec,
};
