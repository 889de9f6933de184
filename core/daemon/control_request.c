/* control_request.c — a control-socket request line into a struct
 * control_request: JSON parsing with jansson and the checks every command
 * makes on its arguments, before the daemon acts on it. */
#include "control_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TASKS_NOT_NAMES "\"tasks\" must be a list of names"

static const struct {
    const char *name;
    enum control_cmd cmd;
} commands[] = {
    {"ping", CONTROL_CMD_PING},     {"status", CONTROL_CMD_STATUS},
    {"run", CONTROL_CMD_RUN},       {"reset", CONTROL_CMD_RESET},
    {"reload", CONTROL_CMD_RELOAD}, {"stop", CONTROL_CMD_STOP},
    {"pause", CONTROL_CMD_PAUSE},   {"resume", CONTROL_CMD_RESUME},
    {"cancel", CONTROL_CMD_CANCEL}, {"resolve", CONTROL_CMD_RESOLVE},
};

/* "tasks": a list of strings; absent means every task where `all_if_absent`,
 * else it is refused, as is an empty list. */
static int parse_tasks(struct control_request *req, bool all_if_absent, char *err,
                       size_t errlen)
{
    const json_t *tasks = json_object_get(req->json, "tasks");
    size_t count = json_array_size(tasks);

    if (!tasks && all_if_absent)
        return 0;
    if (!json_is_array(tasks) || (!all_if_absent && count == 0)) {
        snprintf(err, errlen,
                 all_if_absent ? TASKS_NOT_NAMES : TASKS_NOT_NAMES " (at least one)");
        return -1;
    }
    if (count && !(req->tasks = calloc(count, sizeof *req->tasks))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    req->task_count = count;
    for (size_t i = 0; i < count; i++) {
        req->tasks[i] = json_string_value(json_array_get(tasks, i));
        if (!req->tasks[i]) {
            snprintf(err, errlen, TASKS_NOT_NAMES);
            return -1;
        }
    }
    return 0;
}

static int parse_reset(struct control_request *req, char *err, size_t errlen)
{
    if (parse_tasks(req, true, err, errlen) < 0)
        return -1;
    req->future_only = json_is_true(json_object_get(req->json, "future_only"));
    req->dry_run = json_is_true(json_object_get(req->json, "dry_run"));
    return 0;
}

/* req->json[key], a positive integer, into *out; else the error "'CMD'
 * needs a "KEY", a positive integer". */
static int positive_id(const struct control_request *req, const char *cmd, const char *key,
                       int64_t *out, char *err, size_t errlen)
{
    const json_t *id = json_object_get(req->json, key);

    *out = json_is_integer(id) ? (int64_t)json_integer_value(id) : 0;
    if (*out > 0)
        return 0;
    snprintf(err, errlen, "'%s' needs a \"%s\", a positive integer", cmd, key);
    return -1;
}

static int parse_args(struct control_request *req, char *err, size_t errlen)
{
    const json_t *note;

    switch (req->cmd) {
    case CONTROL_CMD_STATUS:
        req->user = json_string_value(json_object_get(req->json, "user"));
        return 0;
    case CONTROL_CMD_RUN:
        req->task = json_string_value(json_object_get(req->json, "task"));
        if (!req->task) {
            snprintf(err, errlen, "'run' needs a \"task\" name");
            return -1;
        }
        return 0;
    case CONTROL_CMD_RESET:
        return parse_reset(req, err, errlen);
    case CONTROL_CMD_PAUSE:
    case CONTROL_CMD_RESUME:
        return parse_tasks(req, false, err, errlen);
    case CONTROL_CMD_CANCEL:
        return positive_id(req, "cancel", "run_id", &req->run_id, err, errlen);
    case CONTROL_CMD_RESOLVE:
        note = json_object_get(req->json, "note");
        req->note = json_string_value(note);
        if (note && !json_is_null(note) && !req->note) {
            snprintf(err, errlen, "'resolve': \"note\" must be a string");
            return -1;
        }
        return positive_id(req, "resolve", "id", &req->alert_id, err, errlen);
    case CONTROL_CMD_PING:
    case CONTROL_CMD_RELOAD:
    case CONTROL_CMD_STOP:
        return 0;
    }
    return 0;
}

int control_request_parse(const char *line, size_t len, struct control_request *out, char *err,
                          size_t errlen)
{
    json_error_t jerr;
    const char *cmd;
    size_t i;

    memset(out, 0, sizeof *out);
    out->json = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(out->json)) {
        snprintf(err, errlen, "bad request: %s",
                 out->json ? "expected a JSON object" : jerr.text);
        goto fail;
    }
    cmd = json_string_value(json_object_get(out->json, "cmd"));
    if (!cmd) {
        snprintf(err, errlen, "bad request: no \"cmd\"");
        goto fail;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            break;
    if (i == sizeof commands / sizeof commands[0]) {
        snprintf(err, errlen, "unknown command '%s'", cmd);
        goto fail;
    }
    out->cmd = commands[i].cmd;
    if (parse_args(out, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    control_request_free(out);
    return -1;
}

void control_request_free(struct control_request *req)
{
    free(req->tasks);
    json_decref(req->json);
    memset(req, 0, sizeof *req);
}
