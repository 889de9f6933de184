/* api_jobs.c — PUT and DELETE /api/v1/tasks/{name}: YAML jobs made over
 * the API, as files the user can read, diff and commit.
 *
 * PUT takes a JSON job (the fields of a YAML job, yamljob.h), writes it as
 * YAML beside its destination, validates that exact content as discovery
 * would (in the bounded worker of isolated.h, so a hostile schedule costs
 * the loop at most its timeout), then fsyncs, renames it to
 * tasks/NAME.yaml and fsyncs the folder; the engine rescans and the answer
 * is the task document (201 created, 200 replaced).  DELETE removes that
 * file (204).  A task from a .lua file, or an entry of a list, is refused
 * with 409 and its source; If-Match, when given, must be the task
 * document's ETag (412 otherwise), so two editors cannot overwrite each
 * other unseen.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "api_respond.h"
#include "engine/engine.h"
#include "lib/yamldoc.h"
#include "lib/yamldoc_json.h"
#include "log/log.h"
#include "task/discovery.h"
#include "task/isolated.h"
#include "task/module.h"
#include "task/yamljob.h"

#define JOB_NAME_MAX 200
#define JOB_DEPTH_MAX 32

/* A task name the API may make a file of: folders and a base of letters,
 * digits, '_', '-' and '.', none starting with '.' or '_', not a module's
 * place (tasks/lib/). */
static bool name_ok(const char *name)
{
    char rel[JOB_NAME_MAX + 8];
    const char *part = name;

    if (strlen(name) == 0 || strlen(name) > JOB_NAME_MAX)
        return false;
    for (;;) {
        size_t n = strspn(part, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789_-.");
        if (n == 0 || part[0] == '.' || part[0] == '_' || (part[n] != '/' && part[n] != '\0'))
            return false;
        if (part[n] == '\0')
            break;
        part += n + 1;
    }
    snprintf(rel, sizeof rel, "%s.yaml", name);
    return !module_is(rel);
}

/* The field a loader message is about ("... field 'timeout': ..."), into
 * buf; "body" when it names none. */
static const char *field_of(const char *msg, char *buf, size_t len)
{
    const char *at = strstr(msg, "field '");
    size_t n;

    if (!at) {
        snprintf(buf, len, "body");
        return buf;
    }
    at += strlen("field '");
    n = strcspn(at, "'");
    snprintf(buf, len, "%.*s", (int)n, at);
    return buf;
}

/* fsync a file or folder by path: 0, or -1 with errno. */
static int sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC), rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    if (close(fd) != 0)
        rc = -1;
    return rc;
}

/* tasks/NAME.yaml and its folder into file/dir; folders made as needed.
 * 0, or -1 with the problem answered. */
