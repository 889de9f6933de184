/* forkserver.c — the daemon's side of the fork server (forkserver.h).
 *
 * One server at a time.  Each server instance is a struct server: its
 * process, the request socket (non-blocking, used synchronously with a
 * deadline), the exit socket (read on the loop) and the children it
 * forked, in the order it forked them.  An exit report names a pid; the
 * oldest child of that pid is the one (a pid freed by a reaped child may
 * be given to a later one, whose report can only come after).
 *
 * A server is lost when its exit socket reaches EOF, its process exits,
 * or a request fails or outlasts FORKSERVER_REPLY_MS (it is then killed).
 * Its children still running become orphans followed by their pidfds;
 * runs use exec until the next server starts, FORKSERVER_BACKOFF_MIN_MS
 * after the loss, doubling at each loss without a successful fork in
 * between, up to FORKSERVER_BACKOFF_MAX_MS.
 */
#include "forkserver.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log/log.h"

#define FORKSERVER_REPLY_MS 2000
#define FORKSERVER_BACKOFF_MIN_MS 1000
#define FORKSERVER_BACKOFF_MAX_MS 60000

struct server;

struct child {
    struct child *next;
    pid_t pid;
    int pidfd;
    uv_poll_t poll; /* on pidfd, once its server is lost */
    bool polling;
    forkserver_exit_cb cb;
    void *data;
};

struct server {
    uv_process_t process;
    uv_poll_t exit_poll;
    int req_fd, exit_fd;
    int open_handles;
    bool lost;
    struct child *head, **tail;
};

static struct {
    uv_loop_t *loop;
    char *program;
    struct server *current;
    uv_timer_t restart;
    bool timer_ready, stopping;
    uint64_t backoff_ms;
} fs;

/* --- children -------------------------------------------------------- */

static void on_child_closed(uv_handle_t *handle)
{
    struct child *c = handle->data;

    close(c->pidfd);
    free(c);
}

/* Report the child's end and free it. */
static void child_end(struct child *c, int64_t exit_status, int term_signal, bool known)
{
    c->cb(c->data, exit_status, term_signal, known);
    if (c->polling) {
        uv_close((uv_handle_t *)&c->poll, on_child_closed);
        return;
    }
    close(c->pidfd);
    free(c);
}

static void on_pidfd(uv_poll_t *poll, int status, int events)
{
    struct child *c = poll->data;

    (void)status;
    (void)events;
    uv_poll_stop(poll);
    child_end(c, 0, 0, false);
}

/* The server is gone: follow the child by its pidfd. */
static void child_orphan(struct child *c)
{
    int rc = uv_poll_init(fs.loop, &c->poll, c->pidfd);

    c->next = NULL;
    if (rc == 0) {
        c->poll.data = c;
        c->polling = true;
        rc = uv_poll_start(&c->poll, UV_READABLE, on_pidfd);
    }
    if (rc != 0) { /* cannot follow it: its streams' EOF ends the run */
        log_error("fork server: following run process %d: %s", (int)c->pid, uv_strerror(rc));
        child_end(c, 0, 0, false);
    }
}

/* --- the server's life ----------------------------------------------- */

static void server_start(void);

static void on_restart(uv_timer_t *timer)
{
    (void)timer;
    server_start();
}

static void on_server_closed(uv_handle_t *handle)
{
    struct server *s = handle->data;

    if (handle == (uv_handle_t *)&s->exit_poll)
        close(s->exit_fd); /* a poll handle leaves its fd open */
    if (--s->open_handles == 0)
        free(s);
}

/* Take every exit report waiting.  True when the socket reached EOF or
 * failed: the server is gone. */
static bool drain_exits(struct server *s)
{
    struct forkserver_exit ex;
    ssize_t n;

    while ((n = recv(s->exit_fd, &ex, sizeof ex, MSG_DONTWAIT)) != 0) {
        struct child **link = &s->head, *c;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno != EAGAIN && errno != EWOULDBLOCK;
        if (n != (ssize_t)sizeof ex)
            continue;
        while (*link && (*link)->pid != ex.pid)
            link = &(*link)->next;
        if (!(c = *link))
            continue; /* one the server killed itself (forkd.c, serve) */
        if (!(*link = c->next))
            s->tail = link;
        child_end(c, WIFEXITED(ex.status) ? WEXITSTATUS(ex.status) : 0,
                  WIFSIGNALED(ex.status) ? WTERMSIG(ex.status) : 0, true);
    }
    return true;
}

/* Lose the server: what it reported is taken first, then its children
 * become orphans, it is killed unless it has `exited` (libuv reaped it, so
 * its pid is no longer its own) or the daemon is stopping (the closed
 * socket ends it), and a restart is armed. */
