/* rowsource_sqlite.c — the reader of `sqlite:PATH` sources (rowsource.h).
 *
 * Each read runs on libuv's thread pool (uv_queue_work): the file is
 * opened read-only (never created), with a busy timeout, so a writer
 * holding its lock delays the read, never the loop; the connection is
 * closed after each read, so a file replaced or made unreadable is seen
 * at the next one.  The optional columns are found with PRAGMA
 * table_info.
 */
#include "rowsource.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#define SQLITE_SCHEME "sqlite:"

struct rowsource {
    uv_loop_t *loop;
    uv_work_t work;
    struct config_source cfg; /* own copy */
    char path[PATH_MAX];
    rowsource_rows_fn *on_rows;
    rowsource_error_fn *on_error;
    void *data;
    bool busy, again, stopped;
    /* what the read in flight found, for after_read */
    struct action_row *rows;
    size_t count;
    char err[ROWSOURCE_ERR_MAX];
};

static void fail(struct rowsource *src, sqlite3 *db, const char *what)
{
    snprintf(src->err, sizeof src->err, "source %s: %.200s: %s: %s", src->cfg.name, src->path,
             what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* Which configured columns the table has; -1 (with src->err) when the
 * table or a required column is missing. */
static int find_columns(struct rowsource *src, sqlite3 *db, bool present[SOURCE_COL_COUNT])
{
    sqlite3_stmt *st = NULL;
    bool any = false;
    int rc;

    memset(present, 0, SOURCE_COL_COUNT * sizeof *present);
    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_bind_text(st, 1, src->cfg.table, -1, SQLITE_STATIC) != SQLITE_OK) {
        fail(src, db, "cannot read the table's columns");
        sqlite3_finalize(st);
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        any = true;
        for (int col = 0; name && col < SOURCE_COL_COUNT; col++)
            present[col] = present[col] || strcasecmp(name, src->cfg.columns[col]) == 0;
    }
    if (rc != SQLITE_DONE) {
        fail(src, db, "cannot read the table's columns");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    if (!any) {
        snprintf(src->err, sizeof src->err, "source %s: %.200s: no table '%s'", src->cfg.name,
                 src->path, src->cfg.table);
        return -1;
    }
    for (int col = 0; col < SOURCE_COL_REQUIRED; col++)
        if (!present[col]) {
            snprintf(src->err, sizeof src->err,
                     "source %s: %.200s: table '%s' has no column '%s'", src->cfg.name,
                     src->path, src->cfg.table, src->cfg.columns[col]);
            return -1;
        }
    return 0;
}

/* The rows of one step of `st` into the next row of src->rows. */
static int take_row(struct rowsource *src, sqlite3_stmt *st, const bool present[])
{
    struct action_row *grown, *row;
    int at = 0;

    if (!(grown = realloc(src->rows, (src->count + 1) * sizeof *grown)))
        return -1;
    src->rows = grown;
    row = &grown[src->count];
    action_row_init(row, (long)src->count + 1);
    src->count++;
    for (int col = 0; col < SOURCE_COL_COUNT; col++) {
        const char *text;
        if (!present[col])
            continue;
        text = sqlite3_column_type(st, at) == SQLITE_NULL
                   ? NULL
                   : (const char *)sqlite3_column_text(st, at);
        if (action_row_set(row, (enum config_source_column)col, text,
                           text ? (size_t)sqlite3_column_bytes(st, at) : 0) < 0)
            return -1;
        at++;
    }
    return 0;
}

/* On the thread pool: one read into src->rows, or src->err. */
static void read_rows(uv_work_t *work)
{
    struct rowsource *src = work->data;
    bool present[SOURCE_COL_COUNT];
    char sql[ROWSOURCE_SQL_MAX];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    src->err[0] = '\0';
    if (sqlite3_open_v2(src->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fail(src, db, "cannot open");
        goto done;
    }
    if (sqlite3_busy_timeout(db, ROWSOURCE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
        find_columns(src, db, present) < 0)
        goto done;
    if (rowsource_select_sql(&src->cfg, present, sql, sizeof sql) < 0) {
        snprintf(src->err, sizeof src->err, "source %s: table and column names too long",
                 src->cfg.name);
        goto done;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(src, db, "cannot read the table");
        goto done;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (src->count >= ROWSOURCE_ROWS_MAX) {
            snprintf(src->err, sizeof src->err, "source %s: table '%s' has more than %d rows",
                     src->cfg.name, src->cfg.table, ROWSOURCE_ROWS_MAX);
            goto done;
        }
        if (take_row(src, st, present) < 0) {
            fail(src, NULL, "cannot read the rows");
            goto done;
        }
    }
    if (rc != SQLITE_DONE)
        fail(src, db, "cannot read the table");
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (src->err[0]) {
        action_rows_free(src->rows, src->count);
        src->rows = NULL;
        src->count = 0;
    }
}

static int queue_read(struct rowsource *src);

/* On the loop: hand over what the read found, then read again if asked. */
static void after_read(uv_work_t *work, int status)
{
    struct rowsource *src = work->data;
    struct action_row *rows = src->rows;
    size_t count = src->count;

    src->busy = false;
    src->rows = NULL;
    src->count = 0;
    if (src->stopped) {
        action_rows_free(rows, count);
        rowsource_config_free(&src->cfg);
        free(src);
        return;
    }
    if (status != 0)
        snprintf(src->err, sizeof src->err, "source %s: the read was cancelled", src->cfg.name);
    if (src->err[0] || status != 0) {
        action_rows_free(rows, count);
        src->on_error(src->data, src->err);
    } else {
        src->on_rows(src->data, rows, count);
    }
    if (src->again && !src->stopped) {
        src->again = false;
        if (queue_read(src) != 0)
            src->on_error(src->data, src->err);
    }
}

/* Start a read, or note one more after the read in flight.  0, or -1
 * with src->err. */
static int queue_read(struct rowsource *src)
{
    int rc;

    if (src->busy) {
        src->again = true;
        return 0;
    }
    src->work.data = src;
    if ((rc = uv_queue_work(src->loop, &src->work, read_rows, after_read)) != 0) {
        snprintf(src->err, sizeof src->err, "source %s: cannot start a read: %s", src->cfg.name,
                 uv_strerror(rc));
        return -1;
    }
    src->busy = true;
    return 0;
}

static int sqlite_start(const struct rowsource_start *how, struct rowsource **out, char *err,
                        size_t errlen)
{
    struct rowsource *src = calloc(1, sizeof *src);
    const char *file = how->config->url + strlen(SQLITE_SCHEME);
    int n;

    if (!src || rowsource_config_copy(&src->cfg, how->config) < 0) {
        free(src);
        snprintf(err, errlen, "source %s: out of memory", how->config->name);
        return -1;
    }
    n = file[0] == '/' ? snprintf(src->path, sizeof src->path, "%s", file)
                       : snprintf(src->path, sizeof src->path, "%s/%s", how->root, file);
    if (file[0] == '\0' || n < 0 || (size_t)n >= sizeof src->path) {
        snprintf(err, errlen, "source %s: url: expected sqlite:PATH (a file), got '%s'",
                 how->config->name, how->config->url);
        rowsource_config_free(&src->cfg);
        free(src);
        return -1;
    }
    src->loop = how->loop;
    src->on_rows = how->on_rows;
    src->on_error = how->on_error;
    src->data = how->data;
    if (queue_read(src) != 0) {
        snprintf(err, errlen, "%s", src->err);
        rowsource_config_free(&src->cfg);
        free(src);
        return -1;
    }
    *out = src;
    return 0;
}

static void sqlite_refresh(struct rowsource *src)
{
    if (queue_read(src) != 0)
        src->on_error(src->data, src->err);
}

static void sqlite_stop(struct rowsource *src)
{
    src->stopped = true;
    if (src->busy)
        return; /* after_read frees it */
    rowsource_config_free(&src->cfg);
    free(src);
}

const struct rowsource_ops rowsource_sqlite = {
    .scheme = SQLITE_SCHEME,
    .start = sqlite_start,
    .refresh = sqlite_refresh,
    .stop = sqlite_stop,
};
