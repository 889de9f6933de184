/* store.c — opening data/scheduler.db: pragmas, schema migrations, the
 * statement cache, and the small shared helpers of the store_*.c files.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/filemode.h"
#include "lib/fs.h"

#define STORE_JOURNAL_RETRY_MS 10 /* between tries of the WAL switch */

#define PATH_MAX_LEN 4096
/* sqlite3_errcode() may return an extended code; its low byte is the
 * primary one (SQLITE_IOERR_WRITE → SQLITE_IOERR). */
#define STORE_PRIMARY_CODE_MASK 0xff

/* Schema migrations: migrations[v] takes user_version v to v + 1.  Never
 * edit a shipped step; append a new one.  Times: see store.h. */
static const char *const migrations[] = {
    "CREATE TABLE tasks ("
    "  name TEXT PRIMARY KEY,"
    "  path TEXT NOT NULL,"
    "  file_hash TEXT,"
    "  frontmatter TEXT,"
    "  enabled INTEGER NOT NULL DEFAULT 1,"
    "  paused INTEGER NOT NULL DEFAULT 0,"
    "  next_fire INTEGER NOT NULL DEFAULT 0,"
    "  last_scheduled INTEGER NOT NULL DEFAULT 0,"
    "  last_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,"
    "  load_error TEXT,"
    "  updated_at REAL NOT NULL);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  task TEXT NOT NULL,"
    "  \"trigger\" TEXT NOT NULL CHECK (\"trigger\" IN"
    "    ('schedule','catchup','retry','manual','api')),"
    "  scheduled_for INTEGER,"
    "  queued_at REAL NOT NULL,"
    "  started_at REAL,"
    "  finished_at REAL,"
    "  duration REAL,"
    "  status TEXT NOT NULL CHECK (status IN ('queued','running','success',"
    "    'failed','timeout','killed','skipped','missed','interrupted')),"
    "  exit_code INTEGER,"
    "  signal INTEGER,"
    "  attempt INTEGER NOT NULL DEFAULT 1,"
    "  error TEXT,"
    "  result_json TEXT,"
    "  peak_rss_kb INTEGER,"
    "  cpu_ms INTEGER,"
    "  output_tail TEXT,"
    "  file_hash TEXT,"
    "  pid INTEGER);"
    "CREATE INDEX runs_task_scheduled ON runs(task, scheduled_for);"
    "CREATE INDEX runs_started ON runs(started_at);"
    "CREATE INDEX runs_queued ON runs(queued_at);"
    "CREATE INDEX runs_active ON runs(status)"
    "  WHERE status IN ('queued','running');"
    "CREATE TABLE state ("
    "  task TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value_json TEXT NOT NULL,"
    "  updated_at REAL NOT NULL,"
    "  PRIMARY KEY (task, key)) WITHOUT ROWID;"
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL) WITHOUT ROWID;",
    /* 1 → 2: history's filters (store_history).  A secondary index ends
     * in the rowid, so each serves "WHERE x = ? ORDER BY id DESC"; runs_at
     * indexes the expression the --since/--until range compares. */
    "CREATE INDEX runs_task ON runs(task);"
    "CREATE INDEX runs_status ON runs(status);"
    "CREATE INDEX runs_trigger ON runs(\"trigger\");"
    "CREATE INDEX runs_at ON runs(COALESCE(scheduled_for, queued_at));",
    /* 2 → 3: each run's whole output (bounded by logging.run_output_max),
     * in the row so that retention deletes it with the run.  Last of the
     * columns and read only by store_run_output: history never loads it. */
    "ALTER TABLE runs ADD COLUMN output TEXT;",
    /* 3 → 4: the statistics (store_stats.c).  They read only indexes:
     * runs_task_at holds one task's runs of a window by the run's time with
     * every column its figures take, runs_at_values the window's values of
     * all tasks, runs_task_success a task's last success in one seek. */
    "CREATE INDEX runs_task_at ON runs(task, COALESCE(scheduled_for, queued_at), status,"
    "  duration, started_at, scheduled_for, queued_at, finished_at, cpu_ms, peak_rss_kb);"
    "CREATE INDEX runs_at_values ON runs(COALESCE(scheduled_for, queued_at), duration,"
    "  started_at, scheduled_for, queued_at);"
    "CREATE INDEX runs_task_success ON runs(task, finished_at) WHERE status = 'success';",
    /* 4 → 5: the daemon's alerts (store_alerts.c).  task is '' for an
     * alert about the daemon itself (the store); the partial index keeps
     * one open alert per (kind, task) and serves the open-or-bump. */
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  task TEXT NOT NULL DEFAULT '',"
    "  opened_at REAL NOT NULL,"
    "  last_seen_at REAL NOT NULL,"
    "  count INTEGER NOT NULL DEFAULT 1,"
    "  message TEXT,"
    "  resolved_at REAL,"
    "  resolved_by TEXT,"
    "  note TEXT);"
    "CREATE UNIQUE INDEX alerts_open ON alerts(kind, task) WHERE resolved_at IS NULL;"
    "CREATE INDEX alerts_resolved ON alerts(resolved_at) WHERE resolved_at IS NOT NULL;",
};

