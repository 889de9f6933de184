/* rowsource.h — the interface of a table reader: what reads the rows of a
 * source's table of actions (config_source, `sources:` in config.yaml) and
 * hands them to source.c, which turns them into tasks (sourcejob.h).
 *
 * A reader is a `struct rowsource_ops` for one URL scheme (sqlite:,
 * postgresql://), listed in rowsource.c's table.  Its contract:
 *   - It never blocks the loop: file and network work runs off it
 *     (uv_queue_work, a worker thread, or libpq's non-blocking calls
 *     driven by a uv_poll), and its callbacks are called on the loop.
 *   - start() copies what it needs from the config (which a reload may
 *     free) and begins a first read at once.
 *   - Every successful read delivers the WHOLE row set through on_rows,
 *     rows in the order of the name column (rowsource_select_sql's
 *     ORDER BY), action_row.row their 1-based position.  A failed read
 *     (cannot open/connect, no such table, a required column missing,
 *     more than ROWSOURCE_ROWS_MAX rows) calls on_error with a message
 *     that names the source and never holds a password; the caller keeps
 *     the last good rows.
 *   - refresh() asks for a read now (the poll timer of source.c calls it;
 *     a reader may also read on its own, e.g. on a PostgreSQL NOTIFY).  A
 *     refresh while a read runs is folded into one more read after it.
 *   - stop() ends it: no callback is called after stop() returns; the
 *     reader frees itself once work in flight has ended.
 *   - Values are bounded: a field longer than ROWSOURCE_FIELD_MAX, or of
 *     the wrong type, marks only its row (action_row.error), never the
 *     read; action_row_set does the conversions and the bounds, so every
 *     reader hands each value to it as text (or NULL for SQL NULL).
 *
 * Stable: the PostgreSQL reader (rowsource_pg.c) is written against this
 * header.  A change of it is noted here, with the commit.
 */
#ifndef ROWSOURCE_H
#define ROWSOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "config/config.h"

#define ROWSOURCE_ROWS_MAX 10000        /* rows of one read; more fails the read */
#define ROWSOURCE_FIELD_MAX (64u << 10) /* bytes of one value */
#define ROWSOURCE_ERR_MAX 512
#define ROWSOURCE_SQL_MAX 2048         /* the SELECT of rowsource_select_sql */
#define ROWSOURCE_BUSY_TIMEOUT_MS 2000 /* a reader waits this long for a lock */

/* A nullable boolean column: merge_missed, enabled. */
enum action_tristate { ACTION_NULL = -1, ACTION_FALSE = 0, ACTION_TRUE = 1 };

/* One row of the table.  Strings are malloc'd, NULL for SQL NULL (and for
 * an optional column the table does not have). */
struct action_row {
    char *name;
    char *command;
    char *cron; /* crontab line (5 or 6 fields) or the APScheduler JSON */
    enum action_tristate merge_missed; /* NULL: the source's default */
    bool has_actuality_time;           /* false: NULL, the source's default */
    long long actuality_time;          /* seconds; negative = unlimited */
    enum action_tristate enabled;      /* NULL: enabled */
    char *timezone;
    bool has_timeout; /* false: the config's default timeout */
    long long timeout;
    long row;    /* 1-based position in the read */
    char *error; /* what is wrong with a value ("column 'timeout': …"), or NULL */
};

/* The callbacks, on the loop.  on_rows takes ownership of `rows` (free it
 * with action_rows_free); `count` may be 0 (an empty table). */
typedef void rowsource_rows_fn(void *data, struct action_row *rows, size_t count);
typedef void rowsource_error_fn(void *data, const char *message);

struct rowsource_start {
    uv_loop_t *loop;
    const struct config_source *config; /* valid only during start() */
    const char *root;                   /* the project root: sqlite:PATH is relative to it */
    rowsource_rows_fn *on_rows;
    rowsource_error_fn *on_error;
    void *data;
};

struct rowsource; /* a reader's own state */

struct rowsource_ops {
    const char *scheme; /* "sqlite:" or "postgresql://": the URL's start it takes */
    /* Begin reading.  0 with *out set, or -1 with a message (a URL it
     * cannot take); the callbacks are never called from inside start(). */
    int (*start)(const struct rowsource_start *how, struct rowsource **out, char *err,
                 size_t errlen);
    void (*refresh)(struct rowsource *src);
    void (*stop)(struct rowsource *src);
};

/* The reader whose scheme starts `url`, or NULL. */
const struct rowsource_ops *rowsource_find(const char *url);

/* The one query of a read: SELECT the configured columns (those of
 * `present` only; an absent optional column reads as NULL) FROM the
 * table ORDER BY the name column, identifiers double-quoted (valid in
 * SQLite and PostgreSQL), LIMIT ROWSOURCE_ROWS_MAX + 1.  The values come
 * back in enum config_source_column order, absent ones skipped.  0, or -1
 * when it does not fit. */
int rowsource_select_sql(const struct config_source *cfg, const bool present[SOURCE_COL_COUNT],
                         char *buf, size_t len);

/* Append `text` at buf + *used between two `quote`s, each `quote` in it
 * doubled: '"' makes an SQL identifier, '\'' a string literal (valid in
 * SQLite and PostgreSQL) / append `text` as it is.  0, or -1 when it does
 * not fit in `len` (NUL included). */
int rowsource_put_quoted(char *buf, size_t len, size_t *used, const char *text, char quote);
int rowsource_put_text(char *buf, size_t len, size_t *used, const char *text);

/* Set column `col` of `row` from its text (NULL: SQL NULL), `len` bytes.
 * Booleans take 1/0, t/f, true/false, yes/no (any case); integers
 * decimal.  A value too long or of the wrong type sets row->error (the
 * first one only).  -1 only when out of memory. */
int action_row_set(struct action_row *row, enum config_source_column col, const char *text,
                   size_t len);

/* A fresh row number `number`: every field NULL. */
void action_row_init(struct action_row *row, long number);

/* Free the strings of one row (leaving it fresh) / of an array of rows and
 * the array. */
void action_row_clear(struct action_row *row);
void action_rows_free(struct action_row *rows, size_t count);

/* A reader's own copy of the config (start() must not keep the caller's):
 * name, url, table and columns duplicated, handler left out.  0, or -1
 * when out of memory (dst then holds nothing).  Free with
 * rowsource_config_free. */
int rowsource_config_copy(struct config_source *dst, const struct config_source *src);
void rowsource_config_free(struct config_source *cfg);

extern const struct rowsource_ops rowsource_sqlite; /* rowsource_sqlite.c */

#endif
