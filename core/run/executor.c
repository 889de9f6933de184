/* executor.c — the daemon side of a run: spawn, read, time out, report.
 *
 * One run is one `main __run` process in its own session (sid = pid):
 * forked by the fork server when one is up (spawn_forked, forkserver.h:
 * the same process, not the daemon's child, its exit reported by the
 * server), else spawned by libuv.  The executor writes it one request on
 * fd 3, then follows three streams:
 * stdout and stderr (cut into lines for the task's log and kept as a
 * bounded tail) and fd 3 (log lines, "started", state changes, the
 * result).
 *
 * A task with `user` under a root daemon runs in a clean environment
 * (build_env), and its process starts as root and becomes the user named
 * in its request (runner.c): libuv's own setuid would drop the user's
 * supplementary groups instead of setting them.
 *
 * Lifetime.  A run's processes live and die as a session (session.h), not
 * a process group, since exec.run puts each command in a group of its own:
 * at the timeout the session gets SIGTERM, then SIGKILL after kill_grace;
 * and when the run process itself exits, whatever is left in its session
 * (a `cmd &` started by the task or by a command of exec.run) is
 * SIGKILLed, so no grandchild outlives its run.  The outcome is reported
 * once, after the exit and after every stream reached EOF; a process that
 * escaped the session may hold a pipe open, so streams still open
 * EXECUTOR_DRAIN_MS after the exit are closed — after what they hold has
 * been read (stream_drain): an overloaded loop may learn of the exit, and
 * reach this deadline, before it has polled the last bytes the run wrote,
 * its result among them.  The struct run is freed when the last libuv
 * handle has been closed.
 */
#include "executor.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forkserver.h"
#include "lib/filemode.h"
#include "log/log.h"
#include "log/logfile.h"
#include "log/tasklog.h"
#include "run_protocol.h"
#include "session.h"
#include "task/rocks.h"
#include "time/clock.h"

#define EXECUTOR_TAIL_MAX 4096  /* bytes of output kept for the runs table */
#define EXECUTOR_LINE_MAX 16384 /* an output line is cut here */
#define EXECUTOR_READ_CHUNK 65536
#define EXECUTOR_DRAIN_MS 1000 /* after exit, wait this long for pipe EOF */
/* Bytes stream_drain reads from one stream: more than a socket holds
 * (its writer's send buffer, net.core.wmem_default: 208 KiB unless
 * raised), so every byte written before the exit is taken, and a process
 * still writing cannot hold the loop for long. */
#define EXECUTOR_DRAIN_READ_MAX (16 * EXECUTOR_READ_CHUNK)
#define EXECUTOR_ROOT_ENV "TASKSCHED_ROOT"
#define EXECUTOR_RUN_ARG "__run"
#define EXECUTOR_ERR_MAX 512
#define EXECUTOR_STDERR_KEPT 240 /* bytes of a command's last stderr line in its error */
/* The variables build_env sets itself: TASKSCHED_ROOT, and for a run as
 * another user HOME, USER, LOGNAME, SHELL and PATH. */
#define EXECUTOR_OWN_ENV_MAX 6
/* PATH of a run as another user: login(1)'s default for ordinary users,
 * never the daemon's (which may name root's own folders first). */
#define EXECUTOR_USER_PATH "/usr/local/bin:/usr/bin:/bin"
#define EXECUTOR_LOCALE_PREFIX "LC_"

extern char **environ;

enum stream_id { STREAM_STDOUT, STREAM_STDERR, STREAM_CHANNEL, STREAM_COUNT };

static const char *const stream_names[STREAM_COUNT] = {"stdout", "stderr", "channel"};

/* The run's fd n is stream n - 1. */
_Static_assert(STREAM_CHANNEL + 1 == RUN_PROTOCOL_FD, "the channel must be fd 3");

/* What the single timer is waiting for. */
enum phase { PHASE_RUNNING, PHASE_TERMINATING, PHASE_DRAINING };

/* A bounded line being assembled; bytes past `max` are dropped (counted)
 * and the line is marked cut. */
struct line_buffer {
    char *data;
    size_t len, cap, max;
    bool cut;
    size_t dropped; /* bytes of this line past max */
};

/* What a cut output line ends with in the logs, so a reader knows. */
#define EXECUTOR_CUT_MARK " [line cut: %zu more bytes]"
#define EXECUTOR_CUT_MARK_MAX 48
/* Before each stderr line in the kept output, so the run's log (the API,
 * the dashboard, history --show) tells it from stdout. */
#define EXECUTOR_STDERR_MARK "[stderr] "
/* The end of a run's kept output (run_outcome.output) past output_max. */
#define EXECUTOR_OUTPUT_CUT_MARK "… (%zu bytes cut)\n"
#define EXECUTOR_OUTPUT_CUT_MARK_MAX 48
#define EXECUTOR_LEVEL_MAX 8 /* "ERROR " */

struct stream {
    uv_pipe_t pipe; /* first member: a handle pointer is a stream pointer */
    struct run *run;
    struct line_buffer line;
    bool reading; /* not yet closed */
};

struct run {
    uv_process_t process;
    uv_timer_t timer;
    struct stream streams[STREAM_COUNT];
    uv_write_t write_req;
    uv_shutdown_t shutdown_req;
    char *request; /* the request line, until written */
    int open_handles;

