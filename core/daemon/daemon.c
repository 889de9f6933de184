/* daemon.c — the scheduler daemon's life (see daemon.h).
 *
 * Start-up fails fast, with the reason on stderr and exit 1: data/ or
 * logs/ is another user's or writable by others (strictmodes.h), another
 * daemon holds the lock, the log or the store cannot be opened, the tasks
 * folder or the control socket is unusable.  From the first loop turn on, nothing
 * ends the daemon but a stop request (or a data/ it cannot set up again,
 * below): a broken task file or config edit is reported and the last good
 * version stays in force.
 *
 * With --daemon the process detaches (fork, setsid, fork) right after
 * taking the lock — the lock's descriptor is shared with the child, which
 * writes its own pid into it — and the first parent waits on a pipe until
 * the daemon reports that it started, so `main --daemon` still exits 1 with
 * the reason when start-up fails.  Once detached, the process title
 * becomes "task-scheduler: ROOT" (proctitle.c).
 *
 * Over scheduler.max_memory_usage the daemon re-executes itself when no
 * job is left (selfrestart.h): a stop as on SIGTERM, then execv with the
 * same arguments, the lock handed down; the new image sees the inherited
 * lock and neither detaches again nor loses its pid.  The same re-exec,
 * at once, brings the daemon back on a fresh data/ when that folder is
 * removed under it (on_data_changed).
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "api/api.h"
#include "clockwatch.h"
#include "config/config.h"
#include "config/logsetup.h"
#include "control.h"
#include "datawatch.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/pending.h"
#include "heartbeat.h"
#include "housekeeping.h"
#include "lib/filemode.h"
#include "lib/fs.h"
#include "lib/utf8.h"
#include "lock.h"
#include "log/log.h"
#include "notify/notifier.h"
#include "proctitle.h"
#include "run/orphans.h"
#include "selfrestart.h"
#include "store/store.h"
#include "strictmodes.h"
#include "task/discovery.h"
#include "time/clock.h"
#include "version.h"
#include "watch.h"

#define DAEMON_ERR_MAX (PATH_MAX + 512) /* a path and a reason */
#define DAEMON_ARGV_MAX 12 /* program, --root R, --config C, --user U, 3 switches, NULL */

static const int daemon_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
#define DAEMON_SIGNAL_COUNT (sizeof daemon_signals / sizeof daemon_signals[0])

struct daemon {
    const struct daemon_options *opt;
    uv_loop_t loop;
    const struct config *config; /* in force: main's, or `owned` */
    struct config *owned;        /* a config reloaded by us, or NULL */
    struct store *store;
    struct engine *engine;
    struct control *control;
    struct api *api;
    struct clockwatch *clockwatch;
    struct watch *watch;
    struct housekeeping *housekeeping;
    struct heartbeat *heartbeat;
    struct datawatch *datawatch;
    uv_signal_t signals[DAEMON_SIGNAL_COUNT];
    uv_timer_t restart_timer; /* looks for a moment without jobs */
    bool restart_pending;     /* over max_memory_usage: re-exec when idle */
    bool job_ended;           /* since start: only then can memory have grown */
    bool reexec;              /* the loop ended for the re-exec */
    bool failed;              /* stopped by a fault: exit status 1 */
    int lock_fd;
    char lock_path[PATH_MAX];
    char db_path[PATH_MAX];
    int ready_fd; /* --daemon: the waiting parent's pipe; else -1 */
    char pid_path[PATH_MAX];
    bool detached; /* --daemon: no scheduler lines on stderr */
    bool stopping;
    int interrupted; /* runs the previous daemon left open, for the alert */
};

static int path_in_root(const struct daemon *d, const char *rel, char *buf, size_t len,
                        char *err, size_t errlen)
{
    if (config_resolve_path(d->opt->root, rel, buf, len) != 0) {
        snprintf(err, errlen, "%s/%s: path too long", d->opt->root, rel);
        return -1;
    }
    return 0;
}

