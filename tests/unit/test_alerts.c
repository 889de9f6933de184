/* test_alerts.c — core/notify/alerts_rules.c: which attempt of a fire
 * notifies, what the notification says (run id, attempt, repeats counted
 * rather than sent), the streak saved in the store, and `notify.on`
 * reading "attempt_failure" (task_load).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify/alerts.h"
#include "notify/notifier.h"
#include "task/task.h"
#include "testing.h"

#define T0 1780000000.0 /* 2026-05-28T20:26:40Z */

static const struct tz *utc;

/* A fire's attempt that ended at T0 + at seconds. */
static struct alert_run attempt(long long id, int n, int of, enum store_status status,
                                const char *error, double at)
{
    return (struct alert_run){
        .run_id = id,
        .attempt = n,
        .attempts = of,
        .final = status == STORE_RUN_SUCCESS || n == of,
        .status = status,
        .finished_at = T0 + at,
        .duration = 0.25,
        .error = error,
    };
}

/* Decide for `run` and return the event; the title and message in *m
 * (the caller frees m->message). */
static enum alert_event decide(const struct task_notify *rules, struct alert_streak *streak,
                               struct alert_run run, struct alert_message *m)
{
    bool changed;

    CHECK(alerts_decide(rules, "Backup", streak, &run, utc, m, &changed) == 0, "out of memory");
    return m->event;
}

static bool has(const char *text, const char *part)
{
    return text && strstr(text, part);
}

static void retried_failure_sends_nothing_and_the_last_attempt_fails(void)
{
    struct task_notify rules = {.on_failure = true, .on_recovery = true};
    struct alert_streak streak = {0};
    struct alert_message m;

    CHECK_INT(decide(&rules, &streak, attempt(10, 1, 3, STORE_RUN_FAILED, "x: boom", 0), &m),
              ALERT_NONE);
    CHECK_INT(decide(&rules, &streak, attempt(11, 2, 3, STORE_RUN_FAILED, "x: boom", 2), &m),
              ALERT_NONE);
    CHECK(streak.error == NULL, "a retried failure starts no streak");
    CHECK_INT(
        decide(&rules, &streak, attempt(12, 3, 3, STORE_RUN_TIMEOUT, "x: boom\ntrace", 4), &m),
        ALERT_FAILURE);
    CHECK_STR(m.title, "Backup: timeout");
    CHECK(has(m.message, "run 12 timeout (attempt 3/3): x: boom\ntrace"), "message: %s",
          m.message);
    CHECK_STR(streak.error, "x: boom");
    CHECK_INT(streak.count, 1);
    free(m.message);
    alerts_streak_clear(&streak);
}

static void success_after_retries_is_no_recovery(void)
{
    struct task_notify rules = {.on_failure = true, .on_recovery = true};
    struct alert_streak streak = {0};
    struct alert_message m;

    CHECK_INT(decide(&rules, &streak, attempt(10, 1, 3, STORE_RUN_FAILED, "boom", 0), &m),
              ALERT_NONE);
    CHECK_INT(decide(&rules, &streak, attempt(11, 2, 3, STORE_RUN_SUCCESS, NULL, 3), &m),
              ALERT_NONE);
}

static void attempt_failure_sends_each_attempt(void)
{
    struct task_notify rules = {.on_attempt_failure = true};
    struct alert_streak streak = {0};
    struct alert_message m;

    CHECK_INT(decide(&rules, &streak, attempt(10, 1, 2, STORE_RUN_FAILED, "boom", 0), &m),
              ALERT_ATTEMPT_FAILURE);
    CHECK_STR(m.title, "Backup: attempt 1/2 failed");
    CHECK(has(m.message, "run 10 failed (attempt 1/2, to be retried): boom"), "message: %s",
          m.message);
    free(m.message);
    CHECK_INT(decide(&rules, &streak, attempt(11, 2, 2, STORE_RUN_FAILED, "boom", 2), &m),
              ALERT_FAILURE);
    free(m.message);
    /* asked for every attempt: a repeat is sent too */
    CHECK_INT(decide(&rules, &streak, attempt(12, 1, 1, STORE_RUN_FAILED, "boom", 9), &m),
              ALERT_FAILURE);
    free(m.message);
    alerts_streak_clear(&streak);
}

static void repeats_are_counted_and_told_by_the_next_failure(void)
{
    struct task_notify rules = {.on_failure = true, .on_recovery = true};
    struct alert_streak streak = {0};
    struct alert_message m;

    CHECK_INT(
        decide(&rules, &streak, attempt(1, 1, 1, STORE_RUN_FAILED, "disk full\nA", 0), &m),
        ALERT_FAILURE);
    free(m.message);
    for (int i = 2; i <= 12; i++)
        CHECK_INT(decide(&rules, &streak,
                         attempt(i, 1, 1, STORE_RUN_FAILED, "disk full\nB", i * 60.0), &m),
                  ALERT_NONE);
    CHECK_INT(streak.count, 12);
    CHECK_INT(streak.suppressed, 11);
    CHECK_INT(decide(&rules, &streak, attempt(13, 1, 1, STORE_RUN_FAILED, "no route", 900), &m),
              ALERT_FAILURE);
    CHECK(has(m.message, "run 13 failed (attempt 1/1): no route\nbefore it, \"disk full\" "
                         "failed 12 times in a row since 20:26 (11 not notified)"),
          "message: %s", m.message);
    CHECK_INT(m.suppressed, 11);
    free(m.message);
    CHECK_STR(streak.error, "no route");
    CHECK_INT(streak.count, 1);
    CHECK_INT(streak.suppressed, 0);
    alerts_streak_clear(&streak);
}

