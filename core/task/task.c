/* task.c — loading a task file: read it, hash it, run its top level in a
 * sandbox, check its fields (task_fields.c), and keep the validated
 * frontmatter as JSON for the store and --status.
 */
#include "task.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/fs.h"
#include "sandbox.h"
#include "task_fields.h"
#include "task_lines.h"
#include "yamljob.h"

/* Larger files are refused: a task file is a page of Lua, not data. */
#define TASK_FILE_MAX ((size_t)1 << 20)
#define TASK_READ_CHUNK 8192

#define FNV_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

void task_hash(const char *data, size_t len, char out[TASK_HASH_HEX])
{
    uint64_t h = FNV_OFFSET_BASIS;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= FNV_PRIME;
    }
    snprintf(out, TASK_HASH_HEX, "%016llx", (unsigned long long)h);
}

int task_read(const char *path, char **content, size_t *len, char *err, size_t errlen)
{
    FILE *f = fs_open_regular(path);
    size_t cap = 0;
    char *grown;

    *content = NULL;
    *len = 0;
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, fs_strerror(errno));
        return -1;
    }
    for (;;) {
        size_t got;
        if (*len + TASK_READ_CHUNK + 1 > cap) {
            cap = cap ? cap * 2 : TASK_READ_CHUNK * 2;
            grown = realloc(*content, cap);
            if (grown == NULL) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
            *content = grown;
        }
        got = fread(*content + *len, 1, TASK_READ_CHUNK, f);
        *len += got;
        if (*len > TASK_FILE_MAX) {
            snprintf(err, errlen, "%s: larger than %zu bytes", path, TASK_FILE_MAX);
            goto fail;
        }
        if (got < TASK_READ_CHUNK)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto fail;
    }
    (*content)[*len] = '\0';
    /* The task keeps its content for as long as it is scheduled: give back
     * the read buffer's slack (16 KiB per task for a 200-byte file). */
    if ((grown = realloc(*content, *len + 1)) != NULL)
        *content = grown;
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        f = NULL;
        goto fail;
    }
    return 0;
fail:
    if (f)
        (void)fclose(f); /* the first error is the one reported */
    free(*content);
    *content = NULL;
    *len = 0;
    return -1;
}

static int copy_content(struct task *t, const char *content, size_t len, char *err,
                        size_t errlen)
{
    t->content = malloc(len + 1);
    if (t->content == NULL) {
        snprintf(err, errlen, "%s: out of memory", t->path);
        return -1;
    }
    memcpy(t->content, content, len);
    t->content[len] = '\0';
    t->content_len = len;
    return 0;
}

/* "cameras/copy.lua" -> "copy", "jobs.yaml" -> "jobs". */
static char *name_from_path(const char *path)
{
    const char *base = strrchr(path, '/'), *dot;
    size_t len;
    base = base ? base + 1 : path;
    len = strlen(base);
    dot = strrchr(base, '.');
    if (dot && dot != base && (strcmp(dot, ".lua") == 0 || yamljob_is_file(base)))
        len = (size_t)(dot - base);
    return strndup(base, len);
}

json_t *task_source_json(const char *path, int line)
{
    size_t sql = strlen(TASK_SQL_PREFIX);
    bool row = strncmp(path, TASK_SQL_PREFIX, sql) == 0;

    return json_pack("{s:s, s:s, s:o}", "type",
                     row                     ? "sql"
                     : yamljob_is_file(path) ? "yaml"
                                             : "file",
                     "path", row ? path + sql : path, "line",
                     line > 0 ? json_integer(line) : json_null());
}

bool task_id_taken(const struct task *t, const struct task *other, char *err, size_t errlen)
{
    if (!t->id || !other->id || strcmp(t->id, other->id) != 0 ||
        strcmp(t->path, other->path) == 0)
        return false;
    snprintf(err, errlen, "%s: id '%s' is already used by %s", t->path, t->id, other->path);
    return true;
}

json_t *task_list_json(const struct string_list *list)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < list->count; i++)
        if (json_array_append_new(array, json_string(list->items[i])) < 0) {
            json_decref(array);
            return NULL;
        }
    return array;
}

/* A number, or null for the "unset" value of a field. */
static json_t *json_unless(long long value, long long unset)
{
    return value == unset ? json_null() : json_integer(value);
}

static json_t *json_notify(const struct task *t)
{
    json_t *on;
    if (!t->has_notify)
        return json_null();
    on = json_array();
    if (on && t->notify.on_failure)
        json_array_append_new(on, json_string("failure"));
    if (on && t->notify.on_recovery)
        json_array_append_new(on, json_string("recovery"));
    if (on && t->notify.on_success)
        json_array_append_new(on, json_string("success"));
    if (on && t->notify.on_attempt_failure)
        json_array_append_new(on, json_string("attempt_failure"));
    return json_pack("{s:o?, s:o?}", "on", on, "channels", task_list_json(&t->notify.channels));
}

