/* store_runs.c — the `runs` table: one row per fire, from queued (or
 * skipped / missed) to its end, and the history queries over it.
 *
 * The daemon is the only writer of runs (DESIGN.md); rows a dead daemon
 * left open are closed as 'interrupted' at the next start.
 */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const trigger_names[] = {
    [STORE_TRIGGER_SCHEDULE] = "schedule", [STORE_TRIGGER_CATCHUP] = "catchup",
    [STORE_TRIGGER_RETRY] = "retry",       [STORE_TRIGGER_MANUAL] = "manual",
    [STORE_TRIGGER_API] = "api",           NULL,
};

static const char *const status_names[] = {
    [STORE_RUN_QUEUED] = "queued",           [STORE_RUN_RUNNING] = "running",
    [STORE_RUN_SUCCESS] = "success",         [STORE_RUN_FAILED] = "failed",
    [STORE_RUN_TIMEOUT] = "timeout",         [STORE_RUN_KILLED] = "killed",
    [STORE_RUN_SKIPPED] = "skipped",         [STORE_RUN_MISSED] = "missed",
    [STORE_RUN_INTERRUPTED] = "interrupted", NULL,
};

#define INTERRUPTED_ERROR "the daemon stopped before the run finished"

/* Every SELECT of runs lists these columns in this order (read_run). */
#define RUN_COLUMNS                                                      \
    "id, task, \"trigger\", scheduled_for, queued_at, started_at,"       \
    " finished_at, duration, status, exit_code, signal, attempt, error," \
    " result_json, peak_rss_kb, cpu_ms, output_tail, file_hash, pid"

static const char SQL_INSERT[] =
    "INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at,"
    "                  started_at, status, attempt, file_hash, error, pid)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_START[] = "UPDATE runs SET status = 'running', pid = ?1, started_at = ?2"
                                " WHERE id = ?3";
static const char SQL_SET_LAST_RUN[] = "UPDATE tasks SET last_run_id = ?1"
                                       " WHERE name = (SELECT task FROM runs WHERE id = ?1)";
static const char SQL_FINISH[] =
    "UPDATE runs SET status = ?1, finished_at = ?2,"
    "   duration = ?2 - COALESCE(started_at, queued_at), exit_code = ?3,"
    "   signal = ?4, error = ?5, result_json = ?6, output_tail = ?7,"
    "   peak_rss_kb = ?8, cpu_ms = ?9, output = ?11"
    " WHERE id = ?10";
static const char SQL_MARK_INTERRUPTED[] =
    "UPDATE runs SET status = 'interrupted', finished_at = ?1,"
    "   duration = ?1 - started_at,"
    "   error = COALESCE(error, '" INTERRUPTED_ERROR "')"
    " WHERE status IN ('queued', 'running')";
/* store_history's query is made of these fixed pieces, one per filter in
 * use (values are bound, never written into the SQL).  Six optional
 * filters make 64 forms, so it is prepared per call, not cached.  The time
 * expression is the one the runs_at index is built on. */
#define HISTORY_TIME "COALESCE(scheduled_for, queued_at)"
#define HISTORY_FILTERS 6
static const char HISTORY_SELECT[] = "SELECT " RUN_COLUMNS " FROM runs";
static const char HISTORY_ORDER[] = " ORDER BY id DESC LIMIT ?1";
static const char *const history_clauses[HISTORY_FILTERS] = {
    "task = ?2",           "status = ?3",        "\"trigger\" = ?4",
    HISTORY_TIME " >= ?5", HISTORY_TIME " < ?6", "id < ?7"};
#define HISTORY_SQL_MAX 1024 /* room for HISTORY_SELECT, every clause and the order */
static const char SQL_LAST_RUN[] =
    "SELECT " RUN_COLUMNS " FROM runs"
    " WHERE task = ?1 AND started_at IS NOT NULL ORDER BY id DESC LIMIT 1";
/* One statement on runs_task_scheduled (task, scheduled_for): the last
 * success by the task's rows, each failure's retry by its fire. */