/* ROOT/rel, one level only: a root removed under the daemon is not made again. */
static int make_dir(const struct daemon *d, const char *rel, char *err, size_t errlen)
{
    char path[PATH_MAX];

    if (path_in_root(d, rel, path, sizeof path, err, errlen) != 0)
        return -1;
    if (fs_mkdir(path, FILEMODE_DIR) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- detaching ---------------------------------------------------------- */

/* The first parent: wait for the daemon's word, exit with it. */
static void await_ready(int fd, pid_t middle)
{
    char msg[DAEMON_ERR_MAX];
    ssize_t n, total = 0;

    while (total < (ssize_t)sizeof msg - 1 &&
           ((n = read(fd, msg + total, sizeof msg - 1 - (size_t)total)) > 0 ||
            (n < 0 && errno == EINTR)))
        total += n > 0 ? n : 0;
    msg[total] = '\0';
    while (waitpid(middle, NULL, 0) < 0 && errno == EINTR)
        ;
    if (total > 0) {
        fprintf(stderr, "main: %s\n", msg);
        _exit(1);
    }
    _exit(0);
}

static int detach(struct daemon *d, char *err, size_t errlen)
{
    int pipefd[2], devnull;
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
        snprintf(err, errlen, "cannot detach: %s", strerror(errno));
        return -1;
    }
    if (pid > 0) {
        close(pipefd[1]);
        await_ready(pipefd[0], pid);
    }
    close(pipefd[0]);
    if (setsid() < 0 || (pid = fork()) < 0) {
        snprintf(err, errlen, "cannot detach: %s", strerror(errno));
        d->ready_fd = pipefd[1];
        return -1;
    }
    if (pid > 0)
        _exit(0);
    d->ready_fd = pipefd[1];
    devnull = open("/dev/null", O_RDWR);
    if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 || dup2(devnull, STDOUT_FILENO) < 0 ||
        dup2(devnull, STDERR_FILENO) < 0) {
        snprintf(err, errlen, "cannot detach: /dev/null: %s", strerror(errno));
        return -1;
    }
    if (devnull > STDERR_FILENO)
        close(devnull);
    if (lock_write_pid(d->lock_fd) != 0) {
        snprintf(err, errlen, "cannot write the pid into the lock: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int write_pid_file(struct daemon *d, char *err, size_t errlen)
{
    FILE *f;

    if (path_in_root(d, DAEMON_PID_FILE_REL, d->pid_path, sizeof d->pid_path, err, errlen) != 0)
        return -1;
    f = fopen(d->pid_path, "w");
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", d->pid_path, strerror(errno));
        d->pid_path[0] = '\0';
        return -1;
    }
    return 0;
}

/* Tell the waiting parent (if any) how start-up ended: "" = started. */
static void report_ready(struct daemon *d, const char *err)
{
    size_t len = strlen(err);

    if (d->ready_fd < 0)
        return;
    if (len && write(d->ready_fd, err, len) != (ssize_t)len)
        log_error("%s", err); /* the parent will say only that it failed */
    close(d->ready_fd);
    d->ready_fd = -1;
}

/* ---- log, reload, stop -------------------------------------------------- */

static void on_files_changed(void *data, bool config_changed);

static void start_watch(struct daemon *d)
{
    char tasks_dir[PATH_MAX], jobs[PATH_MAX], dotenv[PATH_MAX], err[DAEMON_ERR_MAX];

    watch_stop(d->watch);
    d->watch = NULL;
    if (!d->config->tasks.reload_on_change)
        return;
    if (path_in_root(d, d->config->tasks.directory, tasks_dir, sizeof tasks_dir, err,
                     sizeof err) != 0 ||
        path_in_root(d, DISCOVERY_JOBS_FILE, jobs, sizeof jobs, err, sizeof err) != 0 ||
        path_in_root(d, CONFIG_DOTENV, dotenv, sizeof dotenv, err, sizeof err) != 0 ||
        !(d->watch = watch_start(&d->loop, tasks_dir, jobs, d->opt->config_path, dotenv,
                                 on_files_changed, d, err, sizeof err)))
        log_warn("file changes will not be noticed (SIGHUP still reloads): %s", err);
}

/* A daemon without a desktop session whose channels are only the desktop
 * would drop every notification with a line on stderr each time: say it
 * once, at start and when a reload changes the channels. */
static void warn_if_unreachable(const struct daemon *d)
{
    char why[NOTIFIER_ERR_MAX];

    if (notifier_unreachable(d->config, why, sizeof why))
        log_warn("desktop notifications cannot be delivered: %s; configure a webhook, ntfy, "
                 "slack or email channel under notifications: in %s",
                 why, d->opt->config_path);
}

static bool same_channels(const struct config *a, const struct config *b)
{
    if (a->channel_count != b->channel_count)
        return false;
    for (size_t i = 0; i < a->channel_count; i++)
        if (a->channels[i].type != b->channels[i].type ||
            strcmp(a->channels[i].name, b->channels[i].name) != 0)
            return false;
    return true;
}

/* dependencies.tree holds the rocks of the versions in force, and every run
 * puts it on its package.path: a new tree would make their require()s fail
 * until each task was installed again, so the tree in use stays until a
 * restart (which installs into the new one before the tasks take over).
 * 0, or -1 when out of memory. */
static int keep_rocks_tree(const struct daemon *d, struct config *fresh)
{
    char *tree;

    if (strcmp(fresh->dependencies.tree, d->config->dependencies.tree) == 0)
        return 0;
    if (!(tree = strdup(d->config->dependencies.tree)))
        return -1;
    log_warn("dependencies.tree changes need a restart; still using %s", tree);
    free(fresh->dependencies.tree);
    fresh->dependencies.tree = tree;
    return 0;
}

/* Reload the config; a broken one is refused and the last good one stays.
 * The API's part goes first, as the one that can still fail (an address
 * that cannot be bound, a token file that cannot be read): then nothing
 * of the new config is applied. */
static void reload_config(struct daemon *d)
{
    struct config *fresh = calloc(1, sizeof *fresh);
    char err[DAEMON_ERR_MAX];
    bool loaded = fresh && config_load_root(d->opt->root, d->opt->config_path, fresh, err,
                                            sizeof err) == 0;
    bool channels_changed;

    if (loaded && keep_rocks_tree(d, fresh) != 0) {
        snprintf(err, sizeof err, "out of memory");
        config_free(fresh);
        loaded = false;
    }
    if (!loaded || api_apply_config(d->api, fresh, err, sizeof err) != 0) {
        const char *why = fresh ? err : "out of memory";

        log_error("config not reloaded, the last good one stays in force: %s", why);
        /* The dashboard shows the refusal where it shows the reloads. */
        events_publish("daemon", "config_refused",
                       json_pack("{s:o}", "error", utf8_json_string(why, strlen(why))));
        if (loaded)
            config_free(fresh);
        free(fresh);
        engine_rescan(d->engine);
        return;
    }
    if (strcmp(fresh->database.path, d->config->database.path) != 0)
        log_warn("database.path changes need a restart; still using %s",
                 d->config->database.path);
    if (logsetup_open(fresh, d->opt->root, d->opt->verbose, !d->detached, err, sizeof err) != 0)
        log_error("log settings not applied: %s", err);
    channels_changed = !same_channels(fresh, d->config);
    engine_set_config(d->engine, fresh);
    housekeeping_apply_config(d->housekeeping, fresh);
    heartbeat_apply_config(d->heartbeat, fresh);
    if (d->owned) {
        config_free(d->owned);
        free(d->owned);
    }
    d->owned = fresh;
    d->config = fresh;
    start_watch(d); /* tasks.directory or reload_on_change may have changed */
    log_info("config reloaded from %s", d->opt->config_path);
    events_publish("daemon", "config_reloaded", json_object());
    if (channels_changed)
        warn_if_unreachable(d);
}

static void on_files_changed(void *data, bool config_changed)
{
    struct daemon *d = data;

    if (config_changed)
        reload_config(d);
    else
        engine_rescan(d->engine);
}

static void on_signal_closed(uv_handle_t *handle)
{
    (void)handle;
}

static void on_engine_stopped(void *data)
{
    struct daemon *d = data;

    for (size_t i = 0; i < DAEMON_SIGNAL_COUNT; i++)
        uv_close((uv_handle_t *)&d->signals[i], on_signal_closed);
    uv_close((uv_handle_t *)&d->restart_timer, on_signal_closed);
}

static void begin_stop(struct daemon *d, const char *why)
{
    if (d->stopping) {
        log_info("%s: already stopping", why);
        return;
    }
    d->stopping = true;
    log_info("stopping (%s)", why);
    events_publish("daemon", "stopping", json_pack("{s:s}", "reason", why));
    control_stop(d->control);
    d->control = NULL;
    api_stop(d->api);
    d->api = NULL;
    watch_stop(d->watch);
    d->watch = NULL;
    datawatch_stop(d->datawatch);
    d->datawatch = NULL;
    clockwatch_stop(d->clockwatch);
    d->clockwatch = NULL;
    housekeeping_stop(d->housekeeping);
    d->housekeeping = NULL;
    heartbeat_stop(d->heartbeat);
    d->heartbeat = NULL;
    engine_shutdown(d->engine, on_engine_stopped, d);
}

/* ---- the memory limit ------------------------------------------------- */

static void on_restart_timer(uv_timer_t *timer)
{
    struct daemon *d = timer->data;

    if (d->stopping || engine_busy(d->engine))
        return; /* the next job to end looks again */
    d->reexec = true;
    begin_stop(d, "restarting to release memory");
}

/* A run ended, or the hourly sweep: over the limit, restart once idle.
 * A fresh image already over the limit would only restart in a loop, so
 * nothing is checked before the first job has ended. */
static void check_memory(struct daemon *d)
{
    if (!d->job_ended)
        return;
    if (!d->restart_pending)
        d->restart_pending = selfrestart_over_limit(d->config->scheduler.max_memory_usage);
    if (d->restart_pending && !d->stopping)
        uv_timer_start(&d->restart_timer, on_restart_timer, 0, 0);
}

/* The daemon's own command line (whatever command started it: `restart`
 * too), and the exec.  Returns only when the exec failed (errno). */
static void reexec(const struct daemon_options *opt, bool detached, int lock_fd)
{
    char *argv[DAEMON_ARGV_MAX];
    int n = 0;

    argv[n++] = program_invocation_name;
    argv[n++] = "--root";
    argv[n++] = (char *)opt->root;
    argv[n++] = "--config";
    argv[n++] = (char *)opt->config_path;
    if (detached)
        argv[n++] = "--daemon";
    if (opt->verbose)
        argv[n++] = "--verbose";
    if (opt->examples_forced)
        argv[n++] = "--include-examples";
    if (opt->user) {
        argv[n++] = "--user";
        argv[n++] = (char *)opt->user;
    }
    argv[n] = NULL;
    selfrestart_exec(argv, lock_fd);
}

static void on_job_done(void *data)
{
    struct daemon *d = data;

    d->job_ended = true;
    check_memory(d);
}

static void on_sweep(void *data)
{
    check_memory(data);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    struct daemon *d = handle->data;

    switch (signum) {
    case SIGTERM:
    case SIGINT:
        begin_stop(d, strsignal(signum));
        break;
    case SIGHUP:
        if (!d->stopping)
            reload_config(d);
        break;
    case SIGUSR1:
        logsetup_reopen();
        log_info("log files reopened");
        break;
    }
}

static void on_clock_jump(void *data)
{
    struct daemon *d = data;

    if (!d->stopping)
        engine_clock_jumped(d->engine);
}

/* ---- data/ removed ------------------------------------------------------ */

/* Whether the store lives in data/ (database.path may put it elsewhere). */
static bool store_in_data(const struct daemon *d)
{
    char data_dir[PATH_MAX], err[DAEMON_ERR_MAX];
    size_t len;

    if (path_in_root(d, DATAWATCH_NAME, data_dir, sizeof data_dir, err, sizeof err) != 0)
        return true; /* cannot tell: say the worst */
    len = strlen(data_dir);
    return strncmp(d->db_path, data_dir, len) == 0 && d->db_path[len] == '/';
}

/* data/ went away with the lock, the socket and (usually) the store, whose
 * open descriptors now reach files no one else can see (datawatch.h).
 * Patching each in place would leave the engine writing runs to a deleted
 * database while run processes create a new one at the same path; instead
 * the daemon takes the lock on a fresh data/ at once — no second daemon
 * can slip in — and re-executes itself with it (as for max_memory_usage),
 * so the new image opens everything afresh.  When even that fails it stops
 * with status 1 so that a monitor starts exactly one daemon again. */
static void on_data_changed(void *data)
{
    struct daemon *d = data;
    char err[DAEMON_ERR_MAX];
    bool inherited;
    int fd;

    if (d->stopping || lock_is_at(d->lock_fd, d->lock_path))
        return;
    if (store_in_data(d))
        log_error("data/ was removed or moved away, and with it %s: the run history and "
                  "task state; restarting on a fresh data/ with an empty history",
                  d->db_path);
    else
        log_error("data/ was removed or moved away; restarting on a fresh data/");
    if (make_dir(d, DATAWATCH_NAME, err, sizeof err) != 0 ||
        (fd = lock_acquire(d->lock_path, &inherited, err, sizeof err)) < 0) {
        log_error("data/ was removed and cannot be set up again (%s); stopping so a single "
                  "instance can be restarted",
                  err);
        d->failed = true;
        begin_stop(d, "data/ was removed");
        return;
    }
    lock_release(d->lock_fd);
    d->lock_fd = fd;
    d->reexec = true;
    begin_stop(d, "data/ was removed");
}

/* ---- start-up ----------------------------------------------------------- */

/* scheduler.strict_modes (strictmodes.h): data/ and logs/ are checked
 * before anything in them is opened, and made private once the log is
 * open to say what changed. */
static int check_modes(const struct daemon *d, char *err, size_t errlen)
{
    return d->config->scheduler.strict_modes ? strictmodes_check(d->opt->root, err, errlen) : 0;
}

static int narrow_modes(const struct daemon *d, char *err, size_t errlen)
{
    if (!d->config->scheduler.strict_modes)
        return 0;
    return strictmodes_narrow(d->opt->root, d->db_path, err, errlen);
}

static int open_store(struct daemon *d, char *err, size_t errlen)
{
    int interrupted;

    if (!(d->store = store_open(d->db_path, err, errlen)))
        return -1;
    /* What the last life could not write first: the runs it finished are
     * not interrupted, and catch-up must see the fires that ran. */
    if (pending_replay(d->store, d->db_path, err, errlen) != 0)
        return -1;
    /* Their processes first: a run marked interrupted must not go on. */
    if (orphans_stop(d->store) < 0 ||
        (interrupted = store_runs_mark_interrupted(d->store, clock_now())) < 0) {
        snprintf(err, errlen, "%s: %s", d->db_path, store_error(d->store));
        return -1;
    }
    if (interrupted > 0)
        log_warn("%d run(s) left open by the previous daemon marked interrupted", interrupted);
    d->interrupted = interrupted;
    return 0;
}

static int start_engine(struct daemon *d, char *err, size_t errlen)
{
    struct engine_options eo = {
        .program = NULL,
        .root = d->opt->root,
        .config_path = d->opt->config_path,
        .include_examples = d->opt->examples_forced,
        .only_user = d->opt->user,
        .spill_beside = d->db_path,
        .interrupted = d->interrupted,
        .on_job_done = on_job_done,
        .hook_data = d,
    };
    char socket_path[PATH_MAX];

    d->engine = engine_create(&d->loop, d->config, d->store, &eo, err, errlen);
    if (!d->engine || engine_start(d->engine, err, errlen) != 0)
        return -1;
    if (control_socket_path(d->opt->root, socket_path, sizeof socket_path, err, errlen) != 0 ||
        !(d->control = control_start(&d->loop, d->engine, socket_path, err, errlen)) ||
        !(d->api =
              api_start(&d->loop, d->engine, d->store, d->opt->root, d->config, err, errlen)))
        return -1;
    d->clockwatch = clockwatch_start(&d->loop, on_clock_jump, d, err, errlen);
    if (!d->clockwatch)
        log_warn("wall-clock jumps will only be noticed at the next fire: %s", err);
    for (size_t i = 0; i < DAEMON_SIGNAL_COUNT; i++) {
        int rc = uv_signal_start(&d->signals[i], on_signal, daemon_signals[i]);
        if (rc != 0) {
            snprintf(err, errlen, "signal %s: %s", strsignal(daemon_signals[i]),
                     uv_strerror(rc));
            return -1;
        }
    }
    start_watch(d);
    d->datawatch = datawatch_start(&d->loop, d->opt->root, on_data_changed, d, err, errlen);
    if (!d->datawatch)
        log_warn("data/ removed while running will not be noticed: %s", err);
    d->housekeeping =
        housekeeping_start(&d->loop, d->store, d->config, d->opt->root, err, errlen);
    if (!d->housekeeping)
        return -1;
    housekeeping_on_sweep(d->housekeeping, on_sweep, d);
    /* this very binary, even when the file was replaced since it started */
    d->heartbeat = heartbeat_start(&d->loop, "/proc/self/exe", d->opt->config_path, d->config,
                                   err, errlen);
    return d->heartbeat ? 0 : -1;
}

/* A damaged database refuses start-up (the daemon must not build a new
 * history over one it cannot read), so the message says which file and
 * what to do.  The store reports errors as text: SQLite's own wording of
 * its two damage codes is what gives the damage away, wherever in start-up
 * the first query reading a bad page ran. */
static void explain_damage(const struct daemon *d, char *err, size_t errlen)
{
    size_t len = strlen(err);

    if (!d->db_path[0] || (!strstr(err, sqlite3_errstr(SQLITE_CORRUPT)) &&
                           !strstr(err, sqlite3_errstr(SQLITE_NOTADB))))
        return;
    snprintf(err + len, errlen - len,
             " — move %s aside to start with a fresh history"
             " (sqlite3's .recover may save what it holds)",
             d->db_path);
}

static int ignore_sigpipe(char *err, size_t errlen)
{
    struct sigaction sa = {0};

    /* A CLI client that goes away mid-reply must not kill the daemon; the
     * write just fails with EPIPE. */
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0) {
        snprintf(err, errlen, "sigaction: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int daemon_run(const struct daemon_options *opt)
{
    struct daemon d = {.opt = opt, .config = opt->config, .lock_fd = -1, .ready_fd = -1};
    char err[DAEMON_ERR_MAX] = "";
    bool log_ready = false, loop_ready = false, inherited = false;
    int rc = 1;

    if (check_modes(&d, err, sizeof err) != 0 ||
        make_dir(&d, DATAWATCH_NAME, err, sizeof err) != 0 ||
        make_dir(&d, "logs", err, sizeof err) != 0 ||
        path_in_root(&d, LOCK_FILE_REL, d.lock_path, sizeof d.lock_path, err, sizeof err) !=
            0 ||
        (d.lock_fd = lock_acquire(d.lock_path, &inherited, err, sizeof err)) < 0)
        goto fail;
    /* Re-executed (selfrestart.h): already detached, same pid. */
    if (opt->detach && ((!inherited && detach(&d, err, sizeof err) != 0) ||
                        write_pid_file(&d, err, sizeof err) != 0))
        goto fail;
    d.detached = opt->detach;
    proctitle_set(opt->root);
    if (ignore_sigpipe(err, sizeof err) != 0 ||
        logsetup_open(d.config, opt->root, opt->verbose, !d.detached, err, sizeof err) != 0)
        goto fail;
    log_ready = true;
    if (path_in_root(&d, d.config->database.path, d.db_path, sizeof d.db_path, err,
                     sizeof err) != 0 ||
        narrow_modes(&d, err, sizeof err) != 0 || open_store(&d, err, sizeof err) != 0)
        goto fail;
    if (uv_loop_init(&d.loop) != 0) {
        snprintf(err, sizeof err, "cannot create the event loop");
        goto fail;
    }
    loop_ready = true;
    for (size_t i = 0; i < DAEMON_SIGNAL_COUNT; i++) {
        uv_signal_init(&d.loop, &d.signals[i]);
        d.signals[i].data = &d;
    }
    uv_timer_init(&d.loop, &d.restart_timer);
    d.restart_timer.data = &d;
    if (start_engine(&d, err, sizeof err) != 0)
        goto fail;

    log_info("scheduler %s started (pid %ld, root %s)", SCHEDULER_VERSION, (long)getpid(),
             opt->root);
    warn_if_unreachable(&d);
    report_ready(&d, "");
    uv_run(&d.loop, UV_RUN_DEFAULT);
    log_info("scheduler stopped");
    rc = d.failed ? 1 : 0;
    goto done;
fail:
    explain_damage(&d, err, sizeof err);
    if (log_ready)
        log_error("start-up failed: %s", err);
    else
        fprintf(stderr, "main: %s\n", err);
    report_ready(&d, err);
    if (d.engine)
        begin_stop(&d, "start-up failed"); /* closes the signal handles at the end */
    else if (loop_ready)
        on_engine_stopped(&d);
    if (loop_ready)
        uv_run(&d.loop, UV_RUN_DEFAULT);
done:
    engine_free(d.engine);
    events_clear();
    if (loop_ready && uv_loop_close(&d.loop) != 0)
        log_error("the event loop still has open handles");
    store_close(d.store);
    if (d.pid_path[0] && !d.reexec && unlink(d.pid_path) != 0)
        log_warn("%s: %s", d.pid_path, strerror(errno));
    if (d.owned) {
        config_free(d.owned);
        free(d.owned);
    }
    if (d.reexec) {
        log_info("restarting: exec %s", SELFRESTART_PROGRAM);
        reexec(opt, d.detached, d.lock_fd);
        log_error("cannot restart: %s; exiting (a monitor or systemd starts it again)",
                  strerror(errno));
        rc = 1;
    }
    logsetup_close();
    lock_release(d.lock_fd);
    return rc;
}
