/* notifier_message.c — the parts of a notification that the channels and
 * `main __notify` build their messages from: urgency names, the JSON
 * object, header-safe text.
 *
 * They sit below the channels and notifier.c, which dispatches to them, so
 * that the files of notify/ use each other one way only.
 */
#include "notifier_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const urgency_names[] = {
    [NOTIFIER_LOW] = "low",
    [NOTIFIER_NORMAL] = "normal",
    [NOTIFIER_CRITICAL] = "critical",
};

#define URGENCY_COUNT (sizeof urgency_names / sizeof urgency_names[0])

const char *notifier_urgency_name(enum notifier_urgency urgency)
{
    return (size_t)urgency < URGENCY_COUNT ? urgency_names[urgency] : "?";
}

int notifier_urgency_parse(const char *name)
{
    for (size_t i = 0; i < URGENCY_COUNT; i++)
        if (strcmp(urgency_names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Sets obj[key] = value when value is not NULL; -1 when it cannot. */
static int set_text(json_t *obj, const char *key, const char *value)
{
    return !value ? 0 : json_object_set_new(obj, key, json_string(value));
}

/* Sets obj[key] = value when value > 0 (0 means absent); -1 when it cannot. */
static int set_count(json_t *obj, const char *key, long long value)
{
    return value <= 0 ? 0 : json_object_set_new(obj, key, json_integer(value));
}

json_t *notifier_json(const struct notification *n)
{
    json_t *doc = json_object();

    if (!doc || set_text(doc, "title", n->title) != 0 ||
        set_text(doc, "message", n->message) != 0 ||
        set_text(doc, "urgency", notifier_urgency_name(n->urgency)) != 0 ||
        set_text(doc, "task", n->task) != 0 || set_text(doc, "status", n->status) != 0 ||
        set_text(doc, "error", n->error) != 0 || set_text(doc, "event", n->event) != 0 ||
        set_count(doc, "run_id", n->run_id) != 0 ||
        set_count(doc, "attempt", n->attempt) != 0 ||
        set_count(doc, "attempts", n->attempts) != 0 ||
        set_count(doc, "suppressed", n->suppressed) != 0 ||
        (n->duration >= 0 &&
         json_object_set_new(doc, "duration", json_real(n->duration)) != 0)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

char *notifier_header_text(const char *text)
{
    char *copy = strdup(text);

    for (char *p = copy; p && *p; p++)
        if (*p == '\r' || *p == '\n')
            *p = ' ';
    return copy;
}