    struct executor_callbacks cb;
    void *data;
    char *task, *title;
    int64_t run_id;
    pid_t pid;
    int timeout, kill_grace;
    bool stream_output;

    enum phase phase;
    bool forked;      /* by the fork server: no uv_process_t */
    bool status_lost; /* the fork server died before it reported the exit */
    bool released, exited, reported;
    bool forced;                     /* stopped by us: it ends as forced_status */
    enum store_status forced_status; /* timeout, killed or skipped (cancelled) */
    char *stop_reason;
    double started_at;
    int64_t exit_status;
    int term_signal;

    struct {
        bool received, ok, has_exit;
        char *value_json, *error;
        int exit_code, signal;
        long peak_rss_kb, cpu_ms;
    } result;

    char last_stderr[EXECUTOR_STDERR_KEPT]; /* last non-empty stderr line, cut */
    char tail[EXECUTOR_TAIL_MAX];           /* ring of the last output bytes */
    size_t tail_total;                      /* bytes ever appended */
    char *output;                           /* the kept output: the first output_max bytes */
    size_t output_len, output_cap, output_max;
    size_t output_cut; /* bytes past output_max, not kept */
    char read_buf[EXECUTOR_READ_CHUNK];
};

/* --- freeing --------------------------------------------------------- */

static void run_free(struct run *run)
{
    for (int i = 0; i < STREAM_COUNT; i++)
        free(run->streams[i].line.data);
    free(run->request);
    free(run->task);
    free(run->title);
    free(run->stop_reason);
    free(run->result.value_json);
    free(run->result.error);
    free(run->output);
    free(run);
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct run *run = handle->data;

    if (--run->open_handles == 0 && run->reported)
        run_free(run);
}

static void close_handle(uv_handle_t *handle)
{
    if (!uv_is_closing(handle))
        uv_close(handle, on_handle_closed);
}

/* --- signals and the outcome ----------------------------------------- */

/* `sig` to every process of the run.  Without /proc the run's own process
 * group is the best left: it misses only the groups of exec.run. */
static void signal_run(struct run *run, int sig)
{
    int n = session_kill(run->pid, sig);

    if (n > 0)
        log_debug("run %lld (%s): signal %d sent %d times in session %d",
                  (long long)run->run_id, run->task, sig, n, (int)run->pid);
    if (n >= 0)
        return;
    log_warn("run %lld (%s): signalling session %d: %s", (long long)run->run_id, run->task,
             (int)run->pid, strerror(errno));
    if (kill(-run->pid, sig) != 0 && errno != ESRCH)
        log_warn("run %lld (%s): kill(-%d, %d): %s", (long long)run->run_id, run->task,
                 (int)run->pid, sig, strerror(errno));
}

static void timer_start(struct run *run, enum phase phase, uint64_t ms);

/* SIGTERM now, SIGKILL after kill_grace; the run ends as `status`. */
static void begin_stop(struct run *run, enum store_status status, const char *reason)
{
    run->forced = true;
    run->forced_status = status;
    run->stop_reason = strdup(reason);
    signal_run(run, SIGTERM);
    timer_start(run, PHASE_TERMINATING, (uint64_t)run->kill_grace * 1000);
}

/* The last output bytes, from a UTF-8 character boundary. */
static char *tail_string(const struct run *run)
{
    size_t len = run->tail_total < EXECUTOR_TAIL_MAX ? run->tail_total : EXECUTOR_TAIL_MAX;
    bool wrapped = run->tail_total > EXECUTOR_TAIL_MAX;
    size_t start = wrapped ? run->tail_total % EXECUTOR_TAIL_MAX : 0, skip = 0;
    char *out = malloc(len + 1);

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++)
        out[i] = run->tail[(start + i) % EXECUTOR_TAIL_MAX];
    if (wrapped)
        while (skip < len && ((unsigned char)out[skip] & 0xc0) == 0x80)
            skip++;
    memmove(out, out + skip, len - skip);
    out[len - skip] = '\0';
    return out;
}

/* The bytes of the kept output up to its last whole UTF-8 character: a
 * character still arriving (or split by the bound) is left out.  It only
 * grows as output comes, and output_string keeps at least as much, so what
 * executor_output showed is always the start of the final output. */
static size_t output_whole(const struct run *run)
{
    size_t len = run->output_len, lead = len;

    while (lead > 0 && ((unsigned char)run->output[lead - 1] & 0xc0) == 0x80)
        lead--;
    if (lead > 0 && (unsigned char)run->output[lead - 1] >= 0xc0) {
        unsigned char c = (unsigned char)run->output[lead - 1];
        size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (len - (lead - 1) < need)
            return lead - 1;
    }
    return len;
}

/* The kept output as a string: when some was cut, from the start to the
 * last whole UTF-8 character, a line break, and the mark saying how much
 * is missing. */
static char *output_string(const struct run *run)
{
    size_t len = run->output_len, cut = run->output_cut, keep = len;
    char *out;

    if (cut > 0) { /* drop a character the bound split */
        keep = output_whole(run);
        cut += len - keep;
    }
    if (!(out = malloc(keep + 2 + EXECUTOR_OUTPUT_CUT_MARK_MAX)))
        return NULL;
    if (keep)
        memcpy(out, run->output, keep);
    out[keep] = '\0';
    if (cut > 0) {
        if (keep && out[keep - 1] != '\n')
            out[keep++] = '\n';
        snprintf(out + keep, EXECUTOR_OUTPUT_CUT_MARK_MAX + 1, EXECUTOR_OUTPUT_CUT_MARK, cut);
    }
    return out;
}

