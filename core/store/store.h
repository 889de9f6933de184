/* store.h — data/scheduler.db: tasks, runs, per-task state (DESIGN.md, Store).
 *
 * SQLite in WAL mode with a busy timeout, so the daemon (the one writer:
 * runs report their state to it) and the CLI, which reads while it writes,
 * share the file.
 * The schema is versioned by PRAGMA user_version and migrated forward by
 * store_open.
 *
 * Time units, one per kind of value:
 *  - fire instants (tasks.next_fire, tasks.last_scheduled,
 *    runs.scheduled_for) are INTEGER Unix seconds, as schedule.h computes
 *    them; 0 means "none";
 *  - run timestamps (queued_at, started_at, finished_at) are REAL Unix
 *    seconds and duration is REAL seconds; 0 means "not yet".
 *
 * Strings: every `const char *` handed to a store function is only read
 * during the call.  Rows handed to a callback point into SQLite's buffers
 * and are valid only until the callback returns; copy what you keep.  A
 * callback returns 0 to go on, non-zero to stop (that value is returned).
 *
 * Errors: functions return -1 and leave a message for store_error().
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define STORE_ERR_MAX 512
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_SCHEMA_VERSION 5

struct store;
struct tz;

enum store_trigger {
    STORE_TRIGGER_SCHEDULE,
    STORE_TRIGGER_CATCHUP,
    STORE_TRIGGER_RETRY,
    STORE_TRIGGER_MANUAL,
    STORE_TRIGGER_API
};

enum store_status {
    STORE_RUN_QUEUED,
    STORE_RUN_RUNNING,
    STORE_RUN_SUCCESS,
    STORE_RUN_FAILED,
    STORE_RUN_TIMEOUT,
    STORE_RUN_KILLED,
    STORE_RUN_SKIPPED,
    STORE_RUN_MISSED,
    STORE_RUN_INTERRUPTED
};

/* One row of `tasks`.  For store_task_upsert only name, path, file_hash,
 * frontmatter_json, enabled and load_error are read. */
struct store_task {
    const char *name;             /* "cameras/copy" */
    const char *path;             /* file path */
    const char *file_hash;        /* hash of the loaded content, or NULL */
    const char *frontmatter_json; /* validated fields as JSON, or NULL */
    const char *load_error;       /* "file:line: message", NULL when loaded */
    bool enabled, paused;
    int64_t next_fire;      /* Unix s, 0 = none */
    int64_t last_scheduled; /* last fire instant handled (ran, skipped
                                   * or missed), 0 = none */
    int64_t last_run_id;    /* 0 = none */
    double updated_at;
};

/* One row of `runs`.  For store_run_insert: task, trigger, scheduled_for,
 * queued_at, status (queued, running, skipped or missed), attempt,
 * file_hash, error (why a fire was skipped or missed), and for a run
 * inserted as running: started_at and pid. */
struct store_run {
    int64_t id;
    const char *task;
    enum store_trigger trigger;
    int64_t scheduled_for;                     /* fire instant, Unix s; 0 = none (manual) */
    double queued_at, started_at, finished_at; /* Unix s; 0 = not yet */
    double duration;                           /* s; finished_at - started_at */
    enum store_status status;
    bool has_exit_code;
    int exit_code;
    int signal;                  /* 0 = none */
    int attempt;                 /* 1 for the first try */
    const char *error;           /* message with Lua traceback, or NULL */
    const char *result_json;     /* run's return value, or NULL */
    int64_t peak_rss_kb, cpu_ms; /* 0 = unknown */
    const char *output_tail;     /* last bytes of stdout/stderr, or NULL */
    const char *file_hash;       /* version of the task file that ran */
    int pid;                     /* 0 = none */
};

/* How a run ended, for store_run_finish. */
struct store_run_outcome {
    enum store_status status; /* success, failed, timeout or killed */
    double finished_at;       /* Unix s */
    bool has_exit_code;
    int exit_code;
    int signal;
    const char *error, *result_json, *output_tail; /* NULL = none */
    const char *output; /* its whole output and log lines (bounded), NULL = none */
    int64_t peak_rss_kb, cpu_ms;
};

