/* engine.h — the daemon's scheduling engine: tasks, their next fires, runs.
 *
 * The engine owns one entry per discovered task (broken ones included), a
 * heap of next fire instants, one uv_timer armed for the earliest "prepare"
 * instant, the queue of fires waiting for a free slot, and the runs in
 * flight.  It turns every fire into exactly one row of the runs table with a
 * final status (DESIGN.md, "Runs"):
 *
 *   success | failed | timeout | killed   the run process ended so
 *   skipped      a fire found max_instances runs busy and overlap = "skip",
 *                or a retry would run into the task's next scheduled fire,
 *                or the task is paused (error ENGINE_PAUSED_REASON)
 *   missed       a fire that passed while the daemon was down (or the clock
 *                jumped over it) and the catch-up policy did not run it
 *   interrupted  set by the store at start for rows a dead daemon left open
 *
 * A queued or prepared run whose task is edited, deleted, disabled or
 * paused before run() was released did not run either: it is recorded as
 * `skipped` with an error starting "cancelled: " (the store has no separate
 * status for it, and to a reader of the history it is a fire that did not
 * run).  A run stopped at shutdown after release is `killed`.
 *
 * Everything here runs on the daemon's one loop thread; nothing blocks
 * except SQLite writes.  The control server (control.c) and the CLI talk
 * to the engine only through this header.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "store/store.h"

struct config;
struct store;
struct engine;
struct tz;

#define ENGINE_ERR_MAX 512

/* Paths and switches fixed for the daemon's life.  All strings are copied. */
struct engine_options {
    const char *program;     /* this binary for run processes; NULL = /proc/self/exe */
    const char *root;        /* project root (absolute) */
    const char *config_path; /* config file (absolute) */
    bool include_examples;   /* --include-examples: forces example_* tasks on */
    /* --user NAME: only the tasks whose `user` field is NAME are scheduled
     * and run; a task without `user` runs as the daemon's own user, so it is
     * not NAME's.  A file that does not load cannot say whose it is: it is
     * kept, as broken, for every NAME.  NULL = every task. */
    const char *only_user;
    /* Store writes wait out another process's lock for STORE_BUSY_TIMEOUT_MS
     * (`main --task` without a daemon).  Otherwise (the daemon) they wait
     * ENGINE_STORE_BUSY_MS and then go to pending.c: the loop never stalls. */
    bool wait_for_store;
    /* The daemon: the store's file, beside which writes the store refuses
     * are also kept (DB_PATH-spill), so that a stop before the store takes
     * them loses none (pending.h); NULL keeps them in memory only. */
    const char *spill_beside;
    /* Runs a dead daemon left open, marked interrupted before the engine
     * started: an `interrupted` alert counts them. */
    int interrupted;
    /* Called after each job ends (a run recorded, or a fire cancelled)
     * while not stopping; may be NULL.  It runs inside the engine's own
     * callbacks, so it must not call the engine: defer to a later turn. */
    void (*on_job_done)(void *data);
    void *hook_data;
};

/* A client's view of one run it asked for (engine_run_now).  Both callbacks
 * may be NULL.  on_output gets every line of the run's stdout, stderr and
 * task log ("stdout" | "stderr" | "log") while it runs; on_done is called
 * exactly once with the run's final status, its process's exit code
 * (ENGINE_NO_EXIT_CODE when a signal ended it or it never started) and
 * its error (NULL when none), and
 * after it the engine never touches `data` again.  A client that goes away
 * first calls engine_forget_client(); the run itself goes on. */
#define ENGINE_NO_EXIT_CODE (-1)
struct engine_client {
    void (*on_output)(void *data, const char *stream, const char *line, size_t len);
    void (*on_done)(void *data, int64_t run_id, enum store_status status, int exit_code,
                    const char *error);
    void *data;
};

/* Create an idle engine: nothing is discovered or armed until
 * engine_start().  `config` and `store` are borrowed and must outlive the
 * engine (engine_set_config() swaps the config).  NULL with a message in err
 * on failure. */
struct engine *engine_create(uv_loop_t *loop, const struct config *config, struct store *store,
                             const struct engine_options *opt, char *err, size_t errlen);

