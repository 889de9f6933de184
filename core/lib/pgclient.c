/* pgclient.c — one PostgreSQL connection on the libuv loop (pgclient.h).
 *
 * States: WAITING (a timer until the next attempt), RESOLVING (the host's
 * address from uv_getaddrinfo), CONNECTING (PQconnectPoll steps),
 * LISTENING (the LISTEN sent at connect), UP.  The poll handle is closed
 * before every PQconnectPoll step and made again for PQsocket after it:
 * libpq may close the socket and open another under the same number
 * (another address, SSL refused), and a poll handle must never outlive its
 * descriptor.  The client is freed only once all its handles are closed,
 * so a callback that closes it cannot make the code after it touch freed
 * memory: every callback is followed by a `closing` check.
 */
#include "pgclient.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum pg_state { PG_WAITING, PG_RESOLVING, PG_CONNECTING, PG_LISTENING, PG_UP };

struct query {
    struct query *next;
    char *sql;
    int nparams;
    char **params;
    pgclient_result_fn *fn;
    void *data;
};

struct pgclient {
    uv_loop_t *loop;
    char *url;
    char host[256];                         /* a name to resolve first, or "" */
    char addr[64];                          /* what it resolved to */
    char channel[PGCLIENT_CHANNEL_MAX + 1]; /* "" = no LISTEN */
    struct pgclient_callbacks cb;
    void *data;
    enum pg_state state;
    PGconn *conn;
    uv_poll_t *poll;  /* NULL when none */
    uv_timer_t timer; /* the connect timeout, or the wait before the next attempt */
    uv_timer_t kick;  /* fails queries asked while down, off the caller's stack */
    uv_getaddrinfo_t resolve;
    unsigned backoff; /* s before the next attempt */
    struct query *head, *tail;
    bool sent;      /* head is on the wire */
    PGresult *last; /* the latest result of the query on the wire */
    bool closing;
    int open; /* handles and requests not yet ended */
};

static void retry(uv_timer_t *timer);
static void on_poll(uv_poll_t *handle, int status, int events);

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* the server's NOTICEs are not the daemon's business */
}

/* One handle or request of the client has ended; the last frees it. */
static void release(struct pgclient *c)
{
    if (--c->open == 0) {
        free(c->url);
        free(c);
    }
}

static void ended(uv_handle_t *handle)
{
    struct pgclient *c = handle->data;

    if (handle != (uv_handle_t *)&c->timer && handle != (uv_handle_t *)&c->kick)
        free(handle);
    release(c);
}

static void close_poll(struct pgclient *c)
{
    if (!c->poll)
        return;
    uv_close((uv_handle_t *)c->poll, ended);
    c->poll = NULL;
}

/* Watch the connection's socket for `events`, with a new handle when it
 * has none.  -1 when the socket is gone or libuv refuses it. */
static int watch(struct pgclient *c, int events)
{
    int fd = PQsocket(c->conn);

    if (fd < 0)
        return -1;
    if (!c->poll) {
        if (!(c->poll = malloc(sizeof *c->poll)))
            return -1;
        if (uv_poll_init_socket(c->loop, c->poll, fd) != 0) {
            free(c->poll);
            c->poll = NULL;
            return -1;
        }
        c->poll->data = c;
        c->open++;
    }
    return uv_poll_start(c->poll, events, on_poll) == 0 ? 0 : -1;
}

static void query_free(struct query *q)
{
    for (int i = 0; i < q->nparams; i++)
        free(q->params[i]);
    free(q->params);
    free(q->sql);
    free(q);
}

/* Every query waiting (the list taken first: a callback may ask again). */
static void fail_queries(struct pgclient *c, const char *why)
{
    struct query *q = c->head, *next;

    c->head = c->tail = NULL;
    c->sent = false;
    for (; q; q = next) {
        next = q->next;
        if (!c->closing)
            q->fn(q->data, NULL, why);
        query_free(q);
    }
}