static const char SQL_FAILING_STREAK[] =
    "SELECT COUNT(*) FROM runs AS r"
    " WHERE r.task = ?1 AND r.started_at IS NOT NULL"
    "   AND r.status IN ('failed', 'timeout', 'killed')"
    "   AND r.id > COALESCE((SELECT MAX(id) FROM runs"
    "                        WHERE task = ?1 AND status = 'success'), 0)"
    "   AND NOT EXISTS (SELECT 1 FROM runs AS n"
    "       WHERE n.task = r.task AND n.scheduled_for IS r.scheduled_for"
    "         AND n.\"trigger\" = 'retry' AND n.attempt = r.attempt + 1"
    "         AND n.id > r.id AND n.status NOT IN ('skipped', 'missed'))";
/* Only a fire's rows (schedule, catchup, retry) have a scheduled_for, so
 * this is the last instant handled, by runs_task_scheduled. */
static const char SQL_LAST_FIRE[] =
    "SELECT COALESCE(MAX(scheduled_for), 0) FROM runs WHERE task = ?1";
static const char SQL_OUTPUT[] = "SELECT output FROM runs WHERE id = ?1 AND output IS NOT NULL";
static const char SQL_GET[] = "SELECT " RUN_COLUMNS " FROM runs WHERE id = ?1";
static const char SQL_RUNNING[] = "SELECT " RUN_COLUMNS " FROM runs"
                                  " WHERE status IN ('queued', 'running') ORDER BY id";
static const char SQL_FIND_SAME[] =
    "SELECT id FROM runs WHERE task = ?1 AND \"trigger\" = ?2"
    " AND scheduled_for IS ?3 AND queued_at = ?4 AND attempt = ?5"
    " ORDER BY id LIMIT 1";
static const char SQL_RETENTION[] =
    "DELETE FROM runs WHERE id IN (SELECT id FROM runs"
    "   WHERE queued_at < ?1 AND status NOT IN ('queued', 'running')"
    "   ORDER BY queued_at LIMIT ?2)";
/* Alerts resolved before the cut go with the runs of their time. */
static const char SQL_RETENTION_ALERTS[] =
    "DELETE FROM alerts WHERE id IN (SELECT id FROM alerts"
    "   WHERE resolved_at < ?1 ORDER BY resolved_at LIMIT ?2)";

static int parse_name(const char *const *names, const char *name)
{
    for (int i = 0; name && names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *store_trigger_name(enum store_trigger trigger)
{
    return trigger <= STORE_TRIGGER_API ? trigger_names[trigger] : "?";
}

const char *store_status_name(enum store_status status)
{
    return status <= STORE_RUN_INTERRUPTED ? status_names[status] : "?";
}

int store_trigger_parse(const char *name, enum store_trigger *out)
{
    int i = parse_name(trigger_names, name);
    if (i >= 0)
        *out = (enum store_trigger)i;
    return i < 0 ? -1 : 0;
}

int store_status_parse(const char *name, enum store_status *out)
{
    int i = parse_name(status_names, name);
    if (i >= 0)
        *out = (enum store_status)i;
    return i < 0 ? -1 : 0;
}

bool store_status_failed(enum store_status status)
{
    return status == STORE_RUN_FAILED || status == STORE_RUN_TIMEOUT ||
           status == STORE_RUN_KILLED;
}

static int bind_exit(sqlite3_stmt *stmt, int index, bool has, int code)
{
    return has ? sqlite3_bind_int(stmt, index, code) : sqlite3_bind_null(stmt, index);
}

static int set_last_run(struct store *st, int64_t id)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_SET_LAST_RUN);
    if (!stmt)
        return -1;
    if (sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind run id");
    }
    return store_step_done(st, stmt, "set last run");
}

