/* alert.c — the daemon's own alerts: a problem it noticed with a task (or
 * with itself) is a row of the store's alerts table (store.h), opened once
 * per (kind, task) and bumped on each repeat, then resolved by the daemon
 * when the condition clears or by a person.  Each change is published as
 * an `alert` event; opening and resolving are notified to alerts.channels
 * through `main __notify` (notify/alerts.h's child, so the loop never
 * waits on the network), except that a task whose alert opened and
 * resolved more than alerts.flap_limit times in the last hour is told of
 * once an hour, with the count, instead of at every change.
 *
 * Not to be confused with notify/alerts.c, a task's own `notify` rules.
 * The rules that decide when an alert opens live where the condition is
 * seen (dispatch.c, fires.c, versions.c, entries.c, alert_watch.c).
 */
#include "engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "events.h"
#include "log/log.h"
#include "notify/notifier.h"
#include "time/clock.h"
#include "time/tz.h"

#define ALERT_FLAP_WINDOW 3600.0 /* s: flapping is counted over an hour */
#define ALERT_CHANNELS_MAX 16
#define ALERT_MESSAGE_MAX 2048
#define ALERT_KIND_MAX 32
#define ALERT_TASK_MAX 1024 /* a task name: a path under tasks/ */
#define ALERT_CHANNELS_TEXT_MAX 1024

/* The alert as the store has it now, as JSON, kept for the callers. */
struct alert_copy {
    const struct tz *zone;
    json_t *doc;
    char kind[ALERT_KIND_MAX], task[ALERT_TASK_MAX];
    double opened_at, last_seen_at;
    int64_t count;
};

static int copy_alert(const struct store_alert *a, void *ud)
{
    struct alert_copy *c = ud;

    c->doc = store_alert_json(a, c->zone);
    snprintf(c->kind, sizeof c->kind, "%s", a->kind);
    snprintf(c->task, sizeof c->task, "%s", a->task);
    c->opened_at = a->opened_at;
    c->last_seen_at = a->last_seen_at;
    c->count = a->count;
    return 0;
}

static unsigned *open_bits(struct engine *e, struct entry *en)
{
    return en ? &en->alerts_open : &e->alerts_open;
}

static bool alerts_off(const struct entry *en)
{
    return en && en->loaded && en->task.alerts.off;
}

/* alerts.channels: "a, b" → names in `names` (pointing into buf). */
static size_t split_channels(const char *list, char *buf, size_t len, const char **names)
{
    size_t n = 0;

    snprintf(buf, len, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok && n < ALERT_CHANNELS_MAX;
         tok = strtok_r(NULL, ", ", &save))
        names[n++] = tok;
    return n;
}

/* Nothing without alerts.channels: a task's own `notify` channels are
 * not the owner's alert channels. */
static void send_note(struct engine *e, const struct entry *en, const char *title,
                      const char *text, const char *event, bool critical)
{
    struct alerts_env env = {e->loop, e->program, e->config_path, e->zone};
    const char *names[ALERT_CHANNELS_MAX];
    char buf[ALERT_CHANNELS_TEXT_MAX];
    struct notification n = {0};

    n.title = title;
    n.message = text;
    n.urgency = critical ? NOTIFIER_CRITICAL : NOTIFIER_NORMAL;
    n.channel_count = split_channels(e->config->alerts.channels, buf, sizeof buf, names);
    if (n.channel_count == 0)
        return;
    n.channels = names;
    n.task = en ? en->name : NULL;
    n.duration = -1;
    n.error = en ? en->last.error : NULL;
    n.event = event;
    alerts_send(&env, &n);
}

/* True when the alert's opens and resolves in the last hour pass the flap
 * limit; then at most one notification an hour says so. */
static bool flapping(struct engine *e, struct entry *en, const struct alert_copy *c,
                     bool opened)
{
    double now = clock_now(), *told = en ? &en->flap_told_at : &e->flap_told_at;
    int64_t opens = 0;
    char title[ALERT_TITLE_MAX], text[ALERT_MESSAGE_MAX];

    if (store_alert_opened_since(e->store, c->kind, c->task, now - ALERT_FLAP_WINDOW, &opens) <
        0) {
        log_warn("%s: cannot count its recent alerts: %s", en ? en->name : "daemon",
                 store_error(e->store));
        return false;
    }
    int64_t changes = 2 * opens - (opened ? 1 : 0);
    if (changes <= e->config->alerts.flap_limit)
        return false;
    if (*told != 0 && now - *told < ALERT_FLAP_WINDOW)
        return true;
    *told = now;
    snprintf(title, sizeof title, "%s: %s is flapping", en ? en->name : "daemon", c->kind);
    snprintf(text, sizeof text,
             "%s: its %s alert opened or resolved %lld times in the last hour (more than "
             "alerts.flap_limit = %d); further changes are not notified for an hour.",
             en ? en->name : "the daemon", c->kind, (long long)changes,
             e->config->alerts.flap_limit);
    send_note(e, en, title, text, "alert_flapping", true);
    return true;
}

