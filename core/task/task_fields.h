/* task_fields.h — the fields of a task file's table, checked one by one
 * (DESIGN.md, "Task files"), for task.c.
 */
#ifndef TASK_FIELDS_H
#define TASK_FIELDS_H

#include <stddef.h>

#include <lua.h>

/* A sandbox_reader (sandbox.h): read the table at index 1 into the struct
 * task `ud`, whose path and content must be set.  Applies the defaults of
 * task.h.  Returns 0, or -1 with one line "path:line: message" in err, the
 * line being that of the offending field in the source (or of the
 * `return`).  Whatever it allocated is reachable from the task, so
 * task_free releases it even if a Lua error cut the reading short. */
int task_fields_read(lua_State *L, void *ud, char *err, size_t errlen);

struct task;

/* Where the fields of a task that is not a Lua file are written (a YAML
 * job: yamljob.c): `locate` sets the line and column (0: none) of `field`,
 * or of the job itself for NULL; a line of 0 means "unknown". */
struct task_fields_where {
    void (*locate)(void *data, const char *field, int *line, int *column);
    void *data;
};

/* task_fields_read for the table at index 1 built from such a source:
 * the same checks and defaults, messages "path:line:column: ..." placed by
 * `where` (NULL: the Lua source, as task_fields_read). */
int task_fields_read_at(lua_State *L, struct task *t, const struct task_fields_where *where,
                        char *err, size_t errlen);

/* The name of the i-th field a task table may have, or NULL past the last
 * (tests/unit/test_meta.c holds lua/meta/task.lua to them). */
const char *task_fields_name(size_t i);

#endif