/* Discover the tasks, decide what each missed while the daemon was down
 * (catch-up; see catchup.c), persist every next fire and arm the timer.
 * -1 with a message only when the store cannot be read at all. */
int engine_start(struct engine *engine, char *err, size_t errlen);

/* Rescan the tasks folder (tasks.directory under the root; SIGHUP, a file
 * change, `main reload`): new files are scheduled, edited ones replace
 * their old version (a prepared run of the old version is prepared again
 * from the new one, running ones finish), deleted ones are unscheduled.
 * A file that no longer loads keeps its last good version in force, with
 * its error shown until it is fixed; a version with `dependencies` takes
 * over once luarocks installed them (see versions.c).
 * Returns the number of broken task files (0 = all good), or -1 when the
 * folder cannot be read (the tasks known so far are kept). */
int engine_rescan(struct engine *engine);

/* The tasks folder (tasks.directory under the root) into buf: 0, or -1
 * when it does not fit. */
int engine_tasks_dir(const struct engine *engine, char *buf, size_t len);

/* tasks.func_handler in force ("" = none): the task that runs the YAML
 * jobs with a Python `func` (task/yamljob.h). */
const char *engine_func_handler(const struct engine *engine);

/* Use a newly loaded config from now on (the old one may be freed after
 * this returns): when the default zone changed, every next fire is
 * recomputed; then the tasks are rescanned (tasks.directory, pattern and
 * include_example_tasks may have changed, and versions refused for their
 * dependencies are tried again); max_concurrent and scheduler.queues apply to the queue at
 * once. */
void engine_set_config(struct engine *engine, const struct config *config);

/* The wall clock jumped (clockwatch.c).  Every next fire is recomputed; a
 * forward jump over fire instants is handled exactly like downtime, and a
 * backward jump never fires an instant at or before the last one handled. */
void engine_clock_jumped(struct engine *engine);

/* The daemon's state as JSON, for `--status` and the control socket
 * (instants as time/instant_json.h writes them: NAME and NAME_epoch):
 *   { "pid", "version", "started_at", "uptime" (s), "now",
 *     "running": n, "queued": n, "only_user": the daemon's --user or null,
 *     "queues": { NAME: { "max_concurrent": its own bound or null,
 *                 "running": its processes, "waiting": its runs waiting
 *                 for a slot } } for every queue the config bounds, a
 *                 task names or a run is in,
 *     "tasks": [ { "name", "title", "path", "schedule" (in words),
 *                  "user", "queue" (null while broken), "tags", "enabled",
 *                  "paused", "broken", "error",
 *                  "last_good" (broken, but a last good version is in
 *                  force), "installing" (dependencies being installed),
 *                  "next_fire" (null: none), "overdue" (bool),
 *                  "last_run": engine_last_run_json's object or null,
 *                  "failing_streak": final failures since the last success
 *                  (store_failing_streak), "queued": a run waits for a
 *                  slot or an instance, "retry": { "attempt", "of"
 *                  (attempts in all), "at" } while a retry waits, else null,
 *                  "running": [ { "run_id", "pid", "trigger",
 *                  "started_at" } ] ,
 *                  "alerts": the kinds of its open alerts ["failing", …] } ],
 *     "open_alerts": n, every open alert (the daemon's own too),
 *     "store": null, or while the store refuses writes { "error", "pending",
 *              "since", "lost" }, and while a reader holds its checkpoints
 *              back "checkpoint_blocked_by": { "pid", "command", "since",
 *              "wal_bytes" } (pending.h) }
 * `user_filter` (non-NULL) keeps only tasks whose `user` field equals it,
 * and the broken files (whose user cannot be known).
 * A task is overdue when its next fire passed more than ENGINE_OVERDUE_AFTER
 * seconds ago, no run of it is queued or running, and it is not paused, or
 * when its `late` alert is open (a fire of it waits past late_after).  New
 * reference. */
#define ENGINE_OVERDUE_AFTER 5
json_t *engine_status_json(struct engine *engine, const char *user_filter);

