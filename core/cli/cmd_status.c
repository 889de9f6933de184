/* cmd_status.c — `main --status [--json]`: the daemon and every task at a glance.
 *
 * The document comes from taskview_status (the daemon's own report, or one
 * built from the files when no daemon runs); --json prints it as is, else
 * a line about the daemon, one counting the tasks' states, and one aligned
 * row per task with the state that matters most.  Broken tasks get their
 * error under the table, where a long message fits.  The exit status says
 * the same without reading: 3 no daemon, 1 a task failing or broken, 0.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runview.h"
#include "table.h"
#include "task/task.h"
#include "taskview.h"
#include "time/instant_json.h"

#define STATUS_USAGE "--status [--json]"
#define STATUS_STATE_MAX 512   /* a failing task's state holds its error's first line */
#define STATUS_ALERTS_COLUMN 6 /* of the table's header */
#define STATUS_STATE_COLUMN 7
#define STATUS_EXIT_FAILING 1
#define STATUS_EXIT_DOWN 3

#define STATUS_MB (1024.0 * 1024.0)

/* Only while the daemon's store refuses writes, or a reader holds its
 * checkpoints back (engine.h, "store"). */
static void status_print_store(const json_t *doc)
{
    const json_t *store = json_object_get(doc, "store");
    const json_t *blocked = json_object_get(store, "checkpoint_blocked_by");
    char since[RUNVIEW_TEXT_MAX];
    long long lost = (long long)json_integer_value(json_object_get(store, "lost"));

    if (!json_is_object(store))
        return;
    if (json_object_get(store, "error")) {
        runview_duration(taskview_now(doc) - json_number_value(json_object_get(store, "since")),
                         since, sizeof since);
        printf("store: error: %s (for %s; %lld write(s) waiting to be saved",
               json_string_value(json_object_get(store, "error")), since,
               (long long)json_integer_value(json_object_get(store, "pending")));
        if (lost > 0)
            printf(", %lld lost", lost);
        printf(")\n");
    }
    if (json_is_object(blocked)) {
        runview_duration(taskview_now(doc) -
                             json_number_value(json_object_get(blocked, "since")),
                         since, sizeof since);
        printf("store: checkpoints held back for %s by process %lld (%s), which keeps a read "
               "transaction open; the WAL is %.1f MB and grows until it ends\n",
               since, (long long)json_integer_value(json_object_get(blocked, "pid")),
               json_string_value(json_object_get(blocked, "command")),
               (double)json_integer_value(json_object_get(blocked, "wal_bytes")) / STATUS_MB);
    }
}

/* One line per SQL source (engine.h, "sources"): where its rows come
 * from, how many it has, when it last read, and why its last read
 * failed. */
static void status_print_sources(const json_t *doc)
{
    size_t i;
    json_t *src;

    json_array_foreach(json_object_get(doc, "sources"), i, src)
    {
        const char *error = json_string_value(json_object_get(src, "error"));
        char ago[RUNVIEW_TEXT_MAX];
        json_int_t rows = json_integer_value(json_object_get(src, "rows"));

        runview_ago(instant_json_get(src, "read_at"), taskview_now(doc), ago, sizeof ago);
        printf("source %s: %s, table %s, every %llds, %lld row%s, read %s%s%s\n",
               json_string_value(json_object_get(src, "name")),
               json_string_value(json_object_get(src, "url")),
               json_string_value(json_object_get(src, "table")),
               (long long)json_integer_value(json_object_get(src, "poll")), (long long)rows,
               rows == 1 ? "" : "s", strcmp(ago, "-") == 0 ? "never" : ago,
               error ? ", error: " : "", error ? error : "");
    }
}

/* "queues: default 2 running, 0 waiting; maint 1 running (at most 1), 1
 * waiting" — only once queues are in use: a bound, or a queue other than
 * the default. */
static void status_print_queues(const json_t *doc)
{
    const json_t *queues = json_object_get(doc, "queues"), *q;
    const char *name, *sep = "queues: ";
    bool used = false;

    json_object_foreach((json_t *)queues, name, q)
    {
        used |= strcmp(name, TASK_DEFAULT_QUEUE) != 0 ||
                json_is_integer(json_object_get(q, "max_concurrent"));
    }
    if (!used)
        return;
    json_object_foreach((json_t *)queues, name, q)
    {
        const json_t *bound = json_object_get(q, "max_concurrent");
        printf("%s%s %lld running", sep, name,
               (long long)json_integer_value(json_object_get(q, "running")));
        if (json_is_integer(bound))
            printf(" (at most %lld)", (long long)json_integer_value(bound));
        printf(", %lld waiting", (long long)json_integer_value(json_object_get(q, "waiting")));
        sep = "; ";
    }
    printf("\n");
}

