/* notifier_http.c — the channels that are one HTTP POST: webhook (the
 * notification as JSON), ntfy (the message as the body, title and priority
 * as headers) and slack (an incoming webhook's {"text": …}).
 *
 * Every channel may add request headers (`headers: {Authorization: …}`).
 * A reply outside 2xx is a failure.  URLs are left out of messages: a
 * Slack webhook's URL is its secret.
 */
#include "notifier_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/yamldoc.h"

#define PROTOCOLS "http,https"
#define JSON_TYPE "application/json"
#define TEXT_TYPE "text/plain; charset=utf-8"
#define NTFY_DEFAULT_SERVER "https://ntfy.sh"
#define HTTP_SUCCESS_MIN 200
#define HTTP_SUCCESS_MAX 299

/* ntfy's priorities: 1 (min) … 5 (max); indexed by enum notifier_urgency. */
static const int ntfy_priority[] = {
    [NOTIFIER_LOW] = 2,
    [NOTIFIER_NORMAL] = 3,
    [NOTIFIER_CRITICAL] = 5,
};

/* Appends "name: value" to *list; -1 on OOM.  `value` is made one line. */
static int add_header(struct curl_slist **list, const char *name, const char *value)
{
    char *text = notifier_header_text(value), *line = NULL;
    struct curl_slist *grown = NULL;

    if (text && asprintf(&line, "%s: %s", name, text) >= 0) {
        grown = curl_slist_append(*list, line);
        free(line);
    }
    free(text);
    if (!grown)
        return -1;
    *list = grown;
    return 0;
}

/* Appends the channel's `headers` mapping to *list. */
static int add_channel_headers(const struct config_channel *ch, struct curl_slist **list,
                               char *err, size_t errlen)
{
    const struct yamldoc_node *headers = yamldoc_get(ch->settings, "headers");

    if (!headers)
        return 0;
    if (headers->kind != YAMLDOC_MAPPING) {
        snprintf(err, errlen, "'headers' must be a mapping of names to values");
        return -1;
    }
    for (size_t i = 0; i < headers->count; i++) {
        const struct yamldoc_pair *p = &headers->pairs[i];

        if (p->key->kind != YAMLDOC_SCALAR || p->value->kind != YAMLDOC_SCALAR) {
            snprintf(err, errlen, "'headers' must map names to values");
            return -1;
        }
        if (add_header(list, p->key->text, p->value->text) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* POSTs `body` with `headers` (and the channel's own, when `ch`) to `url`
 * within `timeout` seconds.  Takes ownership of `headers`. */
static int post(const struct config_channel *ch, const char *url, struct curl_slist *headers,
                const char *body, long timeout, char *err, size_t errlen)
{
    char errbuf[CURL_ERROR_SIZE];
    CURL *c = curl_easy_init();
    long status = 0;
    int rc = -1;

    if (!c) {
        snprintf(err, errlen, "curl_easy_init failed");
        goto fail;
    }
    if (!url) {
        snprintf(err, errlen, "'url' must be a string");
        goto fail;
    }
    if (ch && add_channel_headers(ch, &headers, err, errlen) != 0)
        goto fail;
    if (notifier_curl_defaults(c, errbuf) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, PROTOCOLS) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body)) !=
            CURLE_OK) {
        snprintf(err, errlen, "cannot set up the request");
        goto fail;
    }
    if (notifier_curl_perform(c, errbuf, err, errlen) != 0)
        goto fail;
    if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK) {
        snprintf(err, errlen, "no HTTP status");
        goto fail;
    }
    if (status < HTTP_SUCCESS_MIN || status > HTTP_SUCCESS_MAX) {
        snprintf(err, errlen, "HTTP %ld", status);
        goto fail;
    }
    rc = 0;
fail:
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    return rc;
}

/* POSTs `doc` as JSON; takes ownership of it. */
static int post_json(const struct config_channel *ch, const char *url, json_t *doc, char *err,
                     size_t errlen)
{
    struct curl_slist *headers = NULL;
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    int rc = -1;

    if (!body || add_header(&headers, "Content-Type", JSON_TYPE) != 0) {
        /* json_string() refuses invalid UTF-8 as well as running out */
        snprintf(err, errlen,
                 "cannot encode the notification as JSON "
                 "(invalid UTF-8?)");
    } else {
        rc = post(ch, url, headers, body, NOTIFIER_TIMEOUT_S, err, errlen);
    }
    free(body);
    json_decref(doc);
    return rc;
}

int notifier_webhook(const struct config_channel *ch, const struct notification *n, char *err,
                     size_t errlen)
{
    return post_json(ch, config_channel_get(ch, "url"), notifier_json(n), err, errlen);
}

/* Slack's mrkdwn treats &, < and > as markup; each must be escaped. */
static int add_escaped(char **out, size_t *len, const char *s)
{
    for (; *s; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
        size_t add = rep ? strlen(rep) : 1;
        char *grown = realloc(*out, *len + add + 1);

        if (!grown)
            return -1;
        memcpy(grown + *len, rep ? rep : s, add);
        *out = grown;
        *len += add;
        grown[*len] = '\0';
    }
    return 0;
}

int notifier_slack(const struct config_channel *ch, const struct notification *n, char *err,
                   size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    json_t *doc = NULL;

    if (add_escaped(&text, &len, "*") == 0 &&
        add_escaped(&text, &len, n->title ? n->title : "") == 0 &&
        add_escaped(&text, &len, "*\n") == 0 &&
        add_escaped(&text, &len, n->message ? n->message : "") == 0)
        doc = json_pack("{s:s}", "text", text);
    free(text);
    return post_json(ch, config_channel_get(ch, "url"), doc, err, errlen);
}

int notifier_ntfy(const struct config_channel *ch, const struct notification *n, char *err,
                  size_t errlen)
{
    const char *server = config_channel_get(ch, "url");
    const char *topic = config_channel_get(ch, "topic");
    char priority[sizeof "5"], *url = NULL;
    struct curl_slist *headers = NULL;
    size_t len;

    if (!topic) {
        snprintf(err, errlen, "'topic' must be a string");
        return -1;
    }
    if (!server)
        server = NTFY_DEFAULT_SERVER;
    len = strlen(server);
    while (len > 0 && server[len - 1] == '/')
        len--;
    snprintf(priority, sizeof priority, "%d", ntfy_priority[n->urgency]);
    if (asprintf(&url, "%.*s/%s", (int)len, server, topic) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (add_header(&headers, "Content-Type", TEXT_TYPE) != 0 ||
        (n->title && add_header(&headers, "Title", n->title) != 0) ||
        add_header(&headers, "Priority", priority) != 0) {
        snprintf(err, errlen, "out of memory");
        curl_slist_free_all(headers);
        free(url);
        return -1;
    }
    int rc =
        post(ch, url, headers, n->message ? n->message : "", NOTIFIER_TIMEOUT_S, err, errlen);
    free(url);
    return rc;
}

int notifier_http_ping(const char *url, const char *body, int timeout, char *err, size_t errlen)
{
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: " TEXT_TYPE);

    if (!headers) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return post(NULL, url, headers, body, timeout, err, errlen);
}