/* Why the run failed.  A command's own words are the last line it wrote
 * to stderr (the first is often only a warning), so a command's failure
 * carries it: "command exited with code 3: disk full". */
static const char *failure_message(const struct run *run, char *buf, size_t len)
{
    if (run->result.error && run->result.has_exit && run->last_stderr[0]) {
        snprintf(buf, len, "%s: %s", run->result.error, run->last_stderr);
        return buf;
    }
    if (run->result.error)
        return run->result.error;
    if (run->term_signal)
        snprintf(buf, len, "run process killed by signal %d (%s)", run->term_signal,
                 strsignal(run->term_signal));
    else if (!run->result.received && run->status_lost)
        snprintf(buf, len,
                 "run process ended without a result (its exit status was lost with "
                 "the fork server)");
    else if (!run->result.received)
        snprintf(buf, len, "run process exited with code %lld without a result",
                 (long long)run->exit_status);
    else
        snprintf(buf, len, "run process exited with code %lld", (long long)run->exit_status);
    return buf;
}

static void report(struct run *run)
{
    char message[EXECUTOR_ERR_MAX];
    char *tail = tail_string(run), *output = output_string(run);
    struct run_outcome out;

    /* The exit code the run process gives itself (runner.c: 0 on success,
     * 1 otherwise), from the result as it stands once every stream is read,
     * not at the exit, which may be known before the result is. */
    if (run->status_lost)
        run->exit_status = run->result.received && run->result.ok ? 0 : 1;
    out = (struct run_outcome){
        .exit_code = run->term_signal ? -1 : (int)run->exit_status,
        .signal = run->term_signal,
        .started_at = run->started_at,
        .finished_at = clock_now(),
        .result_json = run->result.value_json,
        .peak_rss_kb = run->result.received ? run->result.peak_rss_kb : -1,
        .cpu_ms = run->result.received ? run->result.cpu_ms : -1,
        .output_tail = tail ? tail : "",
        .output = output ? output : "",
    };

    if (run->result.has_exit) { /* a command task: its own exit, not the runner's */
        out.exit_code = run->result.exit_code;
        out.signal = run->result.signal;
    }
    if (run->forced) {
        /* A cancel can cross the child's release: when its "started"
         * message came after all, run() began, and the run was killed. */
        out.status = run->forced_status == STORE_RUN_SKIPPED && run->released
                         ? STORE_RUN_KILLED
                         : run->forced_status;
        out.error = run->stop_reason;
    } else if (run->result.received && run->result.ok && run->exit_status == 0 &&
               !run->term_signal) {
        out.status = STORE_RUN_SUCCESS;
    } else {
        out.status = STORE_RUN_FAILED;
        out.error = failure_message(run, message, sizeof message);
    }
    run->reported = true;
    if (!output)
        log_warn("run %lld (%s): out of memory: its output is not kept in the history",
                 (long long)run->run_id, run->task);
    run->cb.on_exit(run->data, &out);
    free(tail);
    free(output);
}

/* Report once the process is gone and every stream is closed; then close
 * what is left. */
static void maybe_finish(struct run *run)
{
    if (run->reported || !run->exited)
        return;
    for (int i = 0; i < STREAM_COUNT; i++)
        if (run->streams[i].reading)
            return;
    report(run);
    close_handle((uv_handle_t *)&run->timer);
    if (!run->forked)
        close_handle((uv_handle_t *)&run->process);
}

static void stream_close(struct stream *s)
{
    s->reading = false;
    close_handle((uv_handle_t *)&s->pipe);
}

/* --- timer: timeout, kill grace, drain -------------------------------- */

static void stream_drain(struct stream *s);
static void stream_end(struct stream *s, int status);

static void on_timer(uv_timer_t *timer)
{
    struct run *run = timer->data;
    char reason[EXECUTOR_ERR_MAX];

    switch (run->phase) {
    case PHASE_RUNNING:
        if (run->forced) /* already being stopped */
            break;
        snprintf(reason, sizeof reason, "timed out after %d s", run->timeout);
        begin_stop(run, STORE_RUN_TIMEOUT, reason);
        break;
    case PHASE_TERMINATING:
        signal_run(run, SIGKILL);
        break;
    case PHASE_DRAINING:
        for (int i = 0; i < STREAM_COUNT; i++)
            if (run->streams[i].reading)
                stream_drain(&run->streams[i]);
        for (int i = 0; i < STREAM_COUNT; i++)
            if (run->streams[i].reading) /* held open by a process that escaped */
                stream_end(&run->streams[i], 0);
        maybe_finish(run);
        break;
    }
}

static void timer_start(struct run *run, enum phase phase, uint64_t ms)
{
    int rc;

    run->phase = phase;
    if ((rc = uv_timer_start(&run->timer, on_timer, ms, 0)) != 0)
        log_error("run %lld (%s): timer: %s", (long long)run->run_id, run->task,
                  uv_strerror(rc));
}

