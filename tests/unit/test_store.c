/* test_store.c — schema, run lifecycle, history, state, retention, backup,
 * and two handles on one file. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "testing.h"

#define RUN_COUNT 5
#define WRITER_ROUNDS 200

static char dir[] = "/tmp/test_store_XXXXXX";

/* A fresh database path under the test directory. */
static const char *db_path(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s/scheduler.db", dir, name);
    return buf;
}

static struct store *open_store(const char *name)
{
    char err[STORE_ERR_MAX];
    struct store *st = store_open(db_path(name), err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    return st;
}

/* One text value from a raw query, for checks outside the API. */
static void query_text(const char *path, const char *sql, char *out, size_t len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    out[0] = '\0';
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static int64_t insert_run(struct store *st, const char *task, enum store_status status,
                          double queued_at)
{
    struct store_run run = {.task = task,
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .scheduled_for = (int64_t)queued_at,
                            .queued_at = queued_at,
                            .status = status,
                            .attempt = 1};
    int64_t id = 0;
    CHECK(store_run_insert(st, &run, &id) == 0, "insert: %s", store_error(st));
    return id;
}

static void schema_is_created_and_reopen_is_idempotent(void)
{
    struct store *st = open_store("schema");
    store_close(st);
    st = open_store("schema");
    store_close(st);
    char got[64];
    query_text(db_path("schema"), "PRAGMA user_version", got, sizeof got);
    CHECK_INT(atoi(got), STORE_SCHEMA_VERSION);
    query_text(db_path("schema"), "PRAGMA journal_mode", got, sizeof got);
    CHECK_STR(got, "wal");
    query_text(db_path("schema"),
               "SELECT count(*) FROM sqlite_master WHERE "
               "name IN ('tasks','runs','state','meta')",
               got, sizeof got);
    CHECK_STR(got, "4");
}

/* Mode bits of `path` with `suffix`, or -1 when it is missing. */
static int mode_of(const char *path, const char *suffix)
{
    char full[300];
    struct stat st;

    snprintf(full, sizeof full, "%s%s", path, suffix);
    return stat(full, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Under the umask of a task (the state helper opens the store in a run
 * process), a new store is still its user's alone: folder 0700, the
 * database and its -wal and -shm 0600. */
static void new_store_is_private_whatever_the_umask(void)
{
    mode_t old = umask(0);
    struct store *st = open_store("private/deeper");
    char folder[256];

    umask(old);
    CHECK(st && store_meta_set(st, "k", "v") == 0, "write: %s", st ? store_error(st) : "");
    snprintf(folder, sizeof folder, "%s/private", dir);
    CHECK_INT(mode_of(folder, ""), 0700);
    CHECK_INT(mode_of(db_path("private/deeper"), ""), 0600);
    CHECK_INT(mode_of(db_path("private/deeper"), "-wal"), 0600);
    CHECK_INT(mode_of(db_path("private/deeper"), "-shm"), 0600);
    store_close(st);
}

static void newer_schema_is_refused(void)
{
    store_close(open_store("newer"));
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(db_path("newer"), &db) == SQLITE_OK &&
              sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK,
          "bump version");
    sqlite3_close(db);
    char err[STORE_ERR_MAX];
    struct store *st = store_open(db_path("newer"), err, sizeof err);
    CHECK(st == NULL, "opening a newer schema fails");
    CHECK(strstr(err, "newer than this program") != NULL, "got '%s'", err);
    store_close(st);
}

struct captured {
    int rows;
    int64_t ids[RUN_COUNT * 2];
    enum store_status status;
    char error[128];
    double duration;
    int exit_code;
};

static int capture(const struct store_run *run, void *ud)
{
    struct captured *c = ud;
    c->ids[c->rows++] = run->id;
    c->status = run->status;
    c->duration = run->duration;
    c->exit_code = run->exit_code;
    snprintf(c->error, sizeof c->error, "%s", run->error ? run->error : "");
    return 0;
}

static void run_goes_from_queued_to_its_end(void)
{
    struct store *st = open_store("life");
    if (!st)
        return;
    struct store_task task = {
        .name = "backup", .path = "tasks/backup.lua", .file_hash = "abc", .enabled = true};
    CHECK(store_task_upsert(st, &task) == 0, "%s", store_error(st));
    int64_t id = insert_run(st, "backup", STORE_RUN_QUEUED, 1000);
    CHECK(store_run_start(st, id, 4242, 1000.5) == 0, "%s", store_error(st));
    struct store_run_outcome out = {.status = STORE_RUN_FAILED,
                                    .finished_at = 1003.0,
                                    .has_exit_code = true,
                                    .exit_code = 1,
                                    .error = "boom\ntraceback",
                                    .peak_rss_kb = 2048,
                                    .cpu_ms = 12};
    CHECK(store_run_finish(st, id, &out) == 0, "%s", store_error(st));
    struct captured c = {0};
    CHECK_INT(store_last_run(st, "backup", capture, &c), 1);
    CHECK_INT(c.ids[0], id);
    CHECK_INT(c.status, STORE_RUN_FAILED);
    CHECK_STR(c.error, "boom\ntraceback");
    CHECK(c.duration == 2.5, "duration %g", c.duration);
    CHECK_INT(c.exit_code, 1);
    CHECK(store_run_start(st, id + 100, 1, 1) == -1, "unknown run fails");
    store_close(st);
}

static void task_schedule_state_survives_an_edit(void)
{
    struct store *st = open_store("tasks");
    if (!st)
        return;
    struct store_task task = {.name = "t", .path = "tasks/t.lua", .enabled = true};
    int64_t next_fire = 0, last = 0;
    bool paused = false;
    CHECK(store_task_upsert(st, &task) == 0, "%s", store_error(st));
    CHECK_INT(store_task_set_next_fire(st, "t", 2000), 1);
    CHECK_INT(store_task_set_last_scheduled(st, "t", 1990), 1);
    CHECK_INT(store_task_set_paused(st, "t", true), 1);
    CHECK_INT(store_task_set_next_fire(st, "nope", 2000), 0);
    task.file_hash = "edited";
    CHECK(store_task_upsert(st, &task) == 0, "%s", store_error(st));
    CHECK_INT(store_task_get_schedule_state(st, "t", &next_fire, &last, &paused), 1);
    CHECK_INT(next_fire, 2000);
    CHECK_INT(last, 1990);
    CHECK(paused, "still paused");
    CHECK(store_task_remove(st, "t") == 0, "%s", store_error(st));
    CHECK_INT(store_task_get_schedule_state(st, "t", NULL, NULL, NULL), 0);
    store_close(st);
}

/* A moved task file: row, runs and state take the new name; the new
 * name's state of an older task gives way. */
static void task_rename_takes_runs_and_state(void)
{
    struct store *st = open_store("rename");
    if (!st)
        return;
    struct store_task task = {.name = "old", .path = "tasks/old.lua", .enabled = true};
    int64_t next_fire = 0;
    char *json = NULL;
    CHECK(store_task_upsert(st, &task) == 0, "%s", store_error(st));
    CHECK_INT(store_task_set_next_fire(st, "old", 3000), 1);
    insert_run(st, "old", STORE_RUN_SUCCESS, 100);
    insert_run(st, "old", STORE_RUN_FAILED, 200);
    CHECK(store_state_set(st, "old", "n", "2") == 0, "%s", store_error(st));
    CHECK(store_state_set(st, "new", "n", "99") == 0, "%s", store_error(st));
    CHECK(store_task_rename(st, "old", "new", "tasks/d/new.lua") == 0, "%s", store_error(st));
    CHECK_INT(store_task_get_schedule_state(st, "old", NULL, NULL, NULL), 0);
    CHECK_INT(store_task_get_schedule_state(st, "new", &next_fire, NULL, NULL), 1);
    CHECK_INT(next_fire, 3000);
    CHECK_INT(store_state_get(st, "new", "n", &json), 1);
    CHECK_STR(json, "2");
    free(json);
    CHECK_INT(store_state_get(st, "old", "n", &json), 0);
    store_close(st);
    char got[64];
    query_text(db_path("rename"), "SELECT count(*) FROM runs WHERE task = 'new'", got,
               sizeof got);
    CHECK_STR(got, "2");
}

static void interrupted_marks_only_open_rows(void)
{
    struct store *st = open_store("interrupt");
    if (!st)
        return;
    insert_run(st, "a", STORE_RUN_QUEUED, 100);
    int64_t running = insert_run(st, "a", STORE_RUN_QUEUED, 101);
    CHECK(store_run_start(st, running, 7, 101.5) == 0, "%s", store_error(st));
    insert_run(st, "a", STORE_RUN_SKIPPED, 102);
    struct captured open_rows = {0};
    CHECK(store_running(st, capture, &open_rows) == 0, "%s", store_error(st));
    CHECK_INT(open_rows.rows, 2);
    CHECK_INT(store_runs_mark_interrupted(st, 200), 2);
    CHECK_INT(store_runs_mark_interrupted(st, 201), 0);
    struct captured c = {0};
    CHECK_INT(store_run_get(st, running, capture, &c), 1);
    CHECK_INT(c.status, STORE_RUN_INTERRUPTED);
    CHECK(c.duration == 98.5, "duration %g", c.duration);
    store_close(st);
}

static void history_is_newest_first_and_limited(void)
{
    struct store *st = open_store("history");
    if (!st)
        return;
    int64_t ids[RUN_COUNT];
    for (int i = 0; i < RUN_COUNT; i++)
        ids[i] = insert_run(st, i % 2 ? "odd" : "even", STORE_RUN_MISSED, 100 + i);
    struct captured all = {0}, even = {0};
    CHECK(store_history(st, NULL, 3, capture, &all) == 0, "%s", store_error(st));
    CHECK_INT(all.rows, 3);
    CHECK_INT(all.ids[0], ids[4]);
    CHECK_INT(all.ids[2], ids[2]);
    CHECK(store_history(st, &(struct store_run_filter){.task = "even"}, 0, capture, &even) == 0,
          "%s", store_error(st));
    CHECK_INT(even.rows, 3);
    CHECK_INT(even.ids[0], ids[4]);
    CHECK_INT(even.ids[2], ids[0]);
    struct captured none = {0};
    CHECK_INT(store_last_run(st, "even", capture, &none), 0);
    store_close(st);
}

/* before=ID pages the history: the rows of lower ids, newest first, with
 * the other filters still applied. */
static void history_pages_before_an_id(void)
{
    struct store *st = open_store("pages");
    if (!st)
        return;
    int64_t ids[RUN_COUNT];
    for (int i = 0; i < RUN_COUNT; i++)
        ids[i] = insert_run(st, i % 2 ? "odd" : "even", STORE_RUN_MISSED, 100 + i);
    struct captured page = {0}, even = {0};
    CHECK(store_history(st, &(struct store_run_filter){.before = ids[3]}, 2, capture, &page) ==
              0,
          "%s", store_error(st));
    CHECK_INT(page.rows, 2);
    CHECK_INT(page.ids[0], ids[2]);
    CHECK_INT(page.ids[1], ids[1]);
    CHECK(store_history(st, &(struct store_run_filter){.task = "even", .before = ids[4]}, 0,
                        capture, &even) == 0,
          "%s", store_error(st));
    CHECK_INT(even.rows, 2);
    CHECK_INT(even.ids[0], ids[2]);
    CHECK_INT(even.ids[1], ids[0]);
    store_close(st);
}

/* A run's whole output is kept with its row: none until it finishes, then
 * what store_run_finish was given, gone with the row at retention. */
static void run_output_is_kept_with_the_run(void)
{
    struct store *st = open_store("output");
    if (!st)
        return;
    int64_t id = insert_run(st, "t", STORE_RUN_RUNNING, 100);
    char *output = NULL;
    CHECK_INT(store_run_output(st, id, &output), 0);
    struct store_run_outcome out = {.status = STORE_RUN_SUCCESS,
                                    .finished_at = 101,
                                    .output_tail = "two\n",
                                    .output = "one\ntwo\n"};
    CHECK(store_run_finish(st, id, &out) == 0, "%s", store_error(st));
    CHECK_INT(store_run_output(st, id, &output), 1);
    CHECK(output && strcmp(output, "one\ntwo\n") == 0, "output '%s'", output ? output : "");
    free(output);
    CHECK_INT(store_run_output(st, id + 1, &output), 0);
    CHECK_INT(store_retention_delete(st, 500, 10), 1);
    CHECK_INT(store_run_output(st, id, &output), 0);
    store_close(st);
}

/* The filter values as `history` and GET /api/v1/runs take them. */
static void filter_values_parse_or_say_why(void)
{
    struct store_run_filter f = {0};
    char err[STORE_ERR_MAX];

    CHECK_INT(store_filter_status("failed", &f, err, sizeof err), 0);
    CHECK(f.by_status && f.status == STORE_RUN_FAILED, "status %d", (int)f.status);
    CHECK_INT(store_filter_status("faild", &f, err, sizeof err), -1);
    CHECK(strstr(err, "unknown status 'faild' (one of: queued, running,") != NULL, "%s", err);
    CHECK_INT(store_filter_trigger("api", &f, err, sizeof err), 0);
    CHECK(f.by_trigger && f.trigger == STORE_TRIGGER_API, "trigger %d", (int)f.trigger);
    CHECK_INT(store_filter_trigger("cron", &f, err, sizeof err), -1);
    CHECK(strstr(err, "unknown trigger 'cron' (one of: schedule,") != NULL, "%s", err);
    CHECK_INT(store_filter_when("90m", NULL, 10000, &f.since, err, sizeof err), 0);
    CHECK(f.since == 10000 - 5400, "since %g", f.since);
    CHECK_INT(store_filter_when("2026-12-01T10:00Z", NULL, 0, &f.until, err, sizeof err), 0);
    CHECK(f.until == 1796119200, "until %g", f.until);
    CHECK_INT(store_filter_when("yesterday", NULL, 0, &f.until, err, sizeof err), -1);
    CHECK(strstr(err, "got 'yesterday'") != NULL, "%s", err);
    CHECK_INT(store_filter_when("3x", NULL, 0, &f.until, err, sizeof err), -1);
    CHECK_INT(store_filter_check(&f, "since", "until", err, sizeof err), 0);
    f.since = f.until;
    CHECK_INT(store_filter_check(&f, "--since", "--until", err, sizeof err), -1);
    CHECK(strcmp(err, "--since must be before --until") == 0, "%s", err);
}

/* Insert a run of any trigger; scheduled_for 0 is a manual run's none. */
static int64_t insert_fire(struct store *st, enum store_trigger trigger,
                           enum store_status status, int64_t scheduled_for, double queued_at)
{
    struct store_run run = {.task = "t",
                            .trigger = trigger,
                            .scheduled_for = scheduled_for,
                            .queued_at = queued_at,
                            .status = status,
                            .attempt = 1};
    int64_t id = 0;
    CHECK(store_run_insert(st, &run, &id) == 0, "insert: %s", store_error(st));
    return id;
}

/* The plan SQLite picks for one filter of store_history, as its text. */
static void query_plan(const char *path, const char *where, char *out, size_t len)
{
    char sql[256];
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    snprintf(sql, sizeof sql,
             "EXPLAIN QUERY PLAN SELECT * FROM runs WHERE %s"
             " ORDER BY id DESC LIMIT 20",
             where);
    out[0] = '\0';
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK)
        while (sqlite3_step(stmt) == SQLITE_ROW)
            snprintf(out + strlen(out), len - strlen(out), "%s; ",
                     (const char *)sqlite3_column_text(stmt, 3));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static void history_filters_by_status_trigger_and_time(void)
{
    struct store *st = open_store("filters");
    if (!st)
        return;
    int64_t failed = insert_fire(st, STORE_TRIGGER_SCHEDULE, STORE_RUN_FAILED, 1000, 1000.1);
    int64_t retry = insert_fire(st, STORE_TRIGGER_RETRY, STORE_RUN_FAILED, 1000, 1060.0);
    int64_t missed = insert_fire(st, STORE_TRIGGER_SCHEDULE, STORE_RUN_MISSED, 2000, 5000.0);
    int64_t manual = insert_fire(st, STORE_TRIGGER_MANUAL, STORE_RUN_QUEUED, 0, 3000.0);
    struct captured c = {0};

    CHECK(store_history(
              st, &(struct store_run_filter){.by_status = true, .status = STORE_RUN_FAILED}, 0,
              capture, &c) == 0,
          "%s", store_error(st));
    CHECK_INT(c.rows, 2);
    CHECK_INT(c.ids[0], retry);
    CHECK_INT(c.ids[1], failed);
    c = (struct captured){0};
    CHECK(store_history(st,
                        &(struct store_run_filter){.by_status = true,
                                                   .status = STORE_RUN_FAILED,
                                                   .by_trigger = true,
                                                   .trigger = STORE_TRIGGER_SCHEDULE},
                        0, capture, &c) == 0,
          "%s", store_error(st));
    CHECK_INT(c.rows, 1);
    CHECK_INT(c.ids[0], failed);
    /* A fire is placed at its instant (a retry too, at its fire's), a
     * manual run at its queue time; until is exclusive. */
    c = (struct captured){0};
    CHECK(store_history(st, &(struct store_run_filter){.since = 1500, .until = 3000}, 0,
                        capture, &c) == 0,
          "%s", store_error(st));
    CHECK_INT(c.rows, 1);
    CHECK_INT(c.ids[0], missed);
    c = (struct captured){0};
    CHECK(store_history(st, &(struct store_run_filter){.since = 3000}, 0, capture, &c) == 0,
          "%s", store_error(st));
    CHECK_INT(c.rows, 1);
    CHECK_INT(c.ids[0], manual);
    c = (struct captured){0};
    CHECK(store_history(st, &(struct store_run_filter){.task = "t", .until = 1000.5}, 1,
                        capture, &c) == 0,
          "%s", store_error(st));
    CHECK_INT(c.rows, 1);
    CHECK_INT(c.ids[0], retry);
    c = (struct captured){0};
    CHECK(store_history(st, &(struct store_run_filter){.task = "other"}, 0, capture, &c) == 0,
          "%s", store_error(st));
    CHECK_INT(c.rows, 0);
    store_close(st);

    /* (One bound alone is read newest first by id, stopping at the limit.) */
    static const char *const wheres[] = {"task = 't'", "status = 'failed'",
                                         "\"trigger\" = 'retry'",
                                         "COALESCE(scheduled_for, queued_at) >= 1500 AND "
                                         "COALESCE(scheduled_for, queued_at) < 3000"};
    for (size_t i = 0; i < sizeof wheres / sizeof wheres[0]; i++) {
        char plan[512];
        query_plan(db_path("filters"), wheres[i], plan, sizeof plan);
        CHECK(strstr(plan, "INDEX") != NULL, "%s uses an index, plan: %s", wheres[i], plan);
    }
}

static int collect_keys(const char *key, const char *json, void *ud)
{
    char *out = ud;
    strcat(out, key);
    strcat(out, "=");
    strcat(out, json);
    strcat(out, ";");
    return 0;
}

static void state_get_set_delete_all(void)
{
    struct store *st = open_store("state");
    if (!st)
        return;
    char *json = NULL, keys[256] = "";
    CHECK_INT(store_state_get(st, "t", "count", &json), 0);
    CHECK(store_state_set(st, "t", "count", "1") == 0, "%s", store_error(st));
    CHECK(store_state_set(st, "t", "count", "2") == 0, "%s", store_error(st));
    CHECK(store_state_set(st, "t", "name", "\"x\"") == 0, "%s", store_error(st));
    CHECK(store_state_set(st, "other", "count", "9") == 0, "%s", store_error(st));
    CHECK_INT(store_state_get(st, "t", "count", &json), 1);
    CHECK_STR(json, "2");
    free(json);
    CHECK(store_state_all(st, "t", collect_keys, keys) == 0, "%s", store_error(st));
    CHECK_STR(keys, "count=2;name=\"x\";");
    CHECK(store_state_delete(st, "t", "count") == 0, "%s", store_error(st));
    CHECK(store_state_delete(st, "t", "count") == 0, "deleting twice is fine");
    CHECK_INT(store_state_get(st, "t", "count", &json), 0);
    store_close(st);
}

static void retention_deletes_old_rows_in_bounded_batches(void)
{
    struct store *st = open_store("retention");
    if (!st)
        return;
    for (int i = 0; i < RUN_COUNT; i++)
        insert_run(st, "t", STORE_RUN_MISSED, 100 + i);
    insert_run(st, "t", STORE_RUN_QUEUED, 50); /* open: never deleted */
    int64_t recent = insert_run(st, "t", STORE_RUN_MISSED, 1000);
    CHECK_INT(store_retention_delete(st, 500, 2), 2);
    CHECK_INT(store_retention_delete(st, 500, 2), 2);
    CHECK_INT(store_retention_delete(st, 500, 2), 1);
    CHECK_INT(store_retention_delete(st, 500, 2), 0);
    struct captured c = {0};
    CHECK(store_history(st, NULL, 0, capture, &c) == 0, "%s", store_error(st));
    CHECK_INT(c.rows, 2);
    CHECK_INT(c.ids[0], recent);
    store_close(st);
}

struct alert_seen {
    int rows;
    int64_t ids[8], counts[8];
    char kinds[8][16];
};

static int alert_capture(const struct store_alert *a, void *ud)
{
    struct alert_seen *s = ud;
    if (s->rows < 8) {
        s->ids[s->rows] = a->id;
        s->counts[s->rows] = a->count;
        snprintf(s->kinds[s->rows], sizeof s->kinds[0], "%s", a->kind);
    }
    s->rows++;
    return 0;
}

static void alert_opens_once_bumps_resolves_and_is_pruned(void)
{
    struct store *st = open_store("alerts");
    struct alert_seen seen = {0};
    if (!st)
        return;
    CHECK_INT(store_alert_raise(st, "failing", "t", 2, "two", 100, NULL, NULL), 1);
    CHECK_INT(store_alert_raise(st, "failing", "t", 1, "three", 110, alert_capture, &seen), 0);
    CHECK_INT(seen.counts[0], 3);
    CHECK_INT(store_alert_raise(st, "broken", "u", 1, "bad", 120, NULL, NULL), 1);
    CHECK_INT(store_alert_raise(st, "store", "", 1, "full", 130, NULL, NULL), 1);

    json_t *sum = store_alerts_summary(st);
    CHECK(sum != NULL, "%s", store_error(st));
    CHECK_INT(json_integer_value(json_object_get(sum, "open")), 3);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(sum, "tasks"), "t")), 1);
    CHECK(json_object_get(json_object_get(sum, "tasks"), "") == NULL,
          "the daemon's own alert is no task's");
    json_decref(sum);

