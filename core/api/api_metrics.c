/* api_metrics.c — GET /metrics in the Prometheus text format (0.0.4).
 *
 * The counters and histograms are kept in memory from the daemon's start
 * (a restart begins them at zero, which Prometheus' rate() expects of a
 * counter), fed by the daemon's events (engine/events.h): a run's
 * `finished` counts it by task and status, adds its duration and, for a
 * success, its time as the task's last success; a run's `started` adds its
 * lateness (started minus its fire instant; runs started by hand have
 * none); a `store_error` counts.  The events published before the API
 * started (the start-up's catch-up) are read from the ring.  The gauges
 * (running, queued, broken task files, start time) are read from the
 * engine's status at each scrape, the open alerts by kind from the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_internal.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "log/log.h"
#include "store/store.h"
#include "version.h"

#define PREFIX "taskscheduler_"
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define BUCKETS_MAX 12

/* The final statuses a run is counted by. */
static const char *const statuses[] = {"success", "failed", "timeout",    "killed",
                                       "skipped", "missed", "interrupted"};
#define STATUS_COUNT (sizeof statuses / sizeof statuses[0])

static const double duration_bounds[] = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
static const double lateness_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 60};
#define BOUNDS(a) (sizeof a / sizeof a[0])

struct histogram {
    unsigned long long counts[BUCKETS_MAX]; /* per bucket, not cumulative */
    unsigned long long count;
    double sum;
};

struct task_metrics {
    char *name;
    unsigned long long runs[STATUS_COUNT];
    double last_success; /* epoch seconds; 0: none since the start */
    struct histogram duration, lateness;
};

struct api_metrics {
    struct task_metrics *tasks;
    size_t count, cap;
    unsigned long long store_errors;
};

static void observe(struct histogram *h, const double *bounds, size_t n, double value)
{
    size_t i = 0;

    while (i < n && value > bounds[i])
        i++;
    if (i < n)
        h->counts[i]++;
    h->count++;
    h->sum += value;
}

/* The task's metrics, made at its first event; NULL out of memory. */
static struct task_metrics *task_of(struct api_metrics *m, const char *name)
{
    struct task_metrics *t;

    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->tasks[i].name, name) == 0)
            return &m->tasks[i];
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct task_metrics *grown = realloc(m->tasks, cap * sizeof *grown);
        if (!grown)
            return NULL;
        m->tasks = grown;
        m->cap = cap;
    }
    t = &m->tasks[m->count];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name)))
        return NULL;
    m->count++;
    return t;
}

static void on_run(struct api_metrics *m, const char *type, json_t *data)
{
    const char *task = json_string_value(json_object_get(data, "task"));
    const char *status = json_string_value(json_object_get(data, "status"));
    json_t *duration = json_object_get(data, "duration");
    json_t *lateness = json_object_get(data, "lateness");
    struct task_metrics *t;

    if (!task || !(t = task_of(m, task))) {
        if (task)
            log_warn("api: out of memory counting a run of %s for /metrics", task);
        return;
    }
    if (strcmp(type, "started") == 0 && json_is_number(lateness))
        observe(&t->lateness, lateness_bounds, BOUNDS(lateness_bounds),
                json_number_value(lateness));
    if (strcmp(type, "finished") != 0 || !status)
        return;
    for (size_t i = 0; i < STATUS_COUNT; i++)
        if (strcmp(statuses[i], status) == 0)
            t->runs[i]++;
    if (json_is_number(duration))
        observe(&t->duration, duration_bounds, BOUNDS(duration_bounds),
                json_number_value(duration));
    if (strcmp(status, "success") == 0)
        t->last_success = json_number_value(json_object_get(data, "time"));
}

static void on_event(void *data, const struct event *ev)
{
    struct api_metrics *m = data;
    const char *type = json_string_value(json_object_get(ev->data, "type"));

    if (!type)
        return;
    if (strcmp(ev->kind, "run") == 0)
        on_run(m, type, ev->data);
    else if (strcmp(ev->kind, "daemon") == 0 && strcmp(type, "store_error") == 0)
        m->store_errors++;
}

struct api_metrics *api_metrics_create(char *err, size_t errlen)
{
    struct api_metrics *m = calloc(1, sizeof *m);

    if (!m || events_subscribe(on_event, m) != 0) {
        snprintf(err, errlen, "api: %s", m ? "too many event subscribers" : "out of memory");
        free(m);
        return NULL;
    }
    for (uint64_t id = events_first(); id < events_next(); id++)
        on_event(m, events_get(id));
    return m;
}

void api_metrics_free(struct api_metrics *m)
{
    if (!m)
        return;
    events_unsubscribe(on_event, m);
    for (size_t i = 0; i < m->count; i++)
        free(m->tasks[i].name);
    free(m->tasks);
    free(m);
}

/* A label value as the format wants it: \, " and newline escaped. */
static void put_label(FILE *f, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", name, help, name, type);
}

static void put_histogram(FILE *f, const char *name, const char *task,
                          const struct histogram *h, const double *bounds, size_t n)
{
    unsigned long long cumulative = 0;

    for (size_t i = 0; i < n; i++) {
        cumulative += h->counts[i];
        fprintf(f, PREFIX "%s_bucket{task=\"", name);
        put_label(f, task);
        fprintf(f, "\",le=\"%g\"} %llu\n", bounds[i], cumulative);
    }
    fprintf(f, PREFIX "%s_bucket{task=\"", name);
    put_label(f, task);
    fprintf(f, "\",le=\"+Inf\"} %llu\n" PREFIX "%s_sum{task=\"", h->count, name);
    put_label(f, task);
    fprintf(f, "\"} %.6f\n" PREFIX "%s_count{task=\"", h->sum, name);
    put_label(f, task);
    fprintf(f, "\"} %llu\n", h->count);
}