static void run_exited(struct run *run, int64_t exit_status, int term_signal)
{
    run->exited = true;
    run->exit_status = exit_status;
    run->term_signal = term_signal;
    signal_run(run, SIGKILL); /* grandchildren die with their run */
    timer_start(run, PHASE_DRAINING, EXECUTOR_DRAIN_MS);
    maybe_finish(run);
}

static void on_process_exit(uv_process_t *process, int64_t exit_status, int term_signal)
{
    run_exited(process->data, exit_status, term_signal);
}

/* The end of a run the fork server forked.  When its server died first
 * the status is lost: report gives it from the run's own result. */
static void on_forked_exit(void *data, int64_t exit_status, int term_signal, bool known)
{
    struct run *run = data;

    if (!known) {
        run->status_lost = true;
        term_signal = 0;
    }
    run_exited(run, exit_status, term_signal);
}

/* --- messages on fd 3 ------------------------------------------------ */

static void take_result(struct run *run, const struct run_result *res)
{
    if (run->result.received) {
        log_warn("run %lld (%s): second result ignored", (long long)run->run_id, run->task);
        return;
    }
    run->result.received = true;
    run->result.ok = res->ok;
    run->result.has_exit = res->has_exit;
    run->result.exit_code = res->exit_code;
    run->result.signal = res->signal;
    run->result.peak_rss_kb = res->peak_rss_kb;
    run->result.cpu_ms = res->cpu_ms;
    if (res->value)
        run->result.value_json =
            json_dumps(res->value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
    if (res->error)
        run->result.error = strdup(res->error);
}

static void take_state(struct run *run, const char *key, const json_t *value)
{
    char *text = NULL;

    if (!run->cb.on_state)
        return;
    if (value && !(text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY))) {
        log_error("run %lld (%s): out of memory: state '%s' not saved", (long long)run->run_id,
                  run->task, key);
        return;
    }
    run->cb.on_state(run->data, key, text);
    free(text);
}

/* Keep output up to output_max bytes, count the rest.  The buffer grows
 * as output comes, so a quiet run costs nothing. */
static void output_append(struct run *run, const char *data, size_t n)
{
    size_t take = run->output_len < run->output_max ? run->output_max - run->output_len : 0;

    if (take > n)
        take = n;
    if (run->output_len + take > run->output_cap) {
        size_t cap = run->output_cap ? run->output_cap * 2 : EXECUTOR_READ_CHUNK;
        char *grown;
        while (cap < run->output_len + take)
            cap *= 2;
        if (cap > run->output_max)
            cap = run->output_max;
        if (!(grown = realloc(run->output, cap)))
            take = 0; /* out of memory: counted as cut */
        else {
            run->output = grown;
            run->output_cap = cap;
        }
    }
    if (take)
        memcpy(run->output + run->output_len, data, take);
    run->output_len += take;
    run->output_cut += n - take;
}

/* A log line in the kept output: "INFO message fields\n", as the task's
 * log file has it without the time and title. */
static void output_log_line(struct run *run, const struct run_message *msg)
{
    size_t len, n = 0;
    char *text = logfile_message_text(msg->msg, msg->msg_len, msg->fields, &len);
    const char *level = log_level_name(msg->level);
    char upper[EXECUTOR_LEVEL_MAX];

    for (; level[n] && n + 2 < sizeof upper; n++)
        upper[n] = (char)toupper((unsigned char)level[n]);
    upper[n++] = ' ';
    output_append(run, upper, n);
    if (text)
        output_append(run, text, len);
    else
        output_append(run, msg->msg, msg->msg_len);
    output_append(run, "\n", 1);
    free(text);
}

/* A log line for on_output as the text log has it: the message and its
 * fields ("healthy status=200 bytes=3"). */
static void stream_log_line(struct run *run, const struct run_message *msg)
{
    size_t len;
    char *text = logfile_message_text(msg->msg, msg->msg_len, msg->fields, &len);

    if (!text) {
        log_warn("run %lld (%s): out of memory: a log line's fields not shown",
                 (long long)run->run_id, run->task);
        run->cb.on_output(run->data, "log", msg->msg, msg->msg_len);
        return;
    }
    run->cb.on_output(run->data, "log", text, len);
    free(text);
}

static void handle_message(struct run *run, const char *line, size_t len)
{
    char err[EXECUTOR_ERR_MAX];
    struct run_message msg;
    json_t *root;

    if (run_protocol_decode(line, len, &msg, &root, err, sizeof err) != 0) {
        log_warn("run %lld (%s): %s", (long long)run->run_id, run->task, err);
        return;
    }
    switch (msg.type) {
    case RUN_MESSAGE_STARTED:
        run->released = true;
        run->started_at = msg.started_at;
        if (run->cb.on_start)
            run->cb.on_start(run->data, run, msg.started_at);
        break;
    case RUN_MESSAGE_LOG:
        tasklog_write(run->task, run->title, msg.level, msg.msg, msg.msg_len, msg.fields);
        output_log_line(run, &msg);
        if (run->cb.on_kept)
            run->cb.on_kept(run->data);
        if (run->stream_output && run->cb.on_output)
            stream_log_line(run, &msg);
        break;
    case RUN_MESSAGE_STATE:
        take_state(run, msg.key, msg.value);
        break;
    case RUN_MESSAGE_RESULT:
        take_result(run, &msg.result);
        break;
    }
    json_decref(root);
}

