/* test_meta.c — the editor annotations of lua/meta/task.lua name exactly
 * the fields the task validator (core/task/task_fields.c) accepts, so a
 * field added on one side only fails here.
 * Run from the repository root (tests/run.sh does).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "task/task_fields.h"
#include "testing.h"

#define META_TASK "lua/meta/task.lua"
#define META_CLASS "Task" /* the class of the table a task file returns */
#define META_FIELDS_MAX 64
#define META_NAME_MAX 64 /* with the NUL: the %63 of meta_read */

struct meta_fields {
    char names[META_FIELDS_MAX][META_NAME_MAX];
    size_t count;
    bool overflow; /* more than META_FIELDS_MAX */
};

/* The names of the `---@field NAME` lines of class META_CLASS (up to the
 * next ---@class), without the `?` of optional fields.  -1 when the file
 * cannot be read. */
static int meta_read(struct meta_fields *out)
{
    FILE *f = fopen(META_TASK, "r");
    char *line = NULL, name[META_NAME_MAX];
    size_t cap = 0;
    bool in_class = false;

    out->count = 0;
    out->overflow = false;
    if (!f)
        return -1;
    while (getline(&line, &cap, f) >= 0) {
        if (sscanf(line, "---@class %63[A-Za-z0-9_.]", name) == 1)
            in_class = strcmp(name, META_CLASS) == 0;
        else if (in_class && sscanf(line, "---@field %63[A-Za-z0-9_]", name) == 1) {
            if (out->count == META_FIELDS_MAX)
                out->overflow = true;
            else
                memcpy(out->names[out->count++], name, sizeof name);
        }
    }
    free(line);
    fclose(f);
    return 0;
}

static bool meta_lists(const struct meta_fields *meta, const char *name)
{
    for (size_t i = 0; i < meta->count; i++)
        if (strcmp(meta->names[i], name) == 0)
            return true;
    return false;
}

static bool validator_accepts(const char *name)
{
    const char *field;
    for (size_t i = 0; (field = task_fields_name(i)); i++)
        if (strcmp(field, name) == 0)
            return true;
    return false;
}

static void annotations_name_the_validators_fields(void)
{
    struct meta_fields meta;
    const char *field;

    if (meta_read(&meta) < 0) {
        CHECK(0, "cannot read %s", META_TASK);
        return;
    }
    CHECK(meta.count > 0, "%s: no ---@field lines for ---@class %s", META_TASK, META_CLASS);
    CHECK(!meta.overflow, "%s: more than %d fields", META_TASK, META_FIELDS_MAX);
    for (size_t i = 0; (field = task_fields_name(i)); i++)
        CHECK(meta_lists(&meta, field),
              "field '%s' of task_fields.c is missing in %s (class %s)", field, META_TASK,
              META_CLASS);
    for (size_t i = 0; i < meta.count; i++)
        CHECK(validator_accepts(meta.names[i]),
              "field '%s' of %s (class %s) is missing in task_fields.c", meta.names[i],
              META_TASK, META_CLASS);
}

int main(void)
{
    RUN(annotations_name_the_validators_fields);
    TESTING_EXIT();
}