    int64_t id = seen.ids[0];
    CHECK_INT(store_alert_resolve(st, id, NULL, NULL, "alice", "fixed", 200, NULL, NULL), 1);
    CHECK_INT(store_alert_resolve(st, id, NULL, NULL, "bob", NULL, 210, NULL, NULL), 2);
    CHECK_INT(store_alert_resolve(st, 999, NULL, NULL, "bob", NULL, 210, NULL, NULL), 0);
    CHECK_INT(store_alert_resolve(st, 0, "failing", "t", "daemon: x", NULL, 210, NULL, NULL),
              0);
    /* a new occurrence after the resolve opens a new alert */
    CHECK_INT(store_alert_raise(st, "failing", "t", 1, "again", 300, NULL, NULL), 1);

    struct store_alert_filter open = {.state = STORE_ALERTS_OPEN, .task = "t"};
    memset(&seen, 0, sizeof seen);
    CHECK(store_alerts(st, &open, 0, alert_capture, &seen) == 0, "%s", store_error(st));
    CHECK_INT(seen.rows, 1);
    CHECK(seen.ids[0] > id, "the new alert is a new row");
    struct store_alert_filter all = {.state = STORE_ALERTS_ALL};
    memset(&seen, 0, sizeof seen);
    CHECK(store_alerts(st, &all, 2, alert_capture, &seen) == 0, "%s", store_error(st));
    CHECK_INT(seen.rows, 2); /* the limit */
    struct store_alert_filter page = {.state = STORE_ALERTS_ALL, .before = seen.ids[1]};
    memset(&seen, 0, sizeof seen);
    CHECK(store_alerts(st, &page, 0, alert_capture, &seen) == 0, "%s", store_error(st));
    CHECK_INT(seen.rows, 2);
    struct store_alert_filter resolved = {.state = STORE_ALERTS_RESOLVED, .kind = "failing"};
    memset(&seen, 0, sizeof seen);
    CHECK(store_alerts(st, &resolved, 0, alert_capture, &seen) == 0, "%s", store_error(st));
    CHECK_INT(seen.rows, 1);
    CHECK_INT(seen.ids[0], id);