/* Open (creating the file and its parent directory) and migrate.  NULL
 * with a message in err on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *st);

/* The message of the last failure on this handle. */
const char *store_error(const struct store *st);

/* True when the last failure may go away by itself (another process holds
 * the write lock, the disk is full, an I/O error): the same write may be
 * tried again later. */
bool store_error_transient(const struct store *st);

/* One transaction for many writes (a scan's task rows and fire times): one
 * commit instead of one per row.  store_batch_begin takes the write lock
 * now (BEGIN IMMEDIATE, waiting the busy timeout), so a write inside never
 * fails on a snapshot another process made stale; it returns 1 when it
 * began one, 0 when a transaction is already open (the batch joins it),
 * -1 with a message when it cannot (the writes then commit one by one).
 * store_batch_end(st, began) commits what store_batch_begin began: 0, or
 * -1 with a message when the batch's writes were lost (the commit failed,
 * or a failed write inside rolled the whole transaction back), which the
 * caller must write again. */
int store_batch_begin(struct store *st);
int store_batch_end(struct store *st, int began);

/* How long a statement waits for another process's lock before failing
 * with "database is locked" (STORE_BUSY_TIMEOUT_MS after store_open). */
int store_set_busy_timeout(struct store *st, int ms);

/* The WAL (store_wal.c).  Every connection checkpoints it as it grows,
 * cutting it to nothing when no reader is in the way; store_checkpoint
 * does it now (after the store recovered from a full disk), never
 * waiting: 0 when the WAL is empty after it, else -1 with a message. */
#define STORE_WHO_MAX 160
struct store_wal {
    int64_t bytes;               /* the -wal file's size */
    int blocker_pid;             /* 0: no reader holds checkpoints back */
    char blocker[STORE_WHO_MAX]; /* that process's command line */
    double blocked_since;        /* Unix s: when it was found in the way */
};
int store_checkpoint(struct store *st);
void store_wal_state(const struct store *st, struct store_wal *out);

/* Names as stored ("schedule", "queued" …) and back; parse returns -1 for
 * an unknown name. */
const char *store_trigger_name(enum store_trigger trigger);
const char *store_status_name(enum store_status status);
int store_trigger_parse(const char *name, enum store_trigger *out);
int store_status_parse(const char *name, enum store_status *out);

/* The one definition of a failure: the run ended without succeeding in a
 * way its owner must hear of (failed, timeout or killed).  Success and the
 * fires that did not run (skipped, missed) are not; neither are the open
 * states nor interrupted (the daemon died, not the run). */
bool store_status_failed(enum store_status status);

/* --- tasks ------------------------------------------------------------- */

/* Insert or update a discovered task.  Schedule state (paused, next_fire,
 * last_scheduled, last_run_id) survives updates so an edit keeps it. */
int store_task_upsert(struct store *st, const struct store_task *task);

/* The task `from` is now `to`, its file `path` (the file was moved): its
 * row, its runs, its alerts and its state take the new name, in one transaction; state
 * `to` had of an older task of that name gives way.  0, or -1 (nothing
 * changed). */
int store_task_rename(struct store *st, const char *from, const char *to, const char *path);

/* Forget a task (its file is gone).  Its runs and state are kept: history
 * outlives the file, and an editor's delete-and-rename must not lose state;
 * its runs tell a task created again under the name its last fire
 * (store_last_fire). */
int store_task_remove(struct store *st, const char *name);

/* 1 and the values when the task is known, 0 when not, -1 on error.  Any
 * out pointer may be NULL.  The setters return 1 when the task was
 * updated, 0 when there is no such task, -1 on error. */
int store_task_get_schedule_state(struct store *st, const char *name, int64_t *next_fire,
                                  int64_t *last_scheduled, bool *paused);
int store_task_set_next_fire(struct store *st, const char *name, int64_t next_fire);
int store_task_set_last_scheduled(struct store *st, const char *name, int64_t last_scheduled);
int store_task_set_paused(struct store *st, const char *name, bool paused);

/* Every task, by name. */
int store_tasks(struct store *st, int (*fn)(const struct store_task *task, void *ud), void *ud);

