/* tasklog.h — where a task's log lines and output go.
 *
 * Every line of a task lands in logs/tasks.log (all tasks, "[title]"
 * prefix) and in logs/tasks/<name>.log (its own file; a domain task
 * "cameras/copy" writes logs/tasks/cameras/copy.log); log lines at level
 * error also go to logs/errors.log.  In the daemon the executor calls this
 * for what a run reports; a Lua state outside the executor (no channel to a
 * daemon) calls it directly.  Before tasklog_open() lines go to stderr.
 */
#ifndef TASKLOG_H
#define TASKLOG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "log.h"

/* Per-task files kept open at once; the least recently used is closed. */
#define TASKLOG_OPEN_MAX 32

/* (Re)open with the daemon log's options (log.h: folder, format, rotation;
 * `level` drops task log lines below it, output is never dropped;
 * `to_stderr` is not used); the previous files are closed.  0, or -1 with
 * a message in err (the previous state is kept then). */
int tasklog_open(const struct log_options *opt, char *err, size_t errlen);

/* A log.info()-style line: `msg` of `len` bytes, optional JSON object of
 * fields.  `title` may be NULL (then the name is the prefix). */
void tasklog_write(const char *task, const char *title, enum log_level level, const char *msg,
                   size_t len, const json_t *fields);

/* One line of the run's output; `stream` is "stdout" or "stderr". */
void tasklog_output(const char *task, const char *title, const char *stream, const char *line,
                    size_t len);

/* Where the task's own log is: LOGS_DIR/tasks/TASK.log in buf.  0, or -1
 * for a name that could climb out of LOGS_DIR/tasks/ (empty, absolute, a
 * ".." step), which gets no file of its own, or a path too long. */
int tasklog_path(const char *logs_dir, const char *task, char *buf, size_t len);

/* Reopen every file (SIGUSR1 after an external logrotate). */
void tasklog_reopen(void);

void tasklog_close(void);

#endif
