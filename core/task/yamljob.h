/* yamljob.h — YAML job files: the .yaml files under tasks/ (any depth) and the project
 * root's `jobs.yaml`, one job (a mapping) or a list of them.
 *
 * A job becomes a struct task through the same checks as a task file
 * (task_fields.h): its fields are put into a Lua table in a sandbox, its
 * `schedule` strings (or an APScheduler `trigger`, yamljob_trigger) are
 * evaluated there as DSL expressions, and task_fields_read_at validates
 * the table.  The body is always a command: `command` (argv), `shell`
 * (a string for /bin/sh -c), `script` (a path run by its shebang,
 * relative to the file's folder) or APScheduler's `func` naming a script.
 * APScheduler's `is_enabled`, `kwargs` (the command's environment),
 * `misfire_grace_time` (grace), `coalesce` (catchup once / all) are
 * mapped; `replace_existing` is ignored.  Errors are
 * "path:line:column: message", with "did you mean" for misspelt fields.
 *
 * A list entry is the task FILE/ID (FILE is the file's task name, ID its
 * `id`), hashed on its own (its tree and positions): an edit of one entry
 * leaves the others' versions, and so their next fires, alone.
 *
 * The func handler: a `func` that is a Python function path (no '/') runs
 * the `run` of a Lua task file named by tasks.func_handler, with ctx.args
 * = { func = "a.b.c", args = {...}, kwargs = {...} }, as a SQL source's
 * rows run their handler (source/sourcejob.h).  Such a job's content is
 * its file and the handler's together (yamljob_handler.c), so the handler
 * is checked with the job, a handler edited is a new version of the job,
 * and the run process runs the code that was checked.  Without a handler
 * the job is broken, with a hint saying how to give one.
 */
#ifndef YAMLJOB_H
#define YAMLJOB_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/yamldoc.h"
#include "task.h"

#define YAMLJOB_EXPR_MAX 512 /* one schedule expression made from a trigger */

/* Whether `path` names a YAML job file (.yaml or .yml). */
bool yamljob_is_file(const char *path);

/* The func handler's file as the caller read it: its absolute path and
 * content, or NULL content with `error` saying why it cannot be read.
 * Its task name is the last `name_len` bytes of `path` before ".lua". */
struct yamljob_handler {
    const char *path;
    size_t name_len;
    const char *content;
    size_t content_len;
    const char *error;
};

/* One job of a file, before it is evaluated. */
struct yamljob_entry {
    char *name;               /* "jobs/daily_backup", or the file's name */
    char hash[TASK_HASH_HEX]; /* what task_load will give the task */
    char *error;              /* why the entry cannot be a task, or NULL */
    bool handler;             /* run by the func handler: its content is the file
                               * and the handler joined (yamljob_handler_join) */
};

/* The jobs of the file `path` (task name `file_name`) holding `content`.
 * A file that is not YAML, or neither a mapping nor a list, is one entry
 * named `file_name` with the error.  `handler` (NULL: none configured) is
 * the func handler: a job with a Python `func` is then run by it (or
 * broken with the handler's `error`).  0, or -1 when out of memory (with a
 * message in err); free with yamljob_entries_free. */
int yamljob_entries(const char *path, const char *file_name, const char *content, size_t len,
                    const struct yamljob_handler *handler, struct yamljob_entry **out,
                    size_t *count, char *err, size_t errlen);
void yamljob_entries_free(struct yamljob_entry *entries, size_t count);

/* task_load's work for a YAML job: `t` has its path, name (FILE/ID for a
 * list entry) and content; fills in the rest, its hash and line included.
 * 0, or -1 with "path:line:column: message" in err. */
int yamljob_load(struct task *t, char *err, size_t errlen);

/* Whether the job mapping `entry` has a `func` that is a Python function
 * path (a non-empty string without '/'). */
bool yamljob_is_python_func(const struct yamldoc_node *entry);

/* The content of a job run by the handler: the YAML file and the
 * handler's file joined, into a malloc'd *out.  0, or -1 out of memory. */
int yamljob_handler_join(const char *yaml, size_t yaml_len, const struct yamljob_handler *h,
                         char **out, size_t *out_len);

/* Split such a content: true with *yaml_len the YAML's bytes and `h` the
 * handler's path and code (pointing into `content`, which must be
 * NUL-terminated); false for a plain YAML file (*yaml_len = len). */
bool yamljob_handler_split(const char *content, size_t len, size_t *yaml_len,
                           struct yamljob_handler *h);

/* The DSL expression (":tz", ":from", ":till", ":jitter" included) of an
 * APScheduler trigger mapping.  0, or -1 with "field 'trigger...': why"
 * in err and the node at fault in *at. */
int yamljob_trigger(const struct yamldoc_node *trigger, char *expr, size_t len,
                    const struct yamldoc_node **at, char *err, size_t errlen);

#endif
