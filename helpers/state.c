/* state.c — the `state` helper module: per-task values that survive runs.
 *
 *   state.get(key)          -> value | nil        (nil, message on error)
 *   state.set(key, value)   -> true               (value nil deletes)
 *   state.delete(key)       -> true
 *   state.all()             -> { key = value, … }
 *
 * Values are anything JSON can hold (luajson.h).  They live in the state
 * table of data/scheduler.db, scoped to the run's task, so two tasks never
 * see each other's keys; but the run never opens the database, whose one
 * writer is the daemon (run_protocol.h, "State").  The request brings the
 * task's state as the run's view of it; get and all read the view, and set
 * and delete change it and send each change to the daemon, which saves it.
 * So a run sees its own writes at once and the writes of the runs before
 * it, and its changes are refused when they would not fit in the next
 * run's request.
 */
#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "lib/luajson.h"
#include "run/run_protocol.h"
#include "runtime_context.h"

#define STATE_ERR_MAX 512
#define STATE_MIB(bytes) ((int)((bytes) >> 20))

static int fail(lua_State *L, const char *message)
{
    luaL_pushfail(L);
    lua_pushstring(L, message);
    return 2;
}

/* The run's context; raises outside a run. */
static const struct runtime_context *context(lua_State *L)
{
    const struct runtime_context *ctx = runtime_context(L);

    if (!ctx)
        luaL_error(L, "state is only available inside a run");
    return ctx;
}

/* Push the failure of a view the daemon could not give. */
static int fail_no_view(lua_State *L, const struct runtime_context *ctx)
{
    lua_pushfstring(L, "state unavailable: %s", ctx->state_error);
    return fail(L, lua_tostring(L, -1));
}

static int state_get(lua_State *L)
{
    const char *key = luaL_checkstring(L, 1);
    const struct runtime_context *ctx = context(L);
    json_t *value;

    if (!ctx->state)
        return fail_no_view(L, ctx);
    value = json_object_get(ctx->state, key);
    if (!value)
        lua_pushnil(L);
    else
        luajson_push(L, value);
    return 1;
}

/* What became of a change. */
enum change { CHANGE_SENT, CHANGE_BAD_KEY, CHANGE_STATE_FULL, CHANGE_TOO_LARGE, CHANGE_UNSENT };

/* Send one change to the daemon. */
static enum change send_change(const struct runtime_context *ctx, const char *key,
                               const json_t *value)
{
    switch (run_protocol_send_state(ctx->channel_fd, key, value)) {
    case 0:
        return CHANGE_SENT;
    case 1:
        return CHANGE_TOO_LARGE;
    default:
        return CHANGE_UNSENT;
    }
}

/* nil and why `what` refused a change. */
static int fail_change(lua_State *L, const char *what, enum change c)
{
    switch (c) {
    case CHANGE_BAD_KEY:
        lua_pushfstring(L, "%s: the key is not UTF-8 (or out of memory)", what);
        break;
    case CHANGE_STATE_FULL:
        lua_pushfstring(L,
                        "%s: the task's state would be over the %d MiB a run can hold,"
                        " as JSON",
                        what, STATE_MIB(RUN_PROTOCOL_STATE_MAX));
        break;
    case CHANGE_TOO_LARGE:
        lua_pushfstring(L, "%s: the change is over the %d MiB it may have as JSON", what,
                        STATE_MIB(RUN_PROTOCOL_MESSAGE_MAX));
        break;
    default:
        lua_pushfstring(L, "%s: cannot reach the daemon", what);
        break;
    }
    return fail(L, lua_tostring(L, -1));
}

static int state_delete(lua_State *L)
{
    const char *key = luaL_checkstring(L, 1);
    const struct runtime_context *ctx = context(L);
    /* Also without a view: a state too large to be sent can be pruned. */
    enum change c = send_change(ctx, key, NULL);

    if (c != CHANGE_SENT)
        return fail_change(L, "state.delete", c);
    if (ctx->state)
        json_object_del(ctx->state, key);
    lua_pushboolean(L, 1);
    return 1;
}

/* Change the view and tell the daemon; the view is left as it was when
 * the change is refused. */
static enum change view_change(const struct runtime_context *ctx, const char *key,
                               json_t *value)
{
    json_t *old = json_incref(json_object_get(ctx->state, key));
    enum change c;

    /* Into the view first: its size is what the next run's request holds. */
    if (json_object_set(ctx->state, key, value) != 0)
        c = CHANGE_BAD_KEY;
    else if (json_dumpb(ctx->state, NULL, 0, JSON_COMPACT) > RUN_PROTOCOL_STATE_MAX)
        c = CHANGE_STATE_FULL;
    else
        c = send_change(ctx, key, value);
    /* Putting back the value a key held replaces it in place: no memory. */
    if (c != CHANGE_SENT && old)
        json_object_set(ctx->state, key, old);
    else if (c != CHANGE_SENT)
        json_object_del(ctx->state, key);
    json_decref(old);
    return c;
}

static int state_set(lua_State *L)
{
    const char *key = luaL_checkstring(L, 1);
    const struct runtime_context *ctx = context(L);
    char err[STATE_ERR_MAX];
    json_t *value;
    enum change c;

    luaL_checkany(L, 2);
    if (lua_isnil(L, 2))
        return state_delete(L);
    if (luajson_to_json(L, 2, &value, err, sizeof err) != 0)
        return luaL_argerror(L, 2, err);
    if (!ctx->state) {
        json_decref(value);
        return fail_no_view(L, ctx);
    }
    c = view_change(ctx, key, value);
    json_decref(value);
    if (c != CHANGE_SENT)
        return fail_change(L, "state.set", c);
    lua_pushboolean(L, 1);
    return 1;
}

static int state_all(lua_State *L)
{
    const struct runtime_context *ctx = context(L);

    if (!ctx->state)
        return fail_no_view(L, ctx);
    luajson_push(L, ctx->state);
    return 1;
}

static const luaL_Reg state_funcs[] = {
    {"get", state_get}, {"set", state_set}, {"delete", state_delete},
    {"all", state_all}, {NULL, NULL},
};

int luaopen_state(lua_State *L)
{
    luaL_newlib(L, state_funcs);
    return 1;
}