/* --- runs -------------------------------------------------------------- */

/* Insert a run row; its id in *id.  Sets the task's last_run_id when the
 * row is inserted as running. */
int store_run_insert(struct store *st, const struct store_run *run, int64_t *id);

/* 1 and the id of a row inserted from `run` (the same task, trigger,
 * scheduled instant, queue time and attempt), 0 when there is none, -1
 * on error.  A write replayed after a crash may have reached the store
 * already: this tells (the queue time has the clock's full resolution). */
int store_run_find_same(struct store *st, const struct store_run *run, int64_t *id);

/* queued → running: record the process and the start instant, and make it
 * the task's last run. */
int store_run_start(struct store *st, int64_t id, int pid, double started_at);

/* running → its end state; duration is computed from started_at. */
int store_run_finish(struct store *st, int64_t id, const struct store_run_outcome *outcome);

/* Rows left queued or running by a daemon that died become 'interrupted'
 * with finished_at = now.  Returns how many, or -1. */
int store_runs_mark_interrupted(struct store *st, double now);

/* Which runs store_history returns; each member left zero (NULL, false,
 * 0) selects every run.  A run's time, which since/until bound, is its fire
 * instant (scheduled_for), or its queue time when it has none (a manual
 * run): the range is [since, until). */
struct store_run_filter {
    const char *task;
    bool by_status, by_trigger;
    enum store_status status;
    enum store_trigger trigger;
    double since, until; /* Unix s, 0 = unbounded */
    int64_t before;      /* only runs of a lower id (a page after it), 0 = all */
};

/* A filter's values as a user writes them (`history --status failed`,
 * GET /api/v1/runs?status=failed), parsed in one place for the CLI and
 * the API (store_filter.c).  0 with the filter set, or -1 with why in err,
 * which does not name the option: the caller does. */
int store_filter_status(const char *text, struct store_run_filter *f, char *err, size_t errlen);
int store_filter_trigger(const char *text, struct store_run_filter *f, char *err,
                         size_t errlen);
/* A bound of since/until: ISO-8601 with or without an offset (without
 * one, in `zone`), or a span before `now` ("90m", "3d": digits and one of
 * s, m, h, d, w). */
int store_filter_when(const char *text, const struct tz *zone, double now, double *out,
                      char *err, size_t errlen);
/* The filter as a whole: since must lie before until ("SINCE must be
 * before UNTIL", with the names the caller gives them). */
int store_filter_check(const struct store_run_filter *f, const char *since, const char *until,
                       char *err, size_t errlen);

/* A run as `history --json` and the API show it: { "id", "task",
 * "trigger", "status", "attempt", "duration", "exit_code", "signal",
 * "error", "result", "peak_rss_kb", "cpu_ms", "output_tail", "file_hash" }
 * and the instants scheduled_for, queued_at, started_at, finished_at in
 * `zone` (time/instant_json.h).  New reference, NULL out of memory. */
json_t *store_run_json(const struct store_run *run, const struct tz *zone);

/* Runs newest first (by id) that pass `filter` (NULL = all), at most
 * `limit` rows (0 = no limit).  Every filter is a bound parameter of an
 * indexed column. */
int store_history(struct store *st, const struct store_run_filter *filter, int limit,
                  int (*fn)(const struct store_run *run, void *ud), void *ud);

/* The task's most recent run that started (not skipped or missed rows):
 * 1 and fn called once, 0 when none, -1 on error. */
int store_last_run(struct store *st, const char *task,
                   int (*fn)(const struct store_run *run, void *ud), void *ud);

/* The task's final failures since its last success into *streak: runs
 * that started and failed (store_status_failed) with no retry after them
 * (a retry row of the next attempt that was not skipped).  A skipped,
 * missed or interrupted run neither counts nor ends the streak.  0, or -1
 * on error. */
int store_failing_streak(struct store *st, const char *task, int *streak);

/* The latest fire instant (scheduled_for) among the task's runs rows into
 * *instant, 0 when none: what it handled last, as its runs tell it.  0,
 * or -1 on error. */
int store_last_fire(struct store *st, const char *task, int64_t *instant);

