/* store_stats.c — how the tasks perform: the documents of `main stats`
 * and GET /api/v1/stats/{overview,performance}, one implementation.
 *
 * Everything is counted by SQL over the runs of a window (the run's time
 * — its fire instant, or its queue time for a manual run — within the last
 * `days` days), from covering indexes only (migration 4).  Each task is
 * read on its own through runs_task_at (task, time, and the columns of
 * the figures): its counts, then each metric's values in order, from
 * which the nearest ranks (the ceil(p·n/100)-th smallest value) are picked
 * as the rows come; the overview's overall percentiles and busiest hours
 * read the window through runs_at_values.  A task's read sorts its own few
 * hundred values, where one GROUP BY over the window would sort them all
 * on the task's name.
 *
 * Definitions, stated once here and in the README:
 *  - success rate: successes over runs that ended (success, failed,
 *    timeout, killed); interrupted, skipped and missed runs are not the
 *    task's doing and do not count;
 *  - lateness: started_at − scheduled_for of runs that had a fire instant;
 *  - mean time between failures: the time from the window's first failure
 *    to its last over the gaps between them (null under two failures);
 *  - last success: the task's latest ever, not only the window's;
 *  - busiest hours: the runs that started in each hour of the day in
 *    `zone`, counted in SQL by quarter of an hour (every zone's offset is
 *    a whole number of quarters) and folded into hours here.
 */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "time/instant_json.h"

#define STATS_STATUSES (STORE_RUN_INTERRUPTED + 1)
#define STATS_SECONDS_PER_DAY 86400.0
#define STATS_QUARTER 900 /* seconds of a busiest-hours bucket */
#define STATS_HOURS 24
#define STATS_SECONDS_PER_HOUR 3600
#define STATS_SLOWEST 5               /* tasks in the overview's "slowest" */
#define STATS_MMAP_BYTES "1073741824" /* at most 1 GiB of the file mapped */

/* The window, bound as ?1 (since, Unix s) and ?2 (the task). */
#define STATS_TIME "COALESCE(scheduled_for, queued_at)"
#define STATS_ALL " WHERE " STATS_TIME " >= ?1"
#define STATS_ONE " WHERE task = ?2 AND " STATS_TIME " >= ?1"

/* The values a percentile is taken of, and the rows that have one. */
#define V_DURATION "duration", "duration IS NOT NULL"
#define V_LATENESS \
    "started_at - scheduled_for", "started_at IS NOT NULL AND scheduled_for IS NOT NULL"
#define V_CPU "cpu_ms / 1000.0", "cpu_ms IS NOT NULL"
#define V_MEMORY "peak_rss_kb * 1024", "peak_rss_kb IS NOT NULL"

/* The values of one task (key "task", where STATS_ONE) or of all runs
 * as one group (key NULL, where STATS_ALL) in order; stats_pct_row picks
 * the ranks as they come, knowing the count from the counts query.  One
 * sort, where ROW_NUMBER() would cost three times as much. */
#define STATS_ORDER_(key, where, value, has) \
    "SELECT " key " AS k, " value " AS v FROM runs" where " AND " has " ORDER BY v"
#define STATS_ORDER(key, where, metric) STATS_ORDER_(key, where, metric)

enum stats_metric { METRIC_DURATION, METRIC_LATENESS, METRIC_CPU, METRIC_MEMORY, METRICS };

static const char *const SQL_ORDER_ONE[METRICS] = {
    STATS_ORDER("task", STATS_ONE, V_DURATION), STATS_ORDER("task", STATS_ONE, V_LATENESS),
    STATS_ORDER("task", STATS_ONE, V_CPU), STATS_ORDER("task", STATS_ONE, V_MEMORY)};
static const char *const SQL_ORDER_ALL[METRICS] = {STATS_ORDER("NULL", STATS_ALL, V_DURATION),
                                                   STATS_ORDER("NULL", STATS_ALL, V_LATENESS),
                                                   NULL, NULL};

/* One task's runs by status: how many, how many have each metric's value
 * (in enum stats_metric's order), and the first and last end among them
 * (the failures' span, for the mean time between failures). */
static const char SQL_COUNTS[] =
    "SELECT task, status, COUNT(*), COUNT(duration),"
    " COUNT(CASE WHEN started_at IS NOT NULL THEN scheduled_for END), COUNT(cpu_ms),"
    " COUNT(peak_rss_kb), MIN(finished_at), MAX(finished_at) FROM runs" STATS_ONE
    " GROUP BY status";
