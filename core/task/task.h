/* task.h — a task file, read and validated into plain C data.
 *
 * Loading runs the file's top level in a sandbox (sandbox.h): the schedule
 * DSL and inert helper stubs only, bounded in instructions and memory.  The
 * `run` function is never called here; the run process loads the same file
 * content again (checked by its hash) in a fresh VM.
 */
#ifndef TASK_H
#define TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "schedule/schedule.h"

#define TASK_ERR_MAX 512
#define TASK_HASH_HEX 17             /* 64-bit FNV-1a as 16 hex digits + NUL */
#define TASK_ARGS_MAX (64u << 10)    /* bytes of `args` as JSON */
#define TASK_SQL_PREFIX "sql:"       /* the path of a SQL source's row: sql:SOURCE/TABLE */
#define TASK_DEFAULT_QUEUE "default" /* a task's `queue` when it names none */

enum task_overlap { OVERLAP_SKIP, OVERLAP_QUEUE };
enum task_catchup { CATCHUP_ONCE, CATCHUP_ALL, CATCHUP_SKIP };

struct string_list {
    char **items;
    size_t count;
};

/* One `NAME=value` pair of a task's `env` table. */
struct env_pair {
    char *name, *value;
};

/* Notification rule: send on these outcomes to these channels (alerts.h
 * says what each outcome means). */
struct task_notify {
    bool on_failure, on_success, on_recovery, on_attempt_failure;
    struct string_list channels;
};

/* The daemon's alerts for this task (`alerts = { late_after = 30,
 * failure_streak = 3 }`, or `alerts = false`); 0 takes the config's value. */
struct task_alerts {
    bool off;
    int failure_streak;
    int late_after; /* seconds */
};

/* A field added here travels to the daemon through task_wire.c too. */
struct task {
    char *name;               /* path under tasks/ without .lua: "cameras/copy" */
    char *path;               /* file path as given to task_load */
    int line;                 /* where the task is written: its YAML entry, a Lua file's
                               * `return` */
    char hash[TASK_HASH_HEX]; /* of the exact content that was validated */
    char *content;            /* that content (NUL-terminated) */
    size_t content_len;

    char *title;       /* default: name */
    char *description; /* default: "" */
    bool enabled;
    struct schedule_set schedules;
    bool has_run; /* exactly one of run / command */
    struct string_list command;
    json_t *args; /* ctx.args: an array (default empty) or an object */
    struct env_pair *env;
    size_t env_count;
    char *cwd, *user; /* NULL when unset */
    char *id;         /* `id`: the identity that survives moves and edits; NULL = unset */
    int timeout;      /* seconds; -1 = config default, 0 = no limit */
    int retry_count, retry_delay;
    double retry_backoff;
    int max_instances;
    enum task_overlap overlap;
    enum task_catchup catchup;
    int64_t grace; /* seconds; -1 = unlimited */
    int priority;
    char *queue;         /* `queue`: the pool it runs in (engine/pools.h), TASK_DEFAULT_QUEUE */
    int memory_limit_mb; /* 0 = none */
    char *ping;          /* `ping`: an http(s) URL pinged at start and end; NULL = none */
    int ping_timeout;    /* seconds a ping may take */
    struct string_list dependencies;
    bool has_notify;
    struct task_notify notify;
    struct task_alerts alerts;
    struct string_list tags;
    char *frontmatter_json; /* the validated fields as JSON, for the store and --status */
};

/* Read `path` and validate it: a Lua task file, or a YAML job file
 * (yamljob.h; for a list entry `name` says which).  `name` is the task
 * name (NULL: derived from the file name).  On failure returns -1 and writes "file:line: message"
 * into err; the task is left zeroed.  `content` may be NULL to read the file,
 * or given to validate an exact version (the run process does this). */
int task_load(const char *path, const char *name, const char *content, size_t content_len,
              struct task *out, char *err, size_t errlen);

void task_free(struct task *t);

/* The whole of a regular file, NUL-terminated, into a malloc'd *content
 * (the size limit and messages of task_load).  0, or -1 with "path: why". */
int task_read(const char *path, char **content, size_t *len, char *err, size_t errlen);

/* The validated fields as one JSON object (run, a function, as a flag)
 * into t->frontmatter_json.  0, or -1 when out of memory. */
int task_build_json(struct task *t);

/* Whether task `t` has the `id` that `other` (another file) already has:
 * then "T'S PATH: id 'x' is already used by OTHER'S PATH" goes into err. */
bool task_id_taken(const struct task *t, const struct task *other, char *err, size_t errlen);

/* Where a task comes from, for --status, list and the API:
 * {"type": "file" | "yaml" | "sql", "path", "line"} (line null when
 * unknown, a broken file's; a SQL source's path is SOURCE/TABLE, its line
 * the row).  New reference, or NULL when out of memory. */
json_t *task_source_json(const char *path, int line);

/* The list as a JSON array of strings: new reference, or NULL when out of
 * memory. */
json_t *task_list_json(const struct string_list *list);

/* 64-bit FNV-1a of data, as 16 lowercase hex digits. */
void task_hash(const char *data, size_t len, char out[TASK_HASH_HEX]);

#endif