static int job_paths(struct api_call *call, const char *name, bool make, char file[PATH_MAX],
                     char dir[PATH_MAX])
{
    char tasks[PATH_MAX];
    char *slash;

    if (engine_tasks_dir(call->ctx->engine, tasks, sizeof tasks) != 0 ||
        api_job_file(call, name, file) != 0) {
        api_reply_problem(call, 500, NULL, "the tasks folder's path is too long");
        return -1;
    }
    snprintf(dir, PATH_MAX, "%s", file);
    slash = strrchr(dir, '/');
    *slash = '\0';
    for (char *p = dir + strlen(tasks); make && p && *p; p = strchr(p + 1, '/')) {
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            api_reply_problem(call, 500, NULL, "cannot make %s: %s", dir, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (make && mkdir(dir, 0755) != 0 && errno != EEXIST) {
        api_reply_problem(call, 500, NULL, "cannot make %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Whether the request may go on against `task` (NULL: none yet), which
 * must be the file `file` if it exists.  Else the problem is answered:
 * 409 for a task from elsewhere, 412 for a stale If-Match. */
static bool may_change(struct api_call *call, const json_t *task, const char *file)
{
    char etag[API_ETAG_MAX];
    const char *path = json_string_value(json_object_get(task, "path"));

    if (task && (!path || strcmp(path, file) != 0)) {
        json_t *source = json_object_get(task, "source");
        api_reply_problem(call, 409, "name",
                          "%s comes from %s (a %s source): change it there; the API changes "
                          "only the YAML jobs of tasks/NAME.yaml",
                          json_string_value(json_object_get(task, "name")), path ? path : "?",
                          json_string_value(json_object_get(source, "type")));
        return false;
    }
    if (!call->if_match)
        return true;
    if (strcmp(call->if_match, "*") == 0
            ? task != NULL
            : task && (api_etag(task, etag), true) && strcmp(call->if_match, etag) == 0)
        return true;
    api_reply_problem(call, 412, "If-Match",
                      task ? "the task changed since that ETag was read: GET it again"
                           : "there is no such task to match");
    return false;
}

/* Write `job` as YAML to tmp, then validate that content as the task
 * `name` of the file `file`.  0, or -1 with the problem answered. */
static int write_and_check(struct api_call *call, const json_t *job, const char *name,
                           const char *file, const char *tmp)
{
    struct yamldoc_node *root = yamldoc_from_json(job, JOB_DEPTH_MAX);
    struct isolated_job check = {.path = file, .name = name};
    struct discovery_handler handler;
    const struct yamljob_handler *h = NULL;
    char err[YAMLDOC_ERR_MAX], param[64], tasks[PATH_MAX];
    char *content = NULL;
    bool python = root && yamljob_is_python_func(root);
    size_t len;
    int rc;

    if (!root) {
        api_reply_problem(call, 400, "body", "the job is nested too deep");
        return -1;
    }
    if (yamldoc_emit_file(root, tmp, err, sizeof err) != 0) {
        yamldoc_free(root);
        api_reply_problem(call, 500, NULL, "cannot write %s: %s", tmp, err);
        return -1;
    }
    yamldoc_free(root);
    /* A Python func is checked with the handler that will run it, as the
     * scan will (task/yamljob.h). */
    if (python && engine_tasks_dir(call->ctx->engine, tasks, sizeof tasks) == 0)
        h = discovery_func_handler_read(tasks, engine_func_handler(call->ctx->engine),
                                        &handler);
    if (h && h->error) {
        api_reply_problem(call, 400, "func",
                          "field 'func': the handler task "
                          "(tasks.func_handler): %s",
                          h->error);
        discovery_handler_free(&handler);
        return -1;
    }
    rc = discovery_job_content(tmp, python, h, &content, &len, err, sizeof err);
    if (h)
        discovery_handler_free(&handler);
    if (rc != 0) {
        api_reply_problem(call, 500, NULL, "%s", err);
        return -1;
    }
    check.content = content;
    check.content_len = len;
    isolated_load(&check, 1);
    free(content);
    if (!check.loaded) {
        api_reply_problem(call, check.judged ? 400 : 503,
                          field_of(check.err, param, sizeof param), "%s", check.err);
        return -1;
    }
    task_free(&check.task);
    return 0;
}

void api_put_task(struct api_call *call)
{
    const char *name = api_path_param(&call->path, "name");
    char file[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 16];
    json_error_t jerr;
    json_t *job = NULL, *task = NULL;
    bool created;

    if (!name_ok(name)) {
        api_reply_problem(call, 400, "name",
                          "'%s' cannot be a file name: folders and a name of letters, digits, "
                          "'_', '-', '.', none starting with '.' or '_', not under lib/",
                          name);
        return;
    }
    job = json_loadb(call->body, call->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(job)) {
        api_reply_problem(call, 400, "body", "expected a JSON object (a job), %s",
                          job ? "got another value" : jerr.text);
        goto done;
    }
    task = api_task_doc(call, name);
    if (job_paths(call, name, true, file, dir) < 0 || !may_change(call, task, file))
        goto done;
    created = task == NULL;
    snprintf(tmp, sizeof tmp, "%s/.%s.api", dir, strrchr(file, '/') + 1);
    if (write_and_check(call, job, name, file, tmp) < 0) {
        (void)unlink(tmp);
        goto done;
    }
    if (sync_path(tmp, O_RDONLY) != 0 || rename(tmp, file) != 0 ||
        sync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
        api_reply_problem(call, 500, NULL, "cannot write %s: %s", file, strerror(errno));
        (void)unlink(tmp);
        goto done;
    }
    log_info("api: %s %s with token '%s'", created ? "created" : "replaced", file,
             call->token_name);
    engine_rescan(call->ctx->engine);
    json_decref(task);
    if (!(task = api_task_doc(call, name))) {
        api_reply_problem(call, 500, NULL, "%s was written but is not a task", file);
        goto done;
    }
    api_reply_json(call, created ? 201 : 200, json_incref(task));
    call->reply.etag = true;
done:
    json_decref(task);
    json_decref(job);
}

void api_delete_task(struct api_call *call)
{
    const char *name = api_path_param(&call->path, "name");
    char file[PATH_MAX], dir[PATH_MAX];
    json_t *task = api_task_doc(call, name);

    if (!task) {
        api_reply_problem(call, 404, "name", "no task named '%s'", name);
        return;
    }
    if (job_paths(call, name, false, file, dir) < 0 || !may_change(call, task, file))
        goto done;
    if (unlink(file) != 0 || sync_path(dir, O_RDONLY | O_DIRECTORY) != 0) {
        api_reply_problem(call, 500, NULL, "cannot remove %s: %s", file, strerror(errno));
        goto done;
    }
    log_info("api: removed %s with token '%s'", file, call->token_name);
    engine_rescan(call->ctx->engine);
    api_reply_empty(call, 204);
done:
    json_decref(task);
}