static void notify(struct engine *e, struct entry *en, const struct alert_copy *c, bool opened,
                   const char *message, const char *resolved_by)
{
    char title[ALERT_TITLE_MAX], text[ALERT_MESSAGE_MAX], first[TZ_ISO_MAX], last[TZ_ISO_MAX];
    const char *listen = e->config->api.listen;
    const char *who = en ? en->name : "daemon";
    int used;

    if (flapping(e, en, c, opened))
        return;
    tz_format_iso(e->zone, (int64_t)c->opened_at, first, sizeof first);
    tz_format_iso(e->zone, (int64_t)c->last_seen_at, last, sizeof last);
    snprintf(title, sizeof title, "%s: %s alert %s", who, c->kind,
             opened ? "opened" : "resolved");
    used = snprintf(text, sizeof text, "%s: %s%s%s\nfirst seen %s, last seen %s (%lld time%s)",
                    who, c->kind, message ? " — " : "", message ? message : "", first, last,
                    (long long)c->count, c->count == 1 ? "" : "s");
    if (!opened && used >= 0 && (size_t)used < sizeof text)
        used +=
            snprintf(text + used, sizeof text - (size_t)used, "\nresolved by %s", resolved_by);
    if (en && en->last.error && used >= 0 && (size_t)used < sizeof text)
        used += snprintf(text + used, sizeof text - (size_t)used, "\nlast error: %s",
                         en->last.error);
    if (listen[0] && used >= 0 && (size_t)used < sizeof text)
        snprintf(text + used, sizeof text - (size_t)used, "\ndashboard: http://%s/", listen);
    send_note(e, en, title, text, opened ? "alert_opened" : "alert_resolved", opened);
}

static void publish(const char *type, json_t *alert)
{
    events_publish("alert", type, alert ? json_pack("{s:O}", "alert", alert) : NULL);
}

void alert_raise(struct engine *e, struct entry *en, enum store_alert_kind kind, int64_t count,
                 const char *message)
{
    struct alert_copy c = {.zone = e->zone};
    const char *name = store_alert_kind_name(kind);
    int rc;

    if (alerts_off(en))
        return;
    rc = store_alert_raise(e->store, name, en ? en->name : "", count, message, clock_now(),
                           copy_alert, &c);
    if (rc < 0) {
        log_error("%s: cannot record its %s alert: %s", en ? en->name : "daemon", name,
                  store_error(e->store));
        return;
    }
    *open_bits(e, en) |= 1u << kind;
    if (rc == 1) {
        log_warn("%s: %s alert opened: %s", en ? en->name : "daemon", name,
                 message ? message : "");
        notify(e, en, &c, true, message, NULL);
    }
    publish(rc == 1 ? "opened" : "bumped", c.doc);
    json_decref(c.doc);
}

/* The alert `c` was resolved by `by`: say so everywhere. */
static void resolved(struct engine *e, struct entry *en, const struct alert_copy *c,
                     const char *by)
{
    enum store_alert_kind kind;

    if (store_alert_kind_parse(c->kind, &kind) == 0)
        *open_bits(e, en) &= ~(1u << kind);
    log_info("%s: %s alert resolved by %s", en ? en->name : "daemon", c->kind, by);
    notify(e, en, c, false, NULL, by);
    publish("resolved", c->doc);
}

void alert_clear(struct engine *e, struct entry *en, enum store_alert_kind kind,
                 const char *reason)
{
    struct alert_copy c = {.zone = e->zone};
    char by[ENGINE_ERR_MAX];
    int rc;

    if (!(*open_bits(e, en) & (1u << kind)))
        return;
    snprintf(by, sizeof by, "daemon: %s", reason);
    rc = store_alert_resolve(e->store, 0, store_alert_kind_name(kind), en ? en->name : "", by,
                             NULL, clock_now(), copy_alert, &c);
    if (rc < 0) {
        log_error("%s: cannot resolve its %s alert: %s", en ? en->name : "daemon",
                  store_alert_kind_name(kind), store_error(e->store));
        return;
    }
    if (rc == 1)
        resolved(e, en, &c, by);
    else
        *open_bits(e, en) &= ~(1u << kind);
    json_decref(c.doc);
}

