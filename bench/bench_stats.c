/* bench_stats.c — how long the statistics take on 1,000,000 runs: the
 * overview (GET /api/v1/stats/overview, the head of `main stats`) and one
 * task's performance (`main stats TASK`), over the default 7-day window;
 * median of five rounds each.
 *
 * The history is written by SQLite itself (a recursive CTE) into a store
 * made by store_open, so it has the real schema and indexes: 100 tasks,
 * one run every 7.8 s in turn over 90 days (the default retention; so 7
 * days hold ~78,000 runs, ~780 of one task), 3% of each task's runs
 * failed, 1% skipped, durations, lateness, CPU and memory spread over a
 * range.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "time/tz.h"

#define BENCH_RUNS 1000000
#define BENCH_TASKS 100
#define BENCH_SPAN_S (90 * 86400)
#define BENCH_DAYS 7
#define BENCH_ROUNDS 5
#define BENCH_OVERVIEW_GOAL_S 0.200
#define BENCH_TASK_GOAL_S 0.050

/* ?1 = now, ?2 runs, ?3 tasks, ?4 the span: run i, of task i % tasks,
 * fires at now - span + i * span / runs. */
static const char fill_sql[] =
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2),"
    " r AS (SELECT i, CAST(?1 - ?4 + i * (?4 * 1.0 / ?2) AS INTEGER) AS t,"
    "   (i % 37) * 0.001 AS late, 0.05 + (i % 1000) * 0.01 AS d,"
    "   CASE WHEN i / 100 % 100 < 3 THEN 'failed' WHEN i / 100 % 100 = 3 THEN 'skipped'"
    "        ELSE 'success' END AS st FROM n)"
    " INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, started_at, finished_at,"
    "                   duration, status, attempt, peak_rss_kb, cpu_ms)"
    " SELECT printf('task_%03d', i % ?3), 'schedule', t, t,"
    "   CASE WHEN st = 'skipped' THEN NULL ELSE t + late END,"
    "   CASE WHEN st = 'skipped' THEN NULL ELSE t + late + d END,"
    "   CASE WHEN st = 'skipped' THEN NULL ELSE d END, st, 1,"
    "   CASE WHEN st = 'skipped' THEN NULL ELSE 2000 + i % 5000 END,"
    "   CASE WHEN st = 'skipped' THEN NULL ELSE i % 900 END"
    " FROM r";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fill(const char *path, double now)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc = -1;

    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA cache_size = -262144; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, fill_sql, -1, &stmt, NULL) != SQLITE_OK ||
        (sqlite3_bind_double(stmt, 1, now) | sqlite3_bind_int(stmt, 2, BENCH_RUNS) |
         sqlite3_bind_int(stmt, 3, BENCH_TASKS) | sqlite3_bind_int(stmt, 4, BENCH_SPAN_S)) !=
            SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_DONE ||
        sqlite3_exec(db, "COMMIT; ANALYZE", NULL, NULL, NULL) != SQLITE_OK)
        fprintf(stderr, "bench_stats: fill %s: %s\n", path, sqlite3_errmsg(db));
    else
        rc = 0;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rc;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median time of BENCH_ROUNDS calls of the overview (task NULL) or of
 * one task's performance; < 0 on failure. */
static double measure(struct store *st, const char *task, double now)
{
    double took[BENCH_ROUNDS];

    for (int r = 0; r < BENCH_ROUNDS; r++) {
        json_t *doc = NULL;
        double t0 = now_s();
        int rc = task ? store_stats_performance(st, task, BENCH_DAYS, now, tz_system(), &doc)
                      : store_stats_overview(st, BENCH_DAYS, now, tz_system(), &doc);
        took[r] = now_s() - t0;
        if (rc < (task ? 1 : 0) || !doc) {
            fprintf(stderr, "bench_stats: %s: %s\n", task ? task : "overview",
                    rc < 0 ? store_error(st) : "no such task");
            json_decref(doc);
            return -1;
        }
        json_decref(doc);
    }
    qsort(took, BENCH_ROUNDS, sizeof took[0], by_value);
    return took[BENCH_ROUNDS / 2];
}

int main(void)
{
    char dir[] = "/tmp/bench_stats_XXXXXX", path[sizeof dir + 32], err[STORE_ERR_MAX];
    double now = (double)time(NULL), overview = -1, one = -1;
    struct store *st = NULL;
    int rc = 1;

    if (!mkdtemp(dir)) {
        perror("bench_stats: mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/scheduler.db", dir);
    if (!(st = store_open(path, err, sizeof err))) {
        fprintf(stderr, "bench_stats: %s\n", err);
        goto done;
    }
    store_close(st);
    st = NULL;
    double t0 = now_s();
    if (fill(path, now) < 0)
        goto done;
    printf("stats: %d runs of %d tasks over %d days written in %.1f s\n", BENCH_RUNS,
           BENCH_TASKS, BENCH_SPAN_S / 86400, now_s() - t0);
    if (!(st = store_open(path, err, sizeof err))) {
        fprintf(stderr, "bench_stats: %s\n", err);
        goto done;
    }
    overview = measure(st, NULL, now);
    one = measure(st, "task_042", now);
    if (overview < 0 || one < 0)
        goto done;
    printf("stats overview, %d days: %.1f ms (goal < %.0f ms)\n", BENCH_DAYS, overview * 1e3,
           BENCH_OVERVIEW_GOAL_S * 1e3);
    printf("stats of one task, %d days: %.1f ms (goal < %.0f ms)\n", BENCH_DAYS, one * 1e3,
           BENCH_TASK_GOAL_S * 1e3);
    if (overview >= BENCH_OVERVIEW_GOAL_S || one >= BENCH_TASK_GOAL_S)
        printf("stats: over the goal (bench/results-latest.md says why)\n");
    rc = 0;
done:
    store_close(st);
    char wal[sizeof path + 8];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    unlink(path);
    rmdir(dir);
    return rc;
}