    /* every open alert of a task at once (its file is gone) */
    CHECK_INT(store_alert_resolve(st, 0, NULL, "u", "daemon: gone", NULL, 400, NULL, NULL), 1);
    int64_t opens = 0;
    CHECK(store_alert_opened_since(st, "failing", "t", 0, &opens) == 0, "%s", store_error(st));
    CHECK_INT(opens, 2);
    /* the resolved ones before the cut go with the history; open ones stay */
    CHECK_INT(store_retention_delete(st, 1000, 10), 2);
    memset(&seen, 0, sizeof seen);
    CHECK(store_alerts(st, &all, 0, alert_capture, &seen) == 0, "%s", store_error(st));
    CHECK_INT(seen.rows, 2);
    /* a moved task's alerts follow it */
    CHECK(store_task_rename(st, "t", "moved/t", "tasks/moved/t.lua") == 0, "%s",
          store_error(st));
    struct store_alert_filter moved = {.state = STORE_ALERTS_OPEN, .task = "moved/t"};
    memset(&seen, 0, sizeof seen);
    CHECK(store_alerts(st, &moved, 0, alert_capture, &seen) == 0, "%s", store_error(st));
    CHECK_INT(seen.rows, 1);
    store_close(st);
}

static void success_p95_is_the_nearest_rank(void)
{
    struct store *st = open_store("p95");
    int count = -1;
    double p95 = -1;
    if (!st)
        return;
    CHECK(store_success_p95(st, "t", 50, &count, &p95) == 0, "%s", store_error(st));
    CHECK_INT(count, 0);
    for (int i = 1; i <= 20; i++) {
        struct store_run run = {.task = "t",
                                .queued_at = 10,
                                .status = STORE_RUN_RUNNING,
                                .started_at = 10,
                                .attempt = 1};
        struct store_run_outcome end = {.status = STORE_RUN_SUCCESS, .finished_at = 10 + i};
        int64_t id;
        CHECK(store_run_insert(st, &run, &id) == 0 && store_run_finish(st, id, &end) == 0, "%s",
              store_error(st));
    }
    CHECK(store_success_p95(st, "t", 50, &count, &p95) == 0, "%s", store_error(st));
    CHECK_INT(count, 20);
    CHECK(p95 == 19, "p95 of 1..20 s is 19 s, got %g", p95);
    CHECK(store_success_p95(st, "t", 10, &count, &p95) == 0, "%s", store_error(st));
    CHECK(count == 10 && p95 == 20, "the last 10 (11..20 s): 20 s, got %d, %g", count, p95);
    store_close(st);
}