/* --- reading --------------------------------------------------------- */

/* Remember the latest stderr line, cut at a UTF-8 character boundary. */
static void keep_stderr_line(struct run *run, const char *line, size_t len)
{
    if (len >= sizeof run->last_stderr) {
        len = sizeof run->last_stderr - 1;
        while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(run->last_stderr, line, len);
    run->last_stderr[len] = '\0';
}

/* One complete line of stream `id` (cut when it was too long). */
static void deliver_line(struct run *run, enum stream_id id)
{
    struct line_buffer *lb = &run->streams[id].line;

    if (id == STREAM_CHANNEL) {
        if (lb->cut)
            log_warn("run %lld (%s): message over %zu bytes dropped", (long long)run->run_id,
                     run->task, lb->max);
        else
            handle_message(run, lb->data ? lb->data : "", lb->len);
    } else {
        char *line = lb->data ? lb->data : "";
        size_t len = lb->len;
        char *marked = NULL;

        if (lb->cut && (marked = malloc(len + EXECUTOR_CUT_MARK_MAX)) != NULL) {
            memcpy(marked, line, len);
            len += (size_t)snprintf(marked + len, EXECUTOR_CUT_MARK_MAX, EXECUTOR_CUT_MARK,
                                    lb->dropped);
            line = marked;
        }
        if (id == STREAM_STDERR) {
            if (len > 0)
                keep_stderr_line(run, line, len);
            output_append(run, EXECUTOR_STDERR_MARK, sizeof EXECUTOR_STDERR_MARK - 1);
            output_append(run, line, len);
            output_append(run, "\n", 1);
            if (run->cb.on_kept)
                run->cb.on_kept(run->data);
        }
        tasklog_output(run->task, run->title, stream_names[id], line, len);
        if (run->stream_output && run->cb.on_output)
            run->cb.on_output(run->data, stream_names[id], line, len);
        free(marked);
    }
    lb->len = 0;
    lb->cut = false;
    lb->dropped = 0;
}

static void line_append(struct line_buffer *lb, const char *data, size_t n)
{
    size_t room = lb->max - lb->len, take = n < room ? n : room;
    char *grown;

    if (take < n) {
        lb->cut = true;
        lb->dropped += n - take;
    }
    if (lb->len + take > lb->cap) {
        size_t cap = lb->cap ? lb->cap : EXECUTOR_READ_CHUNK;

        while (cap < lb->len + take)
            cap *= 2;
        if (cap > lb->max)
            cap = lb->max;
        if (!(grown = realloc(lb->data, cap))) {
            lb->cut = true; /* out of memory: keep what fits */
            lb->dropped += take;
            return;
        }
        lb->data = grown;
        lb->cap = cap;
    }
    memcpy(lb->data + lb->len, data, take);
    lb->len += take;
}

static void tail_append(struct run *run, const char *data, size_t n)
{
    if (n > EXECUTOR_TAIL_MAX) {
        run->tail_total += n - EXECUTOR_TAIL_MAX;
        data += n - EXECUTOR_TAIL_MAX;
        n = EXECUTOR_TAIL_MAX;
    }
    for (size_t i = 0; i < n; i++)
        run->tail[(run->tail_total + i) % EXECUTOR_TAIL_MAX] = data[i];
    run->tail_total += n;
}

static void feed(struct run *run, enum stream_id id, const char *data, size_t n)
{
    if (id != STREAM_CHANNEL)
        tail_append(run, data, n);
    if (id == STREAM_STDOUT) { /* stderr is kept by the line, marked (deliver_line) */
        output_append(run, data, n);
        if (run->cb.on_kept)
            run->cb.on_kept(run->data);
    }
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t take = nl ? (size_t)(nl - data) : n;

        line_append(&run->streams[id].line, data, take);
        if (!nl)
            break;
        deliver_line(run, id);
        data += take + 1;
        n -= take + 1;
    }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct run *run = handle->data;

    (void)suggested;
    *buf = uv_buf_init(run->read_buf, sizeof run->read_buf);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct stream *s = (struct stream *)stream;
    struct run *run = s->run;
    enum stream_id id = (enum stream_id)(s - run->streams);

    if (nread > 0) {
        feed(run, id, buf->base, (size_t)nread);
        return;
    }
    if (nread == 0)
        return;
    stream_end(s, (int)nread);
    maybe_finish(run);
}

/* The end of a stream: at EOF or an error (`status`, a libuv error), or 0
 * when the drain deadline closes it; a last line without its line break
 * is delivered. */
static void stream_end(struct stream *s, int status)
{
    struct run *run = s->run;
    enum stream_id id = (enum stream_id)(s - run->streams);

    /* A killed run resets the channel if it left the request unread. */
    if (status != 0 && status != UV_EOF && status != UV_ECONNRESET)
        log_warn("run %lld (%s): reading %s: %s", (long long)run->run_id, run->task,
                 stream_names[id], uv_strerror(status));
    if (s->line.len > 0 || s->line.cut)
        deliver_line(run, id);
    stream_close(s);
}

/* Take what the stream holds now, without waiting, as on_read would: the
 * bytes a process wrote stay in the socket after it exits, whether or not
 * the loop has polled them yet.  The stream ends here at EOF or an error;
 * it stays open when it is empty but still held by some process. */
