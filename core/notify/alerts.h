/* alerts.h — a task's automatic notifications (its `notify` field).
 *
 * The events a task may ask for (`on`):
 *  - failure: a fire ended in failure (store_status_failed: failed,
 *    timeout, killed) on its last attempt, so no retry follows;
 *  - attempt_failure: any attempt failed, retried or not;
 *  - recovery: a success after a fire whose last attempt failed;
 *  - success: every success (a recovery says "recovered" instead).
 * Every notification names the run and its attempt ("attempt 3/3").
 *
 * Repeats of one failure are counted rather than sent: a task's streak is
 * its fires in a row whose last attempt failed with the same error (its
 * first line).  The first sends `failure`; the following ones send nothing
 * (unless attempt_failure is asked for); the next different failure, or
 * the recovery, says how many there were and since when.  The streak is
 * kept in the store (meta key "alerts:TASK"), so a restart keeps counting.
 *
 * Sending blocks on the network, so it happens in a child, `main
 * __notify`, fed the notification on its stdin (notifier.h); the daemon
 * only logs whether the child succeeded.
 */
#ifndef ALERTS_H
#define ALERTS_H

#include <stdbool.h>
#include <uv.h>

#include "store/store.h"
#include "task/task.h"
#include "time/tz.h"

#define ALERTS_COMMAND "__notify"
#define ALERT_TITLE_MAX 256

/* Where automatic notifications are sent from. */
struct alerts_env {
    uv_loop_t *loop;
    const char *program;     /* this binary, run as `program __notify` */
    const char *config_path; /* the daemon's config file */
    const struct tz *zone;   /* the zone of the times in messages */
};

/* Called once a child of alerts_spawn is gone; `ok` when it exited 0. */
typedef void alerts_done_fn(void *data, bool ok);

/* Start `program __notify` and write `json` (taken, malloc'd) to its
 * stdin; its failure is logged under `label`.  `done` (may be NULL) is
 * called with `data` once the child and its pipe are closed, also when it
 * could not start. */
void alerts_spawn(uv_loop_t *loop, const char *program, char *json, const char *label,
                  alerts_done_fn *done, void *data);

/* A task's fires in a row whose last attempt failed with one error. */
struct alert_streak {
    char *error;    /* malloc'd first line of the error; NULL: not failing */
    int count;      /* how many fires in a row */
    int suppressed; /* of those, the repeats whose notification was not sent */
    double since;   /* when the first of them ended, Unix s */
};

/* One attempt of a fire, as it ended. */
struct alert_run {
    long long run_id;
    int attempt, attempts; /* this attempt (1 = the first) of at most `attempts` */
    bool final;            /* no retry follows it */
    enum store_status status;
    double finished_at; /* Unix s */
    double duration;    /* seconds, < 0 when unknown */
    const char *error;  /* or NULL */
};

enum alert_event {
    ALERT_NONE,
    ALERT_FAILURE,
    ALERT_ATTEMPT_FAILURE,
    ALERT_RECOVERY,
    ALERT_SUCCESS
};

/* What the end of a run sends. */
struct alert_message {
    enum alert_event event;
    char title[ALERT_TITLE_MAX];
    char *message;  /* malloc'd; NULL with ALERT_NONE */
    int suppressed; /* the repeats it tells of */
};

/* The notification the end of `run` sends under `rules` (task `title`),
 * given the task's streak before it, in *out; the streak then takes the
 * run in, and *changed says whether it changed (to be saved).  0, or -1
 * when out of memory (nothing is sent, the streak is unchanged). */
int alerts_decide(const struct task_notify *rules, const char *title,
                  struct alert_streak *streak, const struct alert_run *run,
                  const struct tz *zone, struct alert_message *out, bool *changed);

/* "event" names of the JSON ("failure", "attempt_failure"…). */
const char *alerts_event_name(enum alert_event event);

/* Hand `n` to a `main __notify` child (the daemon's alerts send theirs
 * through it too); failures are logged, never waited for. */
struct notification;
void alerts_send(const struct alerts_env *env, const struct notification *n);

/* Send what the end of a run of `task` notifies, if anything, and update
 * the task's streak.  True when the streak changed. */
bool alerts_run_ended(const struct alerts_env *env, const struct task *task,
                      struct alert_streak *streak, const struct alert_run *run);

/* The task's saved streak: 0 (an empty streak when none is saved), or -1
 * with a message. */
int alerts_streak_load(struct store *st, const char *task, struct alert_streak *out, char *err,
                       size_t errlen);
/* Save it; 0 or -1 with a message. */
int alerts_streak_save(struct store *st, const char *task, const struct alert_streak *s,
                       char *err, size_t errlen);
/* Free its error; the streak becomes empty. */
void alerts_streak_clear(struct alert_streak *s);

#endif
