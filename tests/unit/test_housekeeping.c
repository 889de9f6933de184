/* test_housekeeping.c — run retention in bounded batches, backups and their
 * rotation, the remembered backup time, and rotated-log retention, each on
 * a store and project root in a temporary folder, driving a real loop. */
#include <dirent.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "daemon/housekeeping.h"
#include "lib/fs.h"
#include "store/store.h"
#include "testing.h"
#include "time/clock.h"

#define DAY 86400.0
#define OLD_RUNS (2 * HOUSEKEEPING_RETENTION_BATCH + 100) /* three batches */
#define NEW_RUNS 10
#define TURNS_MAX 2000     /* loop turns before a test gives up */
#define TURN_PAUSE_US 2000 /* > the pause between retention batches */

static char dir[] = "/tmp/test_housekeeping_XXXXXX";

/* A fresh project root under the test folder. */
static const char *root_of(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static const char *path_in(const char *name, const char *rel)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s/%s", dir, name, rel);
    return buf;
}

static struct store *open_store(const char *name)
{
    char err[STORE_ERR_MAX];
    struct store *st = store_open(path_in(name, "data/scheduler.db"), err, sizeof err);
    CHECK(st != NULL, "open: %s", err);
    return st;
}

/* Defaults with every chore off; each test turns on its own. */
static void quiet_config(struct config *cfg)
{
    CHECK(config_defaults(cfg) == 0, "config_defaults");
    cfg->database.retention_days = 0;
    cfg->database.backup_interval = 0;
    cfg->logging.retention = 0;
}

/* One integer from a query on any database file. */
static long query_long(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long value = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        value = (long)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

/* A finished run queued at `at`. */
static void insert_finished(struct store *st, double at)
{
    struct store_run run = {.task = "t",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .scheduled_for = (int64_t)at,
                            .queued_at = at,
                            .started_at = at,
                            .status = STORE_RUN_RUNNING,
                            .attempt = 1,
                            .pid = 1};
    struct store_run_outcome end = {.status = STORE_RUN_SUCCESS, .finished_at = at + 1};
    int64_t id = 0;
    CHECK(store_run_insert(st, &run, &id) == 0 && store_run_finish(st, id, &end) == 0,
          "insert: %s", store_error(st));
}

static void insert_running(struct store *st, double at)
{
    struct store_run run = {.task = "t",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .queued_at = at,
                            .started_at = at,
                            .status = STORE_RUN_RUNNING,
                            .attempt = 1,
                            .pid = 1};
    int64_t id = 0;
    CHECK(store_run_insert(st, &run, &id) == 0, "insert: %s", store_error(st));
}

/* One loop turn that never blocks, then a pause longer than the one
 * between retention batches. */
static void turn(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_NOWAIT);
    usleep(TURN_PAUSE_US);
}

static void stop(uv_loop_t *loop, struct housekeeping *hk)
{
    housekeeping_stop(hk);
    uv_run(loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(loop) == 0, "handles left open");
}