static void stream_drain(struct stream *s)
{
    struct run *run = s->run;
    enum stream_id id = (enum stream_id)(s - run->streams);
    size_t taken = 0;
    uv_os_fd_t fd;
    ssize_t n;
    int rc;

    if ((rc = uv_fileno((uv_handle_t *)&s->pipe, &fd)) != 0) {
        stream_end(s, rc);
        return;
    }
    while (taken < EXECUTOR_DRAIN_READ_MAX) { /* libuv keeps the fd non-blocking */
        n = read(fd, run->read_buf, sizeof run->read_buf);
        if (n > 0) {
            feed(run, id, run->read_buf, (size_t)n);
            taken += (size_t)n;
        } else if (n == 0) {
            stream_end(s, UV_EOF);
            return;
        } else if (errno != EINTR) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                stream_end(s, uv_translate_sys_error(errno));
            return;
        }
    }
}

/* --- the request ----------------------------------------------------- */

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct run *run = req->data;

    if (status < 0 && status != UV_ECANCELED)
        log_debug("run %lld (%s): shutdown: %s", (long long)run->run_id, run->task,
                  uv_strerror(status));
}

static void on_written(uv_write_t *req, int status)
{
    struct run *run = req->data;
    int rc;

    free(run->request);
    run->request = NULL;
    if (status < 0) { /* the run died before reading it: its exit tells the rest */
        log_debug("run %lld (%s): writing the request: %s", (long long)run->run_id, run->task,
                  uv_strerror(status));
        return;
    }
    run->shutdown_req.data = run;
    rc = uv_shutdown(&run->shutdown_req, (uv_stream_t *)&run->streams[STREAM_CHANNEL].pipe,
                     on_shutdown);
    if (rc != 0)
        log_debug("run %lld (%s): shutdown: %s", (long long)run->run_id, run->task,
                  uv_strerror(rc));
}

static char *encode_request(const struct run_spec *spec, const struct passwd *pw, size_t *len,
                            char *err, size_t errlen)
{
    const struct task *t = spec->task;
    char *line = NULL;
    char tree[PATH_MAX];

    if (rocks_tree_path(spec->config, spec->root, tree, sizeof tree) != 0) {
        snprintf(err, errlen, "dependencies.tree: path too long");
        goto done;
    }
    line = run_protocol_encode_request(
        &(struct run_request){.task = t->name,
                              .path = t->path,
                              .title = t->title,
                              .content = t->content,
                              .content_len = t->content_len,
                              .hash = t->hash,
                              .run_id = spec->run_id,
                              .attempt = spec->attempt,
                              .trigger = spec->trigger,
                              .scheduled_for = spec->scheduled_for,
                              .release_at = spec->release_at,
                              .args = t->args,
                              .root = spec->root,
                              .config_path = spec->config_path,
                              .rocks_tree = tree,
                              .memory_limit_mb = t->memory_limit_mb,
                              .umask = (int)filemode_inherited_umask(),
                              .last_status =
                                  spec->has_last ? store_status_name(spec->last_status) : NULL,
                              .last_finished_at = spec->last_finished_at,
                              .user = pw ? pw->pw_name : NULL,
                              .uid = pw ? pw->pw_uid : 0,
                              .gid = pw ? pw->pw_gid : 0,
                              .state = (json_t *)spec->state,
                              .state_error = spec->state_error,
                              .log_level = log_threshold},
        len, err, errlen);
done:
    return line;
}

/* --- spawning -------------------------------------------------------- */

/* Append "name=value" to env. */
static int env_push(char **env, size_t *count, const char *name, const char *value)
{
    char *entry;

    if (asprintf(&entry, "%s=%s", name, value) < 0)
        return -1;
    env[(*count)++] = entry;
    return 0;
}

/* True when one of the first `n` entries sets the variable of `entry`
 * ("NAME=value", or a bare "NAME"). */
static bool env_overrides(char *const *env, size_t n, const char *entry)
{
    size_t name_len = strcspn(entry, "=");

    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], entry, name_len) == 0 && env[i][name_len] == '=')
            return true;
    return false;
}

/* env_push unless the first `count` entries (the task's own `env`) already
 * set the variable. */
static int env_default(char **env, size_t *count, const char *name, const char *value)
{
    return env_overrides(env, *count, name) ? 0 : env_push(env, count, name, value);
}

/* True when a run of another user keeps this variable of the daemon's
 * environment: the locale, the zone, and the test clock (clock.h: a run
 * must share its daemon's time).  Nothing else: the daemon's environment
 * may hold secrets (TASKSCHED_* overrides, tokens) and loader variables
 * (LD_*) that are not the user's to see or to be run with. */
static bool env_kept_for_user(const char *entry)
{
    static const char *const kept[] = {"LANG",  "LANGUAGE",       "TZ",
                                       "TZDIR", CLOCK_OFFSET_ENV, CLOCK_OFFSET_FILE_ENV};
    size_t name_len = strcspn(entry, "=");

    if (strncmp(entry, EXECUTOR_LOCALE_PREFIX, strlen(EXECUTOR_LOCALE_PREFIX)) == 0)
        return true;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (strlen(kept[i]) == name_len && strncmp(entry, kept[i], name_len) == 0)
            return true;
    return false;
}

static void env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

