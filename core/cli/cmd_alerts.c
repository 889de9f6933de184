/* cmd_alerts.c — `main alerts [--all] [--json]`: the problems the daemon
 * noticed (failing, late, long-running, missed, broken tasks; the store;
 * interrupted runs), read from the store; and `main alerts resolve ID
 * [--note TEXT]`, which asks the daemon (engine_alert_resolve) so that the
 * resolve is published and notified as the daemon's own are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "runview.h"
#include "store/store.h"
#include "table.h"
#include "taskview.h"
#include "time/clock.h"
#include "time/instant_json.h"

#define ALERTS_ERR_MAX 512
#define ALERTS_COLUMNS 7
#define ALERTS_COUNT_MAX 24

struct alerts_walk {
    const struct tz *zone;
    json_t *alerts;
    bool out_of_memory;
};

static int alerts_take(const struct store_alert *a, void *ud)
{
    struct alerts_walk *w = ud;
    json_t *doc = store_alert_json(a, w->zone);

    if (!doc || json_array_append_new(w->alerts, doc) != 0) {
        w->out_of_memory = true;
        return 1;
    }
    return 0;
}

static int alerts_print(const struct cli_options *opt, const json_t *alerts, bool all)
{
    static const char *const header[ALERTS_COLUMNS] = {"ID",    "KIND",     "TASK",   "OPENED",
                                                       "COUNT", "RESOLVED", "MESSAGE"};
    double now = clock_now();
    struct table t;
    size_t i;
    json_t *a;
    int rc;

    if (json_array_size(alerts) == 0)
        return printf(all ? "no alert\n" : "no open alert\n") < 0 ? -1 : 0;
    table_init(&t, ALERTS_COLUMNS);
    table_add(&t, header);
    json_array_foreach(alerts, i, a)
    {
        char id[ALERTS_COUNT_MAX], count[ALERTS_COUNT_MAX], opened[RUNVIEW_WHEN_MAX],
            resolved[RUNVIEW_WHEN_MAX] = "open";
        const char *task = json_string_value(json_object_get(a, "task"));
        bool is_open = instant_json_get(a, "resolved_at") == 0;

        snprintf(id, sizeof id, "%lld",
                 (long long)json_integer_value(json_object_get(a, "id")));
        snprintf(count, sizeof count, "%lld",
                 (long long)json_integer_value(json_object_get(a, "count")));
        runview_when(opt->default_zone, instant_json_get(a, "opened_at"), now, opened,
                     sizeof opened);
        if (!is_open)
            runview_when(opt->default_zone, instant_json_get(a, "resolved_at"), now, resolved,
                         sizeof resolved);
        const char *row[ALERTS_COLUMNS] = {id,
                                           json_string_value(json_object_get(a, "kind")),
                                           task ? task : "(daemon)",
                                           opened,
                                           count,
                                           resolved,
                                           json_string_value(json_object_get(a, "message"))};
        table_add(&t, row);
        table_style(&t, 5, is_open ? TABLE_BAD : TABLE_GOOD);
    }
    rc = table_print(&t, stdout);
    table_free(&t);
    return rc;
}

static int alerts_list(const struct cli_options *opt, bool all)
{
    struct store_alert_filter f = {.state = all ? STORE_ALERTS_ALL : STORE_ALERTS_OPEN};
    struct alerts_walk w = {.zone = opt->default_zone, .alerts = json_array()};
    char err[ALERTS_ERR_MAX];
    struct store *st = taskview_store_open(opt, err, sizeof err);
    int rc = 1;

    if (!st || !w.alerts) {
        fprintf(stderr, "alerts: %s\n", st ? "out of memory" : err);
        goto done;
    }
    if (store_alerts(st, &f, 0, alerts_take, &w) < 0 || w.out_of_memory) {
        fprintf(stderr, "alerts: %s\n", w.out_of_memory ? "out of memory" : store_error(st));
        goto done;
    }
    if ((opt->json ? table_print_json(w.alerts, stdout) : alerts_print(opt, w.alerts, all)) <
            0 ||
        fflush(stdout) != 0)
        goto done;
    rc = 0;
done:
    json_decref(w.alerts);
    store_close(st);
    return rc;
}

/* `alerts resolve ID [--note TEXT]`; argv[0] is "resolve". */
static int alerts_resolve(const struct cli_options *opt, int argc, char **argv)
{
    const char *note = NULL;
    long long id = 0;
    char err[ALERTS_ERR_MAX];
    json_t *request, *reply = NULL;
    enum client_result crc;
    int rc = 1;

    for (int i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--note") == 0) {
            if (i + 1 == argc)
                return cli_bad_arg("alerts resolve", argv[i], true);
            note = argv[++i];
            continue;
        }
        if (argv[i][0] == '-' || id)
            return cli_bad_arg("alerts resolve", argv[i], false);
        errno = 0;
        id = strtoll(argv[i], &end, 10);
        if (errno || end == argv[i] || *end != '\0' || id < 1)
            return cli_bad_args("alerts resolve",
                                "ID: expected an alert id (a whole number from 1, as "
                                "`alerts` shows it), got '%s'",
                                argv[i]);
    }
    if (!id)
        return cli_bad_args("alerts resolve", "name the alert to resolve (its id)");
    request =
        json_pack("{s:s, s:I, s:s?}", "cmd", "resolve", "id", (json_int_t)id, "note", note);
    if (!request) {
        fprintf(stderr, "alerts: out of memory\n");
        return 1;
    }
    crc = client_ask(opt->root, request, &reply, err, sizeof err);
    json_decref(request);
    if (crc == CLIENT_NOT_RUNNING)
        snprintf(err, sizeof err, "no daemon runs in %s: alerts are resolved through it",
                 opt->root);
    if (crc != CLIENT_OK) {
        fprintf(stderr, "alerts: %s\n", err);
        return 1;
    }
    const json_t *alert = json_object_get(reply, "alert");
    if ((opt->json ? table_print_json(alert, stdout)
                   : printf("alert %lld (%s of %s): resolved by %s\n", id,
                            json_string_value(json_object_get(alert, "kind")),
                            json_string_value(json_object_get(alert, "task"))
                                ? json_string_value(json_object_get(alert, "task"))
                                : "the daemon",
                            json_string_value(json_object_get(alert, "resolved_by")))) >= 0 &&
        fflush(stdout) == 0)
        rc = 0;
    json_decref(reply);
    return rc;
}

static int alerts_exec(const struct cli_options *opt, int argc, char **argv)
{
    bool all = false;
    int rc;

    if (argc > 1 && strcmp(argv[1], "resolve") == 0) {
        rc = alerts_resolve(opt, argc - 1, argv + 1);
        return rc < 0 ? cli_command_usage(&cmd_alerts_entry) : rc;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            all = true;
        else {
            cli_bad_arg("alerts", argv[i], false);
            return cli_command_usage(&cmd_alerts_entry);
        }
    }
    return alerts_list(opt, all);
}

const struct cli_command cmd_alerts_entry = {
    .name = "alerts",
    .usage = "[--all] [--json] | resolve ID [--note TEXT]",
    .help = "the problems the daemon noticed; resolve one by hand",
    .manual = "  --all               resolved alerts too, newest first\n"
              "  --json              the alerts as JSON objects\n"
              "  resolve ID          mark alert ID resolved, by you (needs the daemon)\n"
              "  --note TEXT         with resolve: why, kept with the alert\n"
              "Kinds: failing, late, long_running, missed, broken, store, interrupted.\n",
    .lenient = true,
    .exec = alerts_exec,
};
