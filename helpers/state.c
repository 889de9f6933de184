/* state.c — the `state` helper module: per-task values that survive runs.
 *
 *   state.get(key)          -> value | nil        (nil, message on error)
 *   state.set(key, value)   -> true               (value nil deletes)
 *   state.delete(key)       -> true
 *   state.all()             -> { key = value, … }
 *
 * Values are anything JSON can hold (luajson.h).  They live in the state
 * table of data/scheduler.db, scoped to the run's task, so two tasks never
 * see each other's keys.  The database is opened on first use and closed
 * with the Lua state.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "luajson.h"
#include "runtime_context.h"
#include "store/store.h"

#define STATE_DB_MT "state.db"       /* metatable of the store handle */
#define STATE_DB_KEY "state.db.open" /* registry slot holding that handle */
#define STATE_ERR_MAX 512

struct state_db {
    struct store *store;     /* NULL until opened, or after __gc */
};

static int db_gc(lua_State *L)
{
    struct state_db *db = luaL_checkudata(L, 1, STATE_DB_MT);

    store_close(db->store);
    db->store = NULL;
    return 0;
}

/* The run's store, opened on first use; the task name in *task.  Returns
 * NULL and pushes a message when the database cannot be opened.  Raises
 * outside a run. */
static struct store *open_store(lua_State *L, const char **task)
{
    const struct runtime_context *ctx = runtime_context(L);
    char err[STATE_ERR_MAX];
    struct state_db *db;

    if (!ctx)
        luaL_error(L, "state is only available inside a run");
    *task = ctx->task;
    lua_getfield(L, LUA_REGISTRYINDEX, STATE_DB_KEY);
    db = lua_touserdata(L, -1);
    lua_pop(L, 1); /* the registry keeps it alive */
    if (!db) {
        db = lua_newuserdatauv(L, sizeof *db, 0);
        db->store = NULL;
        luaL_setmetatable(L, STATE_DB_MT);
        lua_setfield(L, LUA_REGISTRYINDEX, STATE_DB_KEY);
    }
    if (!db->store && !(db->store = store_open(ctx->db_path, err, sizeof err)))
        lua_pushfstring(L, "state: %s", err);
    return db->store;
}

static int fail(lua_State *L, const char *message)
{
    luaL_pushfail(L);
    lua_pushstring(L, message);
    return 2;
}

static int state_get(lua_State *L)
{
    const char *key = luaL_checkstring(L, 1), *task;
    struct store *st = open_store(L, &task);
    json_error_t jerr;
    json_t *value;
    char *text;
    int rc;

    if (!st)
        return fail(L, lua_tostring(L, -1));
    rc = store_state_get(st, task, key, &text);
    if (rc < 0)
        return fail(L, store_error(st));
    if (rc == 0) {
        lua_pushnil(L);
        return 1;
    }
    value = json_loads(text, JSON_DECODE_ANY, &jerr);
    free(text);
    if (!value)
        return fail(L, jerr.text);
    luajson_push(L, value);
    json_decref(value);
    return 1;
}

static int state_delete(lua_State *L)
{
    const char *key = luaL_checkstring(L, 1), *task;
    struct store *st = open_store(L, &task);

    if (!st)
        return fail(L, lua_tostring(L, -1));
    if (store_state_delete(st, task, key) != 0)
        return fail(L, store_error(st));
    lua_pushboolean(L, 1);
    return 1;
}

static int state_set(lua_State *L)
{
    const char *key = luaL_checkstring(L, 1), *task;
    char err[STATE_ERR_MAX], *text;
    struct store *st;
    json_t *value;
    int rc;

    luaL_checkany(L, 2);
    if (lua_isnil(L, 2))
        return state_delete(L);
    if (luajson_to_json(L, 2, &value, err, sizeof err) != 0)
        return luaL_argerror(L, 2, err);
    text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(value);
    if (!text)
        return luaL_error(L, "state.set: out of memory");
    st = open_store(L, &task);
    rc = st ? store_state_set(st, task, key, text) : -1;
    free(text);
    if (!st)
        return fail(L, lua_tostring(L, -1));
    if (rc != 0)
        return fail(L, store_error(st));
    lua_pushboolean(L, 1);
    return 1;
}

/* Collects the rows into a JSON object: nothing may raise while SQLite
 * steps through them. */
static int collect(const char *key, const char *text, void *ud)
{
    json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);

    return value ? json_object_set_new(ud, key, value) : 0; /* skip what does not parse */
}

static int state_all(lua_State *L)
{
    const char *task;
    struct store *st = open_store(L, &task);
    json_t *all;
    int rc;

    if (!st)
        return fail(L, lua_tostring(L, -1));
    if (!(all = json_object()))
        return luaL_error(L, "state.all: out of memory");
    rc = store_state_all(st, task, collect, all);
    if (rc != 0) {
        json_decref(all);
        return fail(L, rc < 0 ? store_error(st) : "state.all: out of memory");
    }
    luajson_push(L, all);
    json_decref(all);
    return 1;
}

static const luaL_Reg state_funcs[] = {
    {"get", state_get},
    {"set", state_set},
    {"delete", state_delete},
    {"all", state_all},
    {NULL, NULL},
};

int luaopen_state(lua_State *L)
{
    if (luaL_newmetatable(L, STATE_DB_MT)) {
        lua_pushcfunction(L, db_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_newlib(L, state_funcs);
    return 1;
}
