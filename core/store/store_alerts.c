/* store_alerts.c — the alerts table: open-or-bump, resolve, list, the
 * summary (store.h, alerts).  The daemon is the one writer; the partial
 * unique index alerts_open keeps a second open alert of one (kind, task)
 * from ever being written, whoever tries. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "time/instant_json.h"

#define ALERT_COLUMNS                                                                     \
    "id, kind, task, opened_at, last_seen_at, count, message, resolved_at, resolved_by, " \
    "note"

static const char SQL_BUMP[] =
    "UPDATE alerts SET count = count + ?3, last_seen_at = ?4, message = ?5"
    " WHERE kind = ?1 AND task = ?2 AND resolved_at IS NULL RETURNING " ALERT_COLUMNS;
static const char SQL_OPEN[] =
    "INSERT INTO alerts (kind, task, count, opened_at, last_seen_at, message)"
    " VALUES (?1, ?2, ?3, ?4, ?4, ?5) RETURNING " ALERT_COLUMNS;
static const char SQL_RESOLVE_ID[] =
    "UPDATE alerts SET resolved_at = ?2, resolved_by = ?3, note = ?4"
    " WHERE id = ?1 AND resolved_at IS NULL RETURNING " ALERT_COLUMNS;
static const char SQL_RESOLVE_KIND[] =
    "UPDATE alerts SET resolved_at = ?2, resolved_by = ?3, note = ?4"
    " WHERE (?5 IS NULL OR kind = ?5) AND task = ?6 AND resolved_at IS NULL"
    " RETURNING " ALERT_COLUMNS;
static const char SQL_GET[] = "SELECT " ALERT_COLUMNS " FROM alerts WHERE id = ?1";
/* ?1: 0 open, 1 resolved, 2 all (enum store_alert_state). */
static const char SQL_LIST[] = "SELECT " ALERT_COLUMNS " FROM alerts"
                               " WHERE (?1 = 2 OR (?1 = 0) = (resolved_at IS NULL))"
                               "   AND (?2 IS NULL OR task = ?2) AND (?3 IS NULL OR kind = ?3)"
                               "   AND (?4 IS NULL OR id < ?4)"
                               " ORDER BY id DESC LIMIT ?5";
static const char SQL_OPENED_SINCE[] =
    "SELECT count(*) FROM alerts WHERE kind = ?1 AND task = ?2 AND opened_at >= ?3";
static const char SQL_SUMMARY[] =
    "SELECT kind, task, count(*) FROM alerts WHERE resolved_at IS NULL GROUP BY kind, task";

const char *const store_alert_kind_names[STORE_ALERT_KINDS + 1] = {
    "failing", "late", "long_running", "missed", "broken", "store", "interrupted", NULL};

const char *store_alert_kind_name(enum store_alert_kind kind)
{
    return (unsigned)kind < STORE_ALERT_KINDS ? store_alert_kind_names[kind] : "?";
}

int store_alert_kind_parse(const char *name, enum store_alert_kind *out)
{
    for (int i = 0; i < STORE_ALERT_KINDS; i++)
        if (strcmp(store_alert_kind_names[i], name) == 0) {
            *out = (enum store_alert_kind)i;
            return 0;
        }
    return -1;
}

struct row_call {
    int (*fn)(const struct store_alert *a, void *ud);
    void *ud;
    bool seen;
};

static int on_row(sqlite3_stmt *stmt, void *ud)
{
    struct row_call *c = ud;
    struct store_alert a = {
        .id = sqlite3_column_int64(stmt, 0),
        .kind = store_column_text(stmt, 1),
        .task = store_column_text(stmt, 2),
        .opened_at = sqlite3_column_double(stmt, 3),
        .last_seen_at = sqlite3_column_double(stmt, 4),
        .count = sqlite3_column_int64(stmt, 5),
        .message = store_column_text(stmt, 6),
        .resolved_at = sqlite3_column_double(stmt, 7),
        .resolved_by = store_column_text(stmt, 8),
        .note = store_column_text(stmt, 9),
    };

    c->seen = true;
    return c->fn ? c->fn(&a, c->ud) : 0;
}