static void server_lose(struct server *s, const char *why, bool exited)
{
    struct child *c, *next;

    if (s->lost)
        return;
    (void)drain_exits(s);
    s->lost = true;
    if (fs.current == s)
        fs.current = NULL;
    if (!fs.stopping)
        log_warn("fork server %d lost (%s): runs are exec'd until it is back in %llu ms",
                 (int)s->process.pid, why, (unsigned long long)fs.backoff_ms);
    close(s->req_fd);
    uv_close((uv_handle_t *)&s->exit_poll, on_server_closed);
    for (c = s->head; c; c = next) {
        next = c->next;
        child_orphan(c);
    }
    s->head = NULL;
    s->tail = &s->head;
    if (!exited && !fs.stopping)
        uv_process_kill(&s->process, SIGKILL);
    if (!fs.stopping && fs.timer_ready) {
        uv_timer_start(&fs.restart, on_restart, fs.backoff_ms, 0);
        fs.backoff_ms = fs.backoff_ms * 2 > FORKSERVER_BACKOFF_MAX_MS
                            ? FORKSERVER_BACKOFF_MAX_MS
                            : fs.backoff_ms * 2;
    }
}

static void on_server_exit(uv_process_t *process, int64_t exit_status, int term_signal)
{
    struct server *s = process->data;

    log_debug("fork server %d ended (status %lld, signal %d)", (int)process->pid,
              (long long)exit_status, term_signal);
    server_lose(s, "it exited", true);
    uv_close((uv_handle_t *)process, on_server_closed);
}

static void on_exit_readable(uv_poll_t *poll, int status, int events)
{
    struct server *s = poll->data;

    (void)status;
    (void)events;
    if (drain_exits(s))
        server_lose(s, "its socket closed", false);
}

static void server_start(void)
{
    char *args[] = {fs.program, FORKSERVER_ARG, NULL};
    uv_stdio_container_t stdio[FORKSERVER_EXIT_FD + 1];
    uv_process_options_t opt = {0};
    struct server *s = calloc(1, sizeof *s);
    int req[2] = {-1, -1}, ex[2] = {-1, -1}, rc;

    if (!s || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, req) != 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ex) != 0) {
        log_error("fork server: cannot start: %s", strerror(errno));
        free(s);
        goto fail;
    }
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_IGNORE;
    stdio[2] = (uv_stdio_container_t){.flags = UV_INHERIT_FD, .data.fd = STDERR_FILENO};
    stdio[FORKSERVER_REQUEST_FD] =
        (uv_stdio_container_t){.flags = UV_INHERIT_FD, .data.fd = req[1]};
    stdio[FORKSERVER_EXIT_FD] =
        (uv_stdio_container_t){.flags = UV_INHERIT_FD, .data.fd = ex[1]};
    opt.file = fs.program;
    opt.args = args;
    opt.exit_cb = on_server_exit;
    opt.flags = UV_PROCESS_DETACHED; /* the terminal's ^C is the daemon's to handle */
    opt.stdio_count = FORKSERVER_EXIT_FD + 1;
    opt.stdio = stdio;
    s->process.data = s;
    s->exit_poll.data = s;
    s->open_handles = 1;
    s->tail = &s->head;
    if ((rc = uv_spawn(fs.loop, &s->process, &opt)) != 0) {
        log_error("fork server: cannot start %s: %s", fs.program, uv_strerror(rc));
        uv_close((uv_handle_t *)&s->process, on_server_closed);
        goto fail;
    }
    s->req_fd = req[0];
    s->exit_fd = ex[0];
    req[0] = ex[0] = -1;
    if ((rc = uv_poll_init(fs.loop, &s->exit_poll, s->exit_fd)) != 0) {
        log_error("fork server: watching it: %s", uv_strerror(rc));
        s->lost = true; /* its exit callback closes the process handle */
        close(s->req_fd);
        close(s->exit_fd);
        uv_process_kill(&s->process, SIGKILL);
        goto fail;
    }
    s->open_handles++;
    if ((rc = uv_poll_start(&s->exit_poll, UV_READABLE, on_exit_readable)) != 0) {
        log_error("fork server: watching it: %s", uv_strerror(rc));
        server_lose(s, "cannot watch its socket", false);
        goto done;
    }
    fs.current = s;
    log_debug("fork server %d started", (int)s->process.pid);
    goto done;
fail:
    if (!fs.stopping && fs.timer_ready)
        uv_timer_start(&fs.restart, on_restart, fs.backoff_ms, 0);
done:
    for (int i = 0; i < 2; i++) {
        if (req[i] >= 0)
            close(req[i]);
        if (ex[i] >= 0)
            close(ex[i]);
    }
}

void forkserver_start(uv_loop_t *loop, const char *program)
{
    if (fs.loop)
        return;
    fs.loop = loop;
    fs.stopping = false;
    fs.backoff_ms = FORKSERVER_BACKOFF_MIN_MS;
    if (!(fs.program = strdup(program))) {
        log_error("fork server: out of memory");
        fs.loop = NULL;
        return;
    }
    fs.timer_ready = uv_timer_init(loop, &fs.restart) == 0;
    server_start();
}

static void on_timer_closed(uv_handle_t *handle)
{
    (void)handle;
    free(fs.program);
    fs.program = NULL;
    fs.loop = NULL;
}

