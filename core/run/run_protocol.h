/* run_protocol.h — the messages between the executor and a run process.
 *
 * They travel on the run's fd 3 (a socketpair), one compact JSON object per
 * line.  The daemon writes one request and shuts its side for writing; the
 * run process answers with any number of messages:
 *
 *   daemon -> run   {"type":"request","task":"cameras/copy","path":"…",
 *                    "title":"…","content":"<the validated file>",
 *                    "hash":"<task_hash of it>","run_id":7,"attempt":1,
 *                    "trigger":"schedule","scheduled_for":1795000000,
 *                    "release_at":1795000000.0,"args":["a"],"root":"/…",
 *                    "config_path":"/…","rocks_tree":"/…",
 *                    "memory_limit_mb":0,"umask":18,
 *                    "last":{"status":"success","finished_at":…},
 *                    "user":{"name":"backup","uid":998,"gid":998},
 *                    "state":{"counter":5,…},
 *                    "log_level":"info"}
 *                   ("state_error":"…" instead of "state" when the
 *                    daemon could not read the task's state)
 *   run -> daemon   {"type":"started","at":1795000000.0001}
 *                   {"type":"log","level":"info","msg":"…","fields":{…}}
 *                   {"type":"state","key":"counter","value":<JSON>}
 *                   {"type":"state","key":"gone"}        (deleted)
 *                   {"type":"result","ok":true,"value":<JSON>,
 *                    "peak_rss_kb":1234,"cpu_ms":5}
 *                   {"type":"result","ok":false,"error":"f.lua:3: boom\n…",
 *                    "exit_code":3,"signal":0,…}   (exit_code/signal: commands)
 *
 * Optional members ("last", "user", "fields", "value", "error", "exit_code",
 * "signal") are left out when there is nothing to say.  Every message is
 * bounded: the sender shortens what would not fit, the reader drops what
 * still does not.
 *
 * State.  The daemon is the one writer of the store (DESIGN.md,
 * Architecture 2), so a run never opens it: its request carries its task's
 * state as the daemon holds it when the run is spawned (at most
 * RUN_PROTOCOL_STATE_MAX as JSON), and each change the run makes is one
 * "state" message, which the daemon saves in the order received, before
 * the run's final row.
 */
#ifndef RUN_PROTOCOL_H
#define RUN_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "log/log.h"

#define RUN_PROTOCOL_FD 3
#define RUN_PROTOCOL_REQUEST_MAX (16u << 20) /* carries the whole task file */
#define RUN_PROTOCOL_MESSAGE_MAX (1u << 20)  /* one message from the run */
#define RUN_PROTOCOL_LOG_MAX (64u << 10)     /* a log message is cut here */
/* A task's whole state, as compact JSON, in a request; a single change is
 * bounded by RUN_PROTOCOL_MESSAGE_MAX. */
#define RUN_PROTOCOL_STATE_MAX (4u << 20)

/* The run's context.  Strings are borrowed (encode) or point into the
 * decoded JSON (decode). */
struct run_request {
    const char *task, *path, *title;
    const char *content;
    size_t content_len;
    const char *hash;
    int64_t run_id;
    int attempt;
    const char *trigger;
    int64_t scheduled_for; /* 0 = none */
    double release_at;
    json_t *args; /* the task's args: an array or an object */
    const char *root, *config_path;
    const char *rocks_tree;  /* the dependencies' tree (rocks.h), in the
                              * daemon's config: the run does not read it */
    int memory_limit_mb;     /* 0 = none */
    int umask;               /* task code's: the one the daemon started with
                              * (lib/filemode.h) */
    const char *last_status; /* NULL = no previous run */
    double last_finished_at;
    const char *user; /* NULL: run as the daemon's user; else the
                              * run process (started as root) becomes this
                              * user, uid and gid before the task loads */
    uid_t uid;
    gid_t gid;
    json_t *state;           /* object: the task's state, key -> value; or */
    const char *state_error; /* why it could not be read (state NULL) */
    enum log_level log_level;
};

/* What a run reports at its end. */
struct run_result {
    bool ok;
    json_t *value;     /* run()'s return value, or NULL */
    const char *error; /* NULL on success */
    bool has_exit;     /* a command task: its exit code or signal */
    int exit_code, signal;
    long peak_rss_kb, cpu_ms;
};

enum run_message_type {
    RUN_MESSAGE_STARTED,
    RUN_MESSAGE_LOG,
    RUN_MESSAGE_STATE,
    RUN_MESSAGE_RESULT
};

/* One decoded message from a run; pointers into its JSON. */
struct run_message {
    enum run_message_type type;
    double started_at;    /* STARTED */
    enum log_level level; /* LOG */
    const char *msg;
    size_t msg_len;
    json_t *fields;           /* LOG: object or NULL */
    const char *key;          /* STATE */
    json_t *value;            /* STATE: NULL = the key is deleted */
    struct run_result result; /* RESULT */
};

/* --- daemon side ------------------------------------------------------- */

/* The request as one line ending in '\n' (malloc'd, length in *len), or
 * NULL with a message.  A state over RUN_PROTOCOL_STATE_MAX is sent as a
 * state_error instead. */
char *run_protocol_encode_request(const struct run_request *req, size_t *len, char *err,
                                  size_t errlen);

/* Decode one line from a run.  0 and *root (json_decref it when done with
 * msg), or -1 with a message. */
int run_protocol_decode(const char *line, size_t len, struct run_message *msg, json_t **root,
                        char *err, size_t errlen);

/* --- run side ---------------------------------------------------------- */

/* Read and decode the request from fd.  0 and *root (holding the strings of
 * req), or -1 with a message. */
int run_protocol_recv_request(int fd, struct run_request *req, json_t **root, char *err,
                              size_t errlen);

/* Each returns 0, or -1 when the write failed. */
int run_protocol_send_started(int fd, double at);
int run_protocol_send_log(int fd, enum log_level level, const char *msg, size_t len,
                          const json_t *fields);
int run_protocol_send_result(int fd, const struct run_result *result);
/* Key set to value, or deleted (value NULL).  0, 1 when the message would
 * be over RUN_PROTOCOL_MESSAGE_MAX (nothing is sent), -1 when it could not
 * be encoded (key or strings not UTF-8) or the write failed. */
int run_protocol_send_state(int fd, const char *key, const json_t *value);

#endif