#define MIGRATION_COUNT ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(MIGRATION_COUNT == STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION must count the migrations");

int store_fail(struct store *st, const char *what)
{
    snprintf(st->err, sizeof st->err, "%s: %s", what, sqlite3_errmsg(st->db));
    st->errcode = sqlite3_errcode(st->db) & STORE_PRIMARY_CODE_MASK;
    return -1;
}

const char *store_error(const struct store *st)
{
    return st->err;
}

/* Another process's lock, a full disk, a failing or vanished file: the
 * same write may succeed later.  Anything else (a constraint, a missing
 * row) would fail the same way every time. */
bool store_error_transient(const struct store *st)
{
    switch (st->errcode) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
        return true;
    default:
        return false;
    }
}

int store_set_busy_timeout(struct store *st, int ms)
{
    if (sqlite3_busy_timeout(st->db, ms) != SQLITE_OK)
        return store_fail(st, "set busy timeout");
    st->busy_ms = ms;
    return 0;
}

sqlite3_stmt *store_stmt(struct store *st, const char *sql)
{
    st->errcode = 0;
    for (size_t i = 0; i < st->cached; i++)
        if (st->cache[i].sql == sql)
            return st->cache[i].stmt;
    if (st->cached == STORE_STMT_CACHE) {
        snprintf(st->err, sizeof st->err, "statement cache full (%d)", STORE_STMT_CACHE);
        return NULL;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
        SQLITE_OK) {
        store_fail(st, "prepare");
        return NULL;
    }
    st->cache[st->cached++] = (struct store_cached_stmt){sql, stmt};
    return stmt;
}

void store_done(sqlite3_stmt *stmt)
{
    /* reset repeats the last step's error, already reported by the caller */
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : store_fail(st, what);
    store_done(stmt);
    return rc;
}

int store_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    return text ? sqlite3_bind_text(stmt, index, text, -1, SQLITE_STATIC)
                : sqlite3_bind_null(stmt, index);
}

int store_bind_int64_or_null(sqlite3_stmt *stmt, int index, int64_t value)
{
    return value ? sqlite3_bind_int64(stmt, index, value) : sqlite3_bind_null(stmt, index);
}

int store_bind_double_or_null(sqlite3_stmt *stmt, int index, double value)
{
    return value != 0 ? sqlite3_bind_double(stmt, index, value)
                      : sqlite3_bind_null(stmt, index);
}

