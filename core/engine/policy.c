/* policy.c — overlap and retry rules (see policy.h). */
#include "policy.h"

#include <math.h>

#include "schedule/schedule.h"

enum policy_overlap policy_overlap(int active, int waiting, int max_instances,
                                   enum task_overlap overlap, bool must_run)
{
    if (active < max_instances && waiting == 0)
        return POLICY_START;
    if (must_run)
        return POLICY_WAIT;
    if (overlap == OVERLAP_QUEUE && waiting < POLICY_BACKLOG_MAX)
        return POLICY_WAIT;
    return POLICY_SKIP;
}

double policy_retry_delay(int retry_delay, double retry_backoff, int attempt)
{
    return retry_delay * pow(retry_backoff, attempt - 1);
}

/* Only a run that ran and failed is worth another attempt, and a killed
 * one is not: the kill came from a person or the daemon.  (A cancel, from
 * an edit, is skipped: not a failure.) */
static bool retryable(enum store_status status)
{
    return store_status_failed(status) && status != STORE_RUN_KILLED;
}

enum policy_retry policy_retry(const struct task *task, enum store_status status, int attempt,
                               double finished_at, int64_t next_fire, double *at)
{
    if (!retryable(status) || attempt > task->retry_count)
        return POLICY_NO_RETRY;
    *at = finished_at + policy_retry_delay(task->retry_delay, task->retry_backoff, attempt);
    if (next_fire != SCHEDULE_NEVER && *at >= (double)next_fire)
        return POLICY_RETRY_DROPPED;
    return POLICY_RETRY;
}

int policy_timeout(const struct task *task, int default_timeout)
{
    return task->timeout < 0 ? default_timeout : task->timeout;
}
