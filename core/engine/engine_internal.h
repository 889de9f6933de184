/* engine_internal.h — the engine's insides, shared by its files.  Each
 * file calls only the files listed above it (tests/layers.py checks it):
 *
 *   burst.c          how early the runs of one instant are prepared
 *   wakeup.c         the wake-up heap and its one timer
 *   entry.c          an entry's lifetime (references, freeing)
 *   stopping.c       the last steps of a shutdown
 *   alert.c          the daemon's alerts: opened, bumped, resolved,
 *                    published and notified (not notify/alerts.c, a
 *                    task's own `notify` rules)
 *   alert_watch.c    the alerts of a job's life: late, long_running, failing
 *   dispatch.c       runs: overlap, the queues' pools (pools.h),
 *                    spawning, recording, retries, cancelling
 *   fires.c          when a task fires, catch-up
 *   versions.c       which version of a task file is in force
 *   entries.c        the entries in step with the tasks folder
 *   engine.c         the public face: start, rescan, pause, cancel, reset,
 *                    shutdown
 *   engine_status.c  the status report
 *   engine_local.c   `main --task` without a daemon
 *
 * with the pure rules in policy.c, catchup.c and pools.c, the store's write queue
 * in pending.c, and events.c, the ring of published events (events.h),
 * which calls nobody.  Nobody outside engine/ includes this file.
 */
#ifndef ENGINE_INTERNAL_H
#define ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "engine.h"
#include "lib/heap.h"
#include "lib/namemap.h"
#include "notify/alerts.h"
#include "pending.h"
#include "pools.h"
#include "store/store.h"
#include "task/discovery.h"
#include "task/task.h"
#include "time/tz.h"

/* A run is spawned this long before its instant and sleeps in the child
 * until the instant itself: spawning and loading a Lua VM cost about a
 * millisecond on an idle machine, but tens of milliseconds on a loaded one
 * (bench-compare measured starts 30-70 ms late with 50 ms), and an early
 * spawn costs only a sleeping process. */
#define ENGINE_PREPARE_AHEAD 0.25
/* A burst of runs on one instant is prepared earlier (burst.c), up to this
 * long ahead; each run of it counts this many times the measured cost of a
 * fire (the children's own start-up runs beside the daemon's work). */
#define ENGINE_PREPARE_AHEAD_MAX 10.0
#define ENGINE_BURST_SAFETY 3.0
#define ENGINE_BURST_BUCKETS 1024
/* The cost of a fire, before one was measured, and the weight of each new
 * measure in its moving average. */
#define ENGINE_FIRE_COST_INITIAL 0.001
#define ENGINE_FIRE_COST_WEIGHT 0.05
/* A fire found due later than this (the loop was blocked, the machine
 * slept, the clock jumped) is treated as missed and goes through the
 * catch-up rule instead of firing as if on time. */
#define ENGINE_LATE_LIMIT 2.0
/* uv timers count whole milliseconds: a wake-up this early is on time. */
#define ENGINE_TIMER_SLACK 0.002

/* clang-format would take "(ptr) - x" for a cast of "-x". */
/* clang-format off */
#define ENGINE_CONTAINER_OF(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
/* clang-format on */

/* An instant at which something must happen: a task's run must be
 * prepared, a retry is due.  All of them share one heap and one uv_timer. */
struct wakeup {
    struct heap_node node;
    double at; /* wall instant (clock_now) */
    void (*due)(struct wakeup *w);
    /* A task's wake-up prepares a run released at `release`, one of the
     * burst of that instant (burst.c). */
    double release;
    int64_t burst_key;
    bool in_burst;
};

struct burst;
struct bursts {
    struct burst *buckets[ENGINE_BURST_BUCKETS];
};

/* The first line of a run's error is what a status line has room for. */
#define ENGINE_ERROR_LINE_MAX 256

struct last_run {
    bool ran; /* false when the task never ran */
    enum store_status status;
    double started_at, finished_at;
    char *error; /* its error's first line (at most ENGINE_ERROR_LINE_MAX - 1 bytes),
                  * NULL for none: most runs have none, so it is not kept inline */
};

