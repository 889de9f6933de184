/* source.h — the SQL sources of the config (`sources:`), kept read: one
 * reader (rowsource.h) and one poll timer per source, and the last good
 * rows of each.
 *
 * The engine does not run a path of its own for them: at each scan it asks
 * sources_items for the rows as discovery items (sourcejob.h) and hands
 * them to discovery_scan with the files, so rows are judged, loaded,
 * versioned and hot-reloaded exactly as task files are.  When a read finds
 * rows that differ from the last good ones, `changed` asks for that scan;
 * a failed read keeps the last good rows (their tasks stay scheduled) and
 * calls `report` with the error, once per distinct error, and again with
 * NULL when the source reads again.  The last good rows are also kept in
 * data/sources/ (rowcache.h): a source starts with them, so a daemon that
 * starts while the database cannot be read schedules them still.
 */
#ifndef SOURCE_H
#define SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <uv.h>

#include "config/config.h"
#include "task/discovery.h"
#include "time/tz.h"

struct sources;

struct sources_hooks {
    void (*changed)(void *data);
    /* error NULL: the source reads again */
    void (*report)(void *data, const char *source, const char *error);
    void *data;
};

/* An empty set (nothing read until sources_configure).  `root` is the
 * project root (copied).  NULL when out of memory. */
struct sources *sources_create(uv_loop_t *loop, const char *root,
                               const struct sources_hooks *hooks);

/* Follow the config's `sources:` (at start and on each reload): new
 * sources start reading (with their kept rows), removed ones stop and
 * lose their rows (the kept ones too), a source whose url, table, columns
 * or poll changed is read again by a new reader (its last rows stay until
 * then), handler and defaults apply at the next scan.  A source no reader
 * takes is logged and has no rows. */
void sources_configure(struct sources *s, const struct config *cfg);

/* The rows of every source as discovery items, with the handler tasks
 * read from `tasks_dir`.  0, or -1 when out of memory; free with
 * sources_items_free. */
int sources_items(const struct sources *s, const char *tasks_dir, struct discovery_extra **out,
                  size_t *count);
void sources_items_free(struct discovery_extra *items, size_t count);

/* How many sources failed their last read. */
size_t sources_failing(const struct sources *s);

/* Whether task `name` is a row of a configured source that has not been
 * read yet (so the store's memory of it must not be forgotten). */
bool sources_pending(const struct sources *s, const char *name);

/* [{ "name", "type", "url" (without its password), "table", "poll" (s),
 * "handler" (or null), "rows" (the last good ones), "read_at" and
 * "read_at_epoch" (the last read that succeeded, in `zone`; null before
 * one), "error" (of the last read, or null) }]: for --status and GET
 * /api/v1/status.  New reference, NULL when out of memory. */
json_t *sources_status_json(const struct sources *s, const struct tz *zone);

/* Stop every reader and close the timers; `done(data)` once they are
 * closed (maybe at once).  The set is then freed by sources_free. */
void sources_close(struct sources *s, void (*done)(void *data), void *data);
void sources_free(struct sources *s);

#endif