const char *store_column_text(sqlite3_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

int store_query_text(struct store *st, const char *sql, const char *a, const char *b,
                     char **out)
{
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (!stmt)
        return -1;
    int rc = store_bind_text(stmt, 1, a) | (b ? store_bind_text(stmt, 2, b) : SQLITE_OK);
    if (rc != SQLITE_OK) {
        rc = store_fail(st, "bind");
        goto done;
    }
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW: {
        const char *text = store_column_text(stmt, 0);
        *out = strdup(text ? text : "");
        rc = *out ? 1 : -1;
        if (!*out)
            snprintf(st->err, sizeof st->err, "out of memory");
        break;
    }
    case SQLITE_DONE:
        rc = 0;
        break;
    default:
        rc = store_fail(st, "query");
    }
done:
    store_done(stmt);
    return rc;
}

int store_exec_texts(struct store *st, const char *sql, const char *what, int count, ...)
{
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (!stmt)
        return -1;
    int rc = SQLITE_OK;
    va_list ap;
    va_start(ap, count);
    for (int i = 1; i <= count; i++)
        rc |= store_bind_text(stmt, i, va_arg(ap, const char *));
    va_end(ap);
    if (rc != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, what);
    }
    return store_step_done(st, stmt, what) == 0 ? sqlite3_changes(st->db) : -1;
}

int store_each_row(struct store *st, sqlite3_stmt *stmt, const char *what,
                   int (*row)(sqlite3_stmt *stmt, void *ud), void *ud)
{
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        stop = row(stmt, ud);
    if (!stop && rc != SQLITE_DONE)
        stop = store_fail(st, what);
    store_done(stmt);
    return stop;
}

/* mkdir -p for the directory part of `path`. */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
    char failed[PATH_MAX_LEN];
    if (strlen(path) >= PATH_MAX_LEN) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    if (fs_mkdirs_parent(path, FILEMODE_DIR, failed, sizeof failed) != 0) {
        snprintf(err, errlen, "%s: %s", failed, strerror(errno));
        return -1;
    }
    return 0;
}

/* SQLite makes a new database 0644 less the umask, and its -wal and -shm
 * with the database's own mode.  The state helper opens the store in a run
 * process, whose umask is its task's (lib/filemode.h), so a missing file
 * is made here first, private.  An existing one is not opened: closing a
 * descriptor of it would drop the locks SQLite holds in this process. */
static int create_private(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, FILEMODE_FILE);

    if ((fd < 0 && errno != EEXIST) || (fd >= 0 && close(fd) != 0)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int exec(struct store *st, const char *sql, const char *what)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : store_fail(st, what);
}

int store_batch_begin(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        return 0;
    return exec(st, "BEGIN IMMEDIATE", "begin a batch of writes") == 0 ? 1 : -1;
}

int store_batch_end(struct store *st, int began)
{
    if (began != 1)
        return 0;
    if (sqlite3_get_autocommit(st->db)) {
        snprintf(st->err, sizeof st->err,
                 "a batch of writes was rolled back by a failed write inside it");
        return -1;
    }
    if (exec(st, "COMMIT", "commit a batch of writes") == 0)
        return 0;
    /* Never left open: every later write would join it, uncommitted. */
    if (!sqlite3_get_autocommit(st->db))
        (void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL,
                           NULL); /* the COMMIT's error is kept */
    return -1;
}

static int user_version(struct store *st, int *version)
{
    sqlite3_stmt *stmt = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW) {
        store_fail(st, "read schema version");
    } else {
        *version = sqlite3_column_int(stmt, 0);
        rc = 0;
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* One step per transaction.  The version is read inside the write
 * transaction, so two processes opening a new file at once do not both
 * apply the same step. */
static int migrate(struct store *st)
{
    for (;;) {
        int version;
        char set_version[64];
        if (exec(st, "BEGIN IMMEDIATE", "begin migration") != 0)
            return -1;
        if (user_version(st, &version) != 0)
            goto fail;
        if (version > MIGRATION_COUNT) {
            snprintf(st->err, sizeof st->err,
                     "database schema version %d is "
                     "newer than this program's (%d)",
                     version, MIGRATION_COUNT);
            goto fail;
        }
        if (version == MIGRATION_COUNT)
            return exec(st, "COMMIT", "commit");
        /* PRAGMA takes no parameters; the number is our own. */
        snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d", version + 1);
        if (exec(st, migrations[version], "migrate schema") != 0 ||
            exec(st, set_version, "set schema version") != 0 ||
            exec(st, "COMMIT", "commit migration") != 0)
            goto fail;
    }
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL); /* error already set */
    return -1;
}

