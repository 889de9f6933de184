/* pending.h — the daemon's run-history, fire-time and task-state writes,
 * kept in memory (and the history and fire times in the spill file) while
 * the store refuses them (full disk, another process holding the write
 * lock) and saved, in order, once it accepts writes again, in this life or
 * at the next start.  See pending.c for the design.
 */
#ifndef PENDING_H
#define PENDING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "store/store.h"

struct pending;

/* A writer in front of `store` (borrowed; it must outlive the writer).
 * With `db_path` (the daemon), what waits is also kept in DB_PATH-spill,
 * whose space is reserved now; without (or when the spill cannot be set
 * up, which is logged) it is kept in memory only.  NULL when out of
 * memory. */
struct pending *pending_create(uv_loop_t *loop, struct store *store, const char *db_path);

/* Called when an episode begins (the store refused a write for now:
 * `began`, with its error and since when) and when it ends (every waiting
 * write saved: `began` false, the same since).  It must not write through
 * this writer. */
void pending_on_episode(struct pending *p,
                        void (*fn)(void *data, bool began, const char *error, double since),
                        void *data);

/* At the daemon's start, before anything reads the store: write what the
 * last life left in DB_PATH-spill to the store, in order, and empty it.
 * 0 (also when there is no spill), or -1 with a message when the spill
 * cannot be read or the store refuses its writes (the spill is kept). */
int pending_replay(struct store *store, const char *db_path, char *err, size_t errlen);

/* Save what can still be saved, keep the rest in the spill, report what
 * neither took (each write by name), close the retry timer and free the
 * writer; `closed(data)` is called once that is done. */
void pending_close(struct pending *p, void (*closed)(void *data), void *data);

/* Commit this loop turn's transaction now (see pending.c): before what
 * needs the writes so far on disk, a run's spawn or a reply that may
 * report them.  A commit the store refuses sends its writes to the queue,
 * as refused writes. */
void pending_commit(struct pending *p);

/* store_run_insert.  The id is the row's, or, while earlier writes are
 * pending or the store refuses this one, a provisional negative id that
 * pending_run_start and pending_run_finish accept like a real one.  -1
 * with a message only when the store refused the row for good or memory
 * ran out. */
int pending_run_insert(struct pending *p, const struct store_run *row, int64_t *id, char *err,
                       size_t errlen);

/* store_run_start and store_run_finish of run `id` of `task`.  A write
 * the store refuses for good is logged here. */
void pending_run_start(struct pending *p, int64_t id, const char *task, int pid,
                       double started_at);
void pending_run_finish(struct pending *p, int64_t id, const char *task,
                        const struct store_run_outcome *o);

/* The task's next_fire and last_scheduled.  0 when they are in the store
 * or kept in the spill, where a stop keeps them; -1 with the reason when
 * they are only in memory: a fire they mark as handled must then not run,
 * or the next start could run it again. */
int pending_task_fires(struct pending *p, const char *task, int64_t next_fire,
                       int64_t last_scheduled, char *err, size_t errlen);

/* store_state_set, or store_state_delete when value_json is NULL: a run
 * changed its task's state. */
void pending_state_write(struct pending *p, const char *task, const char *key,
                         const char *value_json);

/* The task's state as the store holds it once every waiting write is
 * saved: 0 and a new object (key -> value) in *state, or -1 with a
 * message (the store cannot be read, or out of memory). */
int pending_state_read(const struct pending *p, const char *task, json_t **state, char *err,
                       size_t errlen);

/* null while every write reached the store and checkpoints finish, else
 * an object with, while writes wait,
 *   "error": the store's last message, "pending": writes waiting,
 *   "since": unix s of the first failure, "lost": writes dropped (beyond
 *   the cap, or of a run whose row was lost),
 * and, while a reader holds every checkpoint back (store_wal_state),
 *   "checkpoint_blocked_by": { "pid", "command", "since", "wal_bytes" }.
 * New reference (NULL when out of memory). */
json_t *pending_status_json(const struct pending *p);

#endif
