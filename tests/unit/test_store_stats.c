/* test_store_stats.c — store_stats.c on a history written here with known
 * durations, lateness, statuses, CPU and memory: the nearest-rank
 * percentiles, success rate, mean time between failures, last success,
 * the window, busiest hours folded in a zone a quarter-hour off UTC, the
 * slowest tasks, and an unknown task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "testing.h"
#include "time/tz.h"

#define BASE 1767225600 /* 2026-01-01T00:00:00Z */
#define HOUR 3600
#define RUNS 10
#define NOW ((double)BASE + (RUNS + 1) * HOUR)
#define EPS 1e-9

static char dir[] = "/tmp/test_store_stats_XXXXXX";
static char path[sizeof dir + 32];

/* Run i (1..RUNS) of "t": fired i hours after BASE, started 0.5·i s late,
 * lasting 2·i s, 100·i ms of CPU, 1000·i kB; runs 3 and 7 failed.  "u":
 * one success of 100 s by hand (no fire instant), one skipped fire, and
 * one success 9 days before NOW (outside a 7-day window).  Returns the
 * end of run 3 and 7 in *fail3, *fail7. */
static void write_history(struct store *st, double *fail3, double *fail7)
{
    for (int i = 1; i <= RUNS; i++) {
        int64_t fire = BASE + (int64_t)i * HOUR, id = 0;
        double start = (double)fire + 0.5 * i, end = start + 2.0 * i;
        struct store_run run = {.task = "t",
                                .trigger = STORE_TRIGGER_SCHEDULE,
                                .scheduled_for = fire,
                                .queued_at = (double)fire,
                                .status = STORE_RUN_QUEUED,
                                .attempt = 1};
        struct store_run_outcome out = {.status = i == 3 || i == 7 ? STORE_RUN_FAILED
                                                                   : STORE_RUN_SUCCESS,
                                        .finished_at = end,
                                        .cpu_ms = 100 * i,
                                        .peak_rss_kb = 1000 * i};
        CHECK(store_run_insert(st, &run, &id) == 0, "%s", store_error(st));
        CHECK(store_run_start(st, id, 1, start) == 0, "%s", store_error(st));
        CHECK(store_run_finish(st, id, &out) == 0, "%s", store_error(st));
        if (i == 3)
            *fail3 = end;
        if (i == 7)
            *fail7 = end;
    }
    struct {
        int64_t fire;
        double queued, start, end;
        enum store_status status;
    } u[] = {
        {0, NOW - 500, NOW - 400, NOW - 300, STORE_RUN_SUCCESS},
        {BASE + 2 * HOUR, BASE + 2 * HOUR, 0, 0, STORE_RUN_SKIPPED},
        {(int64_t)NOW - 9 * 86400, NOW - 9 * 86400, NOW - 9 * 86400, NOW - 9 * 86400 + 5000,
         STORE_RUN_SUCCESS},
    };
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        int64_t id = 0;
        bool ran = u[i].status != STORE_RUN_SKIPPED;
        struct store_run run = {.task = "u",
                                .trigger =
                                    u[i].fire ? STORE_TRIGGER_SCHEDULE : STORE_TRIGGER_MANUAL,
                                .scheduled_for = u[i].fire,
                                .queued_at = u[i].queued,
                                .status = ran ? STORE_RUN_QUEUED : u[i].status,
                                .attempt = 1};
        struct store_run_outcome out = {.status = u[i].status, .finished_at = u[i].end};
        CHECK(store_run_insert(st, &run, &id) == 0, "%s", store_error(st));
        if (ran) {
            CHECK(store_run_start(st, id, 1, u[i].start) == 0, "%s", store_error(st));
            CHECK(store_run_finish(st, id, &out) == 0, "%s", store_error(st));
        }
    }
}

static struct store *open_with_history(const char *name, double *fail3, double *fail7)
{
    char err[STORE_ERR_MAX];
    struct store *st;

