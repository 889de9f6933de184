/* forkd.c — the fork server, `main __forkserver` (run/forkserver.h has the
 * protocol and why it exists).
 *
 * Started by the daemon with its requests on fd 3 and its exit reports on
 * fd 4, it warms the run runtime once — one Lua VM with every helper and
 * the embedded DSL is built and closed, so the code and the lazily bound
 * symbols of Lua, the helpers and their libraries are in place for every
 * child — and then waits.  It never loads a task and keeps no VM: each
 * child creates its own after the fork.
 *
 * Per request it changes to the run's working directory (so that a bad
 * one fails the request, as uv_spawn fails it) and forks.  The child
 * takes a session of its own, the run's fds 1-3 and environment, names
 * itself `main __run` (orphans.c recognises a run by that command line),
 * and runs runner_main.  The parent replies with the pid and a pidfd,
 * wipes the request (a later child must not find this run's environment
 * in the memory it inherits) and goes on.  SIGCHLD arrives on a
 * signalfd; every reaped child is reported on fd 4, queued while that
 * socket is full.  EOF on fd 3 (the
 * daemon stopped or died) ends the server; its children run on.
 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lua.h>

#include "helpers/runtime.h"
#include "run/forkserver.h"
#include "run/run_protocol.h"

#define FORKD_RUN_ARG "__run"
#define FORKD_ENV_MAX 4096 /* variables of one request */
#define FORKD_ERR_MAX 256
#define FORKD_QUEUE_MIN 64 /* exit reports queued, at first */

extern char **environ;

struct forkd {
    char *buf; /* the current request */
    /* Exit reports the socket had no room for yet (it is non-blocking: a
     * server blocked on a report while the daemon waits for its reply
     * would deadlock), sent in order when it has. */
    struct forkserver_exit *queue;
    size_t queued, queue_cap;
    char *env[FORKD_ENV_MAX + 1];
    char **argv;
    int sigfd;
};

/* Build and close one VM, so each child starts from warm code. */
static void warm_runtime(void)
{
    struct runtime_context ctx = {.task = "", .title = "", .root = "/", .channel_fd = -1};
    char err[FORKD_ERR_MAX];
    lua_State *L = runtime_open(&ctx, err, sizeof err);

    if (L)
        lua_close(L);
    else
        fprintf(stderr, "forkserver: warming the runtime: %s\n", err);
}

/* The request's strings: the cwd, then the environment.  -1 when malformed. */
static int parse_request(struct forkd *fd, size_t len, const char **cwd)
{
    size_t n = 0;
    char *p = fd->buf, *end = fd->buf + len;

    if (len == 0 || end[-1] != '\0')
        return -1;
    *cwd = p;
    p += strlen(p) + 1;
    while (p < end) {
        if (n == FORKD_ENV_MAX)
            return -1;
        fd->env[n++] = p;
        p += strlen(p) + 1;
    }
    fd->env[n] = NULL;
    return 0;
}

/* The child: become the run process and never return. */
static void become_run(struct forkd *fd, const int fds[FORKSERVER_RUN_FDS])
{
    sigset_t none;
    size_t n;

    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0 || setsid() < 0)
        _exit(127);
    for (int i = 0; i < FORKSERVER_RUN_FDS; i++)
        if (dup2(fds[i], i + 1) < 0)
            _exit(127);
    /* Everything else the server holds stays with the server. */
    for (int i = 0; i < FORKSERVER_RUN_FDS; i++)
        if (fds[i] > RUN_PROTOCOL_FD)
            close(fds[i]);
    close(FORKSERVER_EXIT_FD);
    close(fd->sigfd);
    n = strlen(fd->argv[1]);
    memset(fd->argv[1], 0, n);
    memcpy(fd->argv[1], FORKD_RUN_ARG, sizeof FORKD_RUN_ARG < n + 1 ? sizeof FORKD_RUN_ARG : n);
    environ = fd->env;
    exit(runner_main());
}

