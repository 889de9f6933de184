/* notifier.h — send one notification to named channels (DESIGN.md,
 * Helpers: notify).
 *
 * Shared by the `notify` helper (inside a run) and the daemon's automatic
 * task notifications.  Sending blocks on the network, so the daemon never
 * calls notifier_send itself: it starts `main __notify` and writes the
 * notification, encoded by notifier_encode, to the child's stdin, where
 * notifier_child_main reads and sends it.
 *
 * Channels come from the `notifications` section of the config (webhook,
 * ntfy, slack, email, desktop).  Each channel is tried once more after a
 * failure; one failing channel never stops the others.  With no channel
 * configured, and for the name "desktop" when no channel has that name,
 * the desktop notifier is used.
 */
#ifndef NOTIFIER_H
#define NOTIFIER_H

#include <stddef.h>

#include "config/config.h"

#define NOTIFIER_ERR_MAX 2048

enum notifier_urgency { NOTIFIER_LOW, NOTIFIER_NORMAL, NOTIFIER_CRITICAL };

/* One notification.  Strings are borrowed; NULL means absent. */
struct notification {
    const char *title;
    const char *message;
    enum notifier_urgency urgency;
    const char *const *channels; /* names; NULL: every configured channel */
    size_t channel_count;
    const char *task;   /* the task it is about */
    const char *status; /* a run's status ("failed", "success"…) */
    double duration;    /* the run's seconds; < 0 when unknown */
    const char *error;  /* the run's error message */
    /* A task's automatic notifications (alerts.h) also carry: */
    const char *event; /* the rule that sent it: "failure", "attempt_failure"… */
    long long run_id;  /* the run; 0 when absent */
    int attempt;       /* its attempt, of at most `attempts`; 0 when absent */
    int attempts;
    int suppressed; /* repeats of a failure left unsent, told here; 0: none */
};

/* Send `n` to its channels under `cfg`.  0 when every channel took it, else
 * -1 with "name: why; name: why" for the channels that failed. */
int notifier_send(const struct config *cfg, const struct notification *n, char *err,
                  size_t errlen);

/* Load the config at `config_path` (NULL: config/config.yaml under
 * $TASKSCHED_ROOT, else under the current directory) and send.  A config
 * that does not load is a failure with config_load's message. */
int notifier_send_from(const char *config_path, const struct notification *n, char *err,
                       size_t errlen);

/* `n` as the JSON object notifier_child_main reads: title, message,
 * urgency, channels, task, status, duration, error, event, run_id,
 * attempt, attempts, suppressed, and config (the config file's path,
 * omitted when NULL).  Malloc'd; NULL when out of memory. */
char *notifier_encode(const struct notification *n, const char *config_path);

/* POST `body` to `url` (a ping, pings.h), retried once; 0, or -1 with
 * why in err. */
int notifier_ping(const char *url, const char *body, int timeout, char *err, size_t errlen);

/* `main __notify`: read one notification from stdin (notifier_encode's
 * JSON) or one ping ({"ping": {url, log_url, body, timeout}}, pings.h),
 * send it, and return the exit status: 0 sent, 1 failed (why on
 * stderr). */
int notifier_child_main(void);

/* 1 with the reason in `why` when the channels of `cfg` cannot reach
 * anyone from this process: every one is a desktop channel (none
 * configured means the desktop) and there is no session bus or no
 * notify-send.  Else 0. */
int notifier_unreachable(const struct config *cfg, char *why, size_t len);

/* "low", "normal", "critical" <-> urgency; -1 for an unknown name. */
const char *notifier_urgency_name(enum notifier_urgency urgency);
int notifier_urgency_parse(const char *name);

#endif
