/* cmd_cancel.c — `main cancel RUN_ID [--json]`: stop a running run.
 *
 * Only the daemon runs runs, so only it can cancel one (engine_cancel):
 * the run's session gets SIGTERM, then SIGKILL after scheduler.kill_grace,
 * as at a timeout, and the run is recorded `killed` with who cancelled it
 * (the daemon reads the caller's uid from the socket).  The command
 * returns once the daemon has sent SIGTERM; `history` shows the end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "config/config.h"
#include "table.h"

#define CANCEL_ERR_MAX 512

struct cancel_args {
    long long run_id;
};

static int cancel_parse(int argc, char **argv, struct cancel_args *args)
{
    for (int i = 1; i < argc; i++) {
        char *end;
        if (argv[i][0] == '-' || args->run_id)
            return cli_bad_arg("cancel", argv[i], false);
        errno = 0;
        args->run_id = strtoll(argv[i], &end, 10);
        if (errno || end == argv[i] || *end != '\0' || args->run_id < 1)
            return cli_bad_args("cancel",
                                "RUN_ID: expected a run id (a whole number from 1, "
                                "as `history` shows it), got '%s'",
                                argv[i]);
    }
    if (!args->run_id)
        return cli_bad_args("cancel", "name the run to cancel (its id, as `history` shows it)");
    return 0;
}

/* The daemon's reply (new reference), or NULL with a message. */
static json_t *cancel_ask(const struct cli_options *opt, long long run_id, char *err,
                          size_t errlen)
{
    json_t *request = json_pack("{s:s, s:I}", "cmd", "cancel", "run_id", (json_int_t)run_id);
    json_t *reply = NULL;
    enum client_result rc;

    if (!request) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rc = client_ask(opt->root, request, &reply, err, errlen);
    json_decref(request);
    if (rc == CLIENT_NOT_RUNNING)
        snprintf(err, errlen, "run %lld is not running: no daemon runs in %s", run_id,
                 opt->root);
    if (rc != CLIENT_OK)
        return NULL;
    if (json_object_del(reply, "ok") != 0 || !json_is_string(json_object_get(reply, "task"))) {
        snprintf(err, errlen, "malformed reply from the daemon");
        json_decref(reply);
        return NULL;
    }
    return reply;
}

static int cancel_exec(const struct cli_options *opt, int argc, char **argv)
{
    struct cancel_args args = {0};
    char err[CANCEL_ERR_MAX];
    json_t *reply;
    int rc = 1;

    if (cancel_parse(argc, argv, &args) < 0)
        return cli_command_usage(&cmd_cancel_entry);
    reply = cancel_ask(opt, args.run_id, err, sizeof err);
    if (!reply) {
        fprintf(stderr, "cancel: %s\n", err);
        return 1;
    }
    if ((opt->json ? table_print_json(reply, stdout)
                   : printf("run %lld of %s: cancelled; SIGTERM sent, SIGKILL after %d s if "
                            "it is still there\n",
                            args.run_id, json_string_value(json_object_get(reply, "task")),
                            opt->config->scheduler.kill_grace)) >= 0 &&
        fflush(stdout) == 0)
        rc = 0;
    json_decref(reply);
    return rc;
}

const struct cli_command cmd_cancel_entry = {
    .name = "cancel",
    .usage = "RUN_ID [--json]",
    .help = "stop a running run (recorded killed)",
    .lenient = true,
    .exec = cancel_exec,
};