int store_run_insert(struct store *st, const struct store_run *run, int64_t *id)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_INSERT);
    if (!stmt)
        return -1;
    int rc = store_bind_text(stmt, 1, run->task) |
             store_bind_text(stmt, 2, store_trigger_name(run->trigger)) |
             store_bind_int64_or_null(stmt, 3, run->scheduled_for) |
             sqlite3_bind_double(stmt, 4, run->queued_at) |
             store_bind_double_or_null(stmt, 5, run->started_at) |
             store_bind_text(stmt, 6, store_status_name(run->status)) |
             sqlite3_bind_int(stmt, 7, run->attempt > 0 ? run->attempt : 1) |
             store_bind_text(stmt, 8, run->file_hash) | store_bind_text(stmt, 9, run->error) |
             store_bind_int64_or_null(stmt, 10, run->pid);
    if (rc != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind run");
    }
    if (store_step_done(st, stmt, "insert run") != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(st->db);
    return run->status == STORE_RUN_RUNNING ? set_last_run(st, *id) : 0;
}

int store_run_find_same(struct store *st, const struct store_run *run, int64_t *id)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_FIND_SAME);
    int rc;

    if (!stmt)
        return -1;
    if ((store_bind_text(stmt, 1, run->task) |
         store_bind_text(stmt, 2, store_trigger_name(run->trigger)) |
         store_bind_int64_or_null(stmt, 3, run->scheduled_for) |
         sqlite3_bind_double(stmt, 4, run->queued_at) |
         sqlite3_bind_int(stmt, 5, run->attempt > 0 ? run->attempt : 1)) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind run");
    }
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
        *id = sqlite3_column_int64(stmt, 0);
        rc = 1;
        break;
    case SQLITE_DONE:
        rc = 0;
        break;
    default:
        rc = store_fail(st, "find run");
    }
    store_done(stmt);
    return rc;
}

/* Run a bound UPDATE of run `id`; a run that does not exist is an error. */
static int update_run(struct store *st, sqlite3_stmt *stmt, const char *what, int64_t id)
{
    if (store_step_done(st, stmt, what) != 0)
        return -1;
    if (sqlite3_changes(st->db) == 0) {
        snprintf(st->err, sizeof st->err, "%s: no run %lld", what, (long long)id);
        return -1;
    }
    return 0;
}

int store_run_start(struct store *st, int64_t id, int pid, double started_at)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_START);
    if (!stmt)
        return -1;
    if ((sqlite3_bind_int(stmt, 1, pid) | sqlite3_bind_double(stmt, 2, started_at) |
         sqlite3_bind_int64(stmt, 3, id)) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind run start");
    }
    if (update_run(st, stmt, "start run", id) != 0)
        return -1;
    return set_last_run(st, id);
}

int store_run_finish(struct store *st, int64_t id, const struct store_run_outcome *o)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_FINISH);
    if (!stmt)
        return -1;
    int rc = store_bind_text(stmt, 1, store_status_name(o->status)) |
             sqlite3_bind_double(stmt, 2, o->finished_at) |
             bind_exit(stmt, 3, o->has_exit_code, o->exit_code) |
             store_bind_int64_or_null(stmt, 4, o->signal) | store_bind_text(stmt, 5, o->error) |
             store_bind_text(stmt, 6, o->result_json) |
             store_bind_text(stmt, 7, o->output_tail) |
             store_bind_int64_or_null(stmt, 8, o->peak_rss_kb) |
             store_bind_int64_or_null(stmt, 9, o->cpu_ms) | sqlite3_bind_int64(stmt, 10, id) |
             store_bind_text(stmt, 11, o->output);
    if (rc != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind run outcome");
    }
    return update_run(st, stmt, "finish run", id);
}

int store_runs_mark_interrupted(struct store *st, double now)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_MARK_INTERRUPTED);
    if (!stmt)
        return -1;
    if (sqlite3_bind_double(stmt, 1, now) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind time");
    }
    if (store_step_done(st, stmt, "mark interrupted runs") != 0)
        return -1;
    return sqlite3_changes(st->db);
}

/* One batch of one table: how many rows went, or -1. */
static int retention_batch(struct store *st, const char *sql, const char *what,
                           double older_than, int batch_size)
{
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (!stmt)
        return -1;
    if ((sqlite3_bind_double(stmt, 1, older_than) | sqlite3_bind_int(stmt, 2, batch_size)) !=
        SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind retention");
    }
    if (store_step_done(st, stmt, what) != 0)
        return -1;
    return sqlite3_changes(st->db);
}

