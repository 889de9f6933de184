/* store_tasks.c — the `tasks` table: what discovery found, and each task's
 * schedule state (next fire, last handled fire, paused) that must survive
 * a restart so missed fires can be told apart from fires that ran.
 */
#include "store_internal.h"

#include <stdio.h>

static const char SQL_UPSERT[] =
    "INSERT INTO tasks (name, path, file_hash, frontmatter, enabled,"
    "                   load_error, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, " STORE_NOW_SQL ")"
    " ON CONFLICT(name) DO UPDATE SET path = excluded.path,"
    "   file_hash = excluded.file_hash, frontmatter = excluded.frontmatter,"
    "   enabled = excluded.enabled, load_error = excluded.load_error,"
    "   updated_at = excluded.updated_at";
static const char SQL_REMOVE[] = "DELETE FROM tasks WHERE name = ?";
static const char SQL_RENAME_TASK[] = "UPDATE tasks SET name = ?2, path = ?3,"
                                      " updated_at = " STORE_NOW_SQL " WHERE name = ?1";
static const char SQL_RENAME_RUNS[] = "UPDATE runs SET task = ?2 WHERE task = ?1";
static const char SQL_RENAME_STATE[] = "UPDATE OR REPLACE state SET task = ?2 WHERE task = ?1";
/* An open alert `to` has of the same kind already stays where it was. */
static const char SQL_RENAME_ALERTS[] = "UPDATE OR IGNORE alerts SET task = ?2 WHERE task = ?1";
static const char SQL_SCHEDULE_STATE[] =
    "SELECT next_fire, last_scheduled, paused FROM tasks WHERE name = ?";
static const char SQL_SET_NEXT_FIRE[] =
    "UPDATE tasks SET next_fire = ?1, updated_at = " STORE_NOW_SQL " WHERE name = ?2";
static const char SQL_SET_LAST_SCHEDULED[] =
    "UPDATE tasks SET last_scheduled = ?1, updated_at = " STORE_NOW_SQL " WHERE name = ?2";
static const char SQL_SET_PAUSED[] =
    "UPDATE tasks SET paused = ?1, updated_at = " STORE_NOW_SQL " WHERE name = ?2";
static const char SQL_ALL[] =
    "SELECT name, path, file_hash, frontmatter, load_error, enabled, paused,"
    "       next_fire, last_scheduled, last_run_id, updated_at"
    " FROM tasks ORDER BY name";

int store_task_upsert(struct store *st, const struct store_task *task)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_UPSERT);
    if (!stmt)
        return -1;
    int rc = store_bind_text(stmt, 1, task->name) | store_bind_text(stmt, 2, task->path) |
             store_bind_text(stmt, 3, task->file_hash) |
             store_bind_text(stmt, 4, task->frontmatter_json) |
             sqlite3_bind_int(stmt, 5, task->enabled) |
             store_bind_text(stmt, 6, task->load_error);
    if (rc != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind task");
    }
    return store_step_done(st, stmt, "save task");
}

int store_task_remove(struct store *st, const char *name)
{
    return store_exec_texts(st, SQL_REMOVE, "remove task", 1, name) < 0 ? -1 : 0;
}

int store_task_rename(struct store *st, const char *from, const char *to, const char *path)
{
    if (sqlite3_exec(st->db, "SAVEPOINT task_rename", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(st, "begin renaming a task");
    if (store_exec_texts(st, SQL_RENAME_TASK, "rename task", 3, from, to, path) < 0 ||
        store_exec_texts(st, SQL_RENAME_RUNS, "rename the task's runs", 2, from, to) < 0 ||
        store_exec_texts(st, SQL_RENAME_STATE, "rename the task's state", 2, from, to) < 0 ||
        store_exec_texts(st, SQL_RENAME_ALERTS, "rename the task's alerts", 2, from, to) < 0) {
        /* The failure is the one to report, unless the rollback fails too. */
        if (sqlite3_exec(st->db, "ROLLBACK TO task_rename; RELEASE task_rename", NULL, NULL,
                         NULL) != SQLITE_OK)
            return store_fail(st, "roll back renaming a task");
        return -1;
    }
    if (sqlite3_exec(st->db, "RELEASE task_rename", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(st, "commit renaming a task");
    return 0;
}

int store_task_get_schedule_state(struct store *st, const char *name, int64_t *next_fire,
                                  int64_t *last_scheduled, bool *paused)
{
    sqlite3_stmt *stmt = store_stmt(st, SQL_SCHEDULE_STATE);
    if (!stmt)
        return -1;
    int rc = store_bind_text(stmt, 1, name);
    if (rc != SQLITE_OK) {
        rc = store_fail(st, "bind task name");
    } else if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (next_fire)
            *next_fire = sqlite3_column_int64(stmt, 0);
        if (last_scheduled)
            *last_scheduled = sqlite3_column_int64(stmt, 1);
        if (paused)
            *paused = sqlite3_column_int(stmt, 2) != 0;
        rc = 1;
    } else {
        rc = rc == SQLITE_DONE ? 0 : store_fail(st, "read task state");
    }
    store_done(stmt);
    return rc;
}

/* The three setters differ only in their column. */
static int set_number(struct store *st, const char *sql, const char *name, int64_t value)
{
    sqlite3_stmt *stmt = store_stmt(st, sql);
    if (!stmt)
        return -1;
    if ((sqlite3_bind_int64(stmt, 1, value) | store_bind_text(stmt, 2, name)) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind task state");
    }
    if (store_step_done(st, stmt, "update task state") != 0)
        return -1;
    return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int store_task_set_next_fire(struct store *st, const char *name, int64_t next_fire)
{
    return set_number(st, SQL_SET_NEXT_FIRE, name, next_fire);
}

int store_task_set_last_scheduled(struct store *st, const char *name, int64_t last_scheduled)
{
    return set_number(st, SQL_SET_LAST_SCHEDULED, name, last_scheduled);
}

int store_task_set_paused(struct store *st, const char *name, bool paused)
{
    return set_number(st, SQL_SET_PAUSED, name, paused);
}

struct task_reader {
    int (*fn)(const struct store_task *task, void *ud);
    void *ud;
};

static int read_task(sqlite3_stmt *stmt, void *ud)
{
    const struct task_reader *r = ud;
    struct store_task t = {
        .name = store_column_text(stmt, 0),
        .path = store_column_text(stmt, 1),
        .file_hash = store_column_text(stmt, 2),
        .frontmatter_json = store_column_text(stmt, 3),
        .load_error = store_column_text(stmt, 4),
        .enabled = sqlite3_column_int(stmt, 5) != 0,
        .paused = sqlite3_column_int(stmt, 6) != 0,
        .next_fire = sqlite3_column_int64(stmt, 7),
        .last_scheduled = sqlite3_column_int64(stmt, 8),
        .last_run_id = sqlite3_column_int64(stmt, 9),
        .updated_at = sqlite3_column_double(stmt, 10),
    };
    return r->fn(&t, r->ud);
}

int store_tasks(struct store *st, int (*fn)(const struct store_task *task, void *ud), void *ud)
{
    struct task_reader reader = {fn, ud};
    sqlite3_stmt *stmt = store_stmt(st, SQL_ALL);
    return stmt ? store_each_row(st, stmt, "list tasks", read_task, &reader) : -1;
}
