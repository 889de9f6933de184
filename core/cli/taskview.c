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
        .pattern = opt->config->tasks.pattern,
        .include_examples = opt->include_examples,
        .only = only,
    };

    return discovery_scan(&dopt, out, err, errlen);
}

bool taskview_user_matches(const struct cli_options *opt, const struct discovered *item)
{
    if (!opt->user)
        return true;
    return item->loaded && item->task.user && strcmp(item->task.user, opt->user) == 0;
}

struct taskview_last {
    const struct cli_options *opt;
    json_t *run;
};

/* The task's last run as the daemon reports it: status, started_at and
 * finished_at (ISO), duration. */
static int taskview_take_run(const struct store_run *run, void *ud)
{
    struct taskview_last *last = ud;

    last->run = json_pack("{s:s, s:o}", "status", store_status_name(run->status), "duration",
                          run->finished_at > 0 && run->started_at > 0 ? json_real(run->duration)
                                                                      : json_null());
    if (last->run && (instant_json_set(last->run, "started_at", last->opt->default_zone,
                                       run->started_at) < 0 ||
                      instant_json_set(last->run, "finished_at", last->opt->default_zone,
                                       run->finished_at) < 0)) {
        json_decref(last->run);
        last->run = NULL; /* shown as no last run: only out of memory gets here */
    }
    return 0;
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

    if (store_task_get_schedule_state(st, item->name, &stored_next, NULL, &paused) < 0 ||
        store_last_run(st, item->name, taskview_take_run, &last) < 0) {
        snprintf(err, errlen, "%s", store_error(st));
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
    json_t *entry = json_pack(
        "{s:s, s:s?, s:s, s:s?, s:s?, s:b, s:b, s:b, s:s?, s:b, s:b, s:b, s:o, s:[]}", "name",
        item->name, "title", item->loaded ? t->title : NULL, "path", item->path, "schedule",
        item->loaded ? words : NULL, "user", item->loaded ? t->user : NULL, "enabled",
        item->loaded && t->enabled, "paused", paused, "broken", !item->loaded, "error",
        item->error, "last_good", false, "installing", false, "overdue", overdue, "last_run",
        last.run ? last.run : json_null(), "running");
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
    json_t *doc = NULL, *tasks = json_array();
    int64_t now = clock_now_s();

    if (!tasks || taskview_scan(opt, NULL, &found, err, errlen) < 0)
        goto fail;
    st = taskview_store_open(opt, err, errlen);
    if (!st)
        goto fail;
    for (size_t i = 0; i < found.count; i++) {
        if (!taskview_user_matches(opt, &found.items[i]))
            continue;
        json_t *task = taskview_local_task(opt, st, &found.items[i], now, err, errlen);
        if (!task)
            goto fail;
        if (json_array_append_new(tasks, task) < 0) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    doc = json_pack("{s:b, s:n, s:s, s:n, s:i, s:i, s:O}", "daemon", 0, "pid", "version",
                    SCHEDULER_VERSION, "uptime", "running", 0, "queued", 0, "tasks", tasks);
    if (doc && (instant_json_set(doc, "started_at", opt->default_zone, 0) < 0 ||
                instant_json_set(doc, "now", opt->default_zone, (double)now) < 0)) {
        json_decref(doc);
        doc = NULL;
    }
    if (!doc)
        snprintf(err, errlen, "out of memory");
fail:
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
