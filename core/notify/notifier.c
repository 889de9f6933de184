/* notifier.c — send a notification to its channels, each retried once.
 *
 * The channels themselves live in notifier_http.c (webhook, ntfy, slack),
 * notifier_email.c and notifier_desktop.c, and what they share in
 * notifier_message.c and notifier_curl.c; notifier_child.c is the
 * `main __notify` side.
 */
#include "notifier.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notifier_internal.h"

#define NOTIFIER_ATTEMPTS 2 /* a failing channel is retried once */
#define NOTIFIER_RETRY_DELAY_NS 500000000L
#define ROOT_ENV "TASKSCHED_ROOT"
#define DEFAULT_CONFIG "config/config.yaml"
#define DESKTOP_NAME "desktop"
#define REASON_MAX 512

/* Indexed by enum config_channel_type. */
static int (*const senders[])(const struct config_channel *, const struct notification *,
                              char *, size_t) = {
    [CONFIG_CHANNEL_WEBHOOK] = notifier_webhook, [CONFIG_CHANNEL_NTFY] = notifier_ntfy,
    [CONFIG_CHANNEL_SLACK] = notifier_slack,     [CONFIG_CHANNEL_EMAIL] = notifier_email,
    [CONFIG_CHANNEL_DESKTOP] = notifier_desktop,
};

/* Used when no channel is configured, and for the name "desktop" when no
 * configured channel has it: a desktop channel without settings. */
static char builtin_desktop_name[] = DESKTOP_NAME;
static const struct config_channel builtin_desktop = {
    .name = builtin_desktop_name,
    .type = CONFIG_CHANNEL_DESKTOP,
    .settings = NULL,
};

/* curl's global state is set up once per process and lives as long as it
 * (helpers/http.c does the same; the calls are reference-counted). */
static int curl_ready(void)
{
    static bool ready;

    if (!ready && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        ready = true;
    return ready ? 0 : -1;
}

/* Appends "name: reason" to the failures listed in err. */
static void add_failure(char *err, size_t errlen, size_t *used, const char *name,
                        const char *reason)
{
    int n;

    if (*used >= errlen)
        return;
    n = snprintf(err + *used, errlen - *used, "%s%s: %s", *used ? "; " : "", name, reason);
    *used = n < 0 ? errlen : *used + (size_t)n;
}

/* 0 when the channel took the notification at the first or second try. */
static int send_channel(const struct config_channel *ch, const struct notification *n,
                        char *err, size_t errlen, size_t *used)
{
    const struct timespec delay = {0, NOTIFIER_RETRY_DELAY_NS};
    char reason[REASON_MAX];

    for (int attempt = 0; attempt < NOTIFIER_ATTEMPTS; attempt++) {
        /* An interrupted sleep only shortens the pause. */
        if (attempt > 0)
            (void)nanosleep(&delay, NULL);
        if (senders[ch->type](ch, n, reason, sizeof reason) == 0)
            return 0;
    }
    add_failure(err, errlen, used, ch->name, reason);
    return -1;
}

int notifier_send(const struct config *cfg, const struct notification *n, char *err,
                  size_t errlen)
{
    size_t used = 0;
    int failed = 0;

    if (errlen)
        err[0] = '\0';
    if (curl_ready() != 0) {
        snprintf(err, errlen, "curl_global_init failed");
        return -1;
    }
    if (!n->channels && cfg->channel_count == 0)
        return send_channel(&builtin_desktop, n, err, errlen, &used);
    if (!n->channels) {
        for (size_t i = 0; i < cfg->channel_count; i++)
            failed += send_channel(&cfg->channels[i], n, err, errlen, &used) != 0;
        return failed ? -1 : 0;
    }
    for (size_t i = 0; i < n->channel_count; i++) {
        const char *name = n->channels[i];
        const struct config_channel *ch = config_channel_find(cfg, name);

        if (!ch && strcmp(name, DESKTOP_NAME) == 0)
            ch = &builtin_desktop;
        if (ch) {
            failed += send_channel(ch, n, err, errlen, &used) != 0;
        } else {
            add_failure(err, errlen, &used, name, "no such channel in notifications");
            failed++;
        }
    }
    return failed ? -1 : 0;
}

int notifier_ping(const char *url, const char *body, int timeout, char *err, size_t errlen)
{
    const struct timespec delay = {0, NOTIFIER_RETRY_DELAY_NS};

    if (curl_ready() != 0) {
        snprintf(err, errlen, "curl_global_init failed");
        return -1;
    }
    for (int attempt = 0; attempt < NOTIFIER_ATTEMPTS; attempt++) {
        if (attempt > 0)
            (void)nanosleep(&delay, NULL);
        if (notifier_http_ping(url, body, timeout, err, errlen) == 0)
            return 0;
    }
    return -1;
}

int notifier_unreachable(const struct config *cfg, char *why, size_t len)
{
    for (size_t i = 0; i < cfg->channel_count; i++)
        if (cfg->channels[i].type != CONFIG_CHANNEL_DESKTOP)
            return 0;
    return notifier_desktop_missing(why, len);
}

int notifier_send_from(const char *config_path, const struct notification *n, char *err,
                       size_t errlen)
{
    char path[PATH_MAX];
    const char *root = getenv(ROOT_ENV);
    struct config cfg;
    int rc;

    if (!config_path) {
        if (config_resolve_path(root && *root ? root : ".", DEFAULT_CONFIG, path,
                                sizeof path) != 0) {
            snprintf(err, errlen, "%s: path too long", ROOT_ENV);
            return -1;
        }
        config_path = path;
    }
    /* The root's .env too: a channel's secret may be kept there. */
    if (config_load_root(root && *root ? root : ".", config_path, &cfg, err, errlen) != 0)
        return -1;
    rc = notifier_send(&cfg, n, err, errlen);
    config_free(&cfg);
    return rc;
}