/* Close the poll handle and the connection, and drop a half-read result. */
static void drop_connection(struct pgclient *c)
{
    close_poll(c);
    PQclear(c->last);
    c->last = NULL;
    if (c->conn)
        PQfinish(c->conn);
    c->conn = NULL;
}

/* The connection is gone (or never came): tell, and try again later. */
static void lost(struct pgclient *c, const char *why)
{
    char msg[PGCLIENT_ERR_MAX];
    size_t n;

    snprintf(msg, sizeof msg, "%s", why && *why ? why : "connection lost");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    drop_connection(c);
    c->state = PG_WAITING;
    uv_timer_stop(&c->timer);
    fail_queries(c, msg);
    if (c->closing)
        return;
    c->cb.on_state(c->data, false, msg);
    if (c->closing)
        return;
    uv_timer_start(&c->timer, retry, c->backoff * 1000u, 0);
    c->backoff =
        c->backoff * 2 > PGCLIENT_BACKOFF_MAX_S ? PGCLIENT_BACKOFF_MAX_S : c->backoff * 2;
}

/* Put the head query on the wire, when the connection is up and free. */
static void send_next(struct pgclient *c)
{
    struct query *q = c->head;
    int flushed;

    if (c->sent || c->state != PG_UP || !q)
        return;
    if (!PQsendQueryParams(c->conn, q->sql, q->nparams, NULL, (const char *const *)q->params,
                           NULL, NULL, 0)) {
        lost(c, PQerrorMessage(c->conn));
        return;
    }
    c->sent = true;
    if ((flushed = PQflush(c->conn)) < 0 ||
        watch(c, flushed ? UV_READABLE | UV_WRITABLE : UV_READABLE) < 0)
        lost(c, PQerrorMessage(c->conn));
}

static void became_up(struct pgclient *c)
{
    c->state = PG_UP;
    c->backoff = 1;
    c->cb.on_state(c->data, true, NULL);
    if (!c->closing)
        send_next(c);
}

/* The command on the wire ended; c->last is its last result. */
static void finished(struct pgclient *c)
{
    struct query *q;
    PGresult *res = c->last;

    c->last = NULL;
    if (c->state == PG_LISTENING) {
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        char why[PGCLIENT_ERR_MAX];
        snprintf(why, sizeof why, "LISTEN %s: %s", c->channel, PQresultErrorMessage(res));
        PQclear(res);
        if (ok)
            became_up(c);
        else
            lost(c, why);
        return;
    }
    q = c->head;
    c->head = q->next;
    if (!c->head)
        c->tail = NULL;
    q->fn(q->data, res, NULL);
    PQclear(res);
    query_free(q);
    if (!c->closing)
        send_next(c);
}

/* Read what the server sent: results of the command on the wire, and
 * notifications. */
static void take_input(struct pgclient *c)
{
    PGnotify *note;

    if (!PQconsumeInput(c->conn)) {
        lost(c, PQerrorMessage(c->conn));
        return;
    }
    while (c->sent && !PQisBusy(c->conn)) {
        PGresult *res = PQgetResult(c->conn);
        if (res) {
            PQclear(c->last);
            c->last = res;
            continue;
        }
        c->sent = false;
        finished(c);
        if (c->closing || !c->conn)
            return;
    }
    while ((note = PQnotifies(c->conn))) {
        if (c->cb.on_notify && !c->closing)
            c->cb.on_notify(c->data, note->extra);
        PQfreemem(note);
        if (c->closing)
            return;
    }
}

static void connected(struct pgclient *c)
{
    char sql[PGCLIENT_CHANNEL_MAX + 16];

    uv_timer_stop(&c->timer);
    if (!c->channel[0]) {
        if (watch(c, UV_READABLE) < 0)
            lost(c, "cannot watch the connection's socket");
        else
            became_up(c);
        return;
    }
    snprintf(sql, sizeof sql, "LISTEN \"%s\"", c->channel);
    c->state = PG_LISTENING;
    if (!PQsendQuery(c->conn, sql)) {
        lost(c, PQerrorMessage(c->conn));
        return;
    }
    c->sent = true;
    if (PQflush(c->conn) < 0 || watch(c, UV_READABLE | UV_WRITABLE) < 0)
        lost(c, PQerrorMessage(c->conn));
}

