/* store_state.c — per-task key → JSON values for the `state` helper.
 *
 * Runs never write here themselves: they report each change to the daemon
 * (run_protocol.h), which saves it through engine/pending.c like its other
 * writes.  Each call is one autocommit statement.
 */
#include "store_internal.h"

static const char SQL_GET[] = "SELECT value_json FROM state WHERE task = ?1 AND key = ?2";
static const char SQL_SET[] =
    "INSERT INTO state (task, key, value_json, updated_at)"
    " VALUES (?1, ?2, ?3, " STORE_NOW_SQL ")"
    " ON CONFLICT(task, key) DO UPDATE SET value_json = excluded.value_json,"
    "   updated_at = excluded.updated_at";
static const char SQL_DELETE[] = "DELETE FROM state WHERE task = ?1 AND key = ?2";
static const char SQL_ALL[] = "SELECT key, value_json FROM state WHERE task = ? ORDER BY key";

int store_state_get(struct store *st, const char *task, const char *key, char **json)
{
    return store_query_text(st, SQL_GET, task, key, json);
}

int store_state_set(struct store *st, const char *task, const char *key, const char *json)
{
    return store_exec_texts(st, SQL_SET, "set state", 3, task, key, json) < 0 ? -1 : 0;
}

int store_state_delete(struct store *st, const char *task, const char *key)
{
    return store_exec_texts(st, SQL_DELETE, "delete state", 2, task, key) < 0 ? -1 : 0;
}

struct key_reader {
    int (*fn)(const char *key, const char *json, void *ud);
    void *ud;
};

static int read_key(sqlite3_stmt *stmt, void *ud)
{
    const struct key_reader *r = ud;
    return r->fn(store_column_text(stmt, 0), store_column_text(stmt, 1), r->ud);
}

int store_state_all(struct store *st, const char *task,
                    int (*fn)(const char *key, const char *json, void *ud), void *ud)
{
    struct key_reader reader = {fn, ud};
    sqlite3_stmt *stmt = store_stmt(st, SQL_ALL);
    if (!stmt)
        return -1;
    if (store_bind_text(stmt, 1, task) != SQLITE_OK) {
        store_done(stmt);
        return store_fail(st, "bind task");
    }
    return store_each_row(st, stmt, "read state", read_key, &reader);
}
