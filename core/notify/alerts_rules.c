/* alerts_rules.c — which notification the end of a run sends, its words,
 * and the streak of repeated failures behind them (alerts.h).
 *
 * A pure decision over the task's rules, its streak and the run, so that
 * every case can be tested without a daemon; alerts.c sends the result.
 */
#include "alerts.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAK_KEY_PREFIX "alerts:"
#define NO_MESSAGE "(no message)"
#define LINE_MAX_LEN 200 /* of the error line kept in the streak */
#define SINCE_MAX 32
#define DATE_LEN 10 /* "2026-12-03" */

static const char *const event_names[] = {
    [ALERT_NONE] = "none",
    [ALERT_FAILURE] = "failure",
    [ALERT_ATTEMPT_FAILURE] = "attempt_failure",
    [ALERT_RECOVERY] = "recovery",
    [ALERT_SUCCESS] = "success",
};

const char *alerts_event_name(enum alert_event event)
{
    return event_names[event];
}

void alerts_streak_clear(struct alert_streak *s)
{
    free(s->error);
    *s = (struct alert_streak){0};
}

/* The error's first line (at most LINE_MAX_LEN bytes), malloc'd. */
static char *first_line(const char *error)
{
    const char *text = error && *error ? error : NO_MESSAGE;
    size_t len = strcspn(text, "\n");

    return strndup(text, len < LINE_MAX_LEN ? len : LINE_MAX_LEN);
}

/* "18:02" when `t` is on the day of `now` in `zone`, else "2026-12-02 18:02". */
static void format_since(const struct tz *zone, double t, double now, char *buf, size_t len)
{
    char at[TZ_ISO_MAX], today[TZ_ISO_MAX];

    tz_format_iso(zone, (int64_t)floor(t), at, sizeof at);
    tz_format_iso(zone, (int64_t)floor(now), today, sizeof today);
    if (strncmp(at, today, DATE_LEN) == 0)
        snprintf(buf, len, "%.5s", at + DATE_LEN + 1);
    else
        snprintf(buf, len, "%.*s %.5s", DATE_LEN, at, at + DATE_LEN + 1);
}

/* "\"disk full\" failed 12 times in a row since 18:02 (11 not notified)";
 * malloc'd, NULL when out of memory. */
static char *streak_text(const struct alert_streak *s, const struct tz *zone, double now)
{
    char since[SINCE_MAX], *text;

    format_since(zone, s->since, now, since, sizeof since);
    if (s->count == 1 && asprintf(&text, "\"%s\" failed once, at %s", s->error, since) >= 0)
        return text;
    if (s->count > 1 &&
        asprintf(&text, "\"%s\" failed %d times in a row since %s (%d not notified)", s->error,
                 s->count, since, s->suppressed) >= 0)
        return text;
    return NULL;
}

/* The message of each event; `before` is the streak that ended (or NULL). */
static char *compose(const struct alert_run *run, enum alert_event event, const char *before)
{
    const char *status = store_status_name(run->status);
    const char *error = run->error && *run->error ? run->error : NO_MESSAGE;
    char *text = NULL;
    int n = -1;

    switch (event) {
    case ALERT_FAILURE:
        n = asprintf(&text, "run %lld %s (attempt %d/%d): %s%s%s", run->run_id, status,
                     run->attempt, run->attempts, error, before ? "\nbefore it, " : "",
                     before ? before : "");
        break;
    case ALERT_ATTEMPT_FAILURE:
        n = asprintf(&text, "run %lld %s (attempt %d/%d, to be retried): %s", run->run_id,
                     status, run->attempt, run->attempts, error);
        break;
    case ALERT_RECOVERY:
        n = asprintf(&text, "run %lld succeeded (attempt %d/%d); %s", run->run_id, run->attempt,
                     run->attempts, before ? before : "");
        break;
    case ALERT_SUCCESS:
        n = asprintf(&text, "run %lld succeeded (attempt %d/%d) in %.1f s", run->run_id,
                     run->attempt, run->attempts, run->duration > 0 ? run->duration : 0.0);
        break;
    case ALERT_NONE:
        return NULL;
    }
    return n < 0 ? NULL : text;
}

/* Which event the run sends; *repeat when it is a fire that failed as the
 * streak's did. */
static enum alert_event choose(const struct task_notify *rules, const struct alert_streak *s,
                               const struct alert_run *run, const char *line, bool *repeat)
{
    bool failed = store_status_failed(run->status);

    *repeat = false;
    if (failed && !run->final)
        return rules->on_attempt_failure ? ALERT_ATTEMPT_FAILURE : ALERT_NONE;
    if (failed) {
        *repeat = s->error && strcmp(s->error, line) == 0;
        if (rules->on_attempt_failure || (rules->on_failure && !*repeat))
            return ALERT_FAILURE;
        return ALERT_NONE;
    }
    if (run->status != STORE_RUN_SUCCESS)
        return ALERT_NONE;
    if (s->error && rules->on_recovery)
        return ALERT_RECOVERY;
    return rules->on_success ? ALERT_SUCCESS : ALERT_NONE;
}

