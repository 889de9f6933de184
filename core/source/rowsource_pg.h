/* rowsource_pg.h — the reader of `postgresql://` sources (rowsource.h),
 * and the SQL that makes such a table announce its changes.
 *
 * The reader holds one connection (lib/pgclient.h) that LISTENs on the
 * source's channel: a NOTIFY there, a reconnect, and the poll timer each
 * ask for a read.  A read is two queries: the table's columns (from
 * information_schema, in the connection's current schema) and the
 * SELECT of rowsource_select_sql.  Nothing of it waits on the network.
 */
#ifndef ROWSOURCE_PG_H
#define ROWSOURCE_PG_H

#include <stddef.h>

#include "config/config.h"
#include "rowsource.h"

#define ROWSOURCE_PG_CHANNEL_MAX 56 /* bytes: the channel, then "_notify" fits in 63 */

extern const struct rowsource_ops rowsource_pg;

/* The LISTEN channel of source `name`: "task_scheduler_" and the name in
 * lower case, any other character than a letter, digit or '_' made '_',
 * cut to ROWSOURCE_PG_CHANNEL_MAX bytes. */
void rowsource_pg_channel(const char *name, char *buf, size_t len);

/* The SQL that creates (or replaces) a trigger on the source's table that
 * NOTIFYs its channel after every INSERT, UPDATE, DELETE or TRUNCATE, for
 * the user to run with psql (`main sources install-trigger NAME`).  0, or
 * -1 with a message (a table name it cannot quote here, or too long). */
int rowsource_pg_trigger_sql(const struct config_source *cfg, char *buf, size_t len, char *err,
                             size_t errlen);

#endif
