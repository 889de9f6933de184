/* cmd_stats.c — `main stats [TASK] [--days N] [--json]`: how the tasks
 * performed over the last N days (default 7).
 *
 * Read straight from the store, as history is, through the documents the
 * HTTP API answers (store_stats.c): without TASK, the overview (runs by
 * status, success rate, duration and lateness, busiest hours in the
 * daemon's zone, slowest tasks) and one line per task; with TASK, that
 * task's figures one per line.  --json prints GET /api/v1/stats/
 * performance's document, with the overview's under "overview" when no
 * TASK is named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "store/store.h"
#include "table.h"
#include "taskname.h"
#include "taskview.h"
#include "time/clock.h"
#include "time/instant_json.h"

#define STATS_DAYS_DEFAULT 7
#define STATS_DAYS_MAX 3650
#define STATS_ERR_MAX 512
#define STATS_TEXT_MAX 48  /* one figure as text */
#define STATS_LINE_MAX 512 /* several of them */
#define STATS_COLUMNS 10
#define STATS_BUSIEST_SHOWN 3 /* hours named in the overview */
#define STATS_PERCENT 100.0
#define STATS_MIB (1024.0 * 1024.0)

struct stats_args {
    const char *task;
    long days;
};

static int stats_parse(int argc, char **argv, struct stats_args *args)
{
    args->task = NULL;
    args->days = STATS_DAYS_DEFAULT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--days") == 0) {
            if (i + 1 >= argc)
                return cli_bad_arg("stats", argv[i], true);
            if (cli_parse_count("stats", "--days", argv[++i], STATS_DAYS_MAX, &args->days) < 0)
                return -1;
        } else if (argv[i][0] != '-' && !args->task)
            args->task = argv[i];
        else
            return cli_bad_arg("stats", argv[i], false);
    }
    return 0;
}

/* A figure of seconds ("1.25s", "3m04s"), "-" when null. */
static void stats_seconds(const json_t *v, char *buf, size_t len)
{
    if (json_is_number(v))
        runview_duration(json_number_value(v), buf, len);
    else
        snprintf(buf, len, "-");
}

static void stats_percent(const json_t *v, char *buf, size_t len)
{
    if (json_is_number(v))
        snprintf(buf, len, "%.1f%%", json_number_value(v) * STATS_PERCENT);
    else
        snprintf(buf, len, "-");
}

static void stats_mib(const json_t *v, char *buf, size_t len)
{
    if (json_is_number(v))
        snprintf(buf, len, "%.1f MiB", json_number_value(v) / STATS_MIB);
    else
        snprintf(buf, len, "-");
}