#define STATS_COL_VALUES 3 /* the first per-metric count */
#define STATS_COL_FIRST_END (STATS_COL_VALUES + METRICS)

/* Every task that has runs, by name: one seek of runs_task per name. */
static const char SQL_NAMES[] =
    "WITH RECURSIVE t(name) AS (SELECT MIN(task) FROM runs"
    " UNION ALL SELECT (SELECT MIN(task) FROM runs WHERE task > t.name) FROM t"
    "   WHERE t.name IS NOT NULL)"
    " SELECT name FROM t WHERE name IS NOT NULL";

/* Through the partial index runs_task_success: one seek per task. */
static const char SQL_LAST_SUCCESS[] =
    "SELECT MAX(finished_at) FROM runs WHERE task = ?1 AND status = 'success'";
static const char SQL_KNOWN[] = "SELECT 1 FROM tasks WHERE name = ?1"
                                " UNION ALL SELECT 1 FROM runs WHERE task = ?1 LIMIT 1";
static const char SQL_QUARTERS[] =
    "SELECT CAST(started_at / 900 AS INTEGER) AS q, COUNT(*) FROM runs" STATS_ALL
    " AND started_at IS NOT NULL GROUP BY q";
_Static_assert(STATS_QUARTER == 900, "SQL_QUARTERS divides by the quarter's seconds");

/* The nearest-rank picks of one group's values. */
struct stats_pct {
    int64_t n;    /* values the group has (the counts query) */
    int64_t seen; /* of them, passed by stats_pct_row */
    double p50, p95, max;
};

struct stats_task {
    char *name; /* NULL: the overall group */
    int64_t by_status[STATS_STATUSES];
    int64_t failures;
    double fail_first, fail_last;
    struct stats_pct pct[METRICS];
    double last_success;
};

struct stats_set {
    struct store *st;
    struct stats_task *tasks;
    size_t count, cap;
    struct stats_task all; /* the sums of every task's counts, the overall percentiles */
    bool out_of_memory;
};

/* Append task `name`; NULL out of memory (then out_of_memory). */
static struct stats_task *stats_add(struct stats_set *s, const char *name)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct stats_task *more = realloc(s->tasks, cap * sizeof *more);
        if (!more)
            goto oom;
        s->tasks = more;
        s->cap = cap;
    }
    struct stats_task *t = &s->tasks[s->count];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name)))
        goto oom;
    s->count++;
    return t;
oom:
    s->out_of_memory = true;
    return NULL;
}

static void stats_free(struct stats_set *s)
{
    for (size_t i = 0; i < s->count; i++)
        free(s->tasks[i].name);
    free(s->tasks);
}

/* What a row callback works on: the set, and the group of the query. */
struct stats_walk {
    struct stats_set *set;
    struct stats_task *task; /* &set->all for the overall group */
    enum stats_metric metric;
};

static int stats_name_row(sqlite3_stmt *stmt, void *ud)
{
    struct stats_walk *w = ud;

    return stats_add(w->set, store_column_text(stmt, 0)) ? 0 : 1;
}

static int stats_count_row(sqlite3_stmt *stmt, void *ud)
{
    struct stats_walk *w = ud;
    struct stats_task *t = w->task, *all = &w->set->all;
    enum store_status status;

    if (store_status_parse(store_column_text(stmt, 1), &status) != 0)
        return 0; /* the CHECK constraint keeps this from happening */
    int64_t n = sqlite3_column_int64(stmt, 2);
    t->by_status[status] += n;
    all->by_status[status] += n;
    for (int m = 0; m < METRICS; m++) {
        int64_t values = sqlite3_column_int64(stmt, STATS_COL_VALUES + m);
        t->pct[m].n += values;
        all->pct[m].n += values;
    }
    if (store_status_failed(status) &&
        sqlite3_column_type(stmt, STATS_COL_FIRST_END) != SQLITE_NULL) {
        double first = sqlite3_column_double(stmt, STATS_COL_FIRST_END);
        double last = sqlite3_column_double(stmt, STATS_COL_FIRST_END + 1);
        if (!t->failures || first < t->fail_first)
            t->fail_first = first;
        if (!t->failures || last > t->fail_last)
            t->fail_last = last;
        t->failures += n;
    }
    return 0;
}

/* The nearest rank of percentile p among n values: ceil(p·n/100). */
static int64_t stats_rank(int64_t n, int p)
{
    return (n * p + 99) / 100;
}

/* One value of the group, in order: the ranks' values are kept as they
 * pass, the last one is the maximum. */