static int send_reply(pid_t pid, int error, int pidfd)
{
    struct forkserver_reply reply = {.pid = pid, .error = error};
    struct iovec iov = {.iov_base = &reply, .iov_len = sizeof reply};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

    if (pidfd >= 0) {
        struct cmsghdr *c;

        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
    }
    return sendmsg(FORKSERVER_REQUEST_FD, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof reply ? 0 : -1;
}

/* Receive one request with its three fds.  1 when one came, 0 at EOF (or
 * when the socket fails), -1 on a malformed one (answered with EINVAL). */
static int recv_request(struct forkd *fd, size_t *len, int fds[FORKSERVER_RUN_FDS])
{
    union {
        char buf[CMSG_SPACE(FORKSERVER_RUN_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = fd->buf, .iov_len = FORKSERVER_REQUEST_MAX};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *c;
    ssize_t n;

    while ((n = recvmsg(FORKSERVER_REQUEST_FD, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (n < 0 && errno != ECONNRESET)
        fprintf(stderr, "forkserver: reading a request: %s\n", strerror(errno));
    if (n <= 0)
        return 0; /* EOF, or a socket that cannot be read any more */
    c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
        c->cmsg_len != CMSG_LEN(FORKSERVER_RUN_FDS * sizeof(int))) {
        if (c && c->cmsg_type == SCM_RIGHTS) /* close what came with it */
            for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                close(((int *)(void *)CMSG_DATA(c))[i]);
        return -1;
    }
    memcpy(fds, CMSG_DATA(c), FORKSERVER_RUN_FDS * sizeof(int));
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        for (int i = 0; i < FORKSERVER_RUN_FDS; i++)
            close(fds[i]);
        return -1;
    }
    *len = (size_t)n;
    return 1;
}

/* Fork the run of one request and answer it. */
static void serve(struct forkd *fd, size_t len, const int fds[FORKSERVER_RUN_FDS])
{
    const char *cwd;
    int error = 0, pidfd = -1;
    pid_t pid = 0;

    if (parse_request(fd, len, &cwd) != 0)
        error = EINVAL;
    else if (chdir(cwd) != 0)
        error = errno;
    else if ((pid = fork()) < 0) {
        error = errno;
        pid = 0;
    } else if (pid == 0) {
        become_run(fd, fds);
    } else if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0) {
        /* the daemon must be able to follow it: no pidfd, no run */
        error = errno;
        kill(pid, SIGKILL);
        pid = 0; /* reaped with the others */
    }
    explicit_bzero(fd->buf, len);
    for (int i = 0; i < FORKSERVER_RUN_FDS; i++)
        close(fds[i]);
    if (send_reply(pid, error, pidfd) != 0)
        fprintf(stderr, "forkserver: replying: %s\n", strerror(errno));
    if (pidfd >= 0)
        close(pidfd);
}

/* Send the queued exit reports the socket takes.  -1 when it failed for
 * good (the daemon is gone). */
static int flush_exits(struct forkd *fd)
{
    size_t sent = 0;

    while (sent < fd->queued) {
        ssize_t n = send(FORKSERVER_EXIT_FD, &fd->queue[sent], sizeof *fd->queue,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n != (ssize_t)sizeof *fd->queue) {
            fprintf(stderr, "forkserver: reporting an exit: %s\n", strerror(errno));
            return -1;
        }
        sent++;
    }
    memmove(fd->queue, fd->queue + sent, (fd->queued - sent) * sizeof *fd->queue);
    fd->queued -= sent;
    return 0;
}

/* Reap every child that ended and queue its report. */
static int reap(struct forkd *fd)
{
    struct signalfd_siginfo info;
    int status;
    pid_t pid;

    while (read(fd->sigfd, &info, sizeof info) == (ssize_t)sizeof info)
        ;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (fd->queued == fd->queue_cap) {
            size_t cap = fd->queue_cap ? fd->queue_cap * 2 : FORKD_QUEUE_MIN;
            struct forkserver_exit *grown = realloc(fd->queue, cap * sizeof *grown);

            if (!grown) { /* the daemon would wait for this run forever */
                fprintf(stderr, "forkserver: out of memory for pid %d's exit\n", (int)pid);
                return -1;
            }
            fd->queue = grown;
            fd->queue_cap = cap;
        }
        fd->queue[fd->queued++] = (struct forkserver_exit){.pid = pid, .status = status};
    }
    return flush_exits(fd);
}

int forkd_main(char **argv)
{
    struct forkd fd = {.argv = argv, .sigfd = -1};
    struct pollfd polls[3];
    sigset_t chld;
    int fds[FORKSERVER_RUN_FDS], rc = 1;
    size_t len;

    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL) != 0 ||
        (fd.sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
        !(fd.buf = malloc(FORKSERVER_REQUEST_MAX))) {
        fprintf(stderr, "forkserver: cannot start: %s\n", strerror(errno));
        goto done;
    }
    warm_runtime();
    polls[0] = (struct pollfd){.fd = FORKSERVER_REQUEST_FD, .events = POLLIN};
    polls[1] = (struct pollfd){.fd = fd.sigfd, .events = POLLIN};
    polls[2] = (struct pollfd){.fd = FORKSERVER_EXIT_FD, .events = POLLOUT};
    for (;;) {
        if (poll(polls, fd.queued ? 3 : 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "forkserver: poll: %s\n", strerror(errno));
            goto done;
        }
        if ((polls[1].revents && reap(&fd) != 0) ||
            (fd.queued && polls[2].revents && flush_exits(&fd) != 0))
            goto done; /* the daemon finds its runs by their pidfds */
        if (!polls[0].revents)
            continue;
        switch (recv_request(&fd, &len, fds)) {
        case 0:
            rc = 0; /* the daemon is gone */
            goto done;
        case 1:
            serve(&fd, len, fds);
            break;
        default:
            if (send_reply(0, EINVAL, -1) != 0)
                goto done;
        }
    }
done:
    free(fd.buf);
    free(fd.queue);
    if (fd.sigfd >= 0)
        close(fd.sigfd);
    return rc;
}
