/* cmd_task.c — `main --task NAME`: run a task now, whatever its schedule.
 *
 * With a daemon running, the daemon runs it (so max_instances, the queue
 * and the history stay in one hand) and streams its output here; without
 * one, engine_run_local runs it in this process with the same executor and
 * recording.  Both paths print through the same two callbacks.  Exit 0 when
 * the run succeeded, 1 when it did not or could not start.  Interrupting
 * the CLI leaves a daemon's run going (it is recorded as usual); a local
 * run is stopped with it.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "engine/engine.h"
#include "store/store.h"

#define TASK_USAGE "--task NAME"
#define TASK_CMD_ERR_MAX 512
#define TASK_CODE_TEXT_MAX 32 /* " (exit code N)" */

struct task_result {
    bool done;
    bool success;
};

/* Task output goes to our stdout or stderr as it came; its log lines to
 * stderr, beside the errors. */
static void task_on_output(void *data, const char *stream, const char *line, size_t len)
{
    FILE *out = strcmp(stream, "stdout") == 0 ? stdout : stderr;

    (void)data;
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

int cmd_task(const struct cli_options *opt, int argc, char **argv)
{
    struct task_result result = {false, false};
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
    return result.success ? 0 : 1;
}