static void status_print_daemon(const json_t *doc)
{
    char up[RUNVIEW_TEXT_MAX];

    if (!json_is_true(json_object_get(doc, "daemon"))) {
        printf("daemon: not running\n");
        return;
    }
    runview_duration(json_number_value(json_object_get(doc, "uptime")), up, sizeof up);
    printf("daemon: running (pid %lld, up %s, version %s), %lld running, %lld queued\n",
           (long long)json_integer_value(json_object_get(doc, "pid")), up,
           json_string_value(json_object_get(doc, "version")),
           (long long)json_integer_value(json_object_get(doc, "running")),
           (long long)json_integer_value(json_object_get(doc, "queued")));
    status_print_queues(doc);
    status_print_store(doc);
    status_print_sources(doc);
}

/* "tasks/x.lua:3" of a load error "tasks/x.lua:3: message": the text up
 * to the first ":LINE:"; else its first line. */
static void status_where(const char *error, char *buf, size_t len)
{
    size_t n = error ? strcspn(error, "\n") : 0;

    for (size_t i = 0; i < n; i++) {
        size_t digits = strspn(error + i + 1, "0123456789");
        if (error[i] == ':' && digits > 0 && error[i + 1 + digits] == ':') {
            n = i + 1 + digits;
            break;
        }
    }
    snprintf(buf, len, "%.*s", (int)n, error ? error : "");
}

/* The state that matters most, with what the operator needs to act on it:
 * broken, installing, running, retrying, queued, paused, failing, late,
 * disabled, ok; and its colour (table.h). */
static enum table_style status_state(const struct cli_options *opt, const json_t *task,
                                     double now, char *buf, size_t len)
{
    const json_t *running = json_object_get(task, "running");
    const json_t *retry = json_object_get(task, "retry");
    const json_t *last = json_object_get(task, "last_run");
    json_int_t streak = json_integer_value(json_object_get(task, "failing_streak"));
    char text[RUNVIEW_WHEN_MAX];

    if (json_is_true(json_object_get(task, "broken"))) {
        status_where(json_string_value(json_object_get(task, "error")), text, sizeof text);
        snprintf(buf, len, "broken: %s%s", text,
                 json_is_true(json_object_get(task, "last_good")) ? " (last good version runs)"
                                                                  : "");
        return TABLE_BAD;
    }
    if (json_is_true(json_object_get(task, "installing"))) {
        snprintf(buf, len, "installing dependencies");
        return TABLE_PLAIN;
    }
    if (json_array_size(running) > 0) {
        double started = instant_json_get(json_array_get(running, 0), "started_at");
        runview_duration(started > 0 ? now - started : 0, text, sizeof text);
        snprintf(buf, len, "running %s", text);
        return TABLE_PLAIN;
    }
    if (json_is_object(retry)) {
        /* the time of day: runview_time's text between the date and the
         * offset (the counts line names the zone) */
        runview_time(opt->default_zone, instant_json_get(retry, "at"), text, sizeof text);
        char *clock = strchr(text, ' '), *offset = clock ? strchr(clock + 1, ' ') : NULL;
        if (offset)
            *offset = '\0';
        snprintf(buf, len, "retrying (%lld/%lld at %s)",
                 (long long)json_integer_value(json_object_get(retry, "attempt")),
                 (long long)json_integer_value(json_object_get(retry, "of")),
                 clock ? clock + 1 : text);
        return TABLE_WARN;
    }
    if (json_is_true(json_object_get(task, "queued"))) {
        snprintf(buf, len, "queued");
        return TABLE_PLAIN;
    }
    if (json_is_true(json_object_get(task, "paused"))) {
        snprintf(buf, len, "paused");
        return TABLE_PLAIN;
    }
    if (streak > 0) {
        const char *error = json_string_value(json_object_get(last, "error"));
        snprintf(buf, len, "failing (%lld in a row)%s%s", (long long)streak, error ? ": " : "",
                 error ? error : "");
        return TABLE_BAD;
    }
    if (json_is_true(json_object_get(task, "overdue"))) {
        snprintf(buf, len, "late");
        return TABLE_WARN;
    }
    if (!json_is_true(json_object_get(task, "enabled"))) {
        snprintf(buf, len, "disabled");
        return TABLE_PLAIN;
    }
    snprintf(buf, len, "ok");
    return TABLE_GOOD;
}

/* "3 min ago, failed, 0.20s"; "-" when the task never ran. */
static void status_last_run(const json_t *run, double now, char *buf, size_t len)
{
    const char *status = json_string_value(json_object_get(run, "status"));
    const json_t *duration = json_object_get(run, "duration");
    double at = instant_json_get(run, "finished_at");
    char ago[RUNVIEW_TEXT_MAX], took[RUNVIEW_TEXT_MAX] = "";

    if (!status) {
        snprintf(buf, len, "-");
        return;
    }
    runview_ago(at > 0 ? at : instant_json_get(run, "started_at"), now, ago, sizeof ago);
    if (json_is_number(duration)) {
        memcpy(took, ", ", 3);
        runview_duration(json_number_value(duration), took + 2, sizeof took - 2);
    }
    snprintf(buf, len, "%s, %s%s", ago, status, took);
}