/* One task file, loaded or broken. */
struct entry {
    struct engine *engine;
    struct entry *next, *prev; /* engine->entries, by discovery order */
    char *name, *path;
    bool loaded; /* a valid version is in force: task */
    struct task task;
    char *error; /* why the file as it is now is not in force; NULL = it is */
    char error_hash[TASK_HASH_HEX]; /* the content refused (broken, or dependencies), or "" */
    struct task *staged; /* a newer version waiting for its dependencies, while staging */
    bool has_stat;       /* its file's stat at the last scan, in `stat`: */
    struct discovery_stat stat;    /* unchanged, the file is not read again */
    char stat_hash[TASK_HASH_HEX]; /* the hash of the content read with that stat */
    bool staging;                  /* staged holds it; an install is in flight */
    int64_t stored_next; /* the store's next fire, until a first version is in force */
    bool paused;
    bool removed;                            /* its file is gone; freed with its last job */
    bool seen;                               /* found by the scan in progress */
    int64_t next_fire;                       /* SCHEDULE_NEVER when it does not fire */
    int64_t last_scheduled;                  /* last fire instant handled; 0 = none */
    struct wakeup wake;                      /* queued while next_fire is armed */
    int active;                              /* jobs holding one of its max_instances */
    struct job *backlog_head, *backlog_tail; /* fires waiting for an instance */
    int waiting;
    int refs; /* jobs pointing here */
    struct last_run last;
    struct alert_streak alerts; /* its repeated failures (alerts.h), as saved */
    unsigned alerts_open;       /* bit 1 << store_alert_kind: its alert is open */
    double flap_told_at;        /* when its flapping was last notified, 0 = never */
    /* Final failures since the last success (store_failing_streak): a
     * failure is final when no retry of it follows. */
    int failing_streak;
};

/* Where a job is. */
enum job_state {
    JOB_RETRY_WAIT, /* in engine->wakeups until its retry instant */
    JOB_BACKLOG,    /* waiting for a free instance of its task */
    JOB_QUEUED,     /* holds an instance; waits in its pool for a slot */
    JOB_SPAWNED     /* a process exists (prepared or released) */
};

/* One row of the runs table on its way to a final status. */
struct ping_run;

struct job {
    struct engine *engine;
    struct entry *entry;
    struct job *prev, *next; /* engine->jobs */
    struct job *backlog_next;
    enum job_state state;
    int64_t run_id;
    enum store_trigger trigger;
    int attempt;
    int64_t scheduled_for; /* fire instant; 0 for manual runs */
    double release_at;     /* when run() starts; 0 = at once */
    int priority;          /* the task's, when the job was made */
    double order_at;       /* queue order after priority: fire or request time */
    uint64_t seq;          /* queue order after that: first come */
    struct heap_node queue_node;
    struct pool *pool; /* from JOB_QUEUED until its process is gone */
    struct wakeup retry;
    struct wakeup late, long_run; /* alert_watch.c: `late` and `long_running` */
    double usual_p95;             /* its task's p95 success duration, at its start */
    struct run *run;              /* while JOB_SPAWNED */
    bool released;                /* run() has started */
    double started_at;            /* when it did (clock_now), once released */
    bool respawn;                 /* cancelled to be prepared again (task edited) */
    struct ping_run *ping;        /* its pings (pings.h), from its start to its end */
    struct engine_client client;
};

struct engine {
    uv_loop_t *loop;
    const struct config *config;
    struct store *store;
    struct pending *pending; /* every runs row and fire time is written through it */
    char *program, *root, *config_path, *tasks_dir;
    bool include_examples;
    char *only_user; /* engine_options.only_user, or NULL */
    /* With only_user: the task files of other users, name -> content hash,
     * as the last scan found them (neither scheduled nor forgotten). */
    json_t *foreign;
    const struct tz *zone; /* schedules' default zone */
    double started_at;
    int interrupted; /* engine_options.interrupted, raised at engine_start */

