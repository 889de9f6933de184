/* client.h — the CLI's side of the control socket (see control.h).
 *
 * A client connects to ROOT/data/scheduler.sock, sends one JSON request
 * line and reads JSON reply lines.  A missing socket file, or one nobody
 * listens on (a daemon that died), is "not running" — not an error — so
 * every command can fall back to working on the files directly.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <jansson.h>
#include <stddef.h>

#define CLIENT_TIMEOUT_MS 10000      /* for a reply to a short request */
#define CLIENT_NO_TIMEOUT (-1)       /* wait as long as the daemon lives */
#define CLIENT_REPLY_MAX (64u << 20) /* longest reply line accepted, bytes */

enum client_result { CLIENT_OK = 0, CLIENT_NOT_RUNNING = 1, CLIENT_ERROR = -1 };

struct client {
    int fd;
    char *buf; /* bytes received; [start, len) not yet returned */
    size_t start, len, cap;
};

/* Connect to the daemon of project `root`.  CLIENT_OK, CLIENT_NOT_RUNNING,
 * or CLIENT_ERROR with a message in err. */
enum client_result client_open(struct client *c, const char *root, char *err, size_t errlen);

/* Send one request (a JSON object, borrowed).  0, or -1 with a message. */
int client_send(struct client *c, const json_t *request, char *err, size_t errlen);

/* The next reply line as JSON (new reference), waiting at most timeout_ms
 * (CLIENT_NO_TIMEOUT: no limit).  NULL with a message when the daemon closed
 * the connection, the wait timed out, or the line is not a JSON object. */
json_t *client_read(struct client *c, int timeout_ms, char *err, size_t errlen);

void client_close(struct client *c);

/* Open, send `request`, read one reply, close: for the one-reply commands.
 * The reply (new reference) in *reply when CLIENT_OK. */
enum client_result client_call(const char *root, const json_t *request, json_t **reply,
                               char *err, size_t errlen);

/* The message of a {"ok":false,"error":"..."} reply, or NULL when ok. */
const char *client_reply_error(const json_t *reply);

/* client_call for a request whose refusal is an error like any other: a
 * reply that says it failed is CLIENT_ERROR with its message in err (and
 * *reply NULL), so CLIENT_OK leaves a reply that is ok. */
enum client_result client_ask(const char *root, const json_t *request, json_t **reply,
                              char *err, size_t errlen);

#endif
