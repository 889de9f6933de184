/* test_pending.c — writes the store refuses for now (another connection
 * holds the write lock) wait in memory and reach the store in order once
 * it is released; with a spill file a stop keeps them for the next start,
 * whose replay writes them once however often it runs, and fire times are
 * only reported saved when a stop would keep them; the task state a run is
 * given includes the state writes waiting; the writes of one loop turn
 * share one transaction. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "engine/pending.h"
#include "store/store.h"
#include "testing.h"

#define QUEUED_AT 1700000000.0
#define STARTED_AT (QUEUED_AT + 1)
#define FINISHED_AT (QUEUED_AT + 2)
#define RUN_PID 4242
#define LAST_FIRE 1700000000
#define NEXT_FIRE (LAST_FIRE + 60)

static char dir[] = "/tmp/test_pending_XXXXXX";

/* One text value from a raw query, for checks outside the API. */
static void query_text(sqlite3 *db, const char *sql, char *out, size_t len)
{
    sqlite3_stmt *stmt = NULL;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        snprintf(out, len, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
}

static void on_closed(void *data)
{
    *(bool *)data = true;
}

static void locked_writes_are_saved_in_order_after_release(void)
{
    char path[256], err[STORE_ERR_MAX], got[128];
    struct store_run row = {.task = "t",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .scheduled_for = (int64_t)QUEUED_AT,
                            .queued_at = QUEUED_AT,
                            .status = STORE_RUN_QUEUED,
                            .attempt = 1};
    struct store_run_outcome end = {
        .status = STORE_RUN_SUCCESS, .finished_at = FINISHED_AT, .output = "its output\n"};
    uv_loop_t loop;
    sqlite3 *locker = NULL;
    struct store *st;
    struct pending *p;
    json_t *status;
    int64_t id = 0;
    bool closed = false;

    snprintf(path, sizeof path, "%s/scheduler.db", dir);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    CHECK_INT(store_set_busy_timeout(st, 0), 0);
    CHECK_INT(uv_loop_init(&loop), 0);
    p = pending_create(&loop, st, NULL);
    CHECK(p != NULL, "pending_create");

    CHECK_INT(sqlite3_open(path, &locker), SQLITE_OK);
    CHECK_INT(
        sqlite3_exec(locker, "BEGIN EXCLUSIVE; UPDATE meta SET key = key", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), 0);
    CHECK(id < 0, "a provisional id while locked, got %lld", (long long)id);
    pending_run_start(p, id, "t", RUN_PID, STARTED_AT);
    pending_run_finish(p, id, "t", &end);
    status = pending_status_json(p);
    CHECK(strstr(json_string_value(json_object_get(status, "error")), "locked") != NULL,
          "the store's error in the status");
    CHECK_INT((int)json_integer_value(json_object_get(status, "pending")), 3);
    json_decref(status);

    CHECK_INT(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    uv_run(&loop, UV_RUN_DEFAULT); /* returns once the retry timer stops */
    status = pending_status_json(p);
    CHECK(json_is_null(status), "no error once the writes are saved");
    json_decref(status);
    query_text(locker,
               "SELECT status || ' ' || pid || ' ' || CAST(started_at AS INTEGER) ||"
               " ' ' || CAST(finished_at AS INTEGER) || ' ' || output FROM runs",
               got, sizeof got);
    CHECK_STR(got, "success 4242 1700000001 1700000002 its output\n");

    pending_close(p, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed, "pending_close calls back");
    CHECK_INT(uv_loop_close(&loop), 0);
    sqlite3_close(locker);
    store_close(st);
}

/* While the store refuses writes, finished runs keep their whole output
 * only up to the queue's budget (64 MiB); the later ones keep their tail. */
static void waiting_output_is_bounded(void)
{
    enum { RUNS = 80, OUTPUT = 1 << 20 };
    char path[256], err[STORE_ERR_MAX], got[128];
    char *output = malloc(OUTPUT + 1);
    struct store_run row = {.task = "big",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .queued_at = QUEUED_AT,
                            .status = STORE_RUN_QUEUED,
                            .attempt = 1};
    struct store_run_outcome end = {.status = STORE_RUN_SUCCESS,
                                    .finished_at = FINISHED_AT,
                                    .output_tail = "tail\n",
                                    .output = output};
    uv_loop_t loop;
    sqlite3 *locker = NULL;
    struct store *st;
    struct pending *p;
    bool closed = false;

    CHECK(output != NULL, "out of memory");
    if (!output)
        return;
    memset(output, 'x', OUTPUT);
    output[OUTPUT] = '\0';
    snprintf(path, sizeof path, "%s/bounded.db", dir);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    CHECK_INT(store_set_busy_timeout(st, 0), 0);
    CHECK_INT(uv_loop_init(&loop), 0);
    p = pending_create(&loop, st, NULL);
    CHECK_INT(sqlite3_open(path, &locker), SQLITE_OK);
    CHECK_INT(
        sqlite3_exec(locker, "BEGIN EXCLUSIVE; UPDATE meta SET key = key", NULL, NULL, NULL),
        SQLITE_OK);
    for (int i = 0; i < RUNS; i++) {
        int64_t id = 0;
        row.scheduled_for = LAST_FIRE + i;
        CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), 0);
        pending_run_finish(p, id, "big", &end);
    }
    CHECK_INT(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    query_text(
        locker,
        "SELECT count(output) || ' ' || count(*) || ' ' || max(length(output)) FROM runs "
        "WHERE task = 'big'",
        got, sizeof got);
    CHECK_STR(got, "64 80 1048576");
    pending_close(p, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT(uv_loop_close(&loop), 0);
    sqlite3_close(locker);
    store_close(st);
    free(output);
}

static int shell(const char *fmt, const char *a, const char *b)
{
    char cmd[1024];

    snprintf(cmd, sizeof cmd, fmt, a, b);
    return system(cmd);
}

static void a_stop_keeps_waiting_writes_for_the_next_start(void)
{
    char path[256], spill[300], copy[300], err[STORE_ERR_MAX], got[128];
    struct store_task task = {.name = "t", .path = "t.lua", .enabled = true};
    struct store_run row = {.task = "t",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .scheduled_for = (int64_t)QUEUED_AT,
                            .queued_at = QUEUED_AT,
                            .status = STORE_RUN_QUEUED,
                            .attempt = 1};
    struct store_run_outcome end = {
        .status = STORE_RUN_SUCCESS, .finished_at = FINISHED_AT, .output = "its output\n"};
    uv_loop_t loop;
    sqlite3 *locker = NULL;
    struct store *st;
    struct pending *p;
    int64_t id = 0;
    bool closed = false;

    snprintf(path, sizeof path, "%s/keep.db", dir);
    snprintf(spill, sizeof spill, "%s-spill", path);
    snprintf(copy, sizeof copy, "%s-copy", path);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    if (!st)
        return;
    CHECK_INT(store_task_upsert(st, &task), 0);
    CHECK_INT(store_set_busy_timeout(st, 0), 0);
    CHECK_INT(uv_loop_init(&loop), 0);
    p = pending_create(&loop, st, path);
    CHECK(p != NULL, "pending_create");

    CHECK_INT(sqlite3_open(path, &locker), SQLITE_OK);
    CHECK_INT(
        sqlite3_exec(locker, "BEGIN EXCLUSIVE; UPDATE meta SET key = key", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), 0);
    pending_run_start(p, id, "t", RUN_PID, STARTED_AT);
    CHECK(pending_task_fires(p, "t", NEXT_FIRE, LAST_FIRE, err, sizeof err) == 0,
          "fire times kept in the spill count as saved: %s", err);
    pending_run_finish(p, id, "t", &end);
    pending_close(p, on_closed, &closed); /* the store still locked */
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed, "pending_close calls back");
    CHECK_INT(uv_loop_close(&loop), 0);
    CHECK_INT(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    query_text(locker, "SELECT count(*) FROM runs", got, sizeof got);
    CHECK_STR(got, "0");

    CHECK_INT(shell("cp '%s' '%s'", spill, copy), 0);
    CHECK(pending_replay(st, path, err, sizeof err) == 0, "replay: %s", err);
    query_text(locker,
               "SELECT group_concat(status || ' ' || pid || ' ' ||"
               " CAST(finished_at AS INTEGER) || ' ' || COALESCE(output, 'none')) FROM runs",
               got, sizeof got);
    /* the spill keeps a run's output tail, not all of it (spill.c) */
    CHECK_STR(got, "success 4242 1700000002 none");
    query_text(locker, "SELECT next_fire || ' ' || last_scheduled FROM tasks", got, sizeof got);
    CHECK_STR(got, "1700000060 1700000000");

    /* A crash after the writes reached the store, before the spill was
     * emptied, and later fire times written since: a second replay finds
     * the row, and moves no fire time back. */
    CHECK_INT(store_task_set_last_scheduled(st, "t", LAST_FIRE + 60), 1);
    CHECK_INT(shell("cp '%s' '%s'", copy, spill), 0);
    CHECK(pending_replay(st, path, err, sizeof err) == 0, "replay again: %s", err);
    query_text(locker, "SELECT count(*) || ' ' || status FROM runs", got, sizeof got);
    CHECK_STR(got, "1 success");
    query_text(locker, "SELECT last_scheduled FROM tasks", got, sizeof got);
    CHECK_STR(got, "1700000060");
    CHECK(pending_replay(st, path, err, sizeof err) == 0, "an empty spill: %s", err);
    query_text(locker, "SELECT count(*) FROM runs", got, sizeof got);
    CHECK_STR(got, "1");
    sqlite3_close(locker);
    store_close(st);
}

static void fire_times_in_memory_only_are_not_saved(void)
{
    char path[256], err[STORE_ERR_MAX];
    struct store_task task = {.name = "t", .path = "t.lua", .enabled = true};
    uv_loop_t loop;
    sqlite3 *locker = NULL;
    struct store *st;
    struct pending *p;
    bool closed = false;

    snprintf(path, sizeof path, "%s/memory.db", dir);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    if (!st)
        return;
    CHECK_INT(store_task_upsert(st, &task), 0);
    CHECK_INT(store_set_busy_timeout(st, 0), 0);
    CHECK_INT(uv_loop_init(&loop), 0);
    p = pending_create(&loop, st, NULL);
    CHECK(p != NULL, "pending_create");
    CHECK_INT(pending_task_fires(p, "t", NEXT_FIRE, LAST_FIRE, err, sizeof err), 0);
    uv_run(&loop, UV_RUN_NOWAIT); /* the turn ends: its transaction commits */
    CHECK_INT(sqlite3_open(path, &locker), SQLITE_OK);
    CHECK_INT(
        sqlite3_exec(locker, "BEGIN EXCLUSIVE; UPDATE meta SET key = key", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK_INT(pending_task_fires(p, "t", NEXT_FIRE + 60, LAST_FIRE + 60, err, sizeof err), -1);
    CHECK(strstr(err, "locked") != NULL, "the store's refusal in: %s", err);
    CHECK_INT(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    pending_close(p, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed, "pending_close calls back");
    CHECK_INT(uv_loop_close(&loop), 0);
    sqlite3_close(locker);
    store_close(st);
}

/* The writes of one loop turn share one transaction, committed when the
 * turn ends (or by pending_commit), and only then seen by another process;
 * an idle writer holds no lock. */
static void writes_of_a_turn_commit_when_it_ends(void)
{
    char path[256], err[STORE_ERR_MAX], got[128];
    struct store_task task = {.name = "t", .path = "t.lua", .enabled = true};
    struct store_run row = {.task = "t",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .scheduled_for = (int64_t)QUEUED_AT,
                            .queued_at = QUEUED_AT,
                            .status = STORE_RUN_QUEUED,
                            .attempt = 1};
    struct store_run_outcome end = {.status = STORE_RUN_SUCCESS, .finished_at = FINISHED_AT};
    uv_loop_t loop;
    sqlite3 *other = NULL;
    struct store *st;
    struct pending *p;
    int64_t id = 0;
    bool closed = false;

    snprintf(path, sizeof path, "%s/turn.db", dir);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    if (!st)
        return;
    CHECK_INT(store_task_upsert(st, &task), 0);
    CHECK_INT(uv_loop_init(&loop), 0);
    p = pending_create(&loop, st, NULL);
    CHECK(p != NULL, "pending_create");
    CHECK_INT(sqlite3_open(path, &other), SQLITE_OK);
    CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), 0);
    CHECK(id > 0, "a row id at once, got %lld", (long long)id);
    pending_run_start(p, id, "t", RUN_PID, STARTED_AT);
    query_text(other, "SELECT count(*) FROM runs", got, sizeof got);
    CHECK_STR(got, "0"); /* not committed yet */
    uv_run(&loop, UV_RUN_NOWAIT);
    query_text(other, "SELECT status || ' ' || pid FROM runs", got, sizeof got);
    CHECK_STR(got, "running 4242");
    pending_run_finish(p, id, "t", &end);
    pending_commit(p);
    query_text(other, "SELECT status FROM runs", got, sizeof got);
    CHECK_STR(got, "success");
    CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE; COMMIT", NULL, NULL, NULL), SQLITE_OK);
    /* A write refused for good commits what came before it; the next
     * write still works. */
    CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), 0);
    row.task = NULL; /* runs.task is NOT NULL */
    CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), -1);
    query_text(other, "SELECT count(*) FROM runs", got, sizeof got);
    CHECK_STR(got, "2");
    row.task = "t";
    CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), 0);
    uv_run(&loop, UV_RUN_NOWAIT);
    query_text(other, "SELECT count(*) FROM runs", got, sizeof got);
    CHECK_STR(got, "3");
    pending_close(p, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed, "pending_close calls back");
    CHECK_INT(uv_loop_close(&loop), 0);
    sqlite3_close(other);
    store_close(st);
}

