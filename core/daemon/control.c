/* control.c — the daemon's control socket: JSON lines in, JSON lines out.
 *
 * Requests are parsed by control_request.c and dispatched to the engine
 * (engine.h); nothing here blocks.  No client, nor a flood of them, may make
 * the daemon grow, delay a fire, or lock `stop` out:
 *  - a connection's request buffer grows with what it receives, up to
 *    CONTROL_REQUEST_MAX; a longer line is answered with an error and
 *    skipped;
 *  - at most CONTROL_ACCEPT_BURST connections are accepted per millisecond
 *    of loop time (libuv accepts for as long as clients keep connecting,
 *    inside one loop turn, and the timers would wait);
 *  - at most CONTROL_CLIENTS_MAX connections are held.  A new one that finds
 *    them all taken drops the one that has waited longest for its request;
 *    clients following runs may hold all but CONTROL_CLIENTS_SPARE of them,
 *    so there is always one to drop and `stop` or `--status` gets in;
 *  - a connection that follows no run is closed CONTROL_IDLE_MS after its
 *    connect or its last request: it must have sent a whole request and
 *    read the reply by then.
 *
 * "stop" and "reload" raise SIGTERM and SIGHUP on the daemon itself: the
 * daemon then has exactly one shutdown path and one reload path, whether a
 * signal or the CLI asked.
 */
#include "control.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_request.h"
#include "engine/engine.h"
#include "lib/utf8.h"
#include "log/log.h"
#include "store/store.h"
#include "version.h"

#define CONTROL_BACKLOG 16
#define CONTROL_CLIENTS_MAX 64
#define CONTROL_CLIENTS_SPARE 1 /* never taken by clients following runs */
#define CONTROL_ACCEPT_BURST 16 /* connections accepted per ms of loop time */
#define CONTROL_ACCEPT_PAUSE_MS 1
#define CONTROL_IDLE_MS 5000
#define CONTROL_IDLE_WHY "closed: no whole request, or its reply not read, within 5 s"
#define CONTROL_BUF_MIN 1024 /* first size of a request buffer, doubled as needed */
/* Output lines streamed to a client are cut to this many bytes (the task's
 * log keeps them whole). */
#define CONTROL_LINE_MAX 8192
/* While more than CONTROL_QUEUE_MAX bytes wait to be written to a slow
 * client, its output lines are dropped (and counted) instead of queued
 * without bound; sending resumes, with one note of what was dropped, once
 * the queue is down to CONTROL_QUEUE_RESUME. */
#define CONTROL_QUEUE_MAX (1u << 20)
#define CONTROL_QUEUE_RESUME (64u << 10)
#define CONTROL_ERR_MAX 256
#define CONTROL_PWBUF 4096 /* getpwuid_r's buffer */

/* What to do once a reply has been written. */
enum control_after { CONTROL_AFTER_NOTHING, CONTROL_AFTER_STOP };

struct control_conn {
    uv_pipe_t pipe;
    struct control *control;
    struct control_conn *next;
    bool closing;
    bool skipping;     /* discarding an oversized request up to its newline */
    bool held;         /* reading stopped until its replies are written */
    unsigned runs;     /* runs it follows (engine_run_now), not yet done */
    uint64_t deadline; /* loop time (ms) it is closed at while it follows none */
    size_t dropped;    /* output lines not sent since the last one sent */
    size_t len, cap;   /* bytes of a request received so far; buf's size */
    char *buf;
};

struct control_write {
    uv_write_t req;
    struct control_conn *conn;
    enum control_after after;
    char *line; /* the reply, its NUL replaced by a newline */
};

#define CONTROL_PATH_MAX sizeof((struct sockaddr_un *)0)->sun_path

/* The server.  It is freed once all of its own handles are closed: the
 * listener, the two timers, and the pipe of a refused connection (the
 * connections' close callbacks touch only the connection). */
struct control {
    uv_loop_t *loop;
    struct engine *engine;
    uv_pipe_t listener;
    uv_timer_t resume; /* accepting again after a burst */
    uv_timer_t sweep;  /* closing the connections past their deadline */
    uv_pipe_t reject;  /* a connection refused for want of memory or room */
    bool rejecting;    /* reject is in use until its close completes */
    unsigned handles;  /* of the above, open or closing */
    bool stopped;      /* control_stop() ran: free when handles is 0 */
    uint64_t burst_at; /* loop time of the current burst of accepts */
    unsigned burst;    /* accepts in it */
    char path[CONTROL_PATH_MAX];
    struct control_conn *conns;
    size_t conn_count;
};