/* "12 success, 1 failed": the statuses that have runs. */
static void stats_statuses(const json_t *by_status, char *buf, size_t len)
{
    const char *name;
    const json_t *n;
    size_t used = 0;

    buf[0] = '\0';
    json_object_foreach((json_t *)by_status, name, n)
    {
        if (json_integer_value(n) == 0 || used >= len)
            continue;
        int w = snprintf(buf + used, len - used, "%s%lld %s", used ? ", " : "",
                         (long long)json_integer_value(n), name);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* "p50 1.00s, p95 2.00s, max 3.00s" of a { p50, p95, max } object. */
static void stats_spread(const json_t *o, char *buf, size_t len)
{
    char p50[STATS_TEXT_MAX], p95[STATS_TEXT_MAX], max[STATS_TEXT_MAX];

    stats_seconds(json_object_get(o, "p50"), p50, sizeof p50);
    stats_seconds(json_object_get(o, "p95"), p95, sizeof p95);
    stats_seconds(json_object_get(o, "max"), max, sizeof max);
    if (json_object_get(o, "p95"))
        snprintf(buf, len, "p50 %s, p95 %s, max %s", p50, p95, max);
    else
        snprintf(buf, len, "p50 %s, max %s", p50, max);
}

/* The busiest hours, most runs first: "14:00 (120), 02:00 (80)". */
static void stats_busiest(const json_t *hours, char *buf, size_t len)
{
    bool shown[24] = {false};
    size_t used = 0;

    buf[0] = '\0';
    for (int k = 0; k < STATS_BUSIEST_SHOWN; k++) {
        int best = -1;
        for (int h = 0; h < 24; h++)
            if (!shown[h] && json_integer_value(json_array_get(hours, (size_t)h)) > 0 &&
                (best < 0 || json_integer_value(json_array_get(hours, (size_t)h)) >
                                 json_integer_value(json_array_get(hours, (size_t)best))))
                best = h;
        if (best < 0)
            break;
        shown[best] = true;
        int w = snprintf(buf + used, len - used, "%s%02d:00 (%lld)", used ? ", " : "", best,
                         (long long)json_integer_value(json_array_get(hours, (size_t)best)));
        used += w > 0 ? (size_t)w : 0;
        if (used >= len)
            break;
    }
    if (!used)
        snprintf(buf, len, "-");
}

static int stats_print_overview(const json_t *o)
{
    char statuses[STATS_LINE_MAX], rate[STATS_TEXT_MAX], dur[STATS_LINE_MAX];
    char late[STATS_LINE_MAX], busiest[STATS_LINE_MAX];
    const json_t *slowest = json_object_get(o, "slowest");

    stats_statuses(json_object_get(o, "by_status"), statuses, sizeof statuses);
    stats_percent(json_object_get(o, "success_rate"), rate, sizeof rate);
    stats_spread(json_object_get(o, "duration"), dur, sizeof dur);
    stats_spread(json_object_get(o, "lateness"), late, sizeof late);
    stats_busiest(json_object_get(o, "busiest_hours"), busiest, sizeof busiest);
    if (printf("last %lld days: %lld runs of %lld tasks%s%s%s, success %s\n",
               (long long)json_integer_value(json_object_get(o, "days")),
               (long long)json_integer_value(json_object_get(o, "runs")),
               (long long)json_integer_value(json_object_get(o, "tasks")),
               statuses[0] ? " (" : "", statuses, statuses[0] ? ")" : "", rate) < 0 ||
        printf("duration %s\nlateness %s\n", dur, late) < 0 ||
        printf("busiest hours (%s): %s\n", json_string_value(json_object_get(o, "zone")),
               busiest) < 0)
        return -1;
    char line[STATS_LINE_MAX] = "";
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(slowest) && used < sizeof line; i++) {
        char p95[STATS_TEXT_MAX];
        const json_t *s = json_array_get(slowest, i);
        stats_seconds(json_object_get(s, "p95"), p95, sizeof p95);
        int w = snprintf(line + used, sizeof line - used, "%s%s %s", i ? ", " : "",
                         json_string_value(json_object_get(s, "task")), p95);
        used += w > 0 ? (size_t)w : 0;
    }
    return used ? cli_print_line("slowest (p95): %s", line) : 0;
}

static int stats_print_table(const json_t *tasks, double now)
{
    static const char *const header[STATS_COLUMNS] = {
        "TASK", "RUNS",   "SUCCESS", "P50",     "P95",
        "MAX",  "LATE95", "CPU P50", "MEM MAX", "LAST SUCCESS"};
    struct table t;
    int rc;

    table_init(&t, STATS_COLUMNS);
    table_add(&t, header);
    for (size_t i = 0; i < json_array_size(tasks); i++) {
        const json_t *task = json_array_get(tasks, i), *dur = json_object_get(task, "duration");
        char runs[STATS_TEXT_MAX], rate[STATS_TEXT_MAX], p50[STATS_TEXT_MAX];
        char p95[STATS_TEXT_MAX], max[STATS_TEXT_MAX], late[STATS_TEXT_MAX];
        char cpu[STATS_TEXT_MAX], mem[STATS_TEXT_MAX], last[STATS_TEXT_MAX];

        snprintf(runs, sizeof runs, "%lld",
                 (long long)json_integer_value(json_object_get(task, "runs")));
        stats_percent(json_object_get(task, "success_rate"), rate, sizeof rate);
        stats_seconds(json_object_get(dur, "p50"), p50, sizeof p50);
        stats_seconds(json_object_get(dur, "p95"), p95, sizeof p95);
        stats_seconds(json_object_get(dur, "max"), max, sizeof max);
        stats_seconds(json_object_get(json_object_get(task, "lateness"), "p95"), late,
                      sizeof late);
        stats_seconds(json_object_get(json_object_get(task, "cpu"), "p50"), cpu, sizeof cpu);
        stats_mib(json_object_get(json_object_get(task, "memory"), "max"), mem, sizeof mem);
        runview_ago(instant_json_get(task, "last_success"), now, last, sizeof last);
        const char *row[STATS_COLUMNS] = {json_string_value(json_object_get(task, "task")),
                                          runs,
                                          rate,
                                          p50,
                                          p95,
                                          max,
                                          late,
                                          cpu,
                                          mem,
                                          last};
        table_add(&t, row);
    }
    rc = table_print(&t, stdout);
    table_free(&t);
    return rc;
}

/* One task's figures, one per line. */
static int stats_print_task(const json_t *task, const struct tz *zone, double now)
{
    char statuses[STATS_LINE_MAX], rate[STATS_TEXT_MAX], dur[STATS_LINE_MAX];
    char late[STATS_LINE_MAX], cpu[STATS_LINE_MAX], mem50[STATS_TEXT_MAX];
    char memmax[STATS_TEXT_MAX], when[STATS_TEXT_MAX], ago[STATS_TEXT_MAX];
    char mtbf[STATS_TEXT_MAX];
    const json_t *memory = json_object_get(task, "memory");
    double last = instant_json_get(task, "last_success");

    stats_statuses(json_object_get(task, "by_status"), statuses, sizeof statuses);
    stats_percent(json_object_get(task, "success_rate"), rate, sizeof rate);
    stats_spread(json_object_get(task, "duration"), dur, sizeof dur);
    stats_spread(json_object_get(task, "lateness"), late, sizeof late);
    stats_spread(json_object_get(task, "cpu"), cpu, sizeof cpu);
    stats_mib(json_object_get(memory, "p50"), mem50, sizeof mem50);
    stats_mib(json_object_get(memory, "max"), memmax, sizeof memmax);
    runview_time(zone, last, when, sizeof when);
    runview_ago(last, now, ago, sizeof ago);
    stats_seconds(json_object_get(task, "mtbf"), mtbf, sizeof mtbf);
    if (cli_print_line("%s", json_string_value(json_object_get(task, "task"))) < 0 ||
        printf("  runs          %lld%s%s%s, %.1f a day\n",
               (long long)json_integer_value(json_object_get(task, "runs")),
               statuses[0] ? " (" : "", statuses, statuses[0] ? ")" : "",
               json_number_value(json_object_get(task, "runs_per_day"))) < 0 ||
        printf("  success       %s\n  duration      %s\n  lateness      %s\n", rate, dur,
               late) < 0 ||
        printf("  cpu           %s\n  memory        p50 %s, max %s\n", cpu, mem50, memmax) <
            0 ||
        printf("  last success  %s%s%s%s\n  mtbf          %s\n", when, last > 0 ? " (" : "",
               last > 0 ? ago : "", last > 0 ? ")" : "", mtbf) < 0)
        return -1;
    return 0;
}

static int stats_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct stats_args args;
    char err[STATS_ERR_MAX];
    json_t *perf = NULL, *overview = NULL;
    struct store *st;
    double now = clock_now();
    int rc = 1, found;

    if (stats_parse(argc, argv, &args) < 0)
        return cli_command_usage(&cmd_stats_entry);
    if (!(st = taskview_store_open(opt, err, sizeof err))) {
        fprintf(stderr, "stats: %s\n", err);
        return 1;
    }
    found =
        store_stats_performance(st, args.task, (int)args.days, now, opt->default_zone, &perf);
    if (found == 0) {
        /* neither a file nor runs: say so with the nearest name */
        if (taskname_check(opt, "stats", args.task) == 0)
            rc = cli_print_line("no runs of '%s' recorded", args.task) < 0 ? 1 : 0;
        goto done;
    }
    if (found < 0 || (!args.task && store_stats_overview(st, (int)args.days, now,
                                                         opt->default_zone, &overview) < 0)) {
        fprintf(stderr, "stats: %s\n", store_error(st));
        goto done;
    }
    if (opt->json) {
        if ((overview && json_object_set(perf, "overview", overview) < 0) ||
            table_print_json(perf, stdout) < 0)
            goto done;
    } else if (args.task) {
        if (stats_print_task(json_array_get(json_object_get(perf, "tasks"), 0),
                             opt->default_zone, now) < 0)
            goto done;
    } else if (stats_print_overview(overview) < 0 ||
               (json_array_size(json_object_get(perf, "tasks")) > 0 &&
                (printf("\n") < 0 ||
                 stats_print_table(json_object_get(perf, "tasks"), now) < 0)))
        goto done;
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    json_decref(perf);
    json_decref(overview);
    store_close(st);
    return rc;
}

const struct cli_command cmd_stats_entry = {
    .name = "stats",
    .usage = "[TASK] [--days N] [--json]",
    .help = "how the tasks performed: runs, success rate, durations, lateness",
    .manual = "  TASK      only this task, its figures one per line\n"
              "  --days N  the runs of the last N days (default 7, at most 3650)\n"
              "  --json    the figures as GET /api/v1/stats/performance has them,\n"
              "            and the overview's under \"overview\" when no TASK is named\n"
              "Percentiles are the nearest rank; times in seconds, memory in bytes in JSON.\n"
              "Exit 1 for a TASK that has no file and no runs.\n",
    .lenient = true,
    .exec = stats_exec,
};
