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

/* The name of the i-th field a task table may have, or NULL past the last
 * (tests/unit/test_meta.c holds lua/meta/task.lua to them). */
const char *task_fields_name(size_t i);

#endif
