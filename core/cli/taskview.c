/* taskview.c — the status document, from the daemon or from the files. */
#include "taskview.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "config/config.h"
#include "engine/engine.h"
#include "runview.h"
#include "schedule/schedule.h"
#include "store/store.h"
#include "time/clock.h"
#include "time/instant_json.h"
#include "time/tz.h"
#include "version.h"

#define TASKVIEW_PATH_MAX PATH_MAX
#define TASKVIEW_SCHEDULE_MAX 512 /* a union of schedules, in words */
#define TASKVIEW_ERR_MAX 256

struct store *taskview_store_open(const struct cli_options *opt, char *err, size_t errlen)
{
    char path[TASKVIEW_PATH_MAX];

    if (config_resolve_path(opt->root, opt->config->database.path, path, sizeof path) < 0) {
        snprintf(err, errlen, "%s: database path too long", opt->config->database.path);
        return NULL;
    }
    return store_open(path, err, errlen);
}

int taskview_scan(const struct cli_options *opt, const char *only, struct discovery *out,
                  char *err, size_t errlen)
{
    const struct discovery_options dopt = {
        .tasks_dir = opt->tasks_dir,
        .jobs_file = opt->jobs_file,
        .pattern = opt->config->tasks.pattern,
        .func_handler = opt->config->tasks.func_handler,
        .include_examples = opt->include_examples,
        .only = only,
    };

    return discovery_scan(&dopt, out, err, errlen);
}

/* taskview_user_matches, for a task whose `user` field is `task_user`. */
static bool taskview_user_is(const struct cli_options *opt, const char *task_user, bool loaded)
{
    return !opt->user || !loaded || (task_user && strcmp(task_user, opt->user) == 0);
}

bool taskview_user_matches(const struct cli_options *opt, const struct discovered *item)
{
    return taskview_user_is(opt, item->loaded ? item->task.user : NULL, item->loaded);
}

/* Whether the JSON list of strings holds the `len` bytes at `tag`. */
static bool taskview_has_tag(const json_t *tags, const char *tag, size_t len)
{
    size_t i;
    json_t *item;

    json_array_foreach(tags, i, item)
    {
        const char *text = json_string_value(item);
        if (text && strlen(text) == len && strncmp(text, tag, len) == 0)
            return true;
    }
    return false;
}

bool taskview_wanted(const struct cli_options *opt, const json_t *task)
{
    /* Broken with no last good version: neither user nor tags are known. */
    bool loaded = !json_is_true(json_object_get(task, "broken")) ||
                  json_is_true(json_object_get(task, "last_good"));
    const json_t *tags = json_object_get(task, "tags");

    if (!taskview_user_is(opt, json_string_value(json_object_get(task, "user")), loaded))
        return false;
    if (!opt->tags || !loaded)
        return true;
    for (const char *tag = opt->tags; *tag;) {
        size_t len = strcspn(tag, ",");
        if (len > 0 && taskview_has_tag(tags, tag, len))
            return true;
        tag += len + (tag[len] == ',');
    }
    return false;
}

bool taskview_filtered(const struct cli_options *opt)
{
    return opt->user || opt->tags;
}

bool taskview_lists(const json_t *doc, const char *name)
{
    size_t i;
    json_t *task;

    json_array_foreach(json_object_get(doc, "tasks"), i, task)
    {
        const char *listed = json_string_value(json_object_get(task, "name"));
        if (listed && strcmp(listed, name) == 0)
            return true;
    }
    return false;
}

int taskview_print_none(const struct cli_options *opt)
{
    return printf("no tasks%s%s%s%s in %s\n", opt->user ? " for user " : "",
                  opt->user ? opt->user : "", opt->tags ? " tagged " : "",
                  opt->tags ? opt->tags : "", opt->tasks_dir) < 0
               ? -1
               : 0;
}

void taskview_print_scope(const json_t *doc)
{
    const char *only = json_string_value(json_object_get(doc, "only_user"));

    if (only)
        printf("daemon: runs only the tasks of user %s (started with --user %s)\n", only, only);
}

/* Keep the tasks of the document that pass the filters.  0, or -1 when out
 * of memory. */