    snprintf(path, sizeof path, "%s/%s.db", dir, name);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    if (st)
        write_history(st, fail3, fail7);
    return st;
}

static double num(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    return json_number_value(b ? json_object_get(v, b) : v);
}

static bool is_null(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    return json_is_null(b ? json_object_get(v, b) : v);
}

static void performance_figures_of_a_known_history(void)
{
    double fail3 = 0, fail7 = 0;
    struct store *st = open_with_history("performance", &fail3, &fail7);
    json_t *doc = NULL;

    if (!st)
        return;
    CHECK_INT(store_stats_performance(st, NULL, 7, NOW, tz_system(), &doc), 1);
    const json_t *tasks = json_object_get(doc, "tasks");
    CHECK_INT(json_array_size(tasks), 2);
    const json_t *t = json_array_get(tasks, 0), *u = json_array_get(tasks, 1);
    CHECK_STR(json_string_value(json_object_get(t, "task")), "t");
    CHECK_STR(json_string_value(json_object_get(u, "task")), "u");
    CHECK_INT(num(doc, "days", NULL), 7);
    /* nearest rank of 10 values: p50 the 5th, p95 the 10th */
    CHECK_INT(num(t, "runs", NULL), RUNS);
    CHECK(num(t, "duration", "p50") == 10 && num(t, "duration", "p95") == 20 &&
              num(t, "duration", "max") == 20,
          "duration %g %g %g", num(t, "duration", "p50"), num(t, "duration", "p95"),
          num(t, "duration", "max"));
    CHECK(num(t, "lateness", "p50") == 2.5 && num(t, "lateness", "p95") == 5 &&
              num(t, "lateness", "max") == 5,
          "lateness %g %g %g", num(t, "lateness", "p50"), num(t, "lateness", "p95"),
          num(t, "lateness", "max"));
    CHECK(num(t, "cpu", "p50") == 0.5 && num(t, "cpu", "max") == 1.0, "cpu %g %g",
          num(t, "cpu", "p50"), num(t, "cpu", "max"));
    CHECK_INT(num(t, "memory", "p50"), 5000 * 1024);
    CHECK_INT(num(t, "memory", "max"), 10000 * 1024);
    CHECK_INT(num(t, "by_status", "success"), 8);
    CHECK_INT(num(t, "by_status", "failed"), 2);
    CHECK(num(t, "success_rate", NULL) == 0.8, "rate %g", num(t, "success_rate", NULL));
    CHECK(num(t, "mtbf", NULL) == fail7 - fail3, "mtbf %g, want %g", num(t, "mtbf", NULL),
          fail7 - fail3);
    CHECK(num(t, "runs_per_day", NULL) == RUNS / 7.0, "per day %g",
          num(t, "runs_per_day", NULL));
    /* the last success is run 10's end: 1 h after BASE + 10 h, minus 25 s */
    double last = (double)BASE + RUNS * HOUR + 0.5 * RUNS + 2.0 * RUNS;
    CHECK(num(t, "last_success_epoch", NULL) == last, "last %f",
          num(t, "last_success_epoch", NULL));
    CHECK(num(t, "last_success_age", NULL) == NOW - last, "age %g",
          num(t, "last_success_age", NULL));

    /* u: the run 9 days ago is out of the window, the skipped fire counts
     * as a run but not in the success rate, the manual run has no
     * lateness, and there is no failure: no mtbf */
    CHECK_INT(num(u, "runs", NULL), 2);
    CHECK_INT(num(u, "by_status", "skipped"), 1);
    CHECK(num(u, "success_rate", NULL) == 1, "rate %g", num(u, "success_rate", NULL));
    CHECK(num(u, "duration", "max") == 100, "max %g", num(u, "duration", "max"));
    CHECK(is_null(u, "lateness", "p50") && is_null(u, "mtbf", NULL) && is_null(u, "cpu", "max"),
          "nulls");
    json_decref(doc);

    /* a wider window takes the old run in */
    CHECK_INT(store_stats_performance(st, "u", 10, NOW, tz_system(), &doc), 1);
    u = json_array_get(json_object_get(doc, "tasks"), 0);
    CHECK_INT(json_array_size(json_object_get(doc, "tasks")), 1);
    CHECK_INT(num(u, "runs", NULL), 3);
    CHECK(num(u, "duration", "max") == 5000, "max %g", num(u, "duration", "max"));
    json_decref(doc);

    CHECK_INT(store_stats_performance(st, "nosuch", 7, NOW, tz_system(), &doc), 0);
    CHECK(doc == NULL, "no document for an unknown task");
    store_close(st);
}

