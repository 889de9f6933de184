/* housekeeping.h — the daemon's chores: old runs, backups, old log files.
 *
 *  - Runs queued more than database.retention_days ago are deleted in
 *    batches of HOUSEKEEPING_RETENTION_BATCH rows, one batch per loop turn,
 *    so a large clean-up never holds the loop for long.
 *  - Every database.backup_interval seconds (0 = off) an online backup goes
 *    to data/backups/scheduler-YYYYmmdd-HHMMSS.db (UTC, so names sort in
 *    time order); only the newest database.backup_keep such files are kept.
 *    The last backup instant is kept in the store's meta table, so a
 *    restarted daemon waits for the rest of the interval.
 *  - Rotated log files (logs/…/NAME.log.N) last written more than
 *    logging.retention days ago are deleted.  logfile.c expires a log's
 *    rotated files when it opens or rotates it; this sweep also catches the
 *    logs that stay quiet and those of deleted tasks.
 *
 * Runs and logs are swept at start, when a reload changes a retention, and
 * then every HOUSEKEEPING_SWEEP_EVERY
 * seconds: an idle daemon wakes for housekeeping once an hour, or every
 * backup_interval when the user asked for more frequent backups.  All
 * times come from clock_now(), so tests can shift them.
 */
#ifndef HOUSEKEEPING_H
#define HOUSEKEEPING_H

#include <stddef.h>

#include <uv.h>

#include "config/config.h"
#include "store/store.h"

#define HOUSEKEEPING_RETENTION_BATCH 500 /* runs deleted per loop turn */
#define HOUSEKEEPING_SWEEP_EVERY 3600    /* s between sweeps of runs and logs */
#define HOUSEKEEPING_BACKUP_DIR "data/backups"
#define HOUSEKEEPING_LOGS_DIR "logs"
#define HOUSEKEEPING_LAST_BACKUP_KEY "last_backup_at" /* store meta, Unix s */

struct housekeeping;

/* Start the chores on `loop` for the project at `root`.  `store` is
 * borrowed and must outlive the housekeeping; `cfg` is read now (and again
 * by housekeeping_apply_config), not kept.  The first sweep runs on a
 * coming loop turn.  NULL with a message in err on failure. */
struct housekeeping *housekeeping_start(uv_loop_t *loop, struct store *store,
                                        const struct config *cfg, const char *root, char *err,
                                        size_t errlen);

/* Use a reloaded config's retention and backup settings from now on: a
 * changed retention sweeps at once, a changed backup_keep prunes at once. */
void housekeeping_apply_config(struct housekeeping *hk, const struct config *cfg);

/* Call fn(data) at every sweep (at start, then hourly): the daemon's
 * chance to look at its own memory without a timer of its own. */
void housekeeping_on_sweep(struct housekeeping *hk, void (*fn)(void *data), void *data);

/* Stop; the memory goes once the loop has closed the timer.  NULL is ok. */
void housekeeping_stop(struct housekeeping *hk);

#endif