static int taskview_keep_wanted(const struct cli_options *opt, json_t *doc)
{
    json_t *tasks = json_object_get(doc, "tasks");
    size_t i = 0;

    while (i < json_array_size(tasks)) {
        if (taskview_wanted(opt, json_array_get(tasks, i)))
            i++;
        else if (json_array_remove(tasks, i) < 0)
            return -1;
    }
    return 0;
}

struct taskview_last {
    const struct cli_options *opt;
    json_t *run;
};

/* The task's last run as the daemon reports it (engine_last_run_json). */
static int taskview_take_run(const struct store_run *run, void *ud)
{
    struct taskview_last *last = ud;

    /* NULL is shown as no last run: only out of memory gets here */
    last->run = engine_last_run_json(run, last->opt->default_zone);
    return 0;
}

static int taskview_take_alert(const struct store_alert *a, void *ud)
{
    return json_array_append_new(ud, json_string(a->kind)) != 0;
}

/* The kinds of the task's open alerts, as the daemon lists them (oldest
 * first there, by kind here: the same set); NULL with the store's error
 * or out of memory. */
static json_t *taskview_alerts(struct store *st, const char *task)
{
    struct store_alert_filter f = {.state = STORE_ALERTS_OPEN, .task = task};
    json_t *kinds = json_array();

    if (kinds && store_alerts(st, &f, 0, taskview_take_alert, kinds) == 0)
        return kinds;
    json_decref(kinds);
    return NULL;
}

/* One task in engine_status_json's shape, from its file and its row; NULL
 * with a message in err. */
static json_t *taskview_local_task(const struct cli_options *opt, struct store *st,
                                   const struct discovered *item, int64_t now, char *err,
                                   size_t errlen)
{
    const struct task *t = &item->task;
    int64_t stored_next = 0;
    bool paused = false;
    struct taskview_last last = {opt, NULL};
    char words[TASKVIEW_SCHEDULE_MAX] = "";
    int streak = 0;

    json_t *alerts = NULL;

    if (store_task_get_schedule_state(st, item->name, &stored_next, NULL, &paused) < 0 ||
        store_last_run(st, item->name, taskview_take_run, &last) < 0 ||
        store_failing_streak(st, item->name, &streak) < 0 ||
        !(alerts = taskview_alerts(st, item->name))) {
        snprintf(err, errlen, "%s", store_error(st));
        json_decref(last.run);
        return NULL;
    }
    bool fires = item->loaded && t->enabled; /* paused too: it keeps its schedule */
    /* An overdue task's next fire is the one it missed, as the daemon shows
     * it; any other's is the schedule's next instant from now.  A paused
     * task is never overdue: its fires are meant to be skipped. */
    bool overdue = fires && !paused && stored_next > 0 && stored_next != SCHEDULE_NEVER &&
                   stored_next + ENGINE_OVERDUE_AFTER < now;
    int64_t next = overdue ? stored_next
                   : fires ? schedule_set_next_fire(&t->schedules, now, opt->default_zone)
                           : SCHEDULE_NEVER;
    if (item->loaded)
        schedule_set_describe(&t->schedules, words, sizeof words);
    /* No daemon: nothing runs, waits for a slot or waits to be retried. */
    json_t *entry = json_pack(
        "{s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:o, s:b, s:b, s:b, s:s?, s:b, s:b, s:b, s:o, s:i, "
        "s:b, s:n, s:[], s:o, s:o}",
        "name", item->name, "title", item->loaded ? t->title : NULL, "path", item->path,
        "schedule", item->loaded ? words : NULL, "user", item->loaded ? t->user : NULL, "queue",
        item->loaded ? t->queue : NULL, "tags", task_list_json(&t->tags), "enabled",
        item->loaded && t->enabled, "paused", paused, "broken", !item->loaded, "error",
        item->error, "last_good", false, "installing", false, "overdue", overdue, "last_run",
        last.run ? last.run : json_null(), "failing_streak", streak, "queued", false, "retry",
        "running", "alerts", alerts, "source",
        task_source_json(item->path, item->loaded ? t->line : 0));
    if (entry && instant_json_set(entry, "next_fire", opt->default_zone,
                                  next != SCHEDULE_NEVER ? (double)next : 0) < 0) {
        json_decref(entry);
        entry = NULL;
    }
    if (!entry)
        snprintf(err, errlen, "%s: cannot describe the task", item->name);
    return entry;
}