int control_socket_path(const char *root, char *buf, size_t len, char *err, size_t errlen)
{
    size_t max = CONTROL_PATH_MAX < len ? CONTROL_PATH_MAX : len;
    int n = snprintf(buf, max, "%s/%s", root, CONTROL_SOCKET_REL);

    if (n < 0 || (size_t)n >= max) {
        snprintf(err, errlen, "%s/%s: path too long for a Unix socket (max %zu bytes)", root,
                 CONTROL_SOCKET_REL, max - 1);
        return -1;
    }
    return 0;
}

/* ---- text to JSON ------------------------------------------------------ */

/* A task's output and our messages are bytes; JSON strings are UTF-8.
 * At most CONTROL_LINE_MAX bytes of the text, each invalid byte replaced
 * by '?'. */
static json_t *control_text(const char *line, size_t len)
{
    return utf8_json_string(line, utf8_prefix(line, len, CONTROL_LINE_MAX));
}

/* ---- connections ------------------------------------------------------ */

static void control_on_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* The request buffer goes at once, the connection once libuv is done with
 * its pipe (in this loop turn). */
static void control_close(struct control_conn *conn)
{
    struct control *c = conn->control;

    if (conn->closing)
        return;
    conn->closing = true;
    engine_forget_client(c->engine, conn);
    for (struct control_conn **p = &c->conns; *p; p = &(*p)->next) {
        if (*p == conn) {
            *p = conn->next;
            break;
        }
    }
    c->conn_count--;
    if (!c->conns) /* nobody left to time out: an idle daemon sleeps */
        uv_timer_stop(&c->sweep);
    free(conn->buf);
    conn->buf = NULL;
    conn->len = conn->cap = 0;
    uv_close((uv_handle_t *)&conn->pipe, control_on_closed);
}

/* Tell a client why it is dropped, if its socket takes the line now (it is
 * closed right after, so nothing may wait in a write queue). */
static void control_tell(uv_stream_t *stream, const char *why)
{
    json_t *msg = json_pack("{s:b, s:s}", "ok", 0, "error", why);
    char line[CONTROL_ERR_MAX];
    size_t len = msg ? json_dumpb(msg, line, sizeof line - 1, JSON_COMPACT) : 0;

    json_decref(msg);
    if (len == 0 || len > sizeof line - 1)
        return;
    line[len] = '\n';
    uv_buf_t buf = uv_buf_init(line, (unsigned)(len + 1));
    int rc = uv_try_write(stream, &buf, 1);
    if (rc < 0)
        log_debug("control: cannot tell a client it is dropped: %s", uv_strerror(rc));
}

static void control_drop(struct control_conn *conn, const char *why)
{
    log_debug("control: client dropped: %s", why);
    control_tell((uv_stream_t *)&conn->pipe, why);
    control_close(conn);
}

/* ---- deadlines -------------------------------------------------------- */

static void control_arm_sweep(struct control *c, uint64_t delay_ms);

/* Close every connection past its deadline; sleep until the next one. */
static void control_on_sweep(uv_timer_t *timer)
{
    struct control *c = timer->data;
    uint64_t now = uv_now(c->loop), next = UINT64_MAX;
    struct control_conn *after;

    for (struct control_conn *conn = c->conns; conn; conn = after) {
        after = conn->next; /* control_drop unlinks conn, and only conn */
        if (conn->runs)
            continue;
        if (conn->deadline <= now)
            control_drop(conn, CONTROL_IDLE_WHY);
        else if (conn->deadline < next)
            next = conn->deadline;
    }
    if (next != UINT64_MAX)
        control_arm_sweep(c, next - now);
}

static void control_arm_sweep(struct control *c, uint64_t delay_ms)
{
    int rc = uv_timer_start(&c->sweep, control_on_sweep, delay_ms, 0);

    if (rc < 0)
        log_error("control: cannot time out idle clients: %s", uv_strerror(rc));
}

/* The connection follows no run: it has CONTROL_IDLE_MS for its next
 * request.  Deadlines only grow, so a running sweep is due no later. */