/* Fewer than batch_size in all means each table has nothing old left. */
int store_retention_delete(struct store *st, double older_than, int batch_size)
{
    int runs = retention_batch(st, SQL_RETENTION, "delete old runs", older_than, batch_size);
    int alerts = runs < 0 ? -1
                          : retention_batch(st, SQL_RETENTION_ALERTS, "delete old alerts",
                                            older_than, batch_size);
    return alerts < 0 ? -1 : runs + alerts;
}

/* --- reading ------------------------------------------------------------ */

struct run_reader {
    int (*fn)(const struct store_run *run, void *ud);
    void *ud;
};

static int read_run(sqlite3_stmt *s, void *ud)
{
    const struct run_reader *r = ud;
    struct store_run run = {
        .id = sqlite3_column_int64(s, 0),
        .task = store_column_text(s, 1),
        .scheduled_for = sqlite3_column_int64(s, 3),
        .queued_at = sqlite3_column_double(s, 4),
        .started_at = sqlite3_column_double(s, 5),
        .finished_at = sqlite3_column_double(s, 6),
        .duration = sqlite3_column_double(s, 7),
        .has_exit_code = sqlite3_column_type(s, 9) != SQLITE_NULL,
        .exit_code = sqlite3_column_int(s, 9),
        .signal = sqlite3_column_int(s, 10),
        .attempt = sqlite3_column_int(s, 11),
        .error = store_column_text(s, 12),
        .result_json = store_column_text(s, 13),
        .peak_rss_kb = sqlite3_column_int64(s, 14),
        .cpu_ms = sqlite3_column_int64(s, 15),
        .output_tail = store_column_text(s, 16),
        .file_hash = store_column_text(s, 17),
        .pid = sqlite3_column_int(s, 18),
    };
    /* the CHECK constraints keep both names valid */
    store_trigger_parse(store_column_text(s, 2), &run.trigger);
    store_status_parse(store_column_text(s, 8), &run.status);
    return r->fn(&run, r->ud);
}

/* Bind (int64 a, text b) — either may be absent — and read every row. */
static int select_runs(struct store *st, const char *sql, bool bind_a, int64_t a, const char *b,
                       int (*fn)(const struct store_run *, void *), void *ud)
{
    struct run_reader reader = {fn, ud};
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (!stmt)
        return -1;
    if (((bind_a ? sqlite3_bind_int64(stmt, 1, a) : SQLITE_OK) |
         (b ? sqlite3_bind_text(stmt, bind_a ? 2 : 1, b, -1, SQLITE_STATIC) : SQLITE_OK)) !=
        SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind run query");
    }
    return store_each_row(st, stmt, "read runs", read_run, &reader);
}

/* Bind the values of the filters in use (parameters ?2 … ?6, in the
 * order of history_clauses).  A SQLite result code. */
static int bind_filter(sqlite3_stmt *stmt, const struct store_run_filter *f, const bool *used)
{
    int rc = SQLITE_OK;

    if (used[0])
        rc |= store_bind_text(stmt, 2, f->task);
    if (used[1])
        rc |= store_bind_text(stmt, 3, store_status_name(f->status));
    if (used[2])
        rc |= store_bind_text(stmt, 4, store_trigger_name(f->trigger));
    if (used[3])
        rc |= sqlite3_bind_double(stmt, 5, f->since);
    if (used[4])
        rc |= sqlite3_bind_double(stmt, 6, f->until);
    if (used[5])
        rc |= sqlite3_bind_int64(stmt, 7, f->before);
    return rc;
}