int alerts_decide(const struct task_notify *rules, const char *title,
                  struct alert_streak *streak, const struct alert_run *run,
                  const struct tz *zone, struct alert_message *out, bool *changed)
{
    bool failed_fire = store_status_failed(run->status) && run->final;
    bool ends_streak = streak->error && (run->status == STORE_RUN_SUCCESS || failed_fire);
    char *line = failed_fire ? first_line(run->error) : NULL;
    char *before = NULL;
    bool repeat;

    *out = (struct alert_message){0};
    *changed = false;
    if (failed_fire && !line)
        return -1;
    out->event = choose(rules, streak, run, line, &repeat);
    ends_streak = ends_streak && !repeat;
    /* A new failure tells of the repeats before it, a recovery of all. */
    if (ends_streak &&
        ((out->event == ALERT_FAILURE && streak->count > 1) || out->event == ALERT_RECOVERY) &&
        !(before = streak_text(streak, zone, run->finished_at)))
        goto oom;
    if (out->event != ALERT_NONE) {
        const char *what = out->event == ALERT_RECOVERY  ? "recovered"
                           : out->event == ALERT_SUCCESS ? "success"
                                                         : store_status_name(run->status);

        if (out->event == ALERT_ATTEMPT_FAILURE)
            snprintf(out->title, sizeof out->title, "%s: attempt %d/%d %s", title, run->attempt,
                     run->attempts, what);
        else
            snprintf(out->title, sizeof out->title, "%s: %s", title, what);
        if (!(out->message = compose(run, out->event, before)))
            goto oom;
        out->suppressed = before ? streak->suppressed : 0;
    }
    free(before);
    /* The streak takes the run in. */
    if (repeat) {
        streak->count++;
        streak->suppressed += out->event == ALERT_NONE && rules->on_failure;
        *changed = true;
    } else if (failed_fire) {
        free(streak->error);
        *streak = (struct alert_streak){line, 1, 0, run->finished_at};
        line = NULL;
        *changed = true;
    } else if (ends_streak) {
        alerts_streak_clear(streak);
        *changed = true;
    }
    free(line);
    return 0;
oom:
    free(before);
    free(line);
    *out = (struct alert_message){0};
    return -1;
}

/* ---- saved in the store ---------------------------------------------- */

static char *streak_key(const char *task)
{
    char *key;

    return asprintf(&key, STREAK_KEY_PREFIX "%s", task) < 0 ? NULL : key;
}

int alerts_streak_load(struct store *st, const char *task, struct alert_streak *out, char *err,
                       size_t errlen)
{
    char *key = streak_key(task), *value = NULL;
    json_t *doc = NULL;
    const char *error;
    int rc = -1;

    *out = (struct alert_streak){0};
    if (!key) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    switch (store_meta_get(st, key, &value)) {
    case 0:
        rc = 0;
        goto done;
    case 1:
        break;
    default:
        snprintf(err, errlen, "%s", store_error(st));
        goto done;
    }
    doc =
        json_loads(value, 0, NULL); /* not inside json_is_object: a macro that reads it twice */
    if (!json_is_object(doc)) {
        snprintf(err, errlen, "meta %s: not a JSON object", key);
        goto done;
    }
    rc = 0;
    error = json_string_value(json_object_get(doc, "error"));
    if (!error) /* not failing */
        goto done;
    if (!(out->error = strdup(error))) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
        goto done;
    }
    out->count = (int)json_integer_value(json_object_get(doc, "count"));
    out->suppressed = (int)json_integer_value(json_object_get(doc, "suppressed"));
    out->since = json_number_value(json_object_get(doc, "since"));
done:
    json_decref(doc);
    free(value);
    free(key);
    return rc;
}

int alerts_streak_save(struct store *st, const char *task, const struct alert_streak *s,
                       char *err, size_t errlen)
{
    char *key = streak_key(task), *value = NULL;
    json_t *doc = s->error ? json_pack("{s:s, s:i, s:i, s:f}", "error", s->error, "count",
                                       s->count, "suppressed", s->suppressed, "since", s->since)
                           : json_object();
    int rc = -1;

    if (!key || !doc || !(value = json_dumps(doc, JSON_COMPACT)))
        snprintf(err, errlen, "out of memory");
    else if (store_meta_set(st, key, value) != 0)
        snprintf(err, errlen, "%s", store_error(st));
    else
        rc = 0;
    free(value);
    json_decref(doc);
    free(key);
    return rc;
}
