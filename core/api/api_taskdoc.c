/* api_taskdoc.c — one task's document as the API shows it: the engine's
 * (the task of --status), plus, for a YAML job of tasks/NAME.yaml (the one
 * file PUT /api/v1/tasks/{name} replaces), that file's fields read back as
 * `job`, so an editor can change one field and keep the others.  GET and
 * PUT's If-Match both use this document, so its ETag is one thing.
 */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "engine/engine.h"
#include "lib/yamldoc_json.h"
#include "log/log.h"

int api_job_file(struct api_call *call, const char *name, char file[PATH_MAX])
{
    char tasks[PATH_MAX];

    if (engine_tasks_dir(call->ctx->engine, tasks, sizeof tasks) != 0 ||
        snprintf(file, PATH_MAX, "%s/%s.yaml", tasks, name) >= PATH_MAX)
        return -1;
    return 0;
}

/* Adds `job` to `task` when it is the YAML job of tasks/NAME.yaml.  A file
 * that does not read as one mapping (broken, or changed since the engine
 * loaded it) gets no `job`: the task's own error says what is wrong. */
static void attach_job(struct api_call *call, json_t *task, const char *name)
{
    char file[PATH_MAX], err[YAMLDOC_ERR_MAX];
    const char *path = json_string_value(json_object_get(task, "path"));
    const char *type =
        json_string_value(json_object_get(json_object_get(task, "source"), "type"));
    struct yamldoc_node *root;
    json_t *job;

    if (!path || !type || strcmp(type, "yaml") != 0 || api_job_file(call, name, file) != 0 ||
        strcmp(path, file) != 0)
        return;
    if (!(root = yamldoc_load_file(file, err, sizeof err))) {
        log_debug("api: %s", err);
        return;
    }
    job = root->kind == YAMLDOC_MAPPING ? yamldoc_to_json(root) : NULL;
    yamldoc_free(root);
    if (job && json_object_set_new(task, "job", job) != 0)
        log_warn("api: out of memory reading %s", file);
}

json_t *api_task_doc(struct api_call *call, const char *name)
{
    json_t *status = engine_status_json(call->ctx->engine, NULL), *found = NULL, *item;
    size_t i;

    json_array_foreach(json_object_get(status, "tasks"), i, item)
    {
        const char *have = json_string_value(json_object_get(item, "name"));
        if (have && strcmp(have, name) == 0) {
            found = json_incref(item);
            break;
        }
    }
    json_decref(status);
    if (found)
        attach_job(call, found, name);
    return found;
}