static void touch_aged(const char *path, double age_days)
{
    FILE *f;
    struct timeval tv[2];
    char parent[512], *slash;

    snprintf(parent, sizeof parent, "%s", path);
    slash = strrchr(parent, '/');
    *slash = '\0';
    CHECK(fs_mkdirs(parent, 0755, NULL, 0) == 0, "mkdir %s", parent);
    f = fopen(path, "w");
    CHECK(f && fputs("line\n", f) >= 0 && fclose(f) == 0, "write %s", path);
    tv[0].tv_sec = tv[1].tv_sec = (time_t)(clock_now() - age_days * DAY);
    tv[0].tv_usec = tv[1].tv_usec = 0;
    CHECK(utimes(path, tv) == 0, "utimes %s", path);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void retention_deletes_old_runs_in_bounded_batches(void)
{
    const char *db = path_in("retention", "data/scheduler.db");
    const char *old_sql =
        "SELECT count(*) FROM runs WHERE queued_at < strftime('%s','now') - 50*86400";
    struct store *st = open_store("retention");
    double now = clock_now();
    struct config cfg;
    struct housekeeping *hk;
    char err[256];
    uv_loop_t loop;
    long left = OLD_RUNS, first_batch = -1;

    quiet_config(&cfg);
    cfg.database.retention_days = 90;
    for (int i = 0; i < OLD_RUNS; i++)
        insert_finished(st, now - 100 * DAY - i);
    for (int i = 0; i < NEW_RUNS; i++)
        insert_finished(st, now - 10 * DAY - i);
    insert_running(st, now - 200 * DAY); /* still open: never deleted */
    CHECK(uv_loop_init(&loop) == 0, "loop");
    hk = housekeeping_start(&loop, st, &cfg, root_of("retention"), err, sizeof err);
    CHECK(hk != NULL, "start: %s", err);
    for (int i = 0; hk && i < TURNS_MAX && left > 1; i++) {
        turn(&loop);
        left = query_long(db, old_sql);
        if (first_batch < 0 && left < OLD_RUNS + 1)
            first_batch = OLD_RUNS + 1 - left;
    }
    CHECK_INT(first_batch, HOUSEKEEPING_RETENTION_BATCH);
    CHECK_INT(left, 1);
    CHECK_INT(query_long(db, "SELECT count(*) FROM runs"), NEW_RUNS + 1);
    CHECK_INT(query_long(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);
    stop(&loop, hk);
    store_close(st);
    config_free(&cfg);
}

/* Three backups from earlier days, and two files the rotation must leave
 * alone. */
static void seed_backups(const char *name)
{
    static const char *const files[] = {
        "data/backups/scheduler-20000101-000000.db",
        "data/backups/scheduler-20000102-000000.db",
        "data/backups/scheduler-20000103-000000.db",
        "data/backups/scheduler-notes.db",
        "data/backups/other.db",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        touch_aged(path_in(name, files[i]), 0);
}

/* How many files the folder holds; the path of the last one whose name
 * starts with `prefix` goes to `out` (when out is not NULL). */
static int list_dir(const char *path, const char *prefix, char *out, size_t len)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int count = 0;

    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        count++;
        if (out && strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
            snprintf(out, len, "%s/%s", path, de->d_name) >= (int)len)
            out[0] = '\0'; /* too long to be ours */
    }
    if (d)
        closedir(d);
    return count;
}

/* The path of the backup taken now, named after this year, or "". */
static void find_new_backup(const char *name, char *out, size_t len)
{
    char prefix[64];
    time_t t = (time_t)clock_now();
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(prefix, sizeof prefix, "scheduler-%Y", &tm);
    out[0] = '\0';
    list_dir(path_in(name, "data/backups"), prefix, out, len);
}

static void backups_are_valid_databases_and_only_the_newest_are_kept(void)
{
    struct store *st = open_store("backup");
    struct config cfg;
    struct housekeeping *hk;
    char err[256], latest[512] = "", *meta = NULL;
    uv_loop_t loop;

    quiet_config(&cfg);
    cfg.database.backup_interval = 3600;
    cfg.database.backup_keep = 2;
    for (int i = 0; i < NEW_RUNS; i++)
        insert_finished(st, clock_now() - i);
    seed_backups("backup");
    CHECK(uv_loop_init(&loop) == 0, "loop");
    hk = housekeeping_start(&loop, st, &cfg, root_of("backup"), err, sizeof err);
    CHECK(hk != NULL, "start: %s", err);
    for (int i = 0; hk && i < TURNS_MAX && !latest[0]; i++) {
        turn(&loop);
        find_new_backup("backup", latest, sizeof latest);
    }
    CHECK(latest[0] != '\0', "no backup written");
    /* Counted before sqlite3 opens the backup and adds its -wal, -shm. */
    CHECK_INT(list_dir(path_in("backup", "data/backups"), "", NULL, 0), 4);
    CHECK_INT(query_long(latest, "SELECT count(*) FROM runs"), NEW_RUNS);
    CHECK(exists(path_in("backup", "data/backups/scheduler-20000103-000000.db")),
          "the newest older backup is kept");
    CHECK(!exists(path_in("backup", "data/backups/scheduler-20000102-000000.db")) &&
              !exists(path_in("backup", "data/backups/scheduler-20000101-000000.db")),
          "older backups beyond backup_keep are removed");
    CHECK(exists(path_in("backup", "data/backups/scheduler-notes.db")) &&
              exists(path_in("backup", "data/backups/other.db")),
          "files not named like backups are left alone");
    CHECK(store_meta_get(st, HOUSEKEEPING_LAST_BACKUP_KEY, &meta) == 1, "last backup recorded");
    CHECK(meta && labs(atol(meta) - (long)clock_now()) <= 5, "last backup at %s", meta);
    free(meta);
    stop(&loop, hk);
    store_close(st);
    config_free(&cfg);
}

static void a_restart_waits_for_the_rest_of_the_backup_interval(void)
{
    struct store *st = open_store("restart");
    struct config cfg;
    struct housekeeping *hk;
    char err[256], stamp[32], *meta = NULL;
    uv_loop_t loop;

    quiet_config(&cfg);
    cfg.database.backup_interval = 3600;
    snprintf(stamp, sizeof stamp, "%.0f", clock_now() - 60);
    CHECK(store_meta_set(st, HOUSEKEEPING_LAST_BACKUP_KEY, stamp) == 0, "meta");
    CHECK(uv_loop_init(&loop) == 0, "loop");
    hk = housekeeping_start(&loop, st, &cfg, root_of("restart"), err, sizeof err);
    CHECK(hk != NULL, "start: %s", err);
    for (int i = 0; i < 20; i++)
        turn(&loop);
    CHECK(!exists(path_in("restart", "data/backups")), "no backup before the interval");
    CHECK(store_meta_get(st, HOUSEKEEPING_LAST_BACKUP_KEY, &meta) == 1, "meta kept");
    CHECK_STR(meta, stamp);
    free(meta);
    stop(&loop, hk);
    store_close(st);
    config_free(&cfg);
}

static void log_retention_deletes_only_old_rotated_files(void)
{
    struct store *st = open_store("logs");
    struct config cfg;
    struct housekeeping *hk;
    char err[256];
    uv_loop_t loop;

    quiet_config(&cfg);
    cfg.logging.retention = 30;
    touch_aged(path_in("logs", "logs/scheduler.log"), 40);         /* live file */
    touch_aged(path_in("logs", "logs/scheduler.log.1"), 40);       /* old */
    touch_aged(path_in("logs", "logs/scheduler.log.2"), 5);        /* recent */
    touch_aged(path_in("logs", "logs/tasks/cams/copy.log.3"), 40); /* old, nested */
    touch_aged(path_in("logs", "logs/notes.txt.1"), 40);           /* not a log */
    touch_aged(path_in("logs", "logs/tasks/old.log.bak"), 40);     /* not rotated */
    CHECK(uv_loop_init(&loop) == 0, "loop");
    hk = housekeeping_start(&loop, st, &cfg, root_of("logs"), err, sizeof err);
    CHECK(hk != NULL, "start: %s", err);
    for (int i = 0; hk && i < TURNS_MAX && exists(path_in("logs", "logs/scheduler.log.1")); i++)
        turn(&loop);
    CHECK(!exists(path_in("logs", "logs/scheduler.log.1")), "old rotated file deleted");
    CHECK(!exists(path_in("logs", "logs/tasks/cams/copy.log.3")),
          "nested old rotated file deleted");
    CHECK(exists(path_in("logs", "logs/scheduler.log")), "the live log is kept");
    CHECK(exists(path_in("logs", "logs/scheduler.log.2")), "a recent rotated file is kept");
    CHECK(exists(path_in("logs", "logs/notes.txt.1")) &&
              exists(path_in("logs", "logs/tasks/old.log.bak")),
          "other files are kept");
    stop(&loop, hk);
    store_close(st);
    config_free(&cfg);
}

int main(void)
{
    char err[128];

    if (!mkdtemp(dir) || clock_init(err, sizeof err) != 0) {
        perror("setup");
        return 1;
    }
    RUN(retention_deletes_old_runs_in_bounded_batches);
    RUN(backups_are_valid_databases_and_only_the_newest_are_kept);
    RUN(a_restart_waits_for_the_rest_of_the_backup_interval);
    RUN(log_retention_deletes_only_old_rotated_files);
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TESTING_EXIT();
}