static void connect_step(struct pgclient *c)
{
    PostgresPollingStatusType st;

    close_poll(c); /* the socket may change under this step */
    st = PQconnectPoll(c->conn);
    if (st == PGRES_POLLING_OK) {
        connected(c);
        return;
    }
    if (st == PGRES_POLLING_FAILED) {
        lost(c, PQerrorMessage(c->conn));
        return;
    }
    if (watch(c, st == PGRES_POLLING_READING ? UV_READABLE : UV_WRITABLE) < 0)
        lost(c, "cannot watch the connection's socket");
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
    struct pgclient *c = handle->data;
    int flushed;

    if (c->closing || handle != c->poll)
        return;
    if (c->state == PG_CONNECTING) {
        connect_step(c);
        return;
    }
    if (status < 0) {
        lost(c, uv_strerror(status));
        return;
    }
    if (events & UV_WRITABLE) {
        if ((flushed = PQflush(c->conn)) < 0) {
            lost(c, PQerrorMessage(c->conn));
            return;
        }
        if (!flushed && watch(c, UV_READABLE) < 0) {
            lost(c, "cannot watch the connection's socket");
            return;
        }
    }
    if (events & UV_READABLE)
        take_input(c);
}

static void timed_out(uv_timer_t *timer)
{
    struct pgclient *c = timer->data;
    char why[96];

    snprintf(why, sizeof why, "no connection within %d s", PGCLIENT_CONNECT_TIMEOUT_S);
    lost(c, why);
}

/* PQconnectStartParams with the keepalive settings, the URL (which may
 * override them) and, when the host was resolved here, its address. */
static void start_connect(struct pgclient *c, const char *hostaddr)
{
    char user_timeout[16];
    const char *keys[] = {
        "keepalives",       "keepalives_idle", "keepalives_interval",        "keepalives_count",
        "tcp_user_timeout", "dbname",          hostaddr ? "hostaddr" : NULL, NULL};
    const char *values[] = {"1", "3", "2", "3", user_timeout, c->url, hostaddr, NULL};

    snprintf(user_timeout, sizeof user_timeout, "%d", PGCLIENT_DEAD_AFTER_S * 1000);
    c->state = PG_CONNECTING;
    if (!(c->conn = PQconnectStartParams(keys, values, 1))) {
        lost(c, "out of memory");
        return;
    }
    if (PQstatus(c->conn) == CONNECTION_BAD || PQsetnonblocking(c->conn, 1) != 0) {
        lost(c, PQerrorMessage(c->conn));
        return;
    }
    PQsetNoticeProcessor(c->conn, quiet_notices, NULL);
    c->timer.data = c;
    uv_timer_start(&c->timer, timed_out, PGCLIENT_CONNECT_TIMEOUT_S * 1000u, 0);
    /* libpq's rule: act as if PQconnectPoll had said "writing" */
    if (watch(c, UV_WRITABLE) < 0)
        lost(c, "cannot watch the connection's socket");
}

static void resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    struct pgclient *c = req->data;
    char why[PGCLIENT_ERR_MAX];
    const void *at;

    if (c->closing) {
        uv_freeaddrinfo(res);
        release(c);
        return;
    }
    c->open--; /* not the last: the timers are open while not closing */
    if (status < 0 || !res) {
        snprintf(why, sizeof why, "cannot resolve host \"%s\": %s", c->host,
                 uv_strerror(status));
        uv_freeaddrinfo(res);
        lost(c, why);
        return;
    }
    at = res->ai_family == AF_INET6
             ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
             : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
    if (!inet_ntop(res->ai_family, at, c->addr, sizeof c->addr)) {
        uv_freeaddrinfo(res);
        {
            lost(c, "cannot write the host's address");
            return;
        }
    }
    uv_freeaddrinfo(res);
    start_connect(c, c->addr);
}