/* The run's environment: the task's `env`, then TASKSCHED_ROOT, then what
 * it inherits.  A run as the daemon's own user inherits the daemon's
 * environment.  A run as another user (pw) gets a clean one: the identity
 * of its passwd entry (HOME, USER, LOGNAME, SHELL), PATH set to
 * EXECUTOR_USER_PATH, and only the variables env_kept_for_user names.
 * The task's `env` wins over all of them. */
static char **build_env(const struct task *t, const char *root, const struct passwd *pw)
{
    size_t inherited = 0, count = 0, own;
    char **env;

    while (environ[inherited])
        inherited++;
    env = calloc(inherited + t->env_count + EXECUTOR_OWN_ENV_MAX + 1, sizeof *env);
    if (!env)
        return NULL;
    for (size_t i = 0; i < t->env_count; i++)
        if (env_push(env, &count, t->env[i].name, t->env[i].value) != 0)
            goto fail;
    if (env_default(env, &count, EXECUTOR_ROOT_ENV, root) != 0 ||
        (pw && (env_default(env, &count, "HOME", pw->pw_dir) != 0 ||
                env_default(env, &count, "USER", pw->pw_name) != 0 ||
                env_default(env, &count, "LOGNAME", pw->pw_name) != 0 ||
                /* passwd(5): an empty shell field means /bin/sh */
                env_default(env, &count, "SHELL",
                            pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh") != 0 ||
                env_default(env, &count, "PATH", EXECUTOR_USER_PATH) != 0)))
        goto fail;
    own = count;
    for (size_t i = 0; i < inherited; i++) {
        if ((pw && !env_kept_for_user(environ[i])) || env_overrides(env, own, environ[i]))
            continue;
        if (!(env[count] = strdup(environ[i])))
            goto fail;
        count++;
    }
    return env;
fail:
    env_free(env);
    return NULL;
}

static int resolve_cwd(const struct run_spec *spec, char *buf, size_t len)
{
    const char *dir = spec->task->cwd;
    int n;

    if (!dir)
        n = snprintf(buf, len, "%s", spec->root);
    else if (dir[0] == '/')
        n = snprintf(buf, len, "%s", dir);
    else
        n = snprintf(buf, len, "%s/%s", spec->root, dir);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Handle k of a run, in the order they are initialised: timer, the three
 * pipes, then the process (initialised by uv_spawn even when it fails). */
static uv_handle_t *handle_at(struct run *run, int k)
{
    if (k == 0)
        return (uv_handle_t *)&run->timer;
    if (k <= STREAM_COUNT)
        return (uv_handle_t *)&run->streams[k - 1].pipe;
    return (uv_handle_t *)&run->process;
}

static int init_handles(struct run *run, uv_loop_t *loop)
{
    int rc = uv_timer_init(loop, &run->timer);

    if (rc != 0)
        return rc;
    run->timer.data = run;
    run->open_handles = 1;
    for (int i = 0; i < STREAM_COUNT; i++) {
        struct stream *s = &run->streams[i];

        if ((rc = uv_pipe_init(loop, &s->pipe, 0)) != 0)
            return rc;
        s->pipe.data = run;
        s->run = run;
        s->reading = true;
        s->line.max = i == STREAM_CHANNEL ? RUN_PROTOCOL_MESSAGE_MAX : EXECUTOR_LINE_MAX;
        run->open_handles++;
    }
    return 0;
}

/* Give up on a run that never started: close what was initialised; the
 * close callbacks free it. */
static void abandon(struct run *run)
{
    int initialised = run->open_handles;

    run->reported = true; /* nothing to report */
    if (initialised == 0) {
        run_free(run);
        return;
    }
    for (int k = 0; k < initialised; k++)
        close_handle(handle_at(run, k));
}

/* Start the run through the fork server (forkserver.h): three
 * socketpairs, as uv_spawn makes for UV_CREATE_PIPE, whose far ends the
 * server's child takes as its fds 1-3.  1 when forked, 0 when the caller
 * must exec instead (no server, or an environment too large for it), -1
 * with err set when the run cannot start. */
static int spawn_forked(struct run *run, const char *program, char **env, const char *cwd,
                        char *err, size_t errlen)
{
    int pairs[STREAM_COUNT][2], far[STREAM_COUNT], made = 0, rc = -1;
    pid_t pid;

    for (; made < STREAM_COUNT; made++) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pairs[made]) != 0) {
            snprintf(err, errlen, "cannot start the run: %s", strerror(errno));
            goto done;
        }
        far[made] = pairs[made][1];
    }
    if ((pid = forkserver_spawn(far, env, cwd, on_forked_exit, run)) == 0) {
        if (errno == ENOTCONN || errno == E2BIG)
            rc = 0;
        else /* worded as uv_spawn words it */
            snprintf(err, errlen, "cannot start %s: %s", program,
                     uv_strerror(uv_translate_sys_error(errno)));
        goto done;
    }
    run->forked = true;
    run->pid = pid;
    for (int i = 0; i < STREAM_COUNT; i++) {
        int open_rc = uv_pipe_open(&run->streams[i].pipe, pairs[i][0]);

        if (open_rc != 0) { /* the run goes on without this stream */
            log_error("run %lld (%s): %s: %s", (long long)run->run_id, run->task,
                      stream_names[i], uv_strerror(open_rc));
            continue;
        }
        pairs[i][0] = -1;
    }
    rc = 1;
