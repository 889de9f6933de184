/* pings.h — outgoing pings in healthchecks.io's protocol: a task's `ping`
 * URL gets POST URL/start when a run starts, URL when it succeeds and
 * URL/fail when it fails, with its exit status and the last
 * PINGS_TAIL_MAX bytes of its output as the body; `alerts.heartbeat_url`
 * is POSTed every `alerts.heartbeat_interval` while the daemon lives.
 *
 * Each ping is sent by a `main __notify` child (alerts_spawn), retried
 * once there (notifier_ping).  A run's end ping waits for its start
 * ping's child to be gone, so the two arrive in order.
 */
#ifndef PINGS_H
#define PINGS_H

#include <stddef.h>

#include "alerts.h"
#include "store/store.h"
#include "task/task.h"

#define PINGS_TAIL_MAX 10240

/* One run's pings, from its start to its end. */
struct ping_run;

/* Send the start ping of a run of `task`; NULL when the task has no ping
 * (or memory ran out, logged).  `env` is copied. */
struct ping_run *pings_run_started(const struct alerts_env *env, const struct task *task);

/* Send the end ping of `p`'s run (taken; freed once sent): success when
 * `status` is STORE_RUN_SUCCESS, else failure.  `output_tail` may be NULL. */
void pings_run_finished(struct ping_run *p, enum store_status status, bool has_exit_code,
                        int exit_code, int signal, const char *output_tail);

/* POST `url` (empty body) once, through a child; `label` names it in logs. */
void pings_heartbeat(const struct alerts_env *env, const char *url, int timeout,
                     const char *label);

/* `url` fit for a log: the userinfo and everything from '?' or '#' on
 * replaced by "…", since they may hold secrets.  Always terminated. */
void pings_redact(const char *url, char *out, size_t len);

#endif
