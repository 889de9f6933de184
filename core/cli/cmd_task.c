/* cmd_task.c — `main --task NAME`: run a task now, whatever its schedule.
 *
 * With a daemon running, the daemon runs it (so max_instances, the queue
 * and the history stay in one hand) and streams its output here; without
 * one, engine_run_local runs it in this process with the same executor and
 * recording.  Both paths print through the same two callbacks.  Exit 0 when
 * the run succeeded, 1 when it did not or could not start.  Interrupting
 * the CLI leaves a daemon's run going (it is recorded as usual); a local
 * run is stopped with it.  With --json the task's output goes to stderr
 * and stdout gets the run as recorded, once it ended.  A name that no task
 * file has is refused here, with the nearest one suggested.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "engine/engine.h"
#include "runview.h"
#include "store/store.h"
#include "table.h"
#include "taskname.h"
#include "taskview.h"

#define TASK_USAGE "--task NAME"
#define TASK_CMD_ERR_MAX 512
#define TASK_CODE_TEXT_MAX 32 /* " (exit code N)" */

struct task_json {
    const struct tz *zone;
    json_t *row;
};

struct task_result {
    bool json; /* stdout holds the run's JSON alone */
    bool done;
    bool success;
    int64_t run_id;
};

/* Task output goes to our stdout or stderr as it came (all to stderr with
 * --json); its log lines to stderr, beside the errors. */
static void task_on_output(void *data, const char *stream, const char *line, size_t len)
{
    const struct task_result *result = data;
    FILE *out = strcmp(stream, "stdout") == 0 && !result->json ? stdout : stderr;

    if (fwrite(line, 1, len, out) == len && fputc('\n', out) != EOF)
        fflush(out);
}

static void task_on_done(void *data, int64_t run_id, enum store_status status, int exit_code,
                         const char *error)
{
    struct task_result *result = data;
    char code[TASK_CODE_TEXT_MAX] = "";

    result->done = true;
    result->success = status == STORE_RUN_SUCCESS;
    result->run_id = run_id;
    if (result->success)
        return;
    if (exit_code != ENGINE_NO_EXIT_CODE)
        snprintf(code, sizeof code, " (exit code %d)", exit_code);
    fprintf(stderr, "task: run %lld ended %s%s%s%s\n", (long long)run_id,
            store_status_name(status), code, error ? ": " : "", error ? error : "");
}

/* The status of the daemon's "done" message, sent by name; a name this
 * build does not know (or none) is a failure. */
static enum store_status done_status(const json_t *msg)
{
    enum store_status status;

    if (store_status_parse(json_string_value(json_object_get(msg, "status")), &status) != 0)
        return STORE_RUN_FAILED;
    return status;
}

/* Follow the daemon's reply lines until the run is done.  0, or -1 after
 * printing why the conversation broke. */
static int task_follow(struct client *c, struct task_result *result)
{
    char err[TASK_CMD_ERR_MAX];

    while (!result->done) {
        json_t *msg = client_read(c, CLIENT_NO_TIMEOUT, err, sizeof err);
        if (!msg) {
            fprintf(stderr, "task: %s\n", err);
            return -1;
        }
        const char *type = json_string_value(json_object_get(msg, "type"));
        const json_t *line = json_object_get(msg, "line");
        if (client_reply_error(msg) && !type) {
            fprintf(stderr, "task: %s\n", client_reply_error(msg));
            json_decref(msg);
            return -1;
        }
        if (type && strcmp(type, "output") == 0 && json_is_string(line))
            task_on_output(result, json_string_value(json_object_get(msg, "stream")),
                           json_string_value(line), json_string_length(line));
        else if (type && strcmp(type, "done") == 0)
            task_on_done(result, json_integer_value(json_object_get(msg, "run_id")),
                         done_status(msg),
                         json_is_integer(json_object_get(msg, "exit_code"))
                             ? (int)json_integer_value(json_object_get(msg, "exit_code"))
                             : ENGINE_NO_EXIT_CODE,
                         json_string_value(json_object_get(msg, "error")));
        json_decref(msg);
    }
    return 0;
}

/* CLIENT_OK when the daemon ran it (result filled), CLIENT_NOT_RUNNING, or
 * CLIENT_ERROR after printing why. */
static enum client_result task_through_daemon(const struct cli_options *opt, const char *name,
                                              struct task_result *result)
{
    struct client c;
    char err[TASK_CMD_ERR_MAX] = "";
    json_t *request = json_pack("{s:s, s:s}", "cmd", "run", "task", name);
    enum client_result rc = CLIENT_ERROR;

    if (!request) {
        fprintf(stderr, "task: out of memory\n");
        return CLIENT_ERROR;
    }
    rc = client_open(&c, opt->root, err, sizeof err);
    if (rc == CLIENT_OK) {
        if (client_send(&c, request, err, sizeof err) < 0 || task_follow(&c, result) < 0)
            rc = CLIENT_ERROR;
        client_close(&c);
    }
    if (rc == CLIENT_ERROR && err[0])
        fprintf(stderr, "task: %s\n", err);
    json_decref(request);
    return rc;
}

static int task_take_row(const struct store_run *run, void *data)
{
    struct task_json *out = data;

    out->row = store_run_json(run, out->zone);
    return out->row ? 0 : -1;
}

/* --json: the run as recorded (store_run_json's shape: id, status, the
 * instants, duration, exit_code, signal, error, result...) to stdout.  0,
 * or -1 after saying why not. */
static int task_print_json(const struct cli_options *opt, int64_t run_id)
{
    struct task_json out = {.zone = opt->default_zone};
    char err[TASK_CMD_ERR_MAX];
    struct store *st = taskview_store_open(opt, err, sizeof err);
    int rc = -1;

    if (!st) {
        fprintf(stderr, "task: %s\n", err);
        return -1;
    }
    int found = store_run_get(st, run_id, task_take_row, &out);
    if (found != 1 || !out.row)
        fprintf(stderr, "task: run %lld: %s\n", (long long)run_id,
                found < 0    ? store_error(st)
                : found == 0 ? "not recorded"
                             : "out of memory");
    else
        rc = table_print_json(out.row, stdout) < 0 || fflush(stdout) != 0 ? -1 : 0;
    json_decref(out.row);
    store_close(st);
    return rc;
}

int cmd_task(const struct cli_options *opt, int argc, char **argv)
{
    struct task_result result = {.json = opt->json};
    const struct engine_client client = {
        .on_output = task_on_output, .on_done = task_on_done, .data = &result};
    const struct engine_local_options local = {
        .root = opt->root,
        .config_path = opt->config_path,
        .config = opt->config,
        .verbose = opt->verbose,
        .include_examples = opt->include_examples,
    };
    char err[TASK_CMD_ERR_MAX];

    if (argc != 2)
        return cli_usage(TASK_USAGE);
    if (taskname_check(opt, "task", argv[1]) != 0)
        return 1;
    switch (task_through_daemon(opt, argv[1], &result)) {
    case CLIENT_OK:
        break;
    case CLIENT_ERROR:
        return 1;
    case CLIENT_NOT_RUNNING:
        if (engine_run_local(&local, argv[1], &client, err, sizeof err) < 0) {
            fprintf(stderr, "task: %s\n", err);
            return 1;
        }
        break;
    }
    if (opt->json && result.done && task_print_json(opt, result.run_id) < 0)
        return 1;
    return result.success ? 0 : 1;
}