static int stats_pct_row(sqlite3_stmt *stmt, void *ud)
{
    struct stats_walk *w = ud;
    struct stats_pct *p = &w->task->pct[w->metric];
    double v = sqlite3_column_double(stmt, 1);

    p->seen++;
    if (p->seen == stats_rank(p->n, 50))
        p->p50 = v;
    if (p->seen == stats_rank(p->n, 95))
        p->p95 = v;
    p->max = v;
    return 0;
}

/* Run one statement through `row`, binding ?1 = since (when since > 0)
 * and ?2 = the walk's task's name (when it has one); 0 or -1. */
static int stats_query(struct stats_walk *w, const char *sql, double since,
                       int (*row)(sqlite3_stmt *stmt, void *ud))
{
    struct store *st = w->set->st;
    sqlite3_stmt *stmt = store_stmt(st, sql);
    int rc = SQLITE_OK;

    if (!stmt)
        return -1;
    if (since > 0)
        rc |= sqlite3_bind_double(stmt, 1, since);
    if (w->task && w->task->name)
        rc |= store_bind_text(stmt, 2, w->task->name);
    if (rc != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind");
    }
    if (store_each_row(st, stmt, "read the statistics", row, w) != 0) {
        if (w->set->out_of_memory)
            snprintf(st->err, sizeof st->err, "out of memory");
        return -1;
    }
    return 0;
}

/* The percentiles of `metric` of the walk's group, when it has values. */
static int stats_metric(struct stats_walk *w, enum stats_metric metric, double since)
{
    w->metric = metric;
    if (w->task->pct[metric].n == 0)
        return 0;
    return stats_query(w, w->task->name ? SQL_ORDER_ONE[metric] : SQL_ORDER_ALL[metric], since,
                       stats_pct_row);
}

/* The tasks of the set: `task` alone, or every task with runs in the
 * window; each with its counts and the first `metrics` metrics. */
static int stats_collect(struct stats_set *s, const char *task, double since, int metrics)
{
    struct stats_walk w = {.set = s};
    size_t kept = 0;

    if (task ? !stats_add(s, task) : stats_query(&w, SQL_NAMES, 0, stats_name_row) < 0)
        return s->out_of_memory ? (snprintf(s->st->err, sizeof s->st->err, "out of memory"), -1)
                                : -1;
    for (size_t i = 0; i < s->count; i++) {
        w.task = &s->tasks[i];
        if (stats_query(&w, SQL_COUNTS, since, stats_count_row) < 0)
            return -1;
        for (int m = 0; m < metrics; m++)
            if (stats_metric(&w, (enum stats_metric)m, since) < 0)
                return -1;
    }
    /* a task without runs in the window is left out, unless named */
    for (size_t i = 0; i < s->count; i++) {
        bool ran = false;
        for (int k = 0; k < STATS_STATUSES && !ran; k++)
            ran = s->tasks[i].by_status[k] > 0;
        if (ran || task)
            s->tasks[kept++] = s->tasks[i];
        else
            free(s->tasks[i].name);
    }
    s->count = kept;
    return 0;
}

static int stats_last_success_row(sqlite3_stmt *stmt, void *ud)
{
    *(double *)ud = sqlite3_column_double(stmt, 0); /* NULL reads 0: none */
    return 0;
}

static int stats_last_success(struct store *st, struct stats_task *t)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_LAST_SUCCESS);

    if (!stmt)
        return -1;
    if (store_bind_text(stmt, 1, t->name) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind");
    }
    return store_each_row(st, stmt, "read the last success", stats_last_success_row,
                          &t->last_success) == 0
               ? 0
               : -1;
}

/* --- the documents ------------------------------------------------------ */

static json_t *stats_real_or_null(bool set, double v)
{
    return set ? json_real(v) : json_null();
}

