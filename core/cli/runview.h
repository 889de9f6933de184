/* runview.h — how the CLI shows instants, durations and runs.
 *
 * A run is shown from one JSON shape, whatever its source: a row of the
 * store (store_run_json) or the "last_run" object of the daemon's status.
 * History and status print a run's outcome with the same function, so the
 * two always agree.
 */
#ifndef RUNVIEW_H
#define RUNVIEW_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"
#include "time/tz.h"

#define RUNVIEW_TEXT_MAX 96 /* room for any string these functions write */
#define RUNVIEW_WHEN_MAX (2 * RUNVIEW_TEXT_MAX)

/* "2026-03-29 03:00:00 +02:00" in `zone`, with the instant's UTC offset (a
 * repeated hour of a DST change reads apart); "-" for 0 (never). */
void runview_time(const struct tz *zone, double t, char *buf, size_t len);

/* "0.12s", "42.0s", "3m04s", "2h05m", "3d04h". */
void runview_duration(double seconds, char *buf, size_t len);

/* "in 3m04s", "2h05m ago", "now". */
void runview_relative(double t, double now, char *buf, size_t len);

/* How long ago `t` was, in the largest whole unit: "just now", "12 s
 * ago", "3 min ago", "2 h ago", "5 days ago"; "-" for 0 (never). */
void runview_ago(double t, double now, char *buf, size_t len);

/* "2026-03-29 03:00:00 (in 3m04s)": an instant and how far it is from
 * now; "-" for 0 (never). */
void runview_when(const struct tz *zone, double t, double now, char *buf, size_t len);

/* A run's outcome in a few words: "success 0.12s", "failed (exit 2) 1.3s",
 * "killed (signal 9) 5.0s", "missed", "running"; "-" for a NULL run.  The
 * exit code is left out when the run has an error, which says more (a Lua
 * error's run process exits 1 whatever went wrong). */
void runview_outcome(const json_t *run, char *buf, size_t len);

#endif