/* false, or the overrides set (null when none is). */
static json_t *json_alerts(const struct task *t)
{
    if (t->alerts.off)
        return json_false();
    if (!t->alerts.failure_streak && !t->alerts.late_after)
        return NULL;
    return json_pack("{s:o?, s:o?}", "failure_streak",
                     t->alerts.failure_streak ? json_integer(t->alerts.failure_streak) : NULL,
                     "late_after",
                     t->alerts.late_after ? json_integer(t->alerts.late_after) : NULL);
}

static const char *const overlap_json[] = {"skip", "queue"};
static const char *const catchup_json[] = {"once", "all", "skip"};

int task_build_json(struct task *t)
{
    json_t *schedules = json_array(), *env = json_object(), *doc;

    for (size_t i = 0; schedules && i < t->schedules.count; i++)
        json_array_append_new(schedules, json_string(t->schedules.items[i].text));
    for (size_t i = 0; env && i < t->env_count; i++)
        json_object_set_new(env, t->env[i].name, json_string(t->env[i].value));
    doc = json_pack(
        "{s:s, s:s, s:s, s:b, s:o?, s:b, s:o?, s:o?, s:o?, s:s?, s:s?,"
        " s:o?, s:i, s:i, s:f, s:i, s:s, s:s, s:o?, s:i, s:s?, s:o?, s:o?, s:o?, s:o?, "
        "s:o?, s:s?, s:s?, s:o?}",
        "name", t->name, "title", t->title, "description", t->description, "enabled",
        t->enabled, "schedule", schedules, "run", t->has_run, "command",
        t->has_run ? json_null() : task_list_json(&t->command), "args", json_incref(t->args),
        "env", env, "cwd", t->cwd, "user", t->user, "timeout", json_unless(t->timeout, -1),
        "retry_count", t->retry_count, "retry_delay", t->retry_delay, "retry_backoff",
        t->retry_backoff, "max_instances", t->max_instances, "overlap",
        overlap_json[t->overlap], "catchup", catchup_json[t->catchup], "grace",
        json_unless(t->grace, -1), "priority", t->priority, "queue", t->queue, "memory_limit",
        json_unless(t->memory_limit_mb, 0), "dependencies", task_list_json(&t->dependencies),
        "notify", json_notify(t), "alerts", json_alerts(t), "tags", task_list_json(&t->tags),
        "id", t->id, "ping", t->ping, "ping_timeout",
        t->ping ? json_integer(t->ping_timeout) : NULL);
    if (doc == NULL)
        return -1;
    t->frontmatter_json = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return t->frontmatter_json ? 0 : -1;
}

int task_load(const char *path, const char *name, const char *content, size_t content_len,
              struct task *out, char *err, size_t errlen)
{
    struct sandbox *sb = NULL;

    memset(out, 0, sizeof *out);
    out->path = strdup(path);
    out->name = name ? strdup(name) : name_from_path(path);
    if (out->path == NULL || out->name == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (content ? copy_content(out, content, content_len, err, errlen) < 0
                : task_read(path, &out->content, &out->content_len, err, errlen) < 0)
        goto fail;
    if (yamljob_is_file(path)) {
        if (yamljob_load(out, err, errlen) < 0)
            goto fail;
        goto validated;
    }
    task_hash(out->content, out->content_len, out->hash);
    out->line = task_lines_return(out->content);
    sb = sandbox_open(err, errlen);
    if (sb == NULL)
        goto fail;
    if (sandbox_load_task(sb, path, out->content, out->content_len, err, errlen) < 0 ||
        sandbox_protect(sb, task_fields_read, out, err, errlen) < 0)
        goto fail;
validated:
    if (task_build_json(out) < 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    sandbox_close(sb);
    return 0;
fail:
    sandbox_close(sb);
    task_free(out);
    return -1;
}

static void free_list(struct string_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
}

void task_free(struct task *t)
{
    free(t->name);
    free(t->path);
    free(t->content);
    free(t->title);
    free(t->description);
    schedule_set_free(&t->schedules);
    free_list(&t->command);
    json_decref(t->args);
    for (size_t i = 0; i < t->env_count; i++) {
        free(t->env[i].name);
        free(t->env[i].value);
    }
    free(t->env);
    free(t->cwd);
    free(t->ping);
    free(t->user);
    free(t->id);
    free(t->queue);
    free_list(&t->dependencies);
    free_list(&t->notify.channels);
    free_list(&t->tags);
    free(t->frontmatter_json);
    memset(t, 0, sizeof *t);
}
