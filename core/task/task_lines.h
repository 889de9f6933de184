/* task_lines.h — where a task file writes its `return` and the fields of
 * the table it returns, for the messages of task_fields.c.
 */
#ifndef TASK_LINES_H
#define TASK_LINES_H

/* The line of the chunk's own `return` in `content` (not one inside a
 * function or another block, a string or a comment), or 1 when there is
 * none. */
int task_lines_return(const char *content);

/* The line where the table constructor after that `return` gives the key
 * `name` (`name = ...` at its top level: not in a nested table, a function
 * body, a string or a comment), or 0: not written so, or the chunk returns
 * something other than a table constructor. */
int task_lines_field(const char *content, const char *name);

#endif