/* The next `count` fire instants after `from` of the version in force of
 * task `name` (calendar_fires' array, computed from the loaded schedule:
 * no sandbox, no worker).  NULL with *found false when no version of it
 * is in force (unknown, or broken since it was added); NULL with *found
 * true out of memory.  New reference. */
json_t *engine_task_fires(struct engine *engine, const char *name, int64_t from, long count,
                          bool *found);

/* The configured default zone, in which the daemon shows instants (the
 * API's run documents); borrowed until the next engine_set_config. */
const struct tz *engine_zone(const struct engine *engine);

/* A task's last run as the status document has it, whether the daemon
 * remembers it or the CLI read it from the store: { "status",
 * "started_at", "finished_at", "duration" (s, null while unknown),
 * "error" (its first line, or null) }.  Reads run's status, started_at,
 * finished_at and error.  New reference, NULL out of memory. */
json_t *engine_last_run_json(const struct store_run *run, const struct tz *zone);

/* Run task `name` now, outside its schedule (`main --task` through the
 * daemon, or the API), with trigger "manual" or "api".  The run obeys
 * max_concurrent and max_instances (it waits in the queue, it is never
 * skipped) and is recorded like any other.  Returns 0 with the new run's id
 * in *run_id (negative while the store cannot take its row: see pending.c),
 * or -1 with a message (unknown task, broken task, shutting down). */
int engine_run_now(struct engine *engine, const char *name, const char *trigger,
                   const struct engine_client *client, int64_t *run_id, char *err,
                   size_t errlen);

/* True while any job exists: queued, prepared, running, or waiting for a
 * retry or an instance.  A daemon that restarts itself waits for false. */
bool engine_busy(const struct engine *engine);

/* Commit the store writes of this loop turn now (they are batched in one
 * transaction per turn, engine/pending.c): called before a reply that may
 * report them, so what a client is told is on disk. */
void engine_store_commit(struct engine *engine);

/* The program run processes are spawned from (an absolute path). */
const char *engine_program(const struct engine *engine);

/* Drop every engine_client whose data == `data` (a control connection
 * closed); their runs continue and are recorded. */
void engine_forget_client(struct engine *engine, void *data);

/* The error of the skipped row each fire of a paused task leaves. */
#define ENGINE_PAUSED_REASON "paused"

/* `main pause` / `main resume` (and the API): pause (paused = true) or
 * resume the tasks `names` (count >= 1).  A paused task keeps its schedule
 * but does not run: each of its fires is recorded `skipped` with the error
 * ENGINE_PAUSED_REASON; its queued and prepared runs and planned retries
 * are cancelled, a running run goes on (engine_cancel stops it), and no
 * retry is planned while it stays paused.  engine_run_now still runs it.
 * Resuming lets its next fire run; the fires skipped meanwhile are not
 * caught up.  The state is saved in the store, so it holds across
 * restarts.  `by` says who asked, for the log ("alice (uid 1000) via
 * CLI").  Returns { "paused" | "resumed": [every name], "unchanged":
 * [the names that already were so] }, or NULL with a message when a name
 * is unknown (then nothing changed; the message suggests the nearest
 * name) or the store refuses the change (then the names before it in
 * `names` changed). */
json_t *engine_set_paused(struct engine *engine, const char *const *names, size_t count,
                          bool paused, const char *by, char *err, size_t errlen);

/* `main cancel RUN_ID` (and the API): stop the running run `run_id`
 * through the same path as a timeout: SIGTERM to its session, SIGKILL
 * after scheduler.kill_grace.  It is recorded `killed` with the error
 * "cancelled by BY", and no retry follows (a killed run is never retried).
 * The name of its task in *task (borrowed until the loop turns).  -1 with
 * a message when no run of that id is running (a queued one has not
 * started: it is refused too). */
int engine_cancel(struct engine *engine, int64_t run_id, const char *by, const char **task,
                  char *err, size_t errlen);

/* A run's output while it runs, for GET /runs/{id}/log?follow=1: what
 * engine_run_output found for `run_id`. */
