/* task_wire.h — a validated struct task as bytes and back, for the worker
 * process that evaluates task files (isolated.c).
 *
 * Both ends are the same binary, so numbers and struct schedule travel as
 * they lie in memory; strings and lists travel with their lengths.  The
 * reader never reads past the bytes it was given and refuses what would
 * lead out of bounds later (a count larger than the bytes left, an enum out
 * of range, a string without its NUL); the rest is taken as written.
 * The frontmatter JSON is not sent but rebuilt from the fields received,
 * so a field this file forgets shows in it (tests/unit/test_isolated.c).
 */
#ifndef TASK_WIRE_H
#define TASK_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "task.h"

/* A growing buffer; `failed` once an allocation failed (the rest is lost). */
struct task_wire {
    char *data;
    size_t len, cap;
    bool failed;
};

/* What is left to read; `failed` once a read ran past the end or found
 * something that is not what was written. */
struct task_wire_reader {
    const char *at, *end;
    bool failed;
};

void task_wire_put(struct task_wire *w, const void *data, size_t len);
/* A string with its length; NULL travels as NULL. */
void task_wire_put_string(struct task_wire *w, const char *s);
/* Every field of a validated task. */
void task_wire_put_task(struct task_wire *w, const struct task *t);
void task_wire_free(struct task_wire *w);

/* Copy the next `len` bytes into `out`; false (and `failed`) past the end. */
bool task_wire_get(struct task_wire_reader *r, void *out, size_t len);
/* The next string, malloc'd into *out (NULL for NULL); false on failure. */
bool task_wire_get_string(struct task_wire_reader *r, char **out);
/* The next task into `out`: 0, or -1 with `out` zeroed. */
int task_wire_get_task(struct task_wire_reader *r, struct task *out);

#endif
