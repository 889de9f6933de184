/* notifier_child.c — a notification as JSON, and `main __notify`, which
 * reads one from stdin and sends it.
 *
 * The daemon must never wait on the network, so it hands each automatic
 * notification to a short-lived child.  The notification travels through
 * the child's stdin rather than its argv, so no message (nor error text)
 * shows in `ps`.
 */
#include "notifier.h"

#include <stdio.h>
#include <stdlib.h>

#include "notifier_internal.h"

#define FIELD_CHANNELS "channels"
#define FIELD_CONFIG "config"

static const char *get_text(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A count notifier_json wrote, 0 when absent. */
static long long get_count(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

char *notifier_encode(const struct notification *n, const char *config_path)
{
    json_t *doc = notifier_json(n), *channels = NULL;
    char *text = NULL;

    if (!doc ||
        (config_path && json_object_set_new(doc, FIELD_CONFIG, json_string(config_path)) != 0))
        goto fail;
    if (n->channels) {
        if (!(channels = json_array()) ||
            json_object_set_new(doc, FIELD_CHANNELS, channels) != 0)
            goto fail;
        for (size_t i = 0; i < n->channel_count; i++)
            if (json_array_append_new(channels, json_string(n->channels[i])) != 0)
                goto fail;
    }
    text = json_dumps(doc, JSON_COMPACT);
fail:
    json_decref(doc);
    return text;
}

/* Fills n from doc; the strings stay doc's, `names` (the channel list) is
 * malloc'd for the caller to free.  -1 with a message in err. */
static int decode(const json_t *doc, struct notification *n, const char ***names, char *err,
                  size_t errlen)
{
    const json_t *list = json_object_get(doc, FIELD_CHANNELS);
    const json_t *duration = json_object_get(doc, "duration");
    const char *urgency = get_text(doc, "urgency");
    int level = urgency ? notifier_urgency_parse(urgency) : NOTIFIER_NORMAL;
    size_t i;
    json_t *item;

    if (!json_is_object(doc)) {
        snprintf(err, errlen, "a notification must be a JSON object");
        return -1;
    }
    if (level < 0) {
        snprintf(err, errlen,
                 "urgency must be low, normal or critical, "
                 "got '%s'",
                 urgency);
        return -1;
    }
    *n = (struct notification){
        .title = get_text(doc, "title"),
        .message = get_text(doc, "message"),
        .urgency = (enum notifier_urgency)level,
        .task = get_text(doc, "task"),
        .status = get_text(doc, "status"),
        .duration = json_is_number(duration) ? json_number_value(duration) : -1,
        .error = get_text(doc, "error"),
        .event = get_text(doc, "event"),
        .run_id = get_count(doc, "run_id"),
        .attempt = (int)get_count(doc, "attempt"),
        .attempts = (int)get_count(doc, "attempts"),
        .suppressed = (int)get_count(doc, "suppressed"),
    };
    if (!list)
        return 0;
    if (!json_is_array(list) || !(*names = calloc(json_array_size(list) + 1, sizeof **names))) {
        snprintf(err, errlen, "channels must be a list of names");
        return -1;
    }
    json_array_foreach(list, i, item)
    {
        if (!((*names)[i] = json_string_value(item))) {
            snprintf(err, errlen, "channels must be a list of names");
            return -1;
        }
    }
    n->channels = *names;
    n->channel_count = json_array_size(list);
    return 0;
}

/* A ping's document (pings.c): {url, log_url, body, timeout}.  The error
 * names log_url, which has its secrets left out. */
static int send_ping(const json_t *ping)
{
    char err[NOTIFIER_ERR_MAX];
    const char *url = get_text(ping, "url"), *body = get_text(ping, "body");
    const char *log_url = get_text(ping, "log_url");

    if (!url || !body || !log_url) {
        fprintf(stderr, "notify: a ping needs url, log_url and body\n");
        return EXIT_FAILURE;
    }
    if (notifier_ping(url, body, (int)get_count(ping, "timeout"), err, sizeof err) != 0) {
        fprintf(stderr, "notify: ping %s: %s\n", log_url, err);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

int notifier_child_main(void)
{
    char err[NOTIFIER_ERR_MAX];
    const char **names = NULL;
    struct notification n;
    json_error_t jerr;
    json_t *doc = json_loadf(stdin, 0, &jerr);
    int rc = EXIT_FAILURE;

    if (!doc) {
        fprintf(stderr, "notify: stdin:%d:%d: %s\n", jerr.line, jerr.column, jerr.text);
        return EXIT_FAILURE;
    }
    if (json_is_object(json_object_get(doc, "ping"))) {
        rc = send_ping(json_object_get(doc, "ping"));
        json_decref(doc);
        return rc;
    }
    if (decode(doc, &n, &names, err, sizeof err) != 0 ||
        notifier_send_from(get_text(doc, FIELD_CONFIG), &n, err, sizeof err) != 0)
        fprintf(stderr, "notify: %s\n", err);
    else
        rc = EXIT_SUCCESS;
    free(names);
    json_decref(doc);
    return rc;
}
