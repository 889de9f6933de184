/* control_request.h — one control-socket request line, parsed and checked.
 *
 * The pure half of control.c: bytes of one line (without its newline) in,
 * a command with its arguments out, or the error text the client is sent.
 * Nothing here touches the engine, the socket or the clock, so the parser
 * can be unit-tested and fuzzed on its own.  The request formats are listed
 * in control.h.
 */
#ifndef CONTROL_REQUEST_H
#define CONTROL_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum control_cmd {
    CONTROL_CMD_PING,
    CONTROL_CMD_STATUS,
    CONTROL_CMD_RUN,
    CONTROL_CMD_RESET,
    CONTROL_CMD_RELOAD,
    CONTROL_CMD_STOP,
    CONTROL_CMD_PAUSE,
    CONTROL_CMD_RESUME,
    CONTROL_CMD_CANCEL,
    CONTROL_CMD_RESOLVE,
};

/* The strings point into `json`, which the request owns. */
struct control_request {
    enum control_cmd cmd;
    const char *user;   /* status: only this user's tasks; NULL = all */
    const char *task;   /* run: the task's name, never NULL */
    const char **tasks; /* reset: task_count names, NULL = every task;
                         * pause, resume: at least one name */
    size_t task_count;
    int64_t run_id;   /* cancel: > 0 */
    int64_t alert_id; /* resolve: > 0 */
    const char *note; /* resolve: NULL = none */
    bool future_only; /* reset */
    bool dry_run;     /* reset */
    json_t *json;
};

/* Parse one request line of `len` bytes.  Returns 0 with `out` filled (free
 * it with control_request_free), or -1 with the reply's error text in err
 * ("bad request: …", "unknown command 'x'", "'run' needs a \"task\" name")
 * and `out` holding nothing to free. */
int control_request_parse(const char *line, size_t len, struct control_request *out, char *err,
                          size_t errlen);

void control_request_free(struct control_request *req);

#endif
