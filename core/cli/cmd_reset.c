/* cmd_reset.c — `main reset [--dry-run] [--future-only] [--task NAME]… [--all] [--json]`.
 *
 * Recomputes the stored next fires from now, dropping missed fires instead
 * of catching them up; --future-only resets only the overdue tasks
 * (engine_reset_next_fires has the rule).  A running
 * daemon does it itself, so its timers follow; without one the store is
 * changed directly and the next start finds nothing missed.  Either way
 * the changes come back as { name, old_next_fire, new_next_fire } and are
 * printed by one function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "engine/engine.h"
#include "runview.h"
#include "schedule/schedule.h"
#include "store/store.h"
#include "table.h"
#include "taskview.h"
#include "time/clock.h"
#include "time/instant_json.h"

#define RESET_ERR_MAX 512

struct reset_args {
    const char **names; /* --task NAMEs (argc slots) */
    size_t count;
    bool all, dry_run, future_only;
};

static int reset_parse(int argc, char **argv, struct reset_args *args)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            args->all = true;
        else if (strcmp(argv[i], "--dry-run") == 0)
            args->dry_run = true;
        else if (strcmp(argv[i], "--future-only") == 0)
            args->future_only = true;
        else if (strcmp(argv[i], "--task") == 0 && i + 1 < argc)
            args->names[args->count++] = argv[++i];
        else
            return cli_bad_arg("reset", argv[i], strcmp(argv[i], "--task") == 0);
    }
    if (args->all && args->count > 0)
        return cli_bad_args("reset", "name the tasks (--task NAME) or say --all, not both");
    /* Changing every task is never a default; showing what would change is. */
    if (!args->all && args->count == 0) {
        if (!args->dry_run)
            return cli_bad_args("reset", "name the tasks (--task NAME) or say --all");
        args->all = true;
    }
    return 0;
}

static bool reset_is_named(const struct reset_args *args, const char *name)
{
    for (size_t i = 0; i < args->count; i++) {
        if (strcmp(args->names[i], name) == 0)
            return true;
    }
    return false;
}

/* Whether the reset covers this task file. */
static bool reset_covers(const struct cli_options *opt, const struct reset_args *args,
                         const struct discovered *item)
{
    return args->all ? taskview_user_matches(opt, item) : reset_is_named(args, item->name);
}

static size_t reset_covered(const struct cli_options *opt, const struct reset_args *args,
                            const struct discovery *found)
{
    size_t n = 0;

    for (size_t i = 0; i < found->count; i++)
        n += reset_covers(opt, args, &found->items[i]);
    return n;
}

/* Find the task files; every --task NAME must be one of them (and pass
 * --user).  -1 with a message. */