void forkserver_stop(void)
{
    if (!fs.loop || fs.stopping)
        return;
    fs.stopping = true;
    if (fs.current)
        server_lose(fs.current, "stopping", false);
    if (fs.timer_ready)
        uv_close((uv_handle_t *)&fs.restart, on_timer_closed);
    else
        on_timer_closed(NULL);
}

/* --- one fork -------------------------------------------------------- */

/* Wait until fd is ready for `events`, at most until `deadline` (loop
 * ms).  0, or -1 with errno set (ETIMEDOUT). */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    uint64_t now;
    int n;

    for (;;) {
        now = uv_hrtime() / 1000000;
        if (now >= deadline) {
            errno = ETIMEDOUT;
            return -1;
        }
        n = poll(&p, 1, (int)(deadline - now));
        if (n > 0)
            return p.revents & (POLLERR | POLLHUP | POLLNVAL) && !(p.revents & events)
                       ? (errno = EPIPE, -1)
                       : 0;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* The request's bytes: cwd, then every env entry, each NUL-terminated.
 * NULL with errno E2BIG when it would not fit one message. */
static char *encode(char *const env[], const char *cwd, size_t *len)
{
    size_t n = strlen(cwd) + 1, at = 0;
    char *buf;

    for (size_t i = 0; env[i]; i++)
        n += strlen(env[i]) + 1;
    if (n > FORKSERVER_REQUEST_MAX) {
        errno = E2BIG;
        return NULL;
    }
    if (!(buf = malloc(n)))
        return NULL;
    memcpy(buf, cwd, strlen(cwd) + 1);
    at = strlen(cwd) + 1;
    for (size_t i = 0; env[i]; i++) {
        size_t k = strlen(env[i]) + 1;
        memcpy(buf + at, env[i], k);
        at += k;
    }
    *len = n;
    return buf;
}

/* Send the request with the fds, then take the reply (and its pidfd).
 * -1 with errno set when the server failed to answer. */
static int exchange(struct server *s, const char *buf, size_t len,
                    const int fds[FORKSERVER_RUN_FDS], struct forkserver_reply *reply,
                    int *pidfd)
{
    uint64_t deadline = uv_hrtime() / 1000000 + FORKSERVER_REPLY_MS;
    union {
        char buf[CMSG_SPACE(FORKSERVER_RUN_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    struct cmsghdr *c;
    ssize_t n;

    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(FORKSERVER_RUN_FDS * sizeof(int));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(FORKSERVER_RUN_FDS * sizeof(int));
    memcpy(CMSG_DATA(c), fds, FORKSERVER_RUN_FDS * sizeof(int));
    while ((n = sendmsg(s->req_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0)
        if ((errno != EAGAIN && errno != EINTR) || wait_fd(s->req_fd, POLLOUT, deadline) != 0)
            return -1;
    if ((size_t)n != len) {
        errno = EPROTO;
        return -1;
    }
    iov = (struct iovec){.iov_base = reply, .iov_len = sizeof *reply};
    msg = (struct msghdr){.msg_iov = &iov,
                          .msg_iovlen = 1,
                          .msg_control = control.buf,
                          .msg_controllen = sizeof control.buf};
    while ((n = recvmsg(s->req_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) < 0)
        if ((errno != EAGAIN && errno != EINTR) || wait_fd(s->req_fd, POLLIN, deadline) != 0)
            return -1;
    c = CMSG_FIRSTHDR(&msg);
    *pidfd = -1;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(pidfd, CMSG_DATA(c), sizeof(int));
    if (n != (ssize_t)sizeof *reply || (reply->pid > 0) != (*pidfd >= 0)) {
        if (*pidfd >= 0)
            close(*pidfd);
        errno = n == 0 ? EPIPE : EPROTO;
        return -1;
    }
    return 0;
}

pid_t forkserver_spawn(const int fds[FORKSERVER_RUN_FDS], char *const env[], const char *cwd,
                       forkserver_exit_cb on_exit, void *data)
{
    struct server *s = fs.current;
    struct forkserver_reply reply;
    struct child *c = NULL;
    int pidfd = -1;
    size_t len;
    char *buf;

    if (!s || s->lost) {
        errno = ENOTCONN;
        return 0;
    }
    if (!(buf = encode(env, cwd, &len)) || !(c = calloc(1, sizeof *c))) {
        free(buf);
        return 0; /* E2BIG or ENOMEM */
    }
    if (exchange(s, buf, len, fds, &reply, &pidfd) != 0) {
        server_lose(s, strerror(errno), false);
        free(buf);
        free(c);
        errno = ENOTCONN;
        return 0;
    }
    free(buf);
    if (reply.pid <= 0) {
        free(c);
        errno = reply.error ? reply.error : EPROTO;
        return 0;
    }
    *c = (struct child){.pid = reply.pid, .pidfd = pidfd, .cb = on_exit, .data = data};
    *s->tail = c;
    s->tail = &c->next;
    fs.backoff_ms = FORKSERVER_BACKOFF_MIN_MS;
    return c->pid;
}