static json_t *stats_pct_json(const struct stats_pct *p, bool with_p95)
{
    json_t *o = json_object();

    if (o && (json_object_set_new(o, "p50", stats_real_or_null(p->seen > 0, p->p50)) < 0 ||
              (with_p95 &&
               json_object_set_new(o, "p95", stats_real_or_null(p->seen > 0, p->p95)) < 0) ||
              json_object_set_new(o, "max", stats_real_or_null(p->seen > 0, p->max)) < 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Memory is counted in whole bytes. */
static json_t *stats_memory_json(const struct stats_pct *p)
{
    return json_pack("{s:o, s:o}", "p50",
                     p->seen > 0 ? json_integer((json_int_t)p->p50) : json_null(), "max",
                     p->seen > 0 ? json_integer((json_int_t)p->max) : json_null());
}

static int64_t stats_runs(const struct stats_task *t)
{
    int64_t n = 0;

    for (int i = 0; i < STATS_STATUSES; i++)
        n += t->by_status[i];
    return n;
}

static json_t *stats_by_status(const struct stats_task *t)
{
    json_t *o = json_object();

    for (int i = 0; o && i < STATS_STATUSES; i++)
        if (json_object_set_new(o, store_status_name((enum store_status)i),
                                json_integer(t->by_status[i])) < 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static json_t *stats_success_rate(const struct stats_task *t)
{
    int64_t ended = t->by_status[STORE_RUN_SUCCESS] + t->by_status[STORE_RUN_FAILED] +
                    t->by_status[STORE_RUN_TIMEOUT] + t->by_status[STORE_RUN_KILLED];

    return ended ? json_real((double)t->by_status[STORE_RUN_SUCCESS] / (double)ended)
                 : json_null();
}

static json_t *stats_task_json(const struct stats_task *t, int days, double now,
                               const struct tz *zone)
{
    json_t *o = json_pack(
        "{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:o, s:o}", "task", t->name, "runs",
        (json_int_t)stats_runs(t), "by_status", stats_by_status(t), "success_rate",
        stats_success_rate(t), "duration", stats_pct_json(&t->pct[METRIC_DURATION], true),
        "lateness", stats_pct_json(&t->pct[METRIC_LATENESS], true), "cpu",
        stats_pct_json(&t->pct[METRIC_CPU], false), "memory",
        stats_memory_json(&t->pct[METRIC_MEMORY]), "runs_per_day", (double)stats_runs(t) / days,
        "last_success_age", stats_real_or_null(t->last_success > 0, now - t->last_success),
        "mtbf",
        stats_real_or_null(t->failures > 1,
                           (t->fail_last - t->fail_first) / (double)(t->failures - 1)));

    if (o && instant_json_set(o, "last_success", zone, t->last_success) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* 1 when the task has a row or runs, 0 when not, -1 on error. */
static int stats_known(struct store *st, const char *task)
{
    char *one = NULL;
    int rc = store_query_text(st, SQL_KNOWN, task, NULL, &one);

    free(one);
    return rc;
}

static int stats_performance(struct store *st, const char *task, int days, double now,
                             const struct tz *zone, json_t **out)
{
    struct stats_set s = {.st = st};
    json_t *list = NULL;
    int rc = -1;

    if (task) {
        int known = stats_known(st, task);
        if (known <= 0)
            return known;
    }
    if (stats_collect(&s, task, now - days * STATS_SECONDS_PER_DAY, METRICS) < 0)
        goto done;
    for (size_t i = 0; i < s.count; i++)
        if (stats_last_success(st, &s.tasks[i]) < 0)
            goto done;
    if (!(list = json_array()))
        goto oom;
    for (size_t i = 0; i < s.count; i++)
        if (json_array_append_new(list, stats_task_json(&s.tasks[i], days, now, zone)) < 0)
            goto oom;
    if (!(*out = json_pack("{s:i, s:O}", "days", days, "tasks", list)))
        goto oom;
    rc = 1;
    goto done;
oom:
    snprintf(st->err, sizeof st->err, "out of memory");
done:
    json_decref(list);
    stats_free(&s);
    return rc;
}

struct stats_hours {
    const struct tz *zone;
    int64_t runs[STATS_HOURS];
};

static int stats_quarter_row(sqlite3_stmt *stmt, void *ud)
{
    struct stats_hours *h = ud;
    int64_t t = sqlite3_column_int64(stmt, 0) * STATS_QUARTER;
    int64_t of_day = (t + tz_offset_at(h->zone, t)) % (int64_t)STATS_SECONDS_PER_DAY;

    if (of_day < 0)
        of_day += (int64_t)STATS_SECONDS_PER_DAY;
    h->runs[of_day / STATS_SECONDS_PER_HOUR] += sqlite3_column_int64(stmt, 1);
    return 0;
}

/* Slowest first (by p95 duration), then by name. */
static int stats_by_p95(const void *a, const void *b)
{
    const struct stats_task *x = a, *y = b;
    double px = x->pct[METRIC_DURATION].seen ? x->pct[METRIC_DURATION].p95 : -1;
    double py = y->pct[METRIC_DURATION].seen ? y->pct[METRIC_DURATION].p95 : -1;

    return px > py ? -1 : px < py ? 1 : strcmp(x->name, y->name);
}

static json_t *stats_overview_json(struct stats_set *s, const struct stats_hours *h, int days,
                                   const struct tz *zone)
{
    json_t *hours = json_array(), *slowest = json_array();

    for (int i = 0; hours && i < STATS_HOURS; i++)
        if (json_array_append_new(hours, json_integer(h->runs[i])) < 0)
            goto fail;
    if (s->count > 1) /* qsort may not take the NULL of an empty set */
        qsort(s->tasks, s->count, sizeof *s->tasks, stats_by_p95);
    for (size_t i = 0; slowest && i < s->count && i < STATS_SLOWEST; i++) {
        const struct stats_pct *p = &s->tasks[i].pct[METRIC_DURATION];
        if (p->seen &&
            json_array_append_new(
                slowest, json_pack("{s:s, s:f}", "task", s->tasks[i].name, "p95", p->p95)) < 0)
            goto fail;
    }
    if (!hours || !slowest)
        goto fail;
    return json_pack("{s:i, s:I, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:I}", "days", days, "runs",
                     (json_int_t)stats_runs(&s->all), "by_status", stats_by_status(&s->all),
                     "success_rate", stats_success_rate(&s->all), "duration",
                     stats_pct_json(&s->all.pct[METRIC_DURATION], true), "lateness",
                     stats_pct_json(&s->all.pct[METRIC_LATENESS], true), "zone", tz_name(zone),
                     "busiest_hours", hours, "slowest", slowest, "tasks", (json_int_t)s->count);
fail:
    json_decref(hours);
    json_decref(slowest);
    return NULL;
}

static int stats_overview(struct store *st, int days, double now, const struct tz *zone,
                          json_t **out)
{
    struct stats_set s = {.st = st};
    struct stats_walk all = {.set = &s, .task = &s.all};
    struct stats_hours h = {.zone = zone};
    double since = now - days * STATS_SECONDS_PER_DAY;
    int rc = -1;

    /* each task's duration for the slowest; the overall figures */
    if (stats_collect(&s, NULL, since, METRIC_DURATION + 1) < 0 ||
        stats_metric(&all, METRIC_DURATION, since) < 0 ||
        stats_metric(&all, METRIC_LATENESS, since) < 0)
        goto done;
    sqlite3_stmt *stmt = store_stmt(st, SQL_QUARTERS);
    if (!stmt)
        goto done;
    if (sqlite3_bind_double(stmt, 1, since) != SQLITE_OK) {
        store_done(stmt);
        store_fail(st, "bind");
        goto done;
    }
    if (store_each_row(st, stmt, "read the busiest hours", stats_quarter_row, &h) != 0)
        goto done;
    if (!(*out = stats_overview_json(&s, &h, days, zone))) {
        snprintf(st->err, sizeof st->err, "out of memory");
        goto done;
    }
    rc = 0;
done:
    stats_free(&s);
    return rc;
}

/* The queries of one document read one snapshot (WAL): the counts and the
 * values agree however the daemon writes meanwhile.  They read the file
 * through a memory map, which halves their time on a large history (no
 * read(2) per page, no copy into the page cache); the map is dropped after,
 * so the rest of the store reads as before. */
static int stats_begin(struct store *st)
{
    st->errcode = 0;
    if (sqlite3_exec(st->db, "PRAGMA mmap_size = " STATS_MMAP_BYTES, NULL, NULL, NULL) !=
        SQLITE_OK)
        return store_fail(st, "map the store");
    if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        store_fail(st, "begin reading the statistics");
        sqlite3_exec(st->db, "PRAGMA mmap_size = 0", NULL, NULL, NULL); /* error kept */
        return -1;
    }
    return 0;
}

static int stats_end(struct store *st, int rc, json_t **out)
{
    if (sqlite3_exec(st->db, rc < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK &&
        rc >= 0) {
        rc = store_fail(st, "end reading the statistics");
        json_decref(*out);
        *out = NULL;
    }
    if (sqlite3_exec(st->db, "PRAGMA mmap_size = 0", NULL, NULL, NULL) != SQLITE_OK &&
        rc >= 0) {
        rc = store_fail(st, "unmap the store");
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int store_stats_performance(struct store *st, const char *task, int days, double now,
                            const struct tz *zone, json_t **out)
{
    *out = NULL;
    if (stats_begin(st) < 0)
        return -1;
    return stats_end(st, stats_performance(st, task, days, now, zone, out), out);
}

int store_stats_overview(struct store *st, int days, double now, const struct tz *zone,
                         json_t **out)
{
    *out = NULL;
    if (stats_begin(st) < 0)
        return -1;
    return stats_end(st, stats_overview(st, days, now, zone, out), out);
}