int store_history(struct store *st, const struct store_run_filter *filter, int limit,
                  int (*fn)(const struct store_run *run, void *ud), void *ud)
{
    static const struct store_run_filter every_run = {0};
    const struct store_run_filter *f = filter ? filter : &every_run;
    const bool used[HISTORY_FILTERS] = {f->task != NULL, f->by_status, f->by_trigger,
                                        f->since > 0,    f->until > 0, f->before > 0};
    struct run_reader reader = {fn, ud};
    char sql[HISTORY_SQL_MAX];
    size_t n = strlen(HISTORY_SELECT);
    sqlite3_stmt *stmt = NULL;
    int rc;

    memcpy(sql, HISTORY_SELECT, n + 1);
    for (int i = 0, first = 1; i < HISTORY_FILTERS; i++)
        if (used[i]) {
            n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s", first ? " WHERE " : " AND ",
                                  history_clauses[i]);
            first = 0;
        }
    snprintf(sql + n, sizeof sql - n, "%s", HISTORY_ORDER);
    st->errcode = 0;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return store_fail(st, "prepare history");
    /* LIMIT -1 is SQLite's "no limit" */
    if ((sqlite3_bind_int(stmt, 1, limit > 0 ? limit : -1) | bind_filter(stmt, f, used)) !=
        SQLITE_OK)
        rc = store_fail(st, "bind history filters");
    else
        rc = store_each_row(st, stmt, "read runs", read_run, &reader);
    sqlite3_finalize(stmt);
    return rc;
}

struct one_row {
    int (*fn)(const struct store_run *run, void *ud);
    void *ud;
    bool found;
};

static int note_row(const struct store_run *run, void *ud)
{
    struct one_row *one = ud;
    one->found = true;
    return one->fn(run, one->ud);
}

/* For queries of at most one row: 1 when found, 0 when not, -1. */
static int select_one(struct store *st, const char *sql, bool bind_a, int64_t a, const char *b,
                      int (*fn)(const struct store_run *, void *), void *ud)
{
    struct one_row one = {fn, ud, false};
    if (select_runs(st, sql, bind_a, a, b, note_row, &one) < 0)
        return -1;
    return one.found;
}

int store_last_run(struct store *st, const char *task,
                   int (*fn)(const struct store_run *run, void *ud), void *ud)
{
    return select_one(st, SQL_LAST_RUN, false, 0, task, fn, ud);
}

/* The one integer `sql` answers about `task`, into *value; `what` says what
 * failed.  0, or -1 on error. */
static int task_number(struct store *st, const char *sql, const char *task, int64_t *value,
                       const char *what)
{
    sqlite3_stmt *stmt = store_stmt(st, sql);
    int rc;

    if (!stmt)
        return -1;
    if (sqlite3_bind_text(stmt, 1, task, -1, SQLITE_STATIC) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind a task's query");
    }
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        store_fail(st, what);
        store_done(stmt);
        return -1;
    }
    *value = sqlite3_column_int64(stmt, 0);
    store_done(stmt);
    return 0;
}

int store_failing_streak(struct store *st, const char *task, int *streak)
{
    int64_t n;

    if (task_number(st, SQL_FAILING_STREAK, task, &n, "count failures") != 0)
        return -1;
    *streak = (int)n;
    return 0;
}

int store_last_fire(struct store *st, const char *task, int64_t *instant)
{
    return task_number(st, SQL_LAST_FIRE, task, instant, "read a task's last fire");
}

int store_run_get(struct store *st, int64_t id,
                  int (*fn)(const struct store_run *run, void *ud), void *ud)
{
    return select_one(st, SQL_GET, true, id, NULL, fn, ud);
}

int store_run_output(struct store *st, int64_t id, char **output)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_OUTPUT);
    int rc;

    if (!stmt)
        return -1;
    if (sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind run id");
    }
    switch (sqlite3_step(stmt)) {
    case SQLITE_ROW:
        *output = strdup(store_column_text(stmt, 0));
        rc = *output ? 1 : -1;
        if (!*output)
            snprintf(st->err, sizeof st->err, "out of memory");
        break;
    case SQLITE_DONE:
        rc = 0;
        break;
    default:
        rc = store_fail(st, "read run output");
    }
    store_done(stmt);
    return rc;
}

int store_running(struct store *st, int (*fn)(const struct store_run *run, void *ud), void *ud)
{
    return select_runs(st, SQL_RUNNING, false, 0, NULL, fn, ud);
}