    struct entry *entries, *entries_last;
    struct namemap by_name;           /* name -> the entry of entries (not removed) */
    struct sources *sources;          /* the SQL sources' rows (source/source.h) */
    char skipped_hash[TASK_HASH_HEX]; /* of the last scan's notes (discovery.h) */
    struct heap wakeups;              /* struct wakeup, earliest first */
    struct bursts bursts;             /* release instant -> wake-ups (burst.c) */
    double fire_cost;                 /* s a fire takes on the loop, moving average */
    struct pools pools;               /* JOB_QUEUED jobs by queue, by priority, order_at, seq */
    uv_timer_t timer;                 /* armed for the first wake-up */
    uv_timer_t pump_timer;            /* spawns queued jobs on the next loop turn */
    uv_timer_t shutdown_timer;
    struct job *jobs;
    int job_count;
    int spawned; /* processes alive: counts against max_concurrent (pool->spawned too) */
    uint64_t seq;
    unsigned rocks_generation; /* config reloads so far (versions_retry_failed) */
    unsigned alerts_open;      /* the daemon's own open alerts (alert.c), as entry's */
    double flap_told_at;

    bool stopping;
    void (*on_job_done)(void *data);
    void *hook_data;
    void (*on_output)(void *data, int64_t run_id); /* engine_watch_output */
    void *output_data;
    int open_handles;
    void (*on_stopped)(void *data);
    void *stopped_data;
};

/* engine.c */
/* A SQL source read new rows (source.h's `changed`), or failed to read
 * (`report`, error NULL when it reads again). */
void engine_sources_changed(void *data);
void engine_source_report(void *data, const char *source, const char *error);

/* wakeup.c */
void wakeup_init(struct engine *e);
/* Queue `w` for `at` (or move it there), and wakeup_clear() it again;
 * wakeup_arm() then sets the timer for the earliest. */
void wakeup_set(struct engine *e, struct wakeup *w, double at);
void wakeup_clear(struct engine *e, struct wakeup *w);
void wakeup_arm(struct engine *e);
/* Queue a task's wake-up for a run released at `release`: ahead of it by
 * ENGINE_PREPARE_AHEAD, or more in a burst (burst.c).  `period` is the
 * task's time between fires (0 when unknown). */
void wakeup_set_release(struct engine *e, struct wakeup *w, double release, double period);

/* burst.c */
/* Join the burst of `release` (leaving any other); how long ahead of it
 * the wake-up is due. */
double burst_join(struct engine *e, struct wakeup *w, double release, double period);
void burst_leave(struct engine *e, struct wakeup *w);
/* One fire took `seconds` on the loop. */
void burst_note_cost(struct engine *e, double seconds);
void bursts_free(struct bursts *b);

/* entry.c */
/* Drop the version waiting for its dependencies, if any. */
void entry_drop_staged(struct entry *en);
/* Free the entry with its versions and error. */
void entry_free(struct entry *en);
/* A job let go of the entry; a removed entry goes with its last job. */
void entry_unref(struct entry *en);
/* Remember a run that started (read from the store, or just ended) as the
 * entry's last run, keeping its error's first line. */
void entry_set_last_run(struct entry *en, enum store_status status, double started_at,
                        double finished_at, const char *error);

/* stopping.c */
/* Once stopping and no job is left: close the handles, then on_stopped. */
void stopping_check(struct engine *e);

/* alert.c.  `en` NULL is the daemon itself. */
/* Open the alert of `kind` about `en`, or bump the open one by `count`
 * occurrences; `message` says what was seen.  Nothing for a task with
 * `alerts = false`. */
void alert_raise(struct engine *e, struct entry *en, enum store_alert_kind kind, int64_t count,
                 const char *message);
/* Resolve its open alert of `kind`, if any, by "daemon: REASON". */
void alert_clear(struct engine *e, struct entry *en, enum store_alert_kind kind,
                 const char *reason);
/* Resolve every open alert of `task`, whose entry is gone (its file was
 * deleted while the daemon was down): published, not notified. */
void alert_clear_gone(struct engine *e, const char *task, const char *reason);
/* pending.c's episodes (pending_on_episode; data is the engine): the
 * `store` alert is notified when the store starts refusing writes, and
 * written, then resolved, once it takes them again. */