static void control_wait(struct control_conn *conn)
{
    struct control *c = conn->control;

    conn->deadline = uv_now(c->loop) + CONTROL_IDLE_MS;
    if (!uv_is_active((uv_handle_t *)&c->sweep))
        control_arm_sweep(c, CONTROL_IDLE_MS);
}

/* ---- replies ---------------------------------------------------------- */

static void control_serve(struct control_conn *conn);

static void control_on_written(uv_write_t *req, int status)
{
    struct control_write *w = (struct control_write *)req;
    struct control_conn *conn = w->conn;

    if (status < 0 && status != UV_ECANCELED)
        log_debug("control: client write failed: %s", uv_strerror(status));
    if (status < 0)
        control_close(conn);
    if (w->after == CONTROL_AFTER_STOP) {
        log_info("control: stop requested by a client");
        int rc = uv_kill(uv_os_getpid(), SIGTERM);
        if (rc < 0)
            log_error("control: cannot signal the daemon to stop: %s", uv_strerror(rc));
    }
    free(w->line);
    free(w);
    if (!conn->closing && conn->held &&
        uv_stream_get_write_queue_size((uv_stream_t *)&conn->pipe) == 0)
        control_serve(conn);
}

/* Send one JSON object as a line; `msg` is consumed. */
static void control_send(struct control_conn *conn, json_t *msg, enum control_after after)
{
    char *line = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    struct control_write *w = NULL;

    json_decref(msg);
    if (conn->closing)
        goto fail;
    engine_store_commit(conn->control->engine); /* what the reply reports is on disk */
    if (!line || !(w = malloc(sizeof *w))) {
        log_error("control: cannot encode a reply");
        goto fail;
    }
    size_t len = strlen(line);
    line[len] = '\n'; /* written by length, never read as a string again */
    w->conn = conn;
    w->after = after;
    w->line = line;
    uv_buf_t buf = uv_buf_init(line, (unsigned)(len + 1));
    int rc = uv_write(&w->req, (uv_stream_t *)&conn->pipe, &buf, 1, control_on_written);
    if (rc == 0)
        return;
    log_debug("control: client write failed: %s", uv_strerror(rc));
fail:
    free(w);
    free(line);
    control_close(conn);
}

static void control_reply_error(struct control_conn *conn, const char *msg,
                                enum control_after after)
{
    json_t *text = control_text(msg, strlen(msg));

    control_send(conn, json_pack("{s:b, s:o}", "ok", 0, "error", text), after);
}

static void control_reply_ok(struct control_conn *conn, json_t *extra, enum control_after after)
{
    json_t *msg = extra ? extra : json_object();

    if (msg && json_object_set_new(msg, "ok", json_true()) < 0) {
        json_decref(msg);
        msg = NULL;
    }
    control_send(conn, msg, after);
}

/* ---- streaming a run to its client ------------------------------------ */

static void control_on_output(void *data, const char *stream, const char *line, size_t len)
{
    struct control_conn *conn = data;

    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&conn->pipe);
    if (queued > (conn->dropped ? CONTROL_QUEUE_RESUME : CONTROL_QUEUE_MAX)) {
        conn->dropped++;
        return;
    }
    if (conn->dropped) {
        char note[CONTROL_ERR_MAX];
        snprintf(note, sizeof note, "[%zu lines not shown: the client read too slowly]",
                 conn->dropped);
        conn->dropped = 0;
        control_send(
            conn,
            json_pack("{s:s, s:s, s:s}", "type", "output", "stream", "stderr", "line", note),
            CONTROL_AFTER_NOTHING);
    }
    control_send(conn,
                 json_pack("{s:s, s:s, s:o}", "type", "output", "stream", stream, "line",
                           control_text(line, len)),
                 CONTROL_AFTER_NOTHING);
}

static void control_on_done(void *data, int64_t run_id, enum store_status status, int exit_code,
                            const char *error)
{
    struct control_conn *conn = data;
    /* The error quotes the task's own words, which need not be UTF-8. */
    json_t *why = error ? control_text(error, strlen(error)) : json_null();
    json_t *code = exit_code == ENGINE_NO_EXIT_CODE ? json_null() : json_integer(exit_code);

    if (--conn->runs == 0)
        control_wait(conn);
    control_send(conn,
                 json_pack("{s:s, s:I, s:s, s:o, s:o}", "type", "done", "run_id",
                           (json_int_t)run_id, "status", store_status_name(status), "exit_code",
                           code, "error", why),
                 CONTROL_AFTER_NOTHING);
}