/* Step a bound statement, calling back each row; -1, or 0 with c->seen. */
static int rows(struct store *st, sqlite3_stmt *stmt, int bind_rc, const char *what,
                struct row_call *c)
{
    if (bind_rc != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, what);
    }
    return store_each_row(st, stmt, what, on_row, c) < 0 ? -1 : 0;
}

int store_alert_raise(struct store *st, const char *kind, const char *task, int64_t count,
                      const char *message, double now,
                      int (*fn)(const struct store_alert *a, void *ud), void *ud)
{
    struct row_call c = {fn, ud, false};
    const char *const sqls[] = {SQL_BUMP, SQL_OPEN};

    /* The daemon is the only writer, so nothing opens one between the two. */
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *stmt = store_stmt(st, sqls[i]);
        if (!stmt)
            return -1;
        int rc = store_bind_text(stmt, 1, kind) | store_bind_text(stmt, 2, task) |
                 sqlite3_bind_int64(stmt, 3, count) | sqlite3_bind_double(stmt, 4, now) |
                 store_bind_text(stmt, 5, message);
        if (rows(st, stmt, rc, i ? "open an alert" : "bump an alert", &c) != 0)
            return -1;
        if (c.seen)
            return i;
    }
    snprintf(st->err, sizeof st->err, "open an alert: no row written");
    return -1;
}

int store_alert_get(struct store *st, int64_t id,
                    int (*fn)(const struct store_alert *a, void *ud), void *ud)
{
    struct row_call c = {fn, ud, false};
    sqlite3_stmt *stmt = store_stmt(st, SQL_GET);

    if (!stmt || rows(st, stmt, sqlite3_bind_int64(stmt, 1, id), "read an alert", &c) != 0)
        return -1;
    return c.seen ? 1 : 0;
}

int store_alert_resolve(struct store *st, int64_t id, const char *kind, const char *task,
                        const char *by, const char *note, double now,
                        int (*fn)(const struct store_alert *a, void *ud), void *ud)
{
    struct row_call c = {fn, ud, false};
    sqlite3_stmt *stmt = store_stmt(st, id ? SQL_RESOLVE_ID : SQL_RESOLVE_KIND);
    int rc;

    if (!stmt)
        return -1;
    rc = sqlite3_bind_double(stmt, 2, now) | store_bind_text(stmt, 3, by) |
         store_bind_text(stmt, 4, note);
    if (id)
        rc |= sqlite3_bind_int64(stmt, 1, id);
    else
        rc |= store_bind_text(stmt, 5, kind) | store_bind_text(stmt, 6, task);
    if (rows(st, stmt, rc, "resolve an alert", &c) != 0)
        return -1;
    if (c.seen || !id)
        return c.seen ? 1 : 0;
    rc = store_alert_get(st, id, fn, ud);
    return rc == 1 ? 2 : rc;
}

int store_alerts(struct store *st, const struct store_alert_filter *filter, int limit,
                 int (*fn)(const struct store_alert *a, void *ud), void *ud)
{
    static const struct store_alert_filter all_open = {0};
    const struct store_alert_filter *f = filter ? filter : &all_open;
    struct row_call c = {fn, ud, false};
    sqlite3_stmt *stmt = store_stmt(st, SQL_LIST);

    if (!stmt)
        return -1;
    int rc = sqlite3_bind_int(stmt, 1, (int)f->state) | store_bind_text(stmt, 2, f->task) |
             store_bind_text(stmt, 3, f->kind) | store_bind_int64_or_null(stmt, 4, f->before) |
             sqlite3_bind_int(stmt, 5, limit > 0 ? limit : -1);
    return rows(st, stmt, rc, "list alerts", &c);
}

int store_alert_opened_since(struct store *st, const char *kind, const char *task, double since,
                             int64_t *n)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_OPENED_SINCE);
    int rc = -1;

    if (!stmt)
        return -1;
    if ((store_bind_text(stmt, 1, kind) | store_bind_text(stmt, 2, task) |
         sqlite3_bind_double(stmt, 3, since)) != SQLITE_OK)
        store_fail(st, "bind alert count");
    else if (sqlite3_step(stmt) != SQLITE_ROW)
        store_fail(st, "count alerts");
    else {
        *n = sqlite3_column_int64(stmt, 0);
        rc = 0;
    }
    store_done(stmt);
    return rc;
}

