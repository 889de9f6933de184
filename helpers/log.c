/* log.c — the `log` helper module: log.debug|info|warn|error(msg, fields?).
 *
 * Inside a run under the executor a line travels to the daemon over the
 * run's channel (the daemon is the one writer of logs/); in a Lua state
 * without a channel it is written through tasklog directly.  `fields` is a
 * table of extra key = value pairs, printed after the message.
 */
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "lib/luajson.h"
#include "log/tasklog.h"
#include "run/run_protocol.h"
#include "runtime_context.h"

#define LOG_ERR_MAX 256
#define LOG_NO_TASK "lua" /* the name of lines logged outside a run */

/* The optional fields table at index 2 as a JSON object; NULL when absent.
 * Raises for anything else (after freeing what it made). */
static json_t *check_fields(lua_State *L)
{
    char err[LOG_ERR_MAX];
    json_t *fields = NULL;

    if (lua_isnoneornil(L, 2))
        return NULL;
    luaL_checktype(L, 2, LUA_TTABLE);
    if (luajson_to_json(L, 2, &fields, err, sizeof err) != 0)
        luaL_error(L, "log: bad fields: %s", err);
    if (!json_is_object(fields) && json_array_size(fields) == 0) {
        json_decref(fields); /* an empty table marked as an array */
        return NULL;
    }
    if (!json_is_object(fields)) {
        json_decref(fields);
        luaL_argerror(L, 2, "fields must have string keys");
    }
    return fields;
}

static void emit(const struct runtime_context *ctx, enum log_level level, const char *msg,
                 size_t len, const json_t *fields)
{
    if (!ctx) {
        tasklog_write(LOG_NO_TASK, NULL, level, msg, len, fields);
    } else if (ctx->channel_fd < 0) {
        tasklog_write(ctx->task, ctx->title, level, msg, len, fields);
    } else if (run_protocol_send_log(ctx->channel_fd, level, msg, len, fields) != 0) {
        /* Should the daemon be gone, stderr still reaches someone. */
        fprintf(stderr, "%s: %.*s\n", log_level_name(level), (int)len, msg);
    }
}

static int log_line(lua_State *L, enum log_level level)
{
    const struct runtime_context *ctx = runtime_context(L);
    size_t len;
    const char *msg = luaL_checklstring(L, 1, &len);
    json_t *fields = check_fields(L);

    if (!ctx || level >= ctx->log_level)
        emit(ctx, level, msg, len, fields);
    json_decref(fields);
    return 0;
}

static int log_debug_fn(lua_State *L)
{
    return log_line(L, LOG_LEVEL_DEBUG);
}

static int log_info_fn(lua_State *L)
{
    return log_line(L, LOG_LEVEL_INFO);
}

static int log_warn_fn(lua_State *L)
{
    return log_line(L, LOG_LEVEL_WARN);
}

static int log_error_fn(lua_State *L)
{
    return log_line(L, LOG_LEVEL_ERROR);
}

static const luaL_Reg log_funcs[] = {
    {"debug", log_debug_fn}, {"info", log_info_fn}, {"warn", log_warn_fn},
    {"error", log_error_fn}, {NULL, NULL},
};

int luaopen_log(lua_State *L)
{
    luaL_newlib(L, log_funcs);
    return 1;
}