enum engine_output {
    ENGINE_OUTPUT_GONE,    /* no such run in flight: it ended (its output is in
                            * the store, unless the store refused it: pending.h) */
    ENGINE_OUTPUT_WAITING, /* queued, prepared or waiting to retry: no output yet */
    ENGINE_OUTPUT_LIVE,    /* running: *data holds its output from `offset` on */
};

/* The output run `run_id` kept so far (stdout, stderr and log lines as
 * they came, as the store will have it), from byte `offset` on: *len
 * bytes at *data (0 when nothing arrived past offset), valid until the
 * loop turns.  Bytes shown are never taken back: they are always the
 * start of what the store keeps when the run ends. */
enum engine_output engine_run_output(struct engine *engine, int64_t run_id, size_t offset,
                                     const char **data, size_t *len);

/* Call fn(data, run_id) when a running run's output grew and when a run
 * ended (after its row was written); one watcher, fn NULL for none.  fn
 * runs inside the engine's callbacks: it must not call the engine, only
 * note that run_id has news. */
void engine_watch_output(struct engine *engine, void (*fn)(void *data, int64_t run_id),
                         void *data);

/* `main reset`: recompute stored next fires from now.  `names` lists the
 * tasks (count 0 = all).  Every task reset gets its first fire after now;
 * an overdue one (its next fire passed) has its missed fires dropped, not
 * run.  With future_only only the overdue tasks are reset ("reset the
 * overdue tasks to future times", as the scheduler we replace had it); the
 * others keep their next fire.  A task's "last handled fire" is lowered to
 * now when it lies in the future (after a clock that ran ahead), so its
 * fires resume.  With dry_run nothing changes.  Returns a JSON array of
 * engine_reset_change objects for the tasks that changed (or would), or
 * NULL with a message (unknown name). */
json_t *engine_reset_next_fires(struct engine *engine, const char *const *names, size_t count,
                                bool future_only, bool dry_run, char *err, size_t errlen);

/* One reset's change: { "name", "old_next_fire", "new_next_fire" } as
 * instant_json.h writes instants (0 and SCHEDULE_NEVER are null); the
 * CLI's reset without a daemon makes the same.  NULL out of memory. */
json_t *engine_reset_change(const char *name, const struct tz *zone, int64_t old_next,
                            int64_t new_next);

/* `main alerts resolve ID` (and the API): resolve alert `id` by `by` (who
 * asked: a person's name or token) with `note` (may be NULL).  1 with the
 * resolved alert (store_alert_json) in *alert, 2 when it was resolved
 * already (*alert as it is), 0 when there is no such alert, -1 when the
 * store fails; the message in err for 0, 2 and -1.  The resolve is
 * published and notified as the daemon's own are. */
int engine_alert_resolve(struct engine *engine, int64_t id, const char *by, const char *note,
                         json_t **alert, char *err, size_t errlen);

/* Graceful stop: no more fires; queued runs are cancelled; running ones may
 * finish for up to scheduler.shutdown_timeout seconds, then are stopped
 * with executor_stop() and recorded.  `done` is called once the last run is
 * recorded (at once when none runs).  Timers and handles are closed. */
void engine_shutdown(struct engine *engine, void (*done)(void *data), void *data);

/* Free the engine once engine_shutdown()'s `done` was called (its uv
 * handles are closed only then).  NULL is allowed. */
void engine_free(struct engine *engine);

/* What `main --task NAME` without a daemon needs to know; strings are
 * borrowed for the call. */
struct engine_local_options {
    const char *root;            /* project root (absolute) */
    const char *config_path;     /* config file (absolute) */
    const struct config *config; /* the loaded config */
    bool verbose;                /* debug log lines, and scheduler lines on stderr */
    bool include_examples;       /* example_* tasks load */
};

/* `main --task NAME` without a daemon: load that one task, run it at once
 * in a private loop with the same executor, limits and store recording
 * (trigger "manual"), streaming its output to `client`.  Returns 0 when
 * the run succeeded, 1 when it ended otherwise (its status and error went
 * to client->on_done), -1 with a message in err when it could not be
 * started at all (unknown or broken task, store error). */
int engine_run_local(const struct engine_local_options *opt, const char *name,
                     const struct engine_client *client, char *err, size_t errlen);

#endif
