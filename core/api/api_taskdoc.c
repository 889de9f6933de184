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
#include "lib/yamldoc.h"
#include "log/log.h"

#define JOB_DEPTH_MAX 32

int api_job_file(struct api_call *call, const char *name, char file[PATH_MAX])
{
    char tasks[PATH_MAX];

    if (engine_tasks_dir(call->ctx->engine, tasks, sizeof tasks) != 0 ||
        snprintf(file, PATH_MAX, "%s/%s.yaml", tasks, name) >= PATH_MAX)
        return -1;
    return 0;
}

/* A YAML tree as JSON, scalars typed by YAML 1.1 core rules (NULL when
 * out of memory or nested too deep). */
static json_t *to_json(const struct yamldoc_node *node, int depth)
{
    json_t *out = NULL, *child;
    struct yamldoc_value v;

    if (depth > JOB_DEPTH_MAX)
        return NULL;
    switch (node->kind) {
    case YAMLDOC_MAPPING:
        out = json_object();
        for (size_t i = 0; out && i < node->count; i++) {
            const struct yamldoc_node *key = node->pairs[i].key;
            child = to_json(node->pairs[i].value, depth + 1);
            if (key->kind != YAMLDOC_SCALAR || !child ||
                json_object_setn_new(out, key->text, key->len, child) != 0) {
                json_decref(child);
                json_decref(out);
                return NULL;
            }
        }
        return out;
    case YAMLDOC_SEQUENCE:
        out = json_array();
        for (size_t i = 0; out && i < node->count; i++)
            if (json_array_append_new(out, to_json(node->items[i], depth + 1)) != 0) {
                json_decref(out);
                return NULL;
            }
        return out;
    case YAMLDOC_SCALAR:
        v = yamldoc_scalar_value(node);
        switch (v.type) {
        case YAMLDOC_NULL:
            return json_null();
        case YAMLDOC_BOOL:
            return json_boolean(v.boolean);
        case YAMLDOC_INT:
            return json_integer(v.integer);
        case YAMLDOC_FLOAT:
            return json_real(v.number);
        case YAMLDOC_STRING:
            return json_stringn(node->text, node->len);
        }
    }
    return NULL;
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
    job = root->kind == YAMLDOC_MAPPING ? to_json(root, 0) : NULL;
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