void alert_store_episode(void *data, bool began, const char *error, double since);
/* Learn which of its alerts the store has open (a new entry, the start). */
void alert_load(struct engine *e, struct entry *en);
/* The kinds of the bits of `open` (an entry's alerts_open), as a JSON
 * array of names; new reference, NULL out of memory. */
json_t *alert_kinds_json(unsigned open);

/* alert_watch.c: called by dispatch.c as a job is made, starts, ends
 * (released, `retried` when a retry follows) and is freed. */
struct job;
void alert_watch_queued(struct job *job);
void alert_watch_started(struct job *job);
void alert_watch_ended(struct job *job, enum store_status status, bool retried);
void alert_watch_forget(struct job *job);

/* dispatch.c */
void dispatch_init(struct engine *e);
/* 0 with the run's id in *run_id (0 when the fire was skipped; negative
 * while its row waits in pending.c), or -1 with a message. */
int dispatch_fire(struct engine *e, struct entry *en, enum store_trigger trigger,
                  int64_t scheduled_for, double release_at, const struct engine_client *client,
                  int64_t *run_id, char *err, size_t errlen);
void dispatch_record(struct engine *e, const struct entry *en, enum store_trigger trigger,
                     int64_t scheduled_for, enum store_status status, int attempt,
                     const char *error);
/* Cancel the jobs of a task that have not released run(): all of them, or
 * (edit) only prepared processes, which are then prepared again. */
void dispatch_cancel_entry(struct entry *en, const char *reason, bool respawn);
/* Shutdown: cancel everything not yet released. */
void dispatch_cancel_all(struct engine *e, const char *reason);
/* Shutdown timeout: stop every process still there. */
void dispatch_stop_all(struct engine *e, const char *reason);
/* The job of `run_id`, or NULL; *running tells whether its process runs
 * the task (run() released, or its instant passed). */
struct job *dispatch_find(struct engine *e, int64_t run_id, bool *running);
void dispatch_forget_client(struct engine *e, void *data);
void dispatch_pump_soon(struct engine *e);

/* fires.c */
/* Set the next fire from the store's memory of it (0 = start afresh),
 * persist it and arm the wake-up. */
void fires_schedule(struct entry *en, int64_t stored_next);
/* The wake-up callback of an entry: its run must be prepared now. */
void fires_due(struct wakeup *w);
/* engine_reset_next_fires for one entry: its change as JSON, or NULL. */
json_t *fires_reset(struct entry *en, bool future_only, bool dry_run);

/* versions.c */
/* True when the scanned file differs from what the entry last took in. */
bool versions_changed(const struct entry *en, const struct discovered *item);
/* The file changed: the new version takes over (now, or once its
 * dependencies are installed), or its error is recorded while the version
 * in force stays. */
void versions_offer(struct entry *en, struct discovered *item);
/* Put `t` in force without scheduling it (engine_local.c); `t` is moved. */
void versions_install(struct entry *en, struct task *t);
/* Save the entry's row (path, hash, frontmatter, load error). */
void versions_upsert(const struct entry *en);
/* Versions refused for their dependencies are tried again at the next scan
 * (a reloaded config may name another rocks server), and so are those whose
 * install was in flight under the old config, when it fails. */
void versions_retry_failed(struct engine *e);

/* entries.c */
struct entry *entries_find(struct engine *e, const char *name);
/* entries_find, or NULL with "no task named 'x'" in err, and the nearest
 * name as "(did you mean 'y'?)" when one is close. */
struct entry *entries_find_or_say(struct engine *e, const char *name, char *err, size_t errlen);
/* Scan the tasks folder and bring the entries in step; the number of
 * broken files, or -1 when the folder cannot be read. */
int entries_rescan(struct engine *e);
/* Forget stored tasks whose files are gone (deleted while we were down). */
void entries_forget_deleted(struct engine *e);
/* Add one task by name without scheduling it (engine_local.c).  -1 with a
 * message when it is unknown or broken. */
int entries_add_one(struct engine *e, const char *name, char *err, size_t errlen);
void entries_free_all(struct engine *e);

#endif