/* One run by id: 1 and fn called, 0 when none, -1 on error. */
int store_run_get(struct store *st, int64_t id,
                  int (*fn)(const struct store_run *run, void *ud), void *ud);

/* The output store_run_finish kept of run `id`: 1 and a malloc'd copy in
 * *output (caller frees; "" when the run printed nothing), 0 when there
 * is no such run or it kept none (not finished yet, or older than the
 * kept output), -1 on error. */
int store_run_output(struct store *st, int64_t id, char **output);

/* Queued and running rows, oldest first. */
int store_running(struct store *st, int (*fn)(const struct store_run *run, void *ud), void *ud);

/* Delete at most `batch_size` finished runs queued before `older_than`
 * (Unix s), oldest first, and as many alerts resolved before it.  Returns how many were deleted (fewer than
 * batch_size: nothing old is left), or -1.  One bounded batch per call, so
 * the daemon can spread a large clean-up over loop iterations. */
int store_retention_delete(struct store *st, double older_than, int batch_size);

/* --- statistics (store_stats.c) --------------------------------------- */

/* How the tasks performed over the runs of the last `days` days before
 * `now` (a run's time as store_run_filter's), instants in `zone`:
 *
 * store_stats_performance: { "days", "tasks": [ { "task", "runs",
 * "by_status": { STATUS: N … }, "success_rate", "duration" and "lateness":
 * { "p50", "p95", "max" } (seconds), "cpu": { "p50", "max" } (seconds),
 * "memory": { "p50", "max" } (bytes), "runs_per_day", "last_success",
 * "last_success_age" (seconds), "mtbf" (seconds) } … ] } by task name,
 * of every task with runs in the window, or of `task` alone (NULL: all).
 * 1 and the document in *out (a new reference), 0 when `task` has neither
 * a file nor runs, -1 on error.
 *
 * store_stats_overview: { "days", "runs", "by_status", "success_rate",
 * "duration", "lateness", "zone", "busiest_hours": [ 24 counts of runs
 * started in each hour of the day in `zone` ], "slowest": [ { "task",
 * "p95" } … up to 5 ], "tasks": N with runs }.  0 and *out, or -1.
 *
 * A figure that has no value (no run ended, fewer than two failures) is
 * null. */
int store_stats_performance(struct store *st, const char *task, int days, double now,
                            const struct tz *zone, json_t **out);
int store_stats_overview(struct store *st, int days, double now, const struct tz *zone,
                         json_t **out);

/* --- alerts (store_alerts.c) ------------------------------------------ */

/* What an alert is about (store_alert_kind_name: "failing", "late",
 * "long_running", "missed", "broken", "store", "interrupted"). */
enum store_alert_kind {
    STORE_ALERT_FAILING,
    STORE_ALERT_LATE,
    STORE_ALERT_LONG_RUNNING,
    STORE_ALERT_MISSED,
    STORE_ALERT_BROKEN,
    STORE_ALERT_STORE,
    STORE_ALERT_INTERRUPTED,
    STORE_ALERT_KINDS
};
/* The names in the order of the kinds, then NULL. */
extern const char *const store_alert_kind_names[STORE_ALERT_KINDS + 1];
const char *store_alert_kind_name(enum store_alert_kind kind);
/* -1 for an unknown name. */
int store_alert_kind_parse(const char *name, enum store_alert_kind *out);

/* One row of `alerts`: the daemon noticed a problem of `kind` with `task`
 * ("" for the daemon itself).  At most one open alert (resolved_at 0) per
 * (kind, task); a repeat bumps count and last_seen_at. */
struct store_alert {
    int64_t id;
    const char *kind, *task;
    double opened_at, last_seen_at; /* Unix s */
    int64_t count;
    const char *message;     /* the last occurrence's, or NULL */
    double resolved_at;      /* Unix s, 0 while open */
    const char *resolved_by; /* "daemon: REASON" or a person; NULL while open */
    const char *note;        /* the person's note, or NULL */
};

/* Open an alert of (kind, task) at `now`, or bump the open one by `count`
 * with `message`.  1 when it was opened, 0 when bumped, -1 on error; fn
 * (may be NULL) is called with the row as it is now. */