static void overview_folds_busiest_hours_in_the_zone(void)
{
    double fail3 = 0, fail7 = 0;
    struct store *st = open_with_history("overview", &fail3, &fail7);
    char err[256];
    const struct tz *kathmandu = tz_get("Asia/Kathmandu", err, sizeof err); /* UTC+05:45 */
    json_t *doc = NULL;

    CHECK(kathmandu != NULL, "%s", err);
    if (!st || !kathmandu) {
        store_close(st);
        return;
    }
    CHECK_INT(store_stats_overview(st, 7, NOW, kathmandu, &doc), 0);
    CHECK_INT(num(doc, "runs", NULL), RUNS + 2);
    CHECK_INT(num(doc, "tasks", NULL), 2);
    CHECK(num(doc, "success_rate", NULL) == 9.0 / 11, "rate %g",
          num(doc, "success_rate", NULL));
    /* 11 durations 2, 4 … 20 and 100: p50 the 6th (12), p95 the 11th */
    CHECK(num(doc, "duration", "p50") == 12 && num(doc, "duration", "p95") == 100 &&
              num(doc, "duration", "max") == 100,
          "duration %g %g %g", num(doc, "duration", "p50"), num(doc, "duration", "p95"),
          num(doc, "duration", "max"));
    CHECK(num(doc, "lateness", "p50") == 2.5 && num(doc, "lateness", "max") == 5, "lateness");
    /* run i of t started at i:00:0x UTC, 5:45 later in Kathmandu: hour
     * i + 5; u's manual run at NOW - 400 s = 10:53:20 UTC, 16:38 there */
    const json_t *hours = json_object_get(doc, "busiest_hours");
    CHECK_INT(json_array_size(hours), 24);
    for (int h = 0; h < 24; h++) {
        int want = (h >= 6 && h <= 15) || h == 16 ? 1 : 0;
        CHECK(json_integer_value(json_array_get(hours, (size_t)h)) == want, "hour %d: %lld", h,
              (long long)json_integer_value(json_array_get(hours, (size_t)h)));
    }
    const json_t *slowest = json_object_get(doc, "slowest");
    CHECK_INT(json_array_size(slowest), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(slowest, 0), "task")), "u");
    CHECK_STR(json_string_value(json_object_get(json_array_get(slowest, 1), "task")), "t");
    CHECK_STR(json_string_value(json_object_get(doc, "zone")), "Asia/Kathmandu");
    json_decref(doc);
    store_close(st);
}

static void empty_store_has_null_figures(void)
{
    char err[STORE_ERR_MAX];
    struct store *st;
    json_t *doc = NULL;

    snprintf(path, sizeof path, "%s/empty.db", dir);
    if (!(st = store_open(path, err, sizeof err))) {
        CHECK(0, "open: %s", err);
        return;
    }
    CHECK_INT(store_stats_overview(st, 7, NOW, tz_system(), &doc), 0);
    CHECK_INT(num(doc, "runs", NULL), 0);
    CHECK(is_null(doc, "success_rate", NULL) && is_null(doc, "duration", "p95"), "nulls");
    CHECK_INT(json_array_size(json_object_get(doc, "slowest")), 0);
    json_decref(doc);
    store_close(st);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(performance_figures_of_a_known_history);
    RUN(overview_folds_busiest_hours_in_the_zone);
    RUN(empty_store_has_null_figures);
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return testing_failed_tests ? 1 : 0;
}