/* ---- requests --------------------------------------------------------- */

/* Connections following at least one run. */
static size_t control_following(const struct control *c)
{
    size_t n = 0;

    for (const struct control_conn *conn = c->conns; conn; conn = conn->next)
        n += conn->runs > 0;
    return n;
}

static void control_cmd_status(struct control_conn *conn, const struct control_request *req)
{
    json_t *status = engine_status_json(conn->control->engine, req->user);

    if (!status) {
        control_reply_error(conn, "cannot build the status", CONTROL_AFTER_NOTHING);
        return;
    }
    control_reply_ok(conn, json_pack("{s:o}", "status", status), CONTROL_AFTER_NOTHING);
}

static void control_cmd_run(struct control_conn *conn, const struct control_request *req)
{
    const struct engine_client client = {
        .on_output = control_on_output, .on_done = control_on_done, .data = conn};
    char err[ENGINE_ERR_MAX];
    int64_t id;

    if (!conn->runs &&
        control_following(conn->control) >= CONTROL_CLIENTS_MAX - CONTROL_CLIENTS_SPARE) {
        control_reply_error(conn, "too many clients follow runs; try again when one is done",
                            CONTROL_AFTER_NOTHING);
        return;
    }
    /* Counted first: a run that cannot start reports its end at once. */
    conn->runs++;
    if (engine_run_now(conn->control->engine, req->task, "manual", &client, &id, err,
                       sizeof err) < 0) {
        conn->runs--;
        control_reply_error(conn, err, CONTROL_AFTER_NOTHING);
        return;
    }
    control_reply_ok(conn, json_pack("{s:I}", "run_id", (json_int_t)id), CONTROL_AFTER_NOTHING);
}

static void control_cmd_reset(struct control_conn *conn, const struct control_request *req)
{
    char err[ENGINE_ERR_MAX];
    json_t *changes =
        engine_reset_next_fires(conn->control->engine, req->tasks, req->task_count,
                                req->future_only, req->dry_run, err, sizeof err);

    if (!changes)
        control_reply_error(conn, err, CONTROL_AFTER_NOTHING);
    else
        control_reply_ok(conn, json_pack("{s:o}", "changes", changes), CONTROL_AFTER_NOTHING);
}

/* "alice (uid 1000) via CLI": who is at the other end of the socket, for
 * the log and the history of what they changed. */
static void control_peer(struct control_conn *conn, char *buf, size_t len)
{
    struct ucred cred;
    socklen_t size = sizeof cred;
    uv_os_fd_t fd;
    struct passwd pw, *found = NULL;
    char pwbuf[CONTROL_PWBUF];

    if (uv_fileno((uv_handle_t *)&conn->pipe, &fd) != 0 ||
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &size) != 0) {
        snprintf(buf, len, "an unknown user via CLI");
        return;
    }
    if (getpwuid_r(cred.uid, &pw, pwbuf, sizeof pwbuf, &found) != 0 || !found)
        snprintf(buf, len, "uid %u via CLI", (unsigned)cred.uid);
    else
        snprintf(buf, len, "%s (uid %u) via CLI", found->pw_name, (unsigned)cred.uid);
}

static void control_cmd_pause(struct control_conn *conn, const struct control_request *req)
{
    char err[ENGINE_ERR_MAX], by[CONTROL_ERR_MAX];
    json_t *done;

    control_peer(conn, by, sizeof by);
    done = engine_set_paused(conn->control->engine, req->tasks, req->task_count,
                             req->cmd == CONTROL_CMD_PAUSE, by, err, sizeof err);
    if (!done)
        control_reply_error(conn, err, CONTROL_AFTER_NOTHING);
    else
        control_reply_ok(conn, done, CONTROL_AFTER_NOTHING);
}

static void control_cmd_cancel(struct control_conn *conn, const struct control_request *req)
{
    char err[ENGINE_ERR_MAX], by[CONTROL_ERR_MAX];
    const char *task;

    control_peer(conn, by, sizeof by);
    if (engine_cancel(conn->control->engine, req->run_id, by, &task, err, sizeof err) < 0)
        control_reply_error(conn, err, CONTROL_AFTER_NOTHING);
    else
        control_reply_ok(conn,
                         json_pack("{s:I, s:s, s:s}", "cancelled", (json_int_t)req->run_id,
                                   "task", task, "by", by),
                         CONTROL_AFTER_NOTHING);
}