/* The state a run is given: the store's rows with the writes still
 * waiting applied, in order. */
static void check_state(struct pending *p, const char *task, const char *want)
{
    char err[STORE_ERR_MAX];
    json_t *state = NULL;
    char *text;

    CHECK_INT(pending_state_read(p, task, &state, err, sizeof err), 0);
    text = state ? json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    CHECK_STR(text, want);
    free(text);
    json_decref(state);
}

/* A run's state writes wait with its rows while the store is locked; a run
 * spawned meanwhile is given them, and they are saved once it is free. */
static void locked_state_writes_are_read_back_and_saved(void)
{
    char path[256], err[STORE_ERR_MAX], got[128];
    struct store_run row = {.task = "t",
                            .trigger = STORE_TRIGGER_MANUAL,
                            .queued_at = QUEUED_AT,
                            .status = STORE_RUN_QUEUED,
                            .attempt = 1};
    struct store_run_outcome end = {.status = STORE_RUN_SUCCESS, .finished_at = FINISHED_AT};
    uv_loop_t loop;
    sqlite3 *locker = NULL;
    struct store *st;
    struct pending *p;
    json_t *status;
    int64_t id = 0;
    bool closed = false;

    snprintf(path, sizeof path, "%s/state.db", dir);
    st = store_open(path, err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    CHECK_INT(store_state_set(st, "t", "kept", "1"), 0);
    CHECK_INT(store_state_set(st, "t", "gone", "2"), 0);
    CHECK_INT(store_state_set(st, "other", "n", "3"), 0);
    CHECK_INT(store_set_busy_timeout(st, 0), 0);
    CHECK_INT(uv_loop_init(&loop), 0);
    p = pending_create(&loop, st, NULL);
    CHECK(p != NULL, "pending_create");
    check_state(p, "t", "{\"gone\":2,\"kept\":1}");

    CHECK_INT(sqlite3_open(path, &locker), SQLITE_OK);
    CHECK_INT(
        sqlite3_exec(locker, "BEGIN EXCLUSIVE; UPDATE meta SET key = key", NULL, NULL, NULL),
        SQLITE_OK);
    CHECK_INT(pending_run_insert(p, &row, &id, err, sizeof err), 0);
    pending_state_write(p, "t", "n", "5");
    pending_state_write(p, "t", "gone", NULL);
    pending_state_write(p, "t", "n", "{\"deep\":[6]}");
    pending_run_finish(p, id, "t", &end);
    status = pending_status_json(p);
    CHECK_INT((int)json_integer_value(json_object_get(status, "pending")), 5);
    json_decref(status);
    check_state(p, "t", "{\"kept\":1,\"n\":{\"deep\":[6]}}");
    check_state(p, "other", "{\"n\":3}");

    CHECK_INT(sqlite3_exec(locker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    query_text(locker,
               "SELECT group_concat(key || '=' || value_json, ' ') FROM"
               " (SELECT * FROM state WHERE task = 't' ORDER BY key)",
               got, sizeof got);
    CHECK_STR(got, "kept=1 n={\"deep\":[6]}");
    query_text(locker, "SELECT status FROM runs", got, sizeof got);
    CHECK_STR(got, "success");
    check_state(p, "t", "{\"kept\":1,\"n\":{\"deep\":[6]}}");

    pending_close(p, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed, "pending_close calls back");
    CHECK_INT(uv_loop_close(&loop), 0);
    sqlite3_close(locker);
    store_close(st);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    RUN(locked_writes_are_saved_in_order_after_release);
    RUN(a_stop_keeps_waiting_writes_for_the_next_start);
    RUN(fire_times_in_memory_only_are_not_saved);
    RUN(writes_of_a_turn_commit_when_it_ends);
    RUN(locked_state_writes_are_read_back_and_saved);
    RUN(waiting_output_is_bounded);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
    TESTING_EXIT();
}