int store_alert_raise(struct store *st, const char *kind, const char *task, int64_t count,
                      const char *message, double now,
                      int (*fn)(const struct store_alert *a, void *ud), void *ud);

/* Resolve the open alert of (kind, task) (id 0; kind NULL: every open
 * alert of the task), or alert `id`, at `now`, by `by` with `note` (may be
 * NULL).  1 and fn called with each resolved row;
 * 0 when there is no such open alert; 2 when alert `id` exists but is
 * resolved already (fn called with it); -1 on error. */
int store_alert_resolve(struct store *st, int64_t id, const char *kind, const char *task,
                        const char *by, const char *note, double now,
                        int (*fn)(const struct store_alert *a, void *ud), void *ud);

/* Which alerts store_alerts lists; zero members select everything. */
enum store_alert_state { STORE_ALERTS_OPEN, STORE_ALERTS_RESOLVED, STORE_ALERTS_ALL };
struct store_alert_filter {
    enum store_alert_state state;
    const char *task, *kind;
    int64_t before; /* only alerts of a lower id (the next page), 0 = all */
};

/* Alerts newest first (by id), at most `limit` (0 = no limit). */
int store_alerts(struct store *st, const struct store_alert_filter *filter, int limit,
                 int (*fn)(const struct store_alert *a, void *ud), void *ud);

/* One alert by id: 1 and fn called, 0 when none, -1 on error. */
int store_alert_get(struct store *st, int64_t id,
                    int (*fn)(const struct store_alert *a, void *ud), void *ud);

/* How many alerts of (kind, task) were opened at or after `since`, into *n. */
int store_alert_opened_since(struct store *st, const char *kind, const char *task, double since,
                             int64_t *n);

/* The p95 duration (nearest rank) of the task's `last` most recent
 * successes (at most STORE_P95_RUNS_MAX) into *p95, and how many there
 * were into *count (0: *p95 is 0).  0, or -1 on error. */
#define STORE_P95_RUNS_MAX 100
int store_success_p95(struct store *st, const char *task, int last, int *count, double *p95);

/* { "id", "kind", "task" (null for the daemon's own), "state": "open" |
 * "resolved", "count", "message", "resolved_by", "note" } and the
 * instants opened_at, last_seen_at, resolved_at in `zone`.  New
 * reference, NULL out of memory. */
json_t *store_alert_json(const struct store_alert *a, const struct tz *zone);

/* The open alerts counted: { "open": N, "by_kind": { KIND: N }, "tasks":
 * { TASK: N } }.  New reference, or NULL with the error recorded. */
json_t *store_alerts_summary(struct store *st);

/* --- state (per-task key → JSON text) ---------------------------------- */

/* 1 and a malloc'd copy of the JSON text in *json (caller frees), 0 when
 * the key is unset, -1 on error. */
int store_state_get(struct store *st, const char *task, const char *key, char **json);
int store_state_set(struct store *st, const char *task, const char *key, const char *json);
/* Deleting an unset key is not an error. */
int store_state_delete(struct store *st, const char *task, const char *key);
/* Every key of the task, by key. */
int store_state_all(struct store *st, const char *task,
                    int (*fn)(const char *key, const char *json, void *ud), void *ud);

/* --- daemon bookkeeping ------------------------------------------------ */

/* Small named values (e.g. "last_backup_at"): 1 and a malloc'd copy in
 * *value, 0 when unset, -1 on error. */
int store_meta_get(struct store *st, const char *key, char **value);
int store_meta_set(struct store *st, const char *key, const char *value);

/* This database's identity: a random id created with the file (kept in
 * meta), so a file written for it (the daemon's spill) is never applied to
 * another database that took its path.  0 and a malloc'd copy in *id, or
 * -1. */
int store_identity(struct store *st, char **id);

/* Copy the live database to dest_path with SQLite's online backup API,
 * writing a temporary file renamed into place.  0, or -1 with a message in
 * err.  Rotating old backups is the caller's business. */
int store_backup(struct store *st, const char *dest_path, char *err, size_t errlen);

#endif
