/* task_lines.h — where a task file writes its `return` and the fields of
 * the table it returns, for the messages of task_fields.c.
 */
#ifndef TASK_LINES_H
#define TASK_LINES_H

#include <stdbool.h>
#include <stddef.h>

/* The line of the chunk's own `return` in `content` (not one inside a
 * function or another block, a string or a comment), or 1 when there is
 * none. */
int task_lines_return(const char *content);

/* The line where the table constructor after that `return` gives the key
 * `name` (`name = ...` at its top level: not in a nested table, a function
 * body, a string or a comment), or 0: not written so, or the chunk returns
 * something other than a table constructor. */
int task_lines_field(const char *content, const char *name);

/* Says whether a key written in the source (not NUL-terminated) is the
 * one sought. */
typedef bool task_lines_match(void *data, const char *key, size_t len);

/* The line of the first key, in source order, that the table constructor
 * after the `return` gives as task_lines_field reads them and that `match`
 * accepts, or 0.  One pass over the source, however many keys are asked
 * about. */
int task_lines_first_field(const char *content, task_lines_match *match, void *data);

#endif