void alert_store_episode(void *data, bool began, const char *error, double since)
{
    struct engine *e = data;
    struct alert_copy c = {.zone = e->zone,
                           .kind = "store",
                           .opened_at = since,
                           .last_seen_at = since,
                           .count = 1};
    char msg[ENGINE_ERR_MAX];

    if (began) {
        /* No row can be written now: the owner hears of it at once, the
         * row is written when the store takes writes again. */
        log_warn("daemon: store alert opened: %s", error);
        notify(e, NULL, &c, true, error, NULL);
        return;
    }
    snprintf(msg, sizeof msg, "the store refused writes for %.0f s: %s", clock_now() - since,
             error);
    c.doc = NULL;
    if (store_alert_raise(e->store, "store", "", 1, msg, since, copy_alert, &c) < 0) {
        log_error("daemon: cannot record its store alert: %s", store_error(e->store));
        return;
    }
    e->alerts_open |= 1u << STORE_ALERT_STORE;
    publish("opened", c.doc);
    json_decref(c.doc);
    alert_clear(e, NULL, STORE_ALERT_STORE, "the store takes writes again");
}

static int publish_resolved(const struct store_alert *a, void *ud)
{
    json_t *doc = store_alert_json(a, ud);

    publish("resolved", doc);
    json_decref(doc);
    return 0;
}

void alert_clear_gone(struct engine *e, const char *task, const char *reason)
{
    char by[ENGINE_ERR_MAX];

    snprintf(by, sizeof by, "daemon: %s", reason);
    if (store_alert_resolve(e->store, 0, NULL, task, by, NULL, clock_now(), publish_resolved,
                            (void *)e->zone) < 0)
        log_error("%s: cannot resolve its alerts: %s", task, store_error(e->store));
}

static int note_open(const struct store_alert *a, void *ud)
{
    enum store_alert_kind kind;

    if (store_alert_kind_parse(a->kind, &kind) == 0)
        *(unsigned *)ud |= 1u << kind;
    return 0;
}

void alert_load(struct engine *e, struct entry *en)
{
    struct store_alert_filter f = {.state = STORE_ALERTS_OPEN, .task = en ? en->name : ""};

    if (store_alerts(e->store, &f, 0, note_open, open_bits(e, en)) < 0)
        log_error("%s: cannot read its open alerts: %s", en ? en->name : "daemon",
                  store_error(e->store));
}

json_t *alert_kinds_json(unsigned open)
{
    json_t *kinds = json_array();

    for (int kind = 0; kinds && kind < STORE_ALERT_KINDS; kind++)
        if ((open & (1u << kind)) &&
            json_array_append_new(kinds, json_string(store_alert_kind_name(kind))) != 0) {
            json_decref(kinds);
            return NULL;
        }
    return kinds;
}

int engine_alert_resolve(struct engine *e, int64_t id, const char *by, const char *note,
                         json_t **alert, char *err, size_t errlen)
{
    struct alert_copy c = {.zone = e->zone};
    struct entry *en = NULL;
    int rc =
        store_alert_resolve(e->store, id, NULL, NULL, by, note, clock_now(), copy_alert, &c);

    *alert = NULL;
    if (rc < 0) {
        snprintf(err, errlen, "cannot resolve alert %lld: %s", (long long)id,
                 store_error(e->store));
        return -1;
    }
    if (rc == 0) {
        snprintf(err, errlen, "no alert %lld", (long long)id);
        return 0;
    }
    if (rc == 2) {
        snprintf(err, errlen, "alert %lld is already resolved", (long long)id);
        *alert = c.doc;
        return 2;
    }
    /* entries_find's walk; entries.c calls this file, so it cannot be called */
    for (struct entry *it = e->entries; c.task[0] && it && !en; it = it->next)
        if (strcmp(it->name, c.task) == 0)
            en = it;
    if (c.task[0] && !en) /* a task gone since: nothing to notify of or track */
        publish("resolved", c.doc);
    else
        resolved(e, en, &c, by);
    *alert = c.doc;
    return 1;
}