/* Switching to WAL (or finding it on) may meet another process recovering
 * the WAL of a crashed writer; SQLite then answers SQLITE_BUSY without
 * calling the busy handler, so the step is retried here, within the same
 * budget as the busy timeout. */
static int step_journal_mode(sqlite3_stmt *stmt)
{
    int rc;

    for (int waited_ms = 0;; waited_ms += STORE_JOURNAL_RETRY_MS) {
        rc = sqlite3_step(stmt) & STORE_PRIMARY_CODE_MASK; /* SQLITE_BUSY_RECOVERY too */
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= STORE_BUSY_TIMEOUT_MS)
            return rc;
        sqlite3_reset(stmt);
        sqlite3_sleep(STORE_JOURNAL_RETRY_MS);
    }
}

/* WAL lets the CLI read while the daemon writes;
 * synchronous=NORMAL is durable against process crashes in WAL mode and
 * only risks the last commits on power loss.  store_wal.c keeps the WAL
 * small. */
static int configure(struct store *st)
{
    sqlite3_stmt *stmt = NULL;
    int rc = -1;
    if (sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL) != SQLITE_OK ||
        step_journal_mode(stmt) != SQLITE_ROW) {
        store_fail(st, "set WAL mode");
        goto done;
    }
    if (strcmp(store_column_text(stmt, 0), "wal") != 0) {
        snprintf(st->err, sizeof st->err, "cannot use WAL mode (got %s)",
                 store_column_text(stmt, 0));
        goto done;
    }
    st->busy_ms = STORE_BUSY_TIMEOUT_MS;
    /* A page cache of 512 KiB, not SQLite's 2 MiB: the pages are in the
     * kernel's cache anyway (one pread away), and with 10,000 tasks the
     * default filled up to be the daemon's largest single cost in RSS. */
    rc = exec(st,
              "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
              " PRAGMA cache_size = -512",
              "set pragmas");
    if (rc == 0)
        rc = store_wal_setup(st);
done:
    sqlite3_finalize(stmt);
    return rc;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
    struct store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (make_parent_dirs(path, err, errlen) != 0 || create_private(path, err, errlen) != 0)
        goto fail;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    if (configure(st) != 0 || migrate(st) != 0) {
        snprintf(err, errlen, "%s: %s", path, st->err);
        goto fail;
    }
    return st;
fail:
    store_close(st);
    return NULL;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->cached; i++)
        sqlite3_finalize(st->cache[i].stmt);
    /* with every statement finalized, close cannot be busy */
    sqlite3_close(st->db);
    free(st);
}

#define STORE_IDENTITY_KEY "store_id"

static const char SQL_META_GET[] = "SELECT value FROM meta WHERE key = ?";
static const char SQL_IDENTITY_CREATE[] =
    "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, lower(hex(randomblob(16))))";
static const char SQL_META_SET[] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                                   " ON CONFLICT(key) DO UPDATE SET value = excluded.value";

int store_meta_get(struct store *st, const char *key, char **value)
{
    return store_query_text(st, SQL_META_GET, key, NULL, value);
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
    return store_exec_texts(st, SQL_META_SET, "set meta", 2, key, value) < 0 ? -1 : 0;
}

int store_identity(struct store *st, char **id)
{
    int rc = store_meta_get(st, STORE_IDENTITY_KEY, id);

    if (rc != 0)
        return rc < 0 ? -1 : 0;
    /* Read first: an existing id costs no write (the disk may be full). */
    if (store_exec_texts(st, SQL_IDENTITY_CREATE, "create the store's identity", 1,
                         STORE_IDENTITY_KEY) < 0 ||
        store_meta_get(st, STORE_IDENTITY_KEY, id) != 1)
        return -1;
    return 0;
}
