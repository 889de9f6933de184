/* cmd_pause.c — `main pause TASK... [--json]` and `main resume TASK...
 * [--json]`.
 *
 * A running daemon does it itself (engine_set_paused: a paused task keeps
 * its schedule, its fires are recorded skipped "paused"); without one the
 * store's tasks table is changed directly, as `reset` does, so that the
 * next start finds the task paused.  Either way the answer is the one
 * document { "paused" | "resumed": [names], "unchanged": [names] },
 * printed by one function.  An unknown name changes nothing and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "lib/suggest.h"
#include "store/store.h"
#include "table.h"
#include "taskview.h"

#define PAUSE_ERR_MAX 512

struct pause_args {
    const char **names; /* argc slots */
    size_t count;
    bool paused; /* pause, else resume */
};

static const char *pause_verb(const struct pause_args *args)
{
    return args->paused ? "pause" : "resume";
}

static int pause_parse(int argc, char **argv, struct pause_args *args)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-')
            args->names[args->count++] = argv[i];
        else
            return cli_bad_arg(pause_verb(args), argv[i], false);
    }
    if (args->count == 0)
        return cli_bad_args(pause_verb(args), "name at least one task");
    return 0;
}

/* The discovered task `name`, or NULL with the engine's message for an
 * unknown name (the nearest one suggested). */
static const struct discovered *pause_find(const struct discovery *found, const char *name,
                                           char *err, size_t errlen)
{
    struct suggest near;

    suggest_init(&near, name);
    for (size_t i = 0; i < found->count; i++) {
        if (strcmp(found->items[i].name, name) == 0)
            return &found->items[i];
        suggest_consider(&near, found->items[i].name);
    }
    if (near.best)
        snprintf(err, errlen, "no task named '%s' (did you mean '%s'?)", name, near.best);
    else
        snprintf(err, errlen, "no task named '%s'", name);
    return NULL;
}

/* Save one task's pause in the store; a task no daemon has seen yet gets
 * its row first (the daemon fills in the rest when it loads the file).
 * 1 when it changed, 0 when it already was so, -1 on a store error. */
static int pause_store_task(struct store *st, const struct discovered *item, bool paused)
{
    struct store_task row = {.name = item->name,
                             .path = item->path,
                             .enabled = item->loaded && item->task.enabled,
                             .load_error = item->error};
    bool was = false;
    int known = store_task_get_schedule_state(st, item->name, NULL, NULL, &was);

    if (known < 0)
        return -1;
    if (known && was == paused)
        return 0;
    if (!known && store_task_upsert(st, &row) < 0)
        return -1;
    return store_task_set_paused(st, item->name, paused) < 0 ? -1 : 1;
}

/* No daemon runs: change the store.  Every name is checked before any
 * change.  NULL with a message. */
static json_t *pause_local(const struct cli_options *opt, const struct pause_args *args,
                           char *err, size_t errlen)
{
    struct discovery found = {0};
    struct store *st = NULL;
    json_t *all = json_array(), *unchanged = json_array();
    json_t *doc = json_pack("{s:o, s:o}", args->paused ? "paused" : "resumed", all, "unchanged",
                            unchanged);

    if (!doc) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (taskview_scan(opt, NULL, &found, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < args->count; i++)
        if (!pause_find(&found, args->names[i], err, errlen))
            goto fail;
    if (!(st = taskview_store_open(opt, err, errlen)))
        goto fail;
    for (size_t i = 0; i < args->count; i++) {
        const struct discovered *item = pause_find(&found, args->names[i], err, errlen);
        int changed = pause_store_task(st, item, args->paused);
        if (changed < 0) {
            snprintf(err, errlen, "%s: %s", item->name, store_error(st));
            goto fail;
        }
        if (json_array_append_new(all, json_string(item->name)) < 0 ||
            (!changed && json_array_append_new(unchanged, json_string(item->name)) < 0)) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    store_close(st);
    discovery_free(&found);
    return doc;
fail:
    store_close(st);
    discovery_free(&found);
    json_decref(doc);
    return NULL;
}

/* Ask the daemon.  NULL with a message, and *not_running set when no
 * daemon runs. */
static json_t *pause_daemon(const struct cli_options *opt, const struct pause_args *args,
                            bool *not_running, char *err, size_t errlen)
{
    json_t *names = json_array(), *reply = NULL, *doc = NULL;
    json_t *request = json_pack("{s:s, s:o}", "cmd", pause_verb(args), "tasks", names);

    for (size_t i = 0; request && i < args->count; i++) {
        if (json_array_append_new(names, json_string(args->names[i])) < 0) {
            json_decref(request);
            request = NULL;
        }
    }
    if (!request) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    enum client_result rc = client_ask(opt->root, request, &reply, err, errlen);
    *not_running = rc == CLIENT_NOT_RUNNING;
    if (rc != CLIENT_OK)
        goto done;
    if (json_object_del(reply, "ok") == 0 && json_is_array(json_object_get(reply, "unchanged")))
        doc = json_incref(reply);
    else
        snprintf(err, errlen, "malformed reply from the daemon");
done:
    json_decref(reply);
    json_decref(request);
    return doc;
}

static bool pause_listed(const json_t *list, const char *name)
{
    size_t i;
    json_t *item;

    json_array_foreach(list, i, item)
    {
        if (strcmp(json_string_value(item), name) == 0)
            return true;
    }
    return false;
}

/* "backup: paused", "report: already paused", one line a task. */
static int pause_print(const struct pause_args *args, const json_t *doc, bool daemon)
{
    const char *done = args->paused ? "paused" : "resumed";
    const char *state = args->paused ? "paused" : "not paused";
    const json_t *unchanged = json_object_get(doc, "unchanged");
    size_t i;
    json_t *item;

    json_array_foreach(json_object_get(doc, done), i, item)
    {
        const char *name = json_string_value(item);
        if ((pause_listed(unchanged, name) ? printf("%s: already %s\n", name, state)
                                           : printf("%s: %s\n", name, done)) < 0)
            return -1;
    }
    if (!daemon && printf("(no daemon runs: saved for its next start)\n") < 0)
        return -1;
    return 0;
}

static int pause_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct pause_args args = {.names = calloc((size_t)argc, sizeof *args.names),
                              .paused = strcmp(argv[0], cmd_pause_entry.name) == 0};
    bool not_running = false;
    char err[PAUSE_ERR_MAX];
    json_t *doc = NULL;
    int rc = 1;

    if (!args.names) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        return 1;
    }
    if (pause_parse(argc, argv, &args) < 0) {
        rc = cli_command_usage(args.paused ? &cmd_pause_entry : &cmd_resume_entry);
        goto done;
    }
    doc = pause_daemon(opt, &args, &not_running, err, sizeof err);
    if (!doc && not_running)
        doc = pause_local(opt, &args, err, sizeof err);
    if (!doc) {
        fprintf(stderr, "%s: %s\n", pause_verb(&args), err);
        goto done;
    }
    if ((opt->json ? table_print_json(doc, stdout) : pause_print(&args, doc, !not_running)) <
            0 ||
        fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    json_decref(doc);
    free(args.names);
    return rc;
}

const struct cli_command cmd_pause_entry = {
    .name = "pause",
    .usage = "TASK... [--json]",
    .help = "skip the tasks' fires until they are resumed",
    .lenient = true,
    .exec = pause_exec,
};

const struct cli_command cmd_resume_entry = {
    .name = "resume",
    .usage = "TASK... [--json]",
    .help = "run paused tasks on their schedule again",
    .lenient = true,
    .exec = pause_exec,
};