static void backup_is_a_database_with_the_rows(void)
{
    struct store *st = open_store("backup");
    if (!st)
        return;
    insert_run(st, "t", STORE_RUN_MISSED, 100);
    CHECK(store_state_set(st, "t", "k", "1") == 0, "%s", store_error(st));
    char dest[256], err[STORE_ERR_MAX], got[64];
    snprintf(dest, sizeof dest, "%s/backup/copy.db", dir);
    CHECK(store_backup(st, dest, err, sizeof err) == 0, "backup: %s", err);
    store_close(st);
    query_text(dest, "SELECT count(*) FROM runs", got, sizeof got);
    CHECK_STR(got, "1");
    query_text(dest, "SELECT value_json FROM state WHERE key = 'k'", got, sizeof got);
    CHECK_STR(got, "1");
}

/* Two processes write through their own handles at once (the daemon and,
 * say, `main reset` or a sqlite3 shell): both finish, neither gets
 * SQLITE_BUSY. */
static void two_handles_write_without_deadlock(void)
{
    store_close(open_store("shared"));
    pid_t pid = fork();
    if (pid == 0) {
        char err[STORE_ERR_MAX];
        struct store *st = store_open(db_path("shared"), err, sizeof err);
        int failures = !st;
        for (int i = 0; st && i < WRITER_ROUNDS; i++) {
            char value[32];
            snprintf(value, sizeof value, "%d", i);
            failures += store_state_set(st, "t", "n", value) != 0;
        }
        store_close(st);
        _exit(failures ? 1 : 0);
    }
    struct store *st = open_store("shared");
    int failures = 0;
    for (int i = 0; st && i < WRITER_ROUNDS; i++) {
        struct store_run run = {.task = "t", .queued_at = i + 1, .status = STORE_RUN_MISSED};
        int64_t id;
        failures += store_run_insert(st, &run, &id) != 0;
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer failed");
    CHECK_INT(failures, 0);
    char *json = NULL;
    CHECK_INT(store_state_get(st, "t", "n", &json), 1);
    CHECK_STR(json, "199");
    free(json);
    store_close(st);
}

static void meta_values_round_trip(void)
{
    struct store *st = open_store("meta");
    if (!st)
        return;
    char *value = NULL;
    CHECK_INT(store_meta_get(st, "last_backup_at", &value), 0);
    CHECK(store_meta_set(st, "last_backup_at", "1700000000") == 0, "%s", store_error(st));
    CHECK_INT(store_meta_get(st, "last_backup_at", &value), 1);
    CHECK_STR(value, "1700000000");
    free(value);
    store_close(st);
}

static void failures_are_failed_timeout_and_killed(void)
{
    enum store_status status;

    for (int i = STORE_RUN_QUEUED; i <= STORE_RUN_INTERRUPTED; i++) {
        bool want = i == STORE_RUN_FAILED || i == STORE_RUN_TIMEOUT || i == STORE_RUN_KILLED;
        CHECK(store_status_failed((enum store_status)i) == want, "%s",
              store_status_name((enum store_status)i));
        CHECK(store_status_parse(store_status_name((enum store_status)i), &status) == 0 &&
                  status == (enum store_status)i,
              "%s round trip", store_status_name((enum store_status)i));
    }
    CHECK_INT(store_status_parse("cancelled", &status), -1);
}

/* A run of `task` that went from queued to `status` (a started run), or
 * a row recorded as skipped or queued without starting. */
static void record_run(struct store *st, const char *task, enum store_trigger trigger,
                       int64_t fire, int attempt, enum store_status status)
{
    bool started =
        status != STORE_RUN_SKIPPED && status != STORE_RUN_MISSED && status != STORE_RUN_QUEUED;
    struct store_run run = {.task = task,
                            .trigger = trigger,
                            .scheduled_for = fire,
                            .queued_at = (double)fire + attempt,
                            .status = started ? STORE_RUN_QUEUED : status,
                            .attempt = attempt};
    struct store_run_outcome out = {.status = status,
                                    .finished_at = (double)fire + attempt + 1};
    int64_t id = 0;

    CHECK(store_run_insert(st, &run, &id) == 0, "insert: %s", store_error(st));
    if (started) {
        CHECK(store_run_start(st, id, 1, (double)fire + attempt + 0.5) == 0, "%s",
              store_error(st));
        CHECK(store_run_finish(st, id, &out) == 0, "%s", store_error(st));
    }
}

static int streak_of(struct store *st, const char *task)
{
    int streak = -1;
    CHECK(store_failing_streak(st, task, &streak) == 0, "%s", store_error(st));
    return streak;
}

static void failing_streak_counts_final_failures_since_the_last_success(void)
{
    struct store *st = open_store("streak");
    if (!st)
        return;
    CHECK_INT(streak_of(st, "t"), 0);
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 100, 1, STORE_RUN_FAILED);
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 200, 1, STORE_RUN_SUCCESS);
    CHECK_INT(streak_of(st, "t"), 0);
    /* retried and failed again: one final failure */
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 300, 1, STORE_RUN_FAILED);
    record_run(st, "t", STORE_TRIGGER_RETRY, 300, 2, STORE_RUN_FAILED);
    CHECK_INT(streak_of(st, "t"), 1);
    /* its retry dropped (recorded skipped): the failure is final */
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 400, 1, STORE_RUN_TIMEOUT);
    record_run(st, "t", STORE_TRIGGER_RETRY, 400, 2, STORE_RUN_SKIPPED);
    CHECK_INT(streak_of(st, "t"), 2);
    /* a retry waiting: not final yet */
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 500, 1, STORE_RUN_FAILED);
    record_run(st, "t", STORE_TRIGGER_RETRY, 500, 2, STORE_RUN_QUEUED);
    CHECK_INT(streak_of(st, "t"), 2);
    /* missed and interrupted neither count nor end it; killed counts;
     * manual runs (no fire instant) count */
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 600, 1, STORE_RUN_MISSED);
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 700, 1, STORE_RUN_INTERRUPTED);
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 800, 1, STORE_RUN_KILLED);
    record_run(st, "t", STORE_TRIGGER_MANUAL, 0, 1, STORE_RUN_FAILED);
    CHECK_INT(streak_of(st, "t"), 4);
    record_run(st, "other", STORE_TRIGGER_SCHEDULE, 900, 1, STORE_RUN_FAILED);
    CHECK_INT(streak_of(st, "t"), 4);
    CHECK_INT(streak_of(st, "other"), 1);
    /* a retry that succeeds ends the streak */
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 1000, 1, STORE_RUN_FAILED);
    record_run(st, "t", STORE_TRIGGER_RETRY, 1000, 2, STORE_RUN_SUCCESS);
    CHECK_INT(streak_of(st, "t"), 0);
    store_close(st);
}