/* The resolved alert, or engine_alert_resolve's message (unknown, already
 * resolved, the store failed). */
static void control_cmd_resolve(struct control_conn *conn, const struct control_request *req)
{
    char err[ENGINE_ERR_MAX], by[CONTROL_ERR_MAX];
    json_t *alert;
    int rc;

    control_peer(conn, by, sizeof by);
    rc = engine_alert_resolve(conn->control->engine, req->alert_id, by, req->note, &alert, err,
                              sizeof err);
    if (rc == 1) {
        control_reply_ok(conn, json_pack("{s:o}", "alert", alert), CONTROL_AFTER_NOTHING);
        return;
    }
    json_decref(alert);
    control_reply_error(conn, err, CONTROL_AFTER_NOTHING);
}

static void control_handle(struct control_conn *conn, const char *line, size_t len)
{
    struct control_request req;
    char msg[CONTROL_ERR_MAX];
    int rc;

    if (control_request_parse(line, len, &req, msg, sizeof msg) < 0) {
        control_reply_error(conn, msg, CONTROL_AFTER_NOTHING);
        return;
    }
    switch (req.cmd) {
    case CONTROL_CMD_PING:
        control_reply_ok(conn,
                         json_pack("{s:I, s:s}", "pid", (json_int_t)uv_os_getpid(), "version",
                                   SCHEDULER_VERSION),
                         CONTROL_AFTER_NOTHING);
        break;
    case CONTROL_CMD_STATUS:
        control_cmd_status(conn, &req);
        break;
    case CONTROL_CMD_RUN:
        control_cmd_run(conn, &req);
        break;
    case CONTROL_CMD_RESET:
        control_cmd_reset(conn, &req);
        break;
    case CONTROL_CMD_PAUSE:
    case CONTROL_CMD_RESUME:
        control_cmd_pause(conn, &req);
        break;
    case CONTROL_CMD_CANCEL:
        control_cmd_cancel(conn, &req);
        break;
    case CONTROL_CMD_RESOLVE:
        control_cmd_resolve(conn, &req);
        break;
    case CONTROL_CMD_RELOAD:
        rc = uv_kill(uv_os_getpid(), SIGHUP);
        if (rc < 0)
            control_reply_error(conn, uv_strerror(rc), CONTROL_AFTER_NOTHING);
        else
            control_reply_ok(conn, NULL, CONTROL_AFTER_NOTHING);
        break;
    case CONTROL_CMD_STOP:
        control_reply_ok(conn, json_pack("{s:I}", "pid", (json_int_t)uv_os_getpid()),
                         CONTROL_AFTER_STOP);
        break;
    }
    control_request_free(&req);
}

/* The buffer grows with the request: a client that sends nothing costs no
 * buffer, a short request a small one. */
static void control_on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    struct control_conn *conn = handle->data;

    (void)suggested;
    if (conn->len == conn->cap) { /* below CONTROL_REQUEST_MAX: control_serve */
        size_t cap = conn->cap ? conn->cap * 2 : CONTROL_BUF_MIN;
        char *grown = realloc(conn->buf, cap < CONTROL_REQUEST_MAX ? cap : CONTROL_REQUEST_MAX);
        if (!grown) {
            *buf = uv_buf_init(NULL, 0); /* the read reports UV_ENOBUFS */
            return;
        }
        conn->buf = grown;
        conn->cap = cap < CONTROL_REQUEST_MAX ? cap : CONTROL_REQUEST_MAX;
    }
    *buf = uv_buf_init(conn->buf + conn->len, (unsigned)(conn->cap - conn->len));
}

static void control_on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

/* Handle the whole request lines received, in order.  The next one waits,
 * with reading stopped, while a reply is still queued for the client: one
 * that sends requests without reading the replies holds one reply in the
 * daemon's memory, not one per request. */
