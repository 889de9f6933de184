/* pgclient.h — one PostgreSQL connection driven by the libuv loop.
 *
 * libpq's asynchronous calls only: the connection is started with
 * PQconnectStartParams and advanced by PQconnectPoll whenever its socket
 * (PQsocket, in a uv_poll) is ready; queries go out with
 * PQsendQueryParams (bound parameters only) and their results are read
 * as the socket has them, so the loop never waits on the network.
 *
 * A host name is resolved with uv_getaddrinfo first and handed to libpq
 * as `hostaddr` (libpq's own lookup would block).  TCP keepalives and
 * tcp_user_timeout are set (a URL may override them), so a dead peer is
 * noticed in about PGCLIENT_DEAD_AFTER_S, not the kernel's ~15 minutes;
 * a connection that does not come up within PGCLIENT_CONNECT_TIMEOUT_S is
 * given up.  A lost connection is reconnected after 1 s, doubling up to
 * PGCLIENT_BACKOFF_MAX_S; each attempt makes a new poll handle, as the
 * socket may change.  With a `listen` channel the client LISTENs on it at
 * every connect, before it says it is up.
 *
 * This layer cannot log: what goes wrong reaches the caller through
 * on_state (a message that never holds the password: libpq's own
 * messages do not, and URLs are not repeated).  Server notices are
 * dropped, not printed.  One query runs at a time; others wait in order.
 */
#ifndef PGCLIENT_H
#define PGCLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>
#include <uv.h>

#define PGCLIENT_CONNECT_TIMEOUT_S 10
#define PGCLIENT_DEAD_AFTER_S 10
#define PGCLIENT_BACKOFF_MAX_S 30
#define PGCLIENT_ERR_MAX 512
#define PGCLIENT_CHANNEL_MAX 63 /* PostgreSQL's NAMEDATALEN - 1 */

struct pgclient;

struct pgclient_callbacks {
    /* Up (connected, and listening when asked) or down (lost, or an
     * attempt failed: `error` says why; a reconnect is on its way). */
    void (*on_state)(void *data, bool up, const char *error);
    /* A NOTIFY on the listened channel; may be NULL. */
    void (*on_notify)(void *data, const char *payload);
};

/* A query's end: `res` its last result (PGRES_TUPLES_OK, PGRES_COMMAND_OK
 * or an error status; freed by the client after the call), or NULL with
 * `error` when the connection was lost or the client closed first. */
typedef void pgclient_result_fn(void *data, const PGresult *res, const char *error);

/* Start connecting to `url` (a postgresql:// URL or key=value string) and
 * keep connected.  `listen` (may be NULL) is a channel name of lower-case
 * letters, digits and '_' (PGCLIENT_CHANNEL_MAX bytes at most).  NULL with a
 * message when the URL cannot be parsed or memory runs out; the callbacks
 * are never called from inside pgclient_open. */
struct pgclient *pgclient_open(uv_loop_t *loop, const char *url, const char *listen,
                               const struct pgclient_callbacks *cb, void *data, char *err,
                               size_t errlen);

/* Whether the connection is up now. */
bool pgclient_up(const struct pgclient *c);

/* Send `sql` with `nparams` text parameters (NULL entries are SQL NULL);
 * `fn` is called once, later, on the loop.  -1 when out of memory or
 * closing (fn not called).  A query asked while the connection is down
 * fails at once through fn (asynchronously). */
int pgclient_query(struct pgclient *c, const char *sql, int nparams, const char *const *params,
                   pgclient_result_fn *fn, void *data);

/* Close: pending queries are dropped without their callbacks, no callback
 * is called after it returns, and the memory goes once the handles are
 * closed. */
void pgclient_close(struct pgclient *c);

#endif