static json_t *taskview_local(const struct cli_options *opt, char *err, size_t errlen)
{
    struct discovery found = {0};
    struct store *st = NULL;
    json_t *doc = NULL, *summary = NULL, *tasks = json_array();
    int64_t now = clock_now_s();

    if (!tasks || taskview_scan(opt, NULL, &found, err, errlen) < 0)
        goto fail;
    st = taskview_store_open(opt, err, errlen);
    if (!st)
        goto fail;
    for (size_t i = 0; i < found.count; i++) {
        json_t *task = taskview_local_task(opt, st, &found.items[i], now, err, errlen);
        if (!task)
            goto fail;
        if (json_array_append_new(tasks, task) < 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    summary = store_alerts_summary(st);
    if (!summary) {
        snprintf(err, errlen, "%s", store_error(st));
        goto fail;
    }
    doc =
        json_pack("{s:b, s:n, s:s, s:n, s:i, s:i, s:n, s:O, s:O}", "daemon", 0, "pid",
                  "version", SCHEDULER_VERSION, "uptime", "running", 0, "queued", 0,
                  "only_user", "tasks", tasks, "open_alerts", json_object_get(summary, "open"));
    if (doc && (instant_json_set(doc, "started_at", opt->default_zone, 0) < 0 ||
                instant_json_set(doc, "now", opt->default_zone, (double)now) < 0)) {
        json_decref(doc);
        doc = NULL;
    }
    if (!doc)
        snprintf(err, errlen, "out of memory");
fail:
    json_decref(summary);
    json_decref(tasks);
    store_close(st);
    discovery_free(&found);
    return doc;
}

double taskview_now(const json_t *doc)
{
    double now = instant_json_get(doc, "now");

    return now > 0 ? now : clock_now();
}

json_t *taskview_status(const struct cli_options *opt, char *err, size_t errlen)
{
    json_t *request = json_pack("{s:s, s:s?}", "cmd", "status", "user", opt->user);
    json_t *reply = NULL, *doc = NULL;

    if (!request) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    switch (client_call(opt->root, request, &reply, err, errlen)) {
    case CLIENT_NOT_RUNNING:
        doc = taskview_local(opt, err, errlen);
        break;
    case CLIENT_OK:
        if (client_reply_error(reply)) {
            snprintf(err, errlen, "daemon: %s", client_reply_error(reply));
            break;
        }
        doc = json_incref(json_object_get(reply, "status"));
        if (!json_is_object(doc) || json_object_set_new(doc, "daemon", json_true()) < 0) {
            snprintf(err, errlen, "daemon: malformed status reply");
            json_decref(doc);
            doc = NULL;
        }
        break;
    case CLIENT_ERROR:
        break;
    }
    if (doc && taskview_keep_wanted(opt, doc) < 0) {
        snprintf(err, errlen, "out of memory");
        json_decref(doc);
        doc = NULL;
    }
    json_decref(reply);
    json_decref(request);
    return doc;
}

json_t *taskview_command(const struct cli_options *opt, int argc, char **argv, const char *name,
                         bool *json, int *rc)
{
    char err[TASKVIEW_ERR_MAX];
    json_t *doc;

    *json = opt->json; /* main.c takes --json wherever it is */
    if (argc > 1) {
        cli_bad_arg(name, argv[1], false);
        *rc = EXIT_USAGE;
        return NULL;
    }
    doc = taskview_status(opt, err, sizeof err);
    if (!doc) {
        fprintf(stderr, "%s: %s\n", name, err);
        *rc = 1;
    }
    return doc;
}

void taskview_source(const json_t *task, const char *root, char *buf, size_t len)
{
    const json_t *source = json_object_get(task, "source");
    const char *path = json_string_value(json_object_get(source, "path"));
    json_int_t line = json_integer_value(json_object_get(source, "line"));
    size_t n = root ? strlen(root) : 0;

    if (!path) {
        snprintf(buf, len, "%s", "");
        return;
    }
    if (n > 0 && strncmp(path, root, n) == 0 && path[n] == '/')
        path += n + 1;
    if (line > 0)
        snprintf(buf, len, "%s:%lld", path, (long long)line);
    else
        snprintf(buf, len, "%s", path);
}