static void control_serve(struct control_conn *conn)
{
    size_t start = 0;
    bool hold = false;
    char *nl;

    if (conn->skipping) { /* the rest of an oversized request */
        nl = memchr(conn->buf, '\n', conn->len);
        if (!nl) {
            conn->len = 0;
            return;
        }
        start = (size_t)(nl - conn->buf) + 1;
        conn->skipping = false;
    }
    while ((nl = memchr(conn->buf + start, '\n', conn->len - start)) != NULL) {
        if (uv_stream_get_write_queue_size((uv_stream_t *)&conn->pipe) > 0) {
            hold = true;
            break;
        }
        control_handle(conn, conn->buf + start, (size_t)(nl - (conn->buf + start)));
        if (conn->closing)
            return;
        start = (size_t)(nl - conn->buf) + 1;
        control_wait(conn);
    }
    memmove(conn->buf, conn->buf + start, conn->len - start);
    conn->len -= start;
    if (hold != conn->held) {
        int rc =
            hold ? uv_read_stop((uv_stream_t *)&conn->pipe)
                 : uv_read_start((uv_stream_t *)&conn->pipe, control_on_alloc, control_on_read);
        if (rc < 0) {
            log_warn("control: read: %s", uv_strerror(rc));
            control_close(conn);
            return;
        }
        conn->held = hold;
    }
    if (!hold && conn->len == CONTROL_REQUEST_MAX) {
        /* Refuse it, then drop its bytes up to its newline; closing at once
         * would reset the connection before the client read why. */
        char msg[CONTROL_ERR_MAX];
        snprintf(msg, sizeof msg, "request longer than %d bytes", CONTROL_REQUEST_MAX);
        control_reply_error(conn, msg, CONTROL_AFTER_NOTHING);
        conn->len = 0;
        conn->skipping = true;
    }
}

static void control_on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct control_conn *conn = stream->data;

    (void)buf;
    if (nread < 0) {
        control_close(conn); /* end of stream or error: its runs go on */
        return;
    }
    conn->len += (size_t)nread;
    control_serve(conn);
}

/* ---- accepting -------------------------------------------------------- */

/* The server's memory goes once its last own handle is closed. */
static void control_on_handle_closed(uv_handle_t *handle)
{
    struct control *c = handle->data;

    if (handle == (uv_handle_t *)&c->reject)
        c->rejecting = false;
    if (--c->handles == 0 && c->stopped)
        free(c);
}

static void control_on_connection(uv_stream_t *listener, int status);

/* A listener whose connection could not be taken over: libuv stopped
 * polling it while the connection waited, and starts again only after an
 * accept that worked. */
static void control_relisten(struct control *c)
{
    int rc = uv_listen((uv_stream_t *)&c->listener, CONTROL_BACKLOG, control_on_connection);

    if (rc < 0)
        log_error("control: cannot listen again: %s", uv_strerror(rc));
}

/* Accept a connection we cannot serve, tell it why and close it.  -1 when
 * the one handle for it is still closing from the last refusal. */
static int control_reject(struct control *c, const char *why)
{
    if (c->rejecting)
        return -1;
    int rc = uv_pipe_init(c->loop, &c->reject, 0);
    if (rc < 0) {
        log_error("control: %s", uv_strerror(rc));
        return -1;
    }
    c->rejecting = true;
    c->handles++;
    c->reject.data = c;
    rc = uv_accept((uv_stream_t *)&c->listener, (uv_stream_t *)&c->reject);
    if (rc == 0) {
        control_tell((uv_stream_t *)&c->reject, why);
    } else {
        log_warn("control: cannot drop a client it cannot serve: %s", uv_strerror(rc));
        control_relisten(c);
    }
    uv_close((uv_handle_t *)&c->reject, control_on_handle_closed);
    return 0;
}

/* All CONTROL_CLIENTS_MAX connections are held: drop the one that has
 * waited longest for its request.  False when every one follows a run,
 * which CONTROL_CLIENTS_SPARE prevents. */
static bool control_make_room(struct control *c)
{
    struct control_conn *oldest = NULL;

    for (struct control_conn *conn = c->conns; conn; conn = conn->next)
        if (!conn->runs && (!oldest || conn->deadline <= oldest->deadline))
            oldest = conn;
    if (!oldest)
        return false;
    control_drop(oldest, "closed: too many clients, this one waited longest");
    return true;
}

static void control_take(struct control *c);

static void control_on_resume(uv_timer_t *timer)
{
    control_take(timer->data);
}

/* Leave the connection waiting in the kernel's queue (libuv stops polling
 * the listener meanwhile) and take it after a pause. */
static void control_pause(struct control *c)
{
    int rc = uv_timer_start(&c->resume, control_on_resume, CONTROL_ACCEPT_PAUSE_MS, 0);

    if (rc < 0)
        log_error("control: cannot pause accepting: %s", uv_strerror(rc));
}

