/* policy.h — the pure rules that decide what one fire or attempt becomes:
 * start, wait or skip when the task is already running (overlap), and
 * whether and when a failed attempt is tried again (retries).
 */
#ifndef POLICY_H
#define POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "task/task.h"

/* With overlap = "queue", at most this many fires of one task wait for a
 * free instance; further ones are skipped, so a task that hangs cannot
 * grow an unbounded backlog. */
#define POLICY_BACKLOG_MAX 16

enum policy_overlap { POLICY_START, POLICY_WAIT, POLICY_SKIP };

/* A fire of a task with `active` runs in flight and `waiting` fires already
 * waiting.  `must_run` is set for fires that are never skipped (manual,
 * catch-up and retry runs wait their turn instead). */
enum policy_overlap policy_overlap(int active, int waiting, int max_instances,
                                   enum task_overlap overlap, bool must_run);

/* The delay before retrying after attempt `attempt` (1 = the first run)
 * failed: retry_delay * retry_backoff^(attempt-1) seconds. */
double policy_retry_delay(int retry_delay, double retry_backoff, int attempt);

enum policy_retry { POLICY_NO_RETRY, POLICY_RETRY, POLICY_RETRY_DROPPED };

/* After attempt `attempt` of a fire ended with `status` at `finished_at`:
 * POLICY_RETRY with the instant in *at, POLICY_NO_RETRY (no failure as
 * store_status_failed says, or killed, or no attempts left), or
 * POLICY_RETRY_DROPPED when the retry would start at or after `next_fire`,
 * the task's next scheduled fire (SCHEDULE_NEVER = none): the next fire is
 * the better retry. */
enum policy_retry policy_retry(const struct task *task, enum store_status status, int attempt,
                               double finished_at, int64_t next_fire, double *at);

/* A run's timeout in seconds (0 = none): the task's own, else
 * scheduler.default_timeout. */
int policy_timeout(const struct task *task, int default_timeout);

#endif
