/* client.c — connect to the daemon's control socket and exchange JSON lines.
 *
 * Plain blocking sockets with poll() for the timeouts: the CLI does one
 * thing at a time and needs no event loop.
 */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/control.h"

#define CLIENT_READ_CHUNK 65536

enum client_result client_open(struct client *c, const char *root, char *err, size_t errlen)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    c->fd = -1;
    c->buf = NULL;
    c->start = c->len = c->cap = 0;
    if (control_socket_path(root, addr.sun_path, sizeof addr.sun_path, err, errlen) < 0)
        return CLIENT_ERROR;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return CLIENT_ERROR;
    }
    /* A daemon whose queue of connections is full (a hung one, or one under
     * a flood) makes connect() and send() wait: for CLIENT_TIMEOUT_MS, not
     * for ever. */
    const struct timeval limit = {.tv_sec = CLIENT_TIMEOUT_MS / 1000,
                                  .tv_usec = CLIENT_TIMEOUT_MS % 1000 * 1000};
    if (setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit) < 0) {
        snprintf(err, errlen, "setsockopt: %s", strerror(errno));
        close(c->fd);
        c->fd = -1;
        return CLIENT_ERROR;
    }
    if (connect(c->fd, (const struct sockaddr *)&addr, sizeof addr) == 0)
        return CLIENT_OK;
    /* No file: no daemon.  A file nobody listens on: a daemon that died
     * (the next one removes it). */
    int saved = errno;
    close(c->fd);
    c->fd = -1;
    if (saved == ENOENT || saved == ECONNREFUSED)
        return CLIENT_NOT_RUNNING;
    if (saved == EAGAIN)
        snprintf(err, errlen, "%s: the daemon took no connection within %d s", addr.sun_path,
                 CLIENT_TIMEOUT_MS / 1000);
    else
        snprintf(err, errlen, "%s: %s", addr.sun_path, strerror(saved));
    return CLIENT_ERROR;
}

int client_send(struct client *c, const json_t *request, char *err, size_t errlen)
{
    char *text = json_dumps(request, JSON_COMPACT);
    int rc = -1;

    if (!text) {
        snprintf(err, errlen, "cannot encode the request");
        return -1;
    }
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the NUL: the buffer is sent by length */
    for (size_t off = 0; off < len + 1;) {
        /* MSG_NOSIGNAL: a daemon that goes away is an error, not SIGPIPE. */
        ssize_t n = send(c->fd, text + off, len + 1 - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "sending to the daemon: %s", strerror(errno));
            goto fail;
        }
        off += (size_t)n;
    }
    rc = 0;
fail:
    free(text);
    return rc;
}

static double client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Wait until fd is readable; 1 ready, 0 timed out, -1 error.  A negative
 * deadline waits for ever. */
static int client_wait(int fd, double deadline_ms)
{
    for (;;) {
        int wait = -1;
        if (deadline_ms >= 0) {
            double left = deadline_ms - client_now_ms();
            if (left <= 0)
                return 0;
            wait = (int)left + 1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, wait);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
        /* interrupted or timed out: the loop checks the deadline again */
    }
}

/* Read more bytes into the buffer; 1 got some, 0 end of stream, -1 error. */
static int client_fill(struct client *c, char *err, size_t errlen)
{
    if (c->start > 0) { /* make room: drop the lines already returned */
        memmove(c->buf, c->buf + c->start, c->len - c->start);
        c->len -= c->start;
        c->start = 0;
    }
    if (c->cap - c->len < CLIENT_READ_CHUNK) {
        size_t cap = c->cap ? c->cap * 2 : CLIENT_READ_CHUNK * 2;
        if (cap > CLIENT_REPLY_MAX + CLIENT_READ_CHUNK) {
            snprintf(err, errlen, "reply from the daemon is too long");
            return -1;
        }
        char *buf = realloc(c->buf, cap);
        if (!buf) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->buf = buf;
        c->cap = cap;
    }
    for (;;) {
        ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "reading from the daemon: %s", strerror(errno));
            return -1;
        }
        c->len += (size_t)n;
        return n > 0;
    }
}

json_t *client_read(struct client *c, int timeout_ms, char *err, size_t errlen)
{
    double deadline = timeout_ms < 0 ? -1 : client_now_ms() + timeout_ms;
    char *nl;

    while (
        !(nl = c->len > c->start ? memchr(c->buf + c->start, '\n', c->len - c->start) : NULL)) {
        int ready = client_wait(c->fd, deadline);
        if (ready == 0) {
            snprintf(err, errlen, "no reply from the daemon within %d s", timeout_ms / 1000);
            return NULL;
        }
        if (ready < 0) {
            snprintf(err, errlen, "waiting for the daemon: %s", strerror(errno));
            return NULL;
        }
        int got = client_fill(c, err, errlen);
        if (got < 0)
            return NULL;
        if (got == 0) {
            snprintf(err, errlen, "the daemon closed the connection");
            return NULL;
        }
    }
    json_error_t jerr;
    json_t *reply = json_loadb(c->buf + c->start, (size_t)(nl - (c->buf + c->start)), 0, &jerr);
    c->start = (size_t)(nl - c->buf) + 1;
    if (!json_is_object(reply)) {
        snprintf(err, errlen, "bad reply from the daemon: %s",
                 reply ? "not an object" : jerr.text);
        json_decref(reply);
        return NULL;
    }
    return reply;
}

void client_close(struct client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->start = c->len = c->cap = 0;
}

enum client_result client_call(const char *root, const json_t *request, json_t **reply,
                               char *err, size_t errlen)
{
    struct client c;
    enum client_result rc = client_open(&c, root, err, errlen);

    *reply = NULL;
    if (rc != CLIENT_OK)
        return rc;
    rc = CLIENT_ERROR;
    if (client_send(&c, request, err, errlen) < 0)
        goto fail;
    *reply = client_read(&c, CLIENT_TIMEOUT_MS, err, errlen);
    if (*reply)
        rc = CLIENT_OK;
fail:
    client_close(&c);
    return rc;
}

const char *client_reply_error(const json_t *reply)
{
    if (json_is_true(json_object_get(reply, "ok")))
        return NULL;
    const char *msg = json_string_value(json_object_get(reply, "error"));
    return msg ? msg : "the daemon refused the request";
}

enum client_result client_ask(const char *root, const json_t *request, json_t **reply,
                              char *err, size_t errlen)
{
    enum client_result rc = client_call(root, request, reply, err, errlen);

    if (rc == CLIENT_OK && client_reply_error(*reply)) {
        snprintf(err, errlen, "%s", client_reply_error(*reply));
        json_decref(*reply);
        *reply = NULL;
        return CLIENT_ERROR;
    }
    return rc;
}
