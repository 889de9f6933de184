/* alerts.h — a task's automatic notifications (its `notify` field).
 *
 * When a run ends, the task may want to tell someone: on failure
 * (store_status_failed: failed, timeout, killed), on success, or on
 * recovery (a success after a run that did not succeed).  Sending blocks
 * on the network, so it happens in a child, `main __notify`, fed the
 * notification on its stdin (notifier.h); the daemon only logs whether the
 * child succeeded.
 */
#ifndef ALERTS_H
#define ALERTS_H

#include <uv.h>

#include "store/store.h"
#include "task/task.h"

#define ALERTS_COMMAND "__notify"

struct alert_run {
    enum store_status status;   /* the run's final status */
    bool has_previous;          /* the task ran before: */
    enum store_status previous; /* that run's final status */
    double duration;            /* seconds, < 0 when unknown */
    const char *error;          /* or NULL */
};

/* Notify about the end of a run of `task` if its notify rules ask for it.
 * `program` is this binary, `config_path` the daemon's config file. */
void alerts_run_ended(uv_loop_t *loop, const char *program, const char *config_path,
                      const struct task *task, const struct alert_run *run);

#endif
