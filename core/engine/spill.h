/* spill.h — the daemon's spill file (DB_PATH-spill): the store writes that
 * pending.c keeps while the store refuses them, on disk, in space taken
 * while there was space, so that a stop or a crash loses none of them.
 * See spill.c for the file and its guarantees.
 */
#ifndef SPILL_H
#define SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define SPILL_SUFFIX "-spill"
#define SPILL_ERR_MAX 512

struct spill;

/* What spill_load hands back, in the order it was written: first the log
 * (runs rows: their insert, start and end, `task` naming the run's task),
 * then each task's last marks.  Strings are valid during the call.  A
 * callback returns 0, or -1 when out of memory, which stops the load.  A
 * reader without `insert` (nor start, nor finish) reads the marks only. */
struct spill_reader {
    int (*insert)(void *ud, int64_t id, const struct store_run *row);
    int (*start)(void *ud, int64_t id, const char *task, int pid, double at);
    int (*finish)(void *ud, int64_t id, const char *task, const struct store_run_outcome *o);
    int (*marks)(void *ud, const char *task, int64_t next_fire, int64_t last_scheduled);
    void *ud;
};

/* Open `path` (created when missing) for the database whose identity is
 * `owner` (store_identity), with its reserve allocated.  What it holds
 * for another owner (the database was replaced) is dropped, and *foreign
 * says so.  NULL with a message when the file cannot be had. */
struct spill *spill_open(const char *path, const char *owner, bool *foreign, char *err,
                         size_t errlen);
void spill_close(struct spill *s);

/* Allocate the log's reserve, and the slots' (spill_open only reads). */
int spill_reserve(struct spill *s);

const char *spill_path(const struct spill *s);
/* The last failure's message. */
const char *spill_error(const struct spill *s);
/* True while the file holds writes the store may not have. */
bool spill_holds(const struct spill *s);

/* Everything the file holds, through `r`.  0, or -1 (a read error, or a
 * callback's -1). */
int spill_load(struct spill *s, const struct spill_reader *r);

/* Take a slot for the task's marks while there is space, so a later
 * spill_marks needs none.  0, or -1 (no space, the name too long). */
int spill_reserve_marks(struct spill *s, const char *task);
/* Keep the task's next_fire and last_scheduled (in its slot: a task's
 * marks take one slot however often they change).  0, or -1. */
int spill_marks(struct spill *s, const char *task, int64_t next_fire, int64_t last_scheduled);

/* Append one runs-row write to the log.  0, or -1 when it does not fit;
 * then every later append fails too until spill_reset, so the log always
 * holds the oldest writes, in order. */
int spill_insert(struct spill *s, int64_t id, const struct store_run *row);
int spill_start(struct spill *s, int64_t id, const char *task, int pid, double at);
int spill_finish(struct spill *s, int64_t id, const char *task,
                 const struct store_run_outcome *o);

/* The store holds everything: forget it all (one small write, no space
 * given back: the reserve is kept for the next time).  0, or -1. */
int spill_reset(struct spill *s);
/* What was written reaches the disk (fdatasync).  0, or -1. */
int spill_sync(struct spill *s);

#endif