static int64_t last_fire_of(struct store *st, const char *task)
{
    int64_t instant = -1;
    CHECK(store_last_fire(st, task, &instant) == 0, "%s", store_error(st));
    return instant;
}

/* A task's runs outlive its row in tasks, and tell its last fire instant:
 * the latest of its fires' rows whatever their status, not a manual run. */
static void last_fire_is_told_by_the_runs_of_a_forgotten_task(void)
{
    struct store *st = open_store("lastfire");
    if (!st)
        return;
    struct store_task task = {.name = "t", .path = "tasks/t.lua", .enabled = true};
    CHECK_INT(last_fire_of(st, "t"), 0);
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 300, 1, STORE_RUN_SUCCESS);
    record_run(st, "t", STORE_TRIGGER_SCHEDULE, 400, 1, STORE_RUN_SKIPPED);
    record_run(st, "t", STORE_TRIGGER_RETRY, 300, 2, STORE_RUN_FAILED);
    record_run(st, "t", STORE_TRIGGER_MANUAL, 0, 1, STORE_RUN_SUCCESS);
    record_run(st, "other", STORE_TRIGGER_SCHEDULE, 900, 1, STORE_RUN_SUCCESS);
    CHECK_INT(last_fire_of(st, "t"), 400);
    CHECK(store_task_upsert(st, &task) == 0, "%s", store_error(st));
    CHECK_INT(store_task_set_last_scheduled(st, "t", 400), 1);
    CHECK(store_task_remove(st, "t") == 0, "%s", store_error(st));
    CHECK_INT(store_task_get_schedule_state(st, "t", NULL, NULL, NULL), 0);
    CHECK_INT(last_fire_of(st, "t"), 400);
    store_close(st);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    RUN(schema_is_created_and_reopen_is_idempotent);
    RUN(new_store_is_private_whatever_the_umask);
    RUN(newer_schema_is_refused);
    RUN(run_goes_from_queued_to_its_end);
    RUN(task_schedule_state_survives_an_edit);
    RUN(interrupted_marks_only_open_rows);
    RUN(history_is_newest_first_and_limited);
    RUN(history_filters_by_status_trigger_and_time);
    RUN(history_pages_before_an_id);
    RUN(filter_values_parse_or_say_why);
    RUN(run_output_is_kept_with_the_run);
    RUN(state_get_set_delete_all);
    RUN(retention_deletes_old_rows_in_bounded_batches);
    RUN(alert_opens_once_bumps_resolves_and_is_pruned);
    RUN(success_p95_is_the_nearest_rank);
    RUN(backup_is_a_database_with_the_rows);
    RUN(two_handles_write_without_deadlock);
    RUN(meta_values_round_trip);
    RUN(task_rename_takes_runs_and_state);
    RUN(failures_are_failed_timeout_and_killed);
    RUN(failing_streak_counts_final_failures_since_the_last_success);
    RUN(last_fire_is_told_by_the_runs_of_a_forgotten_task);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    TESTING_EXIT();
}