done:
    for (int i = 0; i < made; i++) {
        if (pairs[i][0] >= 0)
            close(pairs[i][0]);
        close(pairs[i][1]);
    }
    return rc;
}

/* Start the three readers, send the request, arm the timeout. */
static void follow(struct run *run, const struct run_spec *spec, size_t request_len)
{
    uv_buf_t buf = uv_buf_init(run->request, (unsigned int)request_len);
    double wait;
    int rc;

    for (int i = 0; i < STREAM_COUNT; i++) {
        rc = uv_read_start((uv_stream_t *)&run->streams[i].pipe, on_alloc, on_read);
        if (rc != 0) {
            log_error("run %lld (%s): reading %s: %s", (long long)run->run_id, run->task,
                      stream_names[i], uv_strerror(rc));
            stream_close(&run->streams[i]);
        }
    }
    run->write_req.data = run;
    rc = uv_write(&run->write_req, (uv_stream_t *)&run->streams[STREAM_CHANNEL].pipe, &buf, 1,
                  on_written);
    if (rc != 0) { /* without its request the run would wait forever */
        log_error("run %lld (%s): sending the request: %s", (long long)run->run_id, run->task,
                  uv_strerror(rc));
        signal_run(run, SIGKILL);
    }
    if (spec->timeout > 0) {
        wait = spec->release_at - clock_now();
        timer_start(run, PHASE_RUNNING,
                    (uint64_t)((wait > 0 ? wait : 0) * 1000) + (uint64_t)spec->timeout * 1000);
    }
}

struct run *executor_start(uv_loop_t *loop, const struct run_spec *spec,
                           const struct executor_callbacks *cb, void *data, char *err,
                           size_t errlen)
{
    const struct task *t = spec->task;
    char *args[] = {(char *)spec->program, EXECUTOR_RUN_ARG, NULL};
    uv_process_options_t opt = {0};
    uv_stdio_container_t stdio[STREAM_COUNT + 1];
    struct run *run = calloc(1, sizeof *run);
    struct passwd *pw = NULL;
    char cwd[PATH_MAX], **env = NULL;
    size_t request_len;
    int rc;

    if (!run || !(run->task = strdup(t->name)) || !(run->title = strdup(t->title))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (t->user && geteuid() == 0 && !(pw = getpwnam(t->user))) {
        snprintf(err, errlen, "unknown user '%s'", t->user);
        goto fail;
    }
    if (resolve_cwd(spec, cwd, sizeof cwd) != 0) {
        snprintf(err, errlen, "working directory path too long");
        goto fail;
    }
    if (!(env = build_env(t, spec->root, pw))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(run->request = encode_request(spec, pw, &request_len, err, errlen)))
        goto fail;
    run->cb = *cb;
    run->data = data;
    run->run_id = spec->run_id;
    run->timeout = spec->timeout;
    run->kill_grace = spec->kill_grace;
    run->output_max = spec->output_max;
    run->stream_output = spec->stream_output;

    stdio[0].flags = UV_IGNORE;
    for (int i = 0; i < STREAM_COUNT; i++) {
        stdio[i + 1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
        stdio[i + 1].data.stream = (uv_stream_t *)&run->streams[i].pipe;
    }
    stdio[RUN_PROTOCOL_FD].flags |= UV_READABLE_PIPE;
    opt.exit_cb = on_process_exit;
    opt.file = spec->program;
    opt.args = args;
    opt.env = env;
    opt.cwd = cwd;
    opt.flags = UV_PROCESS_DETACHED; /* setsid: its own session and group */
    opt.stdio_count = STREAM_COUNT + 1;
    opt.stdio = stdio;
    if ((rc = init_handles(run, loop)) != 0) {
        snprintf(err, errlen, "cannot start the run: %s", uv_strerror(rc));
        abandon(run);
        env_free(env);
        return NULL;
    }
    if ((rc = spawn_forked(run, spec->program, env, cwd, err, errlen)) != 0) {
        env_free(env);
        if (rc < 0) {
            abandon(run);
            return NULL;
        }
        follow(run, spec, request_len);
        return run;
    }
    run->process.data = run;
    run->open_handles++;
    rc = uv_spawn(loop, &run->process, &opt);
    env_free(env);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start %s: %s", spec->program, uv_strerror(rc));
        abandon(run);
        return NULL;
    }
    run->pid = run->process.pid;
    follow(run, spec, request_len);
    return run;
fail:
    env_free(env);
    if (run)
        run_free(run);
    return NULL;
}

void executor_stop(struct run *run, const char *reason)
{
    if (run->exited || run->forced)
        return;
    if (!reason)
        reason = "stopped";
    if (run->released) {
        begin_stop(run, STORE_RUN_KILLED, reason);
        return;
    }
    run->forced = true;
    run->forced_status = STORE_RUN_SKIPPED; /* cancelled: run() never began */
    run->stop_reason = strdup(reason);
    signal_run(run, SIGKILL);
}

pid_t executor_pid(const struct run *run)
{
    return run->pid;
}

int64_t executor_run_id(const struct run *run)
{
    return run->run_id;
}

const char *executor_output(const struct run *run, size_t *len)
{
    *len = output_whole(run);
    return run->output ? run->output : "";
}

bool executor_released(const struct run *run)
{
    return run->released;
}
