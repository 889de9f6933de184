/* rowcache.h — the last good rows of a source kept in the project's data/
 * (data/sources/NAME.json), so that a daemon started while its database
 * cannot be read still schedules them (source.c loads them before the
 * first read and saves each new set a read brings).
 *
 * The file holds the url and table it was read from: rows of another url
 * or table (the config changed while the daemon was down) are not taken.
 * It is written to a temporary file and renamed, mode 0600 (the commands
 * are the project's business).
 */
#ifndef ROWCACHE_H
#define ROWCACHE_H

#include <stddef.h>

#include "config/config.h"
#include "rowsource.h"

#define ROWCACHE_DIR_REL "data/sources" /* under the project root */

/* Keep `rows` of source `cfg`, read at `read_at`, in ROOT/data/sources/.
 * 0, or -1 with why in err. */
int rowcache_save(const char *root, const struct config_source *cfg,
                  const struct action_row *rows, size_t count, double read_at, char *err,
                  size_t errlen);

/* The rows kept for `cfg` (of its url and table): 1 with *rows (free with
 * action_rows_free), *count and *read_at; 0 when none are kept for it; -1
 * with why in err (a file that cannot be read or is not what
 * rowcache_save writes). */
int rowcache_load(const char *root, const struct config_source *cfg, struct action_row **rows,
                  size_t *count, double *read_at, char *err, size_t errlen);

/* Forget the rows of the source `name` (no longer configured). */
void rowcache_remove(const char *root, const char *name);

#endif