/* Take over the connection waiting on the listener: a client, or refused. */
static void control_take(struct control *c)
{
    struct control_conn *conn;
    uint64_t now = uv_now(c->loop);
    int rc;

    if (now != c->burst_at) {
        c->burst_at = now;
        c->burst = 0;
    }
    if (c->burst == CONTROL_ACCEPT_BURST) {
        control_pause(c);
        return;
    }
    c->burst++;
    if (c->conn_count == CONTROL_CLIENTS_MAX && !control_make_room(c)) {
        if (control_reject(c, "too many clients") < 0)
            control_pause(c);
        return;
    }
    conn = calloc(1, sizeof *conn);
    if (!conn || (rc = uv_pipe_init(c->loop, &conn->pipe, 0)) < 0) {
        log_error("control: out of memory for a client");
        free(conn);
        if (control_reject(c, "out of memory") < 0)
            control_pause(c);
        return;
    }
    conn->pipe.data = conn;
    conn->control = c;
    conn->next = c->conns;
    c->conns = conn;
    c->conn_count++;
    rc = uv_accept((uv_stream_t *)&c->listener, (uv_stream_t *)&conn->pipe);
    if (rc < 0) {
        log_warn("control: accept: %s", uv_strerror(rc));
        control_close(conn);
        control_relisten(c);
        return;
    }
    control_wait(conn);
    rc = uv_read_start((uv_stream_t *)&conn->pipe, control_on_alloc, control_on_read);
    if (rc < 0) {
        log_warn("control: read: %s", uv_strerror(rc));
        control_close(conn);
    }
}

static void control_on_connection(uv_stream_t *listener, int status)
{
    if (status < 0) {
        log_warn("control: accept: %s", uv_strerror(status));
        return;
    }
    control_take(listener->data);
}

/* ---- start and stop --------------------------------------------------- */

/* The caller holds the daemon's lock, so whatever socket is at `path` was
 * left by a daemon that died; anything else there is not ours to delete. */
static int control_remove_stale(const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -1;
    }
    if (unlink(path) < 0) {
        snprintf(err, errlen, "removing stale %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

struct control *control_start(uv_loop_t *loop, struct engine *engine, const char *socket_path,
                              char *err, size_t errlen)
{
    struct control *c;
    int rc;

    if (strlen(socket_path) >= CONTROL_PATH_MAX) {
        snprintf(err, errlen, "%s: path too long for a Unix socket", socket_path);
        return NULL;
    }
    if (control_remove_stale(socket_path, err, errlen) < 0)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "control socket: out of memory");
        return NULL;
    }
    c->loop = loop;
    c->engine = engine;
    /* The three cannot fail on an initialised loop (libuv only sets fields). */
    if ((rc = uv_pipe_init(loop, &c->listener, 0)) < 0 ||
        (rc = uv_timer_init(loop, &c->resume)) < 0 ||
        (rc = uv_timer_init(loop, &c->sweep)) < 0) {
        snprintf(err, errlen, "control socket: %s", uv_strerror(rc));
        free(c);
        return NULL;
    }
    c->handles = 3;
    c->listener.data = c->resume.data = c->sweep.data = c;
    /* Only the daemon's own user may stop it or run its tasks. */
    mode_t old_mask = umask(S_IRWXG | S_IRWXO);
    rc = uv_pipe_bind(&c->listener, socket_path);
    umask(old_mask);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", socket_path, uv_strerror(rc));
        goto fail;
    }
    strcpy(c->path, socket_path);
    rc = uv_listen((uv_stream_t *)&c->listener, CONTROL_BACKLOG, control_on_connection);
    if (rc < 0) {
        snprintf(err, errlen, "%s: listen: %s", socket_path, uv_strerror(rc));
        goto fail;
    }
    return c;
fail:
    control_stop(c);
    return NULL;
}

void control_stop(struct control *c)
{
    if (!c)
        return;
    while (c->conns)
        control_close(c->conns);
    if (c->path[0] && unlink(c->path) < 0 && errno != ENOENT)
        log_warn("control: removing %s: %s", c->path, strerror(errno));
    c->stopped = true;
    uv_close((uv_handle_t *)&c->listener, control_on_handle_closed);
    uv_close((uv_handle_t *)&c->resume, control_on_handle_closed);
    uv_close((uv_handle_t *)&c->sweep, control_on_handle_closed);
}