/* The tasks' states counted, for the header line and the exit status. */
struct status_counts {
    size_t tasks, running, failing, broken, paused, overdue;
};

static void status_count(const json_t *tasks, struct status_counts *n)
{
    size_t i;
    json_t *task;

    memset(n, 0, sizeof *n);
    json_array_foreach(tasks, i, task)
    {
        n->tasks++;
        n->running += json_array_size(json_object_get(task, "running")) > 0;
        n->failing += json_integer_value(json_object_get(task, "failing_streak")) > 0;
        n->broken += json_is_true(json_object_get(task, "broken"));
        n->paused += json_is_true(json_object_get(task, "paused"));
        n->overdue += json_is_true(json_object_get(task, "overdue"));
    }
}

/* The kinds of a task's open alerts, "failing, missed", or "" for none
 * (none known: the status of the store has no alerts). */
static void status_alerts(const json_t *task, char *buf, size_t len)
{
    size_t i, used = 0;
    json_t *kind;

    buf[0] = '\0';
    json_array_foreach(json_object_get(task, "alerts"), i, kind)
    {
        int n =
            snprintf(buf + used, len - used, "%s%s", i ? ", " : "", json_string_value(kind));
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
}

static int status_print_tasks(const struct cli_options *opt, const json_t *tasks,
                              json_int_t open_alerts, double now)
{
    static const char *const header[] = {"TASK",     "TITLE",  "SCHEDULE", "NEXT FIRE",
                                         "LAST RUN", "SOURCE", "ALERTS",   "STATE"};
    struct status_counts n;
    struct table t;
    size_t i;
    json_t *task;
    int rc;

    if (json_array_size(tasks) == 0)
        return taskview_print_none(opt);
    status_count(tasks, &n);
    printf("%zu task%s: %zu running, %zu failing, %zu broken, %zu paused, %zu overdue; "
           "%lld open alert%s (times in %s)\n",
           n.tasks, n.tasks == 1 ? "" : "s", n.running, n.failing, n.broken, n.paused,
           n.overdue, (long long)open_alerts, open_alerts == 1 ? "" : "s",
           tz_name(opt->default_zone));
    table_init(&t, sizeof header / sizeof header[0]);
    table_add(&t, header);
    json_array_foreach(tasks, i, task)
    {
        char next[RUNVIEW_WHEN_MAX], last[RUNVIEW_WHEN_MAX], state[STATUS_STATE_MAX],
            alerts[STATUS_STATE_MAX];
        char source[TASKVIEW_SOURCE_MAX];
        taskview_source(task, opt->root, source, sizeof source);
        runview_when(opt->default_zone, instant_json_get(task, "next_fire"), now, next,
                     sizeof next);
        status_last_run(json_object_get(task, "last_run"), now, last, sizeof last);
        enum table_style style = status_state(opt, task, now, state, sizeof state);
        status_alerts(task, alerts, sizeof alerts);
        const char *row[] = {json_string_value(json_object_get(task, "name")),
                             json_string_value(json_object_get(task, "title")),
                             json_string_value(json_object_get(task, "schedule")),
                             next,
                             last,
                             source,
                             alerts[0] ? alerts : NULL,
                             state};
        table_add(&t, row);
        table_style(&t, STATUS_STATE_COLUMN, style);
        if (alerts[0])
            table_style(&t, STATUS_ALERTS_COLUMN, TABLE_BAD);
    }
    rc = table_print(&t, stdout);
    table_free(&t);
    json_array_foreach(tasks, i, task)
    {
        if (json_is_true(json_object_get(task, "broken")))
            printf("broken: %s\n", json_string_value(json_object_get(task, "error")));
    }
    return rc;
}

static int status_print(const struct cli_options *opt, const json_t *doc)
{
    status_print_daemon(doc);
    taskview_print_scope(doc);
    return status_print_tasks(opt, json_object_get(doc, "tasks"),
                              json_integer_value(json_object_get(doc, "open_alerts")),
                              taskview_now(doc));
}

/* As `systemctl status`: 3 when no daemon runs, else 1 when a task is
 * failing or broken, else 0. */
static int status_exit(const json_t *doc)
{
    struct status_counts n;

    if (!json_is_true(json_object_get(doc, "daemon")))
        return STATUS_EXIT_DOWN;
    status_count(json_object_get(doc, "tasks"), &n);
    return n.failing > 0 || n.broken > 0 ? STATUS_EXIT_FAILING : 0;
}

int cmd_status(const struct cli_options *opt, int argc, char **argv)
{
    bool json;
    int rc = 1;
    json_t *doc = taskview_command(opt, argc, argv, "status", &json, &rc);

    if (!doc)
        return rc == EXIT_USAGE ? cli_usage(STATUS_USAGE) : rc;
    if ((json ? table_print_json(doc, stdout) : status_print(opt, doc)) >= 0 &&
        fflush(stdout) == 0)
        rc = status_exit(doc);
    json_decref(doc);
    return rc;
}