static void retry(uv_timer_t *timer)
{
    struct pgclient *c = timer->data;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM};

    if (c->closing)
        return;
    if (!c->host[0]) {
        start_connect(c, NULL);
        return;
    }
    c->state = PG_RESOLVING;
    c->resolve.data = c;
    if (uv_getaddrinfo(c->loop, &c->resolve, resolved, c->host, NULL, &hints) != 0) {
        lost(c, "cannot start resolving the host");
        return;
    }
    c->open++;
}

/* The URL's host when it is one name to look up here (not an address, a
 * socket folder, a list, or given with hostaddr). */
static int find_host(struct pgclient *c, char *err, size_t errlen)
{
    char *msg = NULL, buf[16];
    PQconninfoOption *opts = PQconninfoParse(c->url, &msg);
    const char *host = NULL, *hostaddr = NULL;

    if (!opts) {
        snprintf(err, errlen, "cannot read the database URL: %s", msg ? msg : "out of memory");
        PQfreemem(msg);
        return -1;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "hostaddr") == 0)
            hostaddr = o->val;
    }
    if (host && *host && host[0] != '/' && !strchr(host, ',') && !(hostaddr && *hostaddr) &&
        inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1 &&
        strlen(host) < sizeof c->host)
        snprintf(c->host, sizeof c->host, "%s", host);
    PQconninfoFree(opts);
    return 0;
}

struct pgclient *pgclient_open(uv_loop_t *loop, const char *url, const char *listen,
                               const struct pgclient_callbacks *cb, void *data, char *err,
                               size_t errlen)
{
    struct pgclient *c;

    if (listen && (strlen(listen) > PGCLIENT_CHANNEL_MAX ||
                   strspn(listen, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(listen))) {
        snprintf(err, errlen, "channel '%.80s': lower-case letters, digits and _ only", listen);
        return NULL;
    }
    if (!(c = calloc(1, sizeof *c)) || !(c->url = strdup(url))) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->loop = loop;
    c->cb = *cb;
    c->data = data;
    c->backoff = 1;
    snprintf(c->channel, sizeof c->channel, "%s", listen ? listen : "");
    if (find_host(c, err, errlen) < 0) {
        free(c->url);
        free(c);
        return NULL;
    }
    uv_timer_init(loop, &c->timer);
    uv_timer_init(loop, &c->kick);
    c->timer.data = c->kick.data = c;
    c->open = 2;
    c->state = PG_WAITING;
    uv_timer_start(&c->timer, retry, 0, 0);
    return c;
}

bool pgclient_up(const struct pgclient *c)
{
    return c->state == PG_UP;
}

static void kick_down(uv_timer_t *timer)
{
    struct pgclient *c = timer->data;

    if (c->state != PG_UP)
        fail_queries(c, "not connected to the database");
}

int pgclient_query(struct pgclient *c, const char *sql, int nparams, const char *const *params,
                   pgclient_result_fn *fn, void *data)
{
    struct query *q;

    if (c->closing || !(q = calloc(1, sizeof *q)))
        return -1;
    q->fn = fn;
    q->data = data;
    if (!(q->sql = strdup(sql)) ||
        (nparams && !(q->params = calloc((size_t)nparams, sizeof *q->params))))
        goto oom;
    for (; q->nparams < nparams; q->nparams++)
        if (params[q->nparams] && !(q->params[q->nparams] = strdup(params[q->nparams])))
            goto oom;
    if (c->tail)
        c->tail->next = q;
    else
        c->head = q;
    c->tail = q;
    if (c->state == PG_UP)
        send_next(c);
    else
        uv_timer_start(&c->kick, kick_down, 0, 0);
    return 0;
oom:
    query_free(q);
    return -1;
}

void pgclient_close(struct pgclient *c)
{
    if (!c || c->closing)
        return;
    c->closing = true;
    fail_queries(c, NULL); /* dropped: no callback once closing */
    drop_connection(c);
    if (c->state == PG_RESOLVING)
        uv_cancel((uv_req_t *)&c->resolve);
    uv_close((uv_handle_t *)&c->timer, ended);
    uv_close((uv_handle_t *)&c->kick, ended);
}
