/* fixture_server.h — start a local test server (a script under tests/fixtures/) that
 * prints its port on its first line of stdout, and stop it again.
 *
 * Header-only, like testing.h: each unit test is one C file.  The server's
 * stdout stays open until fixture_server_stop: with PYTHONUNBUFFERED its
 * print writes the port and the newline apart, and a pipe closed in between
 * kills it (EPIPE).  It also exits when its stdin (our end) closes.
 */
#ifndef FIXTURE_SERVER_H
#define FIXTURE_SERVER_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define FIXTURE_SERVER_START_MS 60000 /* python3 starts slowly on a loaded machine */

struct fixture_server {
    pid_t pid;
    int stdin_fd, stdout_fd;
    int port;
};

static inline void fixture_server_stop(struct fixture_server *s)
{
    if (s->stdin_fd >= 0)
        close(s->stdin_fd);
    if (s->stdout_fd >= 0)
        close(s->stdout_fd);
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    *s = (struct fixture_server){.pid = -1, .stdin_fd = -1, .stdout_fd = -1};
}

/* Run argv (argv[0] a path) and read the port from its first line: 0, or
 * -1 with the server stopped when it did not print one in time. */
static inline int fixture_server_start(struct fixture_server *s, char *const argv[])
{
    int in[2], out[2], ready;
    char line[32] = "";
    size_t used = 0;
    ssize_t n;

    *s = (struct fixture_server){.pid = -1, .stdin_fd = -1, .stdout_fd = -1};
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]), close(in[1]);
        return -1;
    }
    if ((s->pid = fork()) == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    s->stdin_fd = in[1];
    s->stdout_fd = out[0];
    while (s->pid > 0 && used < sizeof line - 1 && !memchr(line, '\n', used)) {
        struct pollfd pfd = {.fd = s->stdout_fd, .events = POLLIN};
        do
            ready = poll(&pfd, 1, FIXTURE_SERVER_START_MS);
        while (ready < 0 && errno == EINTR);
        if (ready != 1 || (n = read(s->stdout_fd, line + used, sizeof line - 1 - used)) <= 0)
            break;
        used += (size_t)n;
    }
    line[used] = '\0';
    s->port = memchr(line, '\n', used) ? atoi(line) : 0;
    if (s->port <= 0) {
        fixture_server_stop(s);
        return -1;
    }
    return 0;
}

/* A port on 127.0.0.1 that nothing listens on (bound, then released). */
static inline int fixture_unused_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

#endif
