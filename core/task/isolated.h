/* isolated.h — load task files in a worker process that is killed when
 * one of them takes too long.
 *
 * The sandbox bounds a top level in instructions, memory and time, but only
 * where Lua lets it look: a C loop it does not know of, or the collector
 * stuck in one step, would hang the caller with it.  So the files of a
 * batch are evaluated by a forked worker, in a fresh sandbox each (one Lua
 * state for the batch, with fresh globals per file: sandbox_reuse), and
 * each validated task comes back on a pipe (task_wire.h).  The caller waits
 * for each file at most its timeout, then kills the worker, records the
 * file as "PATH: evaluation took longer than N s", and forks a new worker
 * for the files after it: a stuck file costs one file and its timeout, not
 * the daemon.  The first ISOLATED_FULL_TIMEOUTS stuck files of a batch get
 * the whole timeout, later ones a tenth of it, so a folder of stuck files
 * costs seconds, not minutes; a normal file takes well under a millisecond.
 * One fork per batch, not per file: loading 1,000 files costs about what it
 * costs in-process (bench/bench_load.c).
 */
#ifndef ISOLATED_H
#define ISOLATED_H

#include <stdbool.h>
#include <stddef.h>

#include "task.h"

/* Twice the sandbox's own time limit, which stops what it can see with a
 * file:line: only what escaped it meets this one. */
#define ISOLATED_TIMEOUT_MS 2000
#define ISOLATED_FULL_TIMEOUTS 3
#define ISOLATED_LATE_DIVISOR 10

struct isolated_job {
    const char *path; /* as task_load takes them */
    const char *name;
    const char *content; /* NULL: the worker reads the file */
    size_t content_len;
    bool loaded; /* out: `task` is valid; else `err` says why */
    bool judged; /* out: the result is about the file (valid, broken or
                              * stuck), not "no worker could be started" */
    struct task task;
    char err[TASK_ERR_MAX];
};

/* What a worker does with one job: task_load, for isolated_load.  Returns
 * 0 with job->task filled, or -1 with job->err. */
typedef int isolated_eval(struct isolated_job *job);

/* Load every job like task_load does, in a worker, ISOLATED_TIMEOUT_MS
 * each.  Every job ends loaded or with its error. */
void isolated_load(struct isolated_job *jobs, size_t count);

/* The same with any evaluation and timeout (the tests hang on purpose). */
void isolated_run(struct isolated_job *jobs, size_t count, isolated_eval *eval, int timeout_ms);

/* sandbox_eval_schedule(expr) in a worker, bounded as a task file is: a
 * schedule expression typed by a user (`main calendar`, GET
 * /api/v1/calendar) is a top level like any other.  0 with `out` filled
 * (free it with schedule_set_free); -1 when the expression is at fault,
 * with the DSL's message (or "schedule: evaluation took longer than 2 s")
 * in err; -2 when it got no verdict (no worker could be started, out of
 * memory), with why in err. */
int isolated_eval_schedule(const char *expr, struct schedule_set *out, char *err,
                           size_t errlen);

#endif
