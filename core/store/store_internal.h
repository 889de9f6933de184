/* store_internal.h — what the store_*.c files share; not for the rest of
 * the program.
 *
 * Prepared statements are cached on the handle, keyed by the address of
 * their SQL text (each is a static const string in the file that uses it),
 * so every file keeps its SQL next to its code and none is prepared twice.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

#define STORE_STMT_CACHE 64

/* Unix seconds with a fraction, computed by SQLite for bookkeeping
 * columns (updated_at); schedule decisions never read them. */
#define STORE_NOW_SQL "((julianday('now') - 2440587.5) * 86400.0)"

struct store_cached_stmt {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    struct store_cached_stmt cache[STORE_STMT_CACHE];
    size_t cached;
    char err[STORE_ERR_MAX];
    int errcode; /* SQLite's primary code of err, 0 = not SQLite's */
    int busy_ms; /* the busy timeout in force */
    /* store_wal.c: the WAL's pages after the last commit, the size at
     * which the next checkpoint is tried, the reader found in the way of
     * the last one, and the blocker reported. */
    int wal_frames, wal_next_try, wal_suspect;
    struct store_wal wal;
};

/* The cached statement for `sql`, prepared on first use; NULL with the
 * error recorded.  Give it back with store_done.  Every operation begins
 * here, so this is also where the previous failure's code is forgotten. */
sqlite3_stmt *store_stmt(struct store *st, const char *sql);

/* Reset a cached statement and drop its bindings (so borrowed strings
 * bound with SQLITE_STATIC are no longer referenced). */
void store_done(sqlite3_stmt *stmt);

/* Record "what: sqlite's message" as the handle's error; returns -1. */
int store_fail(struct store *st, const char *what);

/* Step a statement that returns no rows, then store_done it.  0 or -1. */
int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what);

/* Bind helpers: NULL text and zero "none" values become SQL NULL.  They
 * return SQLite result codes; callers OR them together (SQLITE_OK is 0)
 * and check once. */
int store_bind_text(sqlite3_stmt *stmt, int index, const char *text);
int store_bind_int64_or_null(sqlite3_stmt *stmt, int index, int64_t value);
int store_bind_double_or_null(sqlite3_stmt *stmt, int index, double value);

/* Run a statement that returns no rows with `count` text parameters
 * (const char *, NULL → SQL NULL).  Returns the number of rows changed, or
 * -1 with "what: message" recorded. */
int store_exec_texts(struct store *st, const char *sql, const char *what, int count, ...);

/* Run a one-row, one-column text query with one or two text parameters
 * (b may be NULL when the SQL has one): 1 and a malloc'd copy in *out, 0
 * when no row, -1 on error. */
int store_query_text(struct store *st, const char *sql, const char *a, const char *b,
                     char **out);

/* Step through a bound statement calling row() for each row until it
 * returns non-zero; then store_done it.  Returns 0, row()'s non-zero
 * value, or -1 with "what: message" recorded. */
int store_each_row(struct store *st, sqlite3_stmt *stmt, const char *what,
                   int (*row)(sqlite3_stmt *stmt, void *ud), void *ud);

/* A column as text, NULL when SQL NULL. */
const char *store_column_text(sqlite3_stmt *stmt, int col);

/* store_wal.c: the journal size limit and the checkpointing WAL hook on a
 * new connection.  0, or -1 with the error recorded. */
int store_wal_setup(struct store *st);

#endif