static const char SQL_RECENT_SUCCESSES[] =
    "SELECT duration FROM runs WHERE task = ?1 AND status = 'success' AND duration IS NOT NULL"
    " ORDER BY id DESC LIMIT ?2";

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int store_success_p95(struct store *st, const char *task, int last, int *count, double *p95)
{
    double durations[STORE_P95_RUNS_MAX];
    sqlite3_stmt *stmt = store_stmt(st, SQL_RECENT_SUCCESSES);
    int n = 0, rc;

    if (!stmt)
        return -1;
    if (last > STORE_P95_RUNS_MAX)
        last = STORE_P95_RUNS_MAX;
    if ((store_bind_text(stmt, 1, task) | sqlite3_bind_int(stmt, 2, last)) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind recent successes");
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && n < last)
        durations[n++] = sqlite3_column_double(stmt, 0);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        store_fail(st, "read recent successes");
        store_done(stmt);
        return -1;
    }
    store_done(stmt);
    qsort(durations, (size_t)n, sizeof durations[0], by_value);
    *count = n;
    /* nearest rank: the smallest value with 95% of the values at or below it */
    *p95 = n ? durations[(n * 95 + 99) / 100 - 1] : 0;
    return 0;
}

json_t *store_alert_json(const struct store_alert *a, const struct tz *zone)
{
    json_t *row =
        json_pack("{s:I, s:s, s:s?, s:s, s:I, s:s?, s:s?, s:s?}", "id", (json_int_t)a->id,
                  "kind", a->kind, "task", a->task && *a->task ? a->task : NULL, "state",
                  a->resolved_at ? "resolved" : "open", "count", (json_int_t)a->count,
                  "message", a->message, "resolved_by", a->resolved_by, "note", a->note);

    if (row && (instant_json_set(row, "opened_at", zone, a->opened_at) < 0 ||
                instant_json_set(row, "last_seen_at", zone, a->last_seen_at) < 0 ||
                instant_json_set(row, "resolved_at", zone, a->resolved_at) < 0)) {
        json_decref(row);
        return NULL;
    }
    return row;
}

/* Add n to obj[key], creating it. */
static int add_count(json_t *obj, const char *key, json_int_t n)
{
    json_t *old = json_object_get(obj, key);
    return json_object_set_new(obj, key, json_integer(n + (old ? json_integer_value(old) : 0)));
}

struct summary {
    json_t *by_kind, *tasks;
    json_int_t open;
    bool failed;
};

static int on_summary_row(sqlite3_stmt *stmt, void *ud)
{
    struct summary *s = ud;
    const char *kind = store_column_text(stmt, 0), *task = store_column_text(stmt, 1);
    json_int_t n = sqlite3_column_int64(stmt, 2);

    s->open += n;
    if (add_count(s->by_kind, kind, n) != 0 || (*task && add_count(s->tasks, task, n) != 0)) {
        s->failed = true;
        return 1;
    }
    return 0;
}

json_t *store_alerts_summary(struct store *st)
{
    struct summary s = {json_object(), json_object(), 0, false};
    sqlite3_stmt *stmt = store_stmt(st, SQL_SUMMARY);

    if (!stmt || !s.by_kind || !s.tasks ||
        store_each_row(st, stmt, "count open alerts", on_summary_row, &s) != 0) {
        if (s.failed || !s.by_kind || !s.tasks)
            snprintf(st->err, sizeof st->err, "count open alerts: out of memory");
        json_decref(s.by_kind);
        json_decref(s.tasks);
        return NULL;
    }
    json_t *doc =
        json_pack("{s:I, s:o, s:o}", "open", s.open, "by_kind", s.by_kind, "tasks", s.tasks);
    if (!doc)
        snprintf(st->err, sizeof st->err, "count open alerts: out of memory");
    return doc;
}