static int reset_select(const struct cli_options *opt, const struct reset_args *args,
                        struct discovery *found, char *err, size_t errlen)
{
    if (taskview_scan(opt, NULL, found, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < args->count; i++) {
        size_t k = 0;
        while (k < found->count && strcmp(found->items[k].name, args->names[i]) != 0)
            k++;
        if (k == found->count || !taskview_user_matches(opt, &found->items[k])) {
            snprintf(err, errlen, "unknown task '%s'", args->names[i]);
            return -1;
        }
    }
    return 0;
}

/* Reset one task in the store, as engine_reset_next_fires does in the
 * daemon; appends to `changes` when its next fire moves.  -1 on a store
 * error. */
static int reset_store_task(struct store *st, const struct discovered *item,
                            const struct reset_args *args, const struct tz *zone, int64_t now,
                            json_t *changes)
{
    int64_t old_next, last_scheduled;
    int known = store_task_get_schedule_state(st, item->name, &old_next, &last_scheduled, NULL);

    if (known <= 0 || !item->loaded) /* never seen by a daemon, or broken */
        return known;
    if (args->future_only && !(old_next > 0 && old_next <= now)) /* not overdue */
        return 0;
    /* A paused task keeps its schedule (its fires are skipped, not gone). */
    int64_t new_next = item->task.enabled
                           ? schedule_set_next_fire(&item->task.schedules, now, zone)
                           : SCHEDULE_NEVER;
    if (new_next == SCHEDULE_NEVER)
        new_next = 0; /* the store's "none" */
    if (new_next == old_next && last_scheduled <= now)
        return 0;
    if (json_array_append_new(changes,
                              engine_reset_change(item->name, zone, old_next, new_next)) < 0)
        return -1;
    if (args->dry_run)
        return 0;
    if (store_task_set_next_fire(st, item->name, new_next) < 0)
        return -1;
    /* After a clock that ran ahead, fires up to "now" must count as new. */
    if (last_scheduled > now && store_task_set_last_scheduled(st, item->name, now) < 0)
        return -1;
    return 0;
}

static json_t *reset_local(const struct cli_options *opt, const struct reset_args *args,
                           const struct discovery *found, char *err, size_t errlen)
{
    struct store *st = NULL;
    json_t *changes = json_array();
    int64_t now = clock_now_s();

    if (!changes) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st = taskview_store_open(opt, err, errlen);
    if (!st)
        goto fail;
    for (size_t i = 0; i < found->count; i++) {
        if (reset_covers(opt, args, &found->items[i]) &&
            reset_store_task(st, &found->items[i], args, opt->default_zone, now, changes) < 0) {
            snprintf(err, errlen, "%s", store_error(st));
            goto fail;
        }
    }
    store_close(st);
    return changes;
fail:
    store_close(st);
    json_decref(changes);
    return NULL;
}

/* The "tasks" of the daemon's request: none means all, so a plain --all
 * sends none and --all with --user sends that user's tasks by name. */
static json_t *reset_request(const struct cli_options *opt, const struct reset_args *args,
                             const struct discovery *found)
{
    json_t *names = json_array();

    for (size_t i = 0; names && i < found->count; i++) {
        if ((!args->all || opt->user) && reset_covers(opt, args, &found->items[i]) &&
            json_array_append_new(names, json_string(found->items[i].name)) < 0) {
            json_decref(names);
            names = NULL;
        }
    }
    return json_pack("{s:s, s:o, s:b, s:b}", "cmd", "reset", "tasks", names, "future_only",
                     args->future_only, "dry_run", args->dry_run);
}

/* Ask the daemon.  NULL with a message, and *not_running set when no daemon
 * runs. */
static json_t *reset_daemon(const struct cli_options *opt, const struct reset_args *args,
                            const struct discovery *found, bool *not_running, char *err,
                            size_t errlen)
{
    json_t *request = reset_request(opt, args, found);
    json_t *reply = NULL, *changes = NULL;

    if (!request) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    enum client_result rc = client_ask(opt->root, request, &reply, err, errlen);
    *not_running = rc == CLIENT_NOT_RUNNING;
    if (rc != CLIENT_OK)
        goto done;
    changes = json_incref(json_object_get(reply, "changes"));
    if (!json_is_array(changes)) {
        snprintf(err, errlen, "malformed reply from the daemon");
        json_decref(changes);
        changes = NULL;
    }
done:
    json_decref(reply);
    json_decref(request);
    return changes;
}

static int reset_print(const struct cli_options *opt, const struct reset_args *args,
                       const json_t *changes)
{
    size_t i;
    json_t *change;

    if (json_array_size(changes) == 0)
        return printf("nothing to reset\n") < 0 ? -1 : 0;
    json_array_foreach(changes, i, change)
    {
        char old_at[RUNVIEW_TEXT_MAX], new_at[RUNVIEW_TEXT_MAX];
        runview_time(opt->default_zone, instant_json_get(change, "old_next_fire"), old_at,
                     sizeof old_at);
        runview_time(opt->default_zone, instant_json_get(change, "new_next_fire"), new_at,
                     sizeof new_at);
        if (printf("%s: %s -> %s\n", json_string_value(json_object_get(change, "name")), old_at,
                   new_at) < 0)
            return -1;
    }
    if (args->dry_run && printf("(dry run: nothing was changed)\n") < 0)
        return -1;
    return 0;
}

static int reset_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct reset_args args = {.names = calloc((size_t)argc, sizeof *args.names)};
    struct discovery found = {0};
    json_t *changes = NULL;
    bool not_running = false;
    char err[RESET_ERR_MAX];
    int rc = 1;

    if (!args.names) {
        fprintf(stderr, "reset: out of memory\n");
        return 1;
    }
    if (reset_parse(argc, argv, &args) < 0) {
        rc = cli_command_usage(&cmd_reset_entry);
        goto done;
    }
    if (reset_select(opt, &args, &found, err, sizeof err) < 0) {
        fprintf(stderr, "reset: %s\n", err);
        goto done;
    }
    if (reset_covered(opt, &args, &found) == 0) {
        changes = json_array(); /* --user with no task: nothing to ask anyone */
    } else {
        changes = reset_daemon(opt, &args, &found, &not_running, err, sizeof err);
        if (!changes && not_running)
            changes = reset_local(opt, &args, &found, err, sizeof err);
    }
    if (!changes) {
        fprintf(stderr, "reset: %s\n", err);
        goto done;
    }
    if ((opt->json ? table_print_json(changes, stdout) : reset_print(opt, &args, changes)) <
            0 ||
        fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    json_decref(changes);
    discovery_free(&found);
    free(args.names);
    return rc;
}

const struct cli_command cmd_reset_entry = {
    .name = "reset",
    .usage = "[--dry-run] [--future-only] [--task NAME]... [--all] [--json]",
    .help = "recompute stored next fire times",
    .lenient = true,
    .exec = reset_exec,
};
