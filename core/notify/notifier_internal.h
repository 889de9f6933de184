/* notifier_internal.h — the channel senders behind notifier_send, and what
 * they share; not for the rest of the program.
 *
 * A sender tries one channel once (notifier.c retries) and returns 0, or
 * -1 with the reason in err (without the channel's name: the caller adds
 * it).  What the senders share lives below them, in notifier_message.c and
 * notifier_curl.c: notifier.c calls the senders, and they call those two,
 * never the other way round.
 */
#ifndef NOTIFIER_INTERNAL_H
#define NOTIFIER_INTERNAL_H

#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config/config.h"
#include "notifier.h"

#define NOTIFIER_TIMEOUT_S 10 /* a whole transfer, and notify-send */
#define NOTIFIER_CONNECT_TIMEOUT_S 5
#define NOTIFIER_USER_AGENT "task-scheduler"

/* notifier_http.c */
int notifier_webhook(const struct config_channel *ch, const struct notification *n, char *err,
                     size_t errlen);
int notifier_ntfy(const struct config_channel *ch, const struct notification *n, char *err,
                  size_t errlen);
int notifier_slack(const struct config_channel *ch, const struct notification *n, char *err,
                   size_t errlen);
/* One ping (pings.h): POST `body` as text to `url` within `timeout` s. */
int notifier_http_ping(const char *url, const char *body, int timeout, char *err,
                       size_t errlen);
/* notifier_email.c */
int notifier_email(const struct config_channel *ch, const struct notification *n, char *err,
                   size_t errlen);
/* notifier_desktop.c; `ch` settings may be NULL (the built-in channel) */
int notifier_desktop(const struct config_channel *ch, const struct notification *n, char *err,
                     size_t errlen);
/* 1 with the reason when this process cannot show a desktop notification
 * (no session bus, no notify-send), else 0. */
int notifier_desktop_missing(char *why, size_t len);

/* notifier_message.c (and notifier_urgency_name/_parse of notifier.h) */
/* {title, message, urgency, task, status, duration, error, event, run_id,
 * attempt, attempts, suppressed}, absent fields
 * left out: a webhook's body, and the core of notifier_encode's JSON
 * (notifier_child.c).  NULL when out of memory or a text is not UTF-8. */
json_t *notifier_json(const struct notification *n);

/* A malloc'd copy of `text` fit for a header line: CR and LF become
 * spaces, so a title cannot add headers of its own.  NULL on OOM. */
char *notifier_header_text(const char *text);

/* notifier_curl.c */
/* Options every transfer gets: timeouts, no signals, curl's message in
 * `errbuf` (CURL_ERROR_SIZE bytes), the reply body discarded. */
CURLcode notifier_curl_defaults(CURL *c, char *errbuf);

/* Run a configured transfer; 0, or -1 with curl's reason in err. */
int notifier_curl_perform(CURL *c, const char *errbuf, char *err, size_t errlen);

#endif
