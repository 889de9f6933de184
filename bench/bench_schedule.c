/* bench_schedule.c — next-fire throughput in Europe/Berlin.
 *
 * Each round chains next_fire calls (after = the previous fire) from
 * 2026-01-01, so the walk crosses both DST transitions like a daemon would,
 * and reports the median rate of ROUNDS rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "schedule/schedule.h"

#define ROUNDS 5
#define CALLS_PER_ROUND 1000000
#define GOAL_PER_SECOND 1e6
#define START_INSTANT INT64_C(1767225600) /* 2026-01-01T00:00:00Z */

static double now_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        perror("clock_gettime");
        exit(1);
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Calls per second, median of ROUNDS; restarts the chain if it ends. */
static double measure(const struct schedule *s, const struct tz *zone)
{
    double rates[ROUNDS];
    volatile int64_t sink = 0;

    for (int r = 0; r < ROUNDS; r++) {
        int64_t t = START_INSTANT;
        double begin = now_seconds();
        for (int i = 0; i < CALLS_PER_ROUND; i++) {
            t = schedule_next_fire(s, t, zone);
            if (t == SCHEDULE_NEVER)
                t = START_INSTANT;
        }
        rates[r] = CALLS_PER_ROUND / (now_seconds() - begin);
        sink += t;
    }
    (void)sink;
    qsort(rates, ROUNDS, sizeof rates[0], compare_doubles);
    return rates[ROUNDS / 2];
}

static int report(const char *label, const struct schedule *s, const struct tz *zone)
{
    double rate = measure(s, zone);
    printf("schedule_next_fire %s: %.1fM/s (goal > %.0fM/s)\n", label, rate / 1e6,
           GOAL_PER_SECOND / 1e6);
    return rate > GOAL_PER_SECOND ? 0 : 1;
}

static int bench_cron(const char *expr, const struct tz *zone)
{
    struct schedule s = {.kind = SCHEDULE_CRON, .weekday = -1};
    char err[SCHEDULE_ERR_MAX], label[SCHEDULE_TEXT_MAX];

    if (cron_parse(expr, &s.cron, err, sizeof err) < 0) {
        fprintf(stderr, "bench_schedule: %s\n", err);
        return 1;
    }
    snprintf(label, sizeof label, "cron '%s'", expr);
    return report(label, &s, zone);
}

int main(void)
{
    char err[SCHEDULE_ERR_MAX];
    const struct tz *berlin = tz_get("Europe/Berlin", err, sizeof err);
    struct schedule every5 = {.kind = SCHEDULE_EVERY,
                              .n = 5,
                              .unit = UNIT_MINUTE,
                              .weekday = -1,
                              .at_hour = -1,
                              .at_minute = -1,
                              .at_second = -1};
    int slow = 0;

    if (!berlin) {
        fprintf(stderr, "bench_schedule: %s\n", err);
        return 1;
    }
    slow += report("every(5).minutes", &every5, berlin);
    slow += bench_cron("*/5 * * * *", berlin);
    slow += bench_cron("30 9 * * MON-FRI", berlin);
    slow += bench_cron("day=last sun; hour=3", berlin);
    slow += bench_cron("day=13; day_of_week=fri", berlin);
    tz_cache_clear();
    return slow ? 1 : 0;
}