/* The number of broken task files in a status document. */
static long broken_files(const json_t *status)
{
    long n = 0;
    size_t i;
    json_t *task;

    json_array_foreach(json_object_get(status, "tasks"), i, task)
    {
        n += json_is_true(json_object_get(task, "broken"));
    }
    return n;
}

/* The open alerts of the store, by kind, every kind listed (0 too). */
static void put_alerts(FILE *f, const json_t *summary)
{
    const json_t *by_kind = json_object_get(summary, "by_kind");

    family(f, "alerts_open", "gauge", "Alerts open now, by kind.");
    for (int kind = 0; kind < STORE_ALERT_KINDS; kind++) {
        const char *name = store_alert_kind_name(kind);
        fprintf(f, PREFIX "alerts_open{kind=\"%s\"} %lld\n", name,
                (long long)json_integer_value(json_object_get(by_kind, name)));
    }
}

static void put_all(FILE *f, const struct api_metrics *m, const json_t *status,
                    const json_t *summary)
{
    unsigned long long missed = 0;

    family(f, "runs_total", "counter",
           "Runs that ended since the daemon started, by task and final status.");
    for (size_t i = 0; i < m->count; i++)
        for (size_t s = 0; s < STATUS_COUNT; s++) {
            if (!m->tasks[i].runs[s])
                continue;
            fputs(PREFIX "runs_total{task=\"", f);
            put_label(f, m->tasks[i].name);
            fprintf(f, "\",status=\"%s\"} %llu\n", statuses[s], m->tasks[i].runs[s]);
        }
    family(f, "run_duration_seconds", "histogram", "How long runs took, by task.");
    for (size_t i = 0; i < m->count; i++)
        put_histogram(f, "run_duration_seconds", m->tasks[i].name, &m->tasks[i].duration,
                      duration_bounds, BOUNDS(duration_bounds));
    family(f, "run_lateness_seconds", "histogram",
           "How long after its fire instant a scheduled run started, by task.");
    for (size_t i = 0; i < m->count; i++)
        put_histogram(f, "run_lateness_seconds", m->tasks[i].name, &m->tasks[i].lateness,
                      lateness_bounds, BOUNDS(lateness_bounds));
    family(f, "last_success_timestamp_seconds", "gauge",
           "When the task's last successful run ended (since the daemon started).");
    for (size_t i = 0; i < m->count; i++) {
        if (!m->tasks[i].last_success)
            continue;
        fputs(PREFIX "last_success_timestamp_seconds{task=\"", f);
        put_label(f, m->tasks[i].name);
        fprintf(f, "\"} %.3f\n", m->tasks[i].last_success);
    }
    for (size_t i = 0; i < m->count; i++)
        for (size_t s = 0; s < STATUS_COUNT; s++)
            if (strcmp(statuses[s], "missed") == 0)
                missed += m->tasks[i].runs[s];
    family(f, "missed_fires_total", "counter",
           "Fires that passed while the daemon was down and were not caught up.");
    fprintf(f, PREFIX "missed_fires_total %llu\n", missed);
    family(f, "store_errors_total", "counter", "Writes the database refused.");
    fprintf(f, PREFIX "store_errors_total %llu\n", m->store_errors);
    family(f, "runs_running", "gauge", "Run processes alive now.");
    fprintf(f, PREFIX "runs_running %lld\n",
            (long long)json_integer_value(json_object_get(status, "running")));
    family(f, "runs_queued", "gauge", "Runs waiting for a free slot.");
    fprintf(f, PREFIX "runs_queued %lld\n",
            (long long)json_integer_value(json_object_get(status, "queued")));
    family(f, "task_load_errors", "gauge", "Task files that do not load now.");
    fprintf(f, PREFIX "task_load_errors %ld\n", broken_files(status));
    family(f, "start_time_seconds", "gauge", "When the daemon started, in epoch seconds.");
    fprintf(f, PREFIX "start_time_seconds %.3f\n",
            json_number_value(json_object_get(status, "started_at_epoch")));
    put_alerts(f, summary);
    family(f, "build_info", "gauge", "The daemon's version, as a label.");
    fputs(PREFIX "build_info{version=\"", f);
    put_label(f, SCHEDULER_VERSION);
    fputs("\"} 1\n", f);
}

static struct MHD_Response *make_text(void *data, struct MHD_Connection *conn)
{
    char *text = data;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);

    (void)conn;
    if (!resp) {
        free(text);
        return NULL;
    }
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE) != MHD_YES) {
        MHD_destroy_response(resp);
        return NULL;
    }
    return resp;
}

void api_get_metrics(struct api_call *call)
{
    json_t *status = engine_status_json(call->ctx->engine, NULL);
    json_t *summary = store_alerts_summary(call->ctx->store);
    char *text = NULL;
    size_t len = 0;
    FILE *f = status && summary ? open_memstream(&text, &len) : NULL;
    bool ok;

    if (f)
        put_all(f, call->ctx->metrics, status, summary);
    ok = f && !ferror(f);
    if (f && fclose(f) != 0)
        ok = false;
    json_decref(status);
    json_decref(summary);
    if (!ok) {
        free(text);
        api_reply_problem(call, 500, NULL, "%s building the metrics",
                          summary || !status ? "out of memory" : "the alerts cannot be read");
        return;
    }
    call->reply.status = 200;
    call->reply.custom = (struct api_custom){make_text, text};
}