static void recovery_tells_the_streak(void)
{
    struct task_notify rules = {.on_failure = true, .on_recovery = true};
    struct alert_streak streak = {0};
    struct alert_message m;

    for (int i = 1; i <= 3; i++) {
        decide(&rules, &streak, attempt(i, 1, 1, STORE_RUN_FAILED, "boom", i * 60.0), &m);
        free(m.message);
    }
    /* the recovery comes on the next day: the date is told */
    CHECK_INT(decide(&rules, &streak, attempt(4, 2, 2, STORE_RUN_SUCCESS, NULL, 86400), &m),
              ALERT_RECOVERY);
    CHECK_STR(m.title, "Backup: recovered");
    CHECK(has(m.message, "run 4 succeeded (attempt 2/2); \"boom\" failed 3 times in a row "
                         "since 2026-05-28 20:27 (2 not notified)"),
          "message: %s", m.message);
    free(m.message);
    CHECK(streak.error == NULL, "the streak ends");
    CHECK_INT(decide(&rules, &streak, attempt(5, 1, 1, STORE_RUN_SUCCESS, NULL, 86500), &m),
              ALERT_NONE);
}

static void success_is_sent_when_asked(void)
{
    struct task_notify rules = {.on_success = true};
    struct alert_streak streak = {0};
    struct alert_message m;

    CHECK_INT(decide(&rules, &streak, attempt(7, 1, 1, STORE_RUN_SUCCESS, NULL, 0), &m),
              ALERT_SUCCESS);
    CHECK_STR(m.title, "Backup: success");
    CHECK(has(m.message, "run 7 succeeded (attempt 1/1) in 0.2 s"), "message: %s", m.message);
    free(m.message);
}

static void the_json_carries_run_and_attempt(void)
{
    struct notification n = {.title = "t",
                             .event = "failure",
                             .run_id = 42,
                             .attempt = 3,
                             .attempts = 3,
                             .suppressed = 5,
                             .duration = -1};
    char *json = notifier_encode(&n, NULL);

    CHECK(has(json, "\"run_id\":42") && has(json, "\"attempt\":3") &&
              has(json, "\"attempts\":3") && has(json, "\"event\":\"failure\"") &&
              has(json, "\"suppressed\":5"),
          "json: %s", json);
    free(json);
}

static void the_streak_survives_in_the_store(void)
{
    char dir[] = "/tmp/test_alerts.XXXXXX", path[sizeof dir + 16], err[STORE_ERR_MAX];
    struct alert_streak saved = {
        .error = "disk full", .count = 4, .suppressed = 3, .since = T0};
    struct alert_streak got;
    struct store *st;

    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/db", dir);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "store_open: %s", err);
    if (!st)
        return;
    CHECK(alerts_streak_load(st, "backup", &got, err, sizeof err) == 0 && !got.error,
          "no streak saved yet: %s", err);
    CHECK(alerts_streak_save(st, "backup", &saved, err, sizeof err) == 0, "save: %s", err);
    CHECK(alerts_streak_load(st, "backup", &got, err, sizeof err) == 0, "load: %s", err);
    CHECK_STR(got.error, "disk full");
    CHECK_INT(got.count, 4);
    CHECK_INT(got.suppressed, 3);
    CHECK(got.since == T0, "since %f", got.since);
    alerts_streak_clear(&got);
    CHECK(alerts_streak_save(st, "backup", &got, err, sizeof err) == 0, "save: %s", err);
    CHECK(alerts_streak_load(st, "backup", &got, err, sizeof err) == 0 && !got.error,
          "an ended streak loads empty");
    store_close(st);
    unlink(path);
    snprintf(path, sizeof path, "%s/db-wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/db-shm", dir);
    unlink(path);
    rmdir(dir);
}

static void notify_on_reads_attempt_failure(void)
{
    const char *source = "return { schedule = every(1).days, run = function() end,\n"
                         "  notify = { on = { \"attempt_failure\" } } }\n";
    char err[TASK_ERR_MAX] = "";
    struct task t;

    CHECK(task_load("x.lua", NULL, source, strlen(source), &t, err, sizeof err) == 0, "%s",
          err);
    CHECK(t.notify.on_attempt_failure && !t.notify.on_failure, "on_attempt_failure");
    task_free(&t);
}

int main(void)
{
    utc = tz_get("UTC", NULL, 0);
    RUN(retried_failure_sends_nothing_and_the_last_attempt_fails);
    RUN(success_after_retries_is_no_recovery);
    RUN(attempt_failure_sends_each_attempt);
    RUN(repeats_are_counted_and_told_by_the_next_failure);
    RUN(recovery_tells_the_streak);
    RUN(success_is_sent_when_asked);
    RUN(the_json_carries_run_and_attempt);
    RUN(the_streak_survives_in_the_store);
    RUN(notify_on_reads_attempt_failure);
    TESTING_EXIT();
}
