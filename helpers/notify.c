/* notify.c — the `notify` helper module: notify.send{…}.
 *
 *   notify.send{ title =, message =, urgency = "low"|"normal"|"critical",
 *                channels = {"ops", "mail"} }
 *     -> true  |  nil, "notify.send: ops: HTTP 500; mail: …"
 *
 * Without `channels` every channel of config.notifications gets it (the
 * desktop when none is configured).  The config is read afresh on each
 * call, so an edit applies to the next send.  core/notify/notifier.c does the
 * sending: a failing channel is retried once and reported, never raised.
 */
#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "luaopt.h"
#include "notify/notifier.h"
#include "runtime_context.h"

#define DEFAULT_TITLE "Task scheduler" /* outside a run, which has a title */

/* Reads the optional `channels` list of the options table at 1 into n.
 * Leaves the list and an array of its names on the stack: they keep the
 * names alive until the function returns. */
static void check_channels(lua_State *L, struct notification *n)
{
    const char **names;
    size_t count;

    if (!luaopt_subtable(L, 1, "channels"))
        return;
    count = lua_rawlen(L, -1);
    luaL_argcheck(L, count > 0, 1, "field 'channels' must name at least one channel");
    names = lua_newuserdatauv(L, count * sizeof *names, 0);
    for (size_t i = 0; i < count; i++) {
        if (lua_rawgeti(L, -2, (lua_Integer)i + 1) != LUA_TSTRING)
            luaL_argerror(L, 1, "field 'channels' must be a list of names");
        names[i] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    n->channels = names;
    n->channel_count = count;
}

static int notify_send(lua_State *L)
{
    const struct runtime_context *ctx = runtime_context(L);
    struct notification n = {.duration = -1};
    char err[NOTIFIER_ERR_MAX];
    const char *urgency;
    int level;

    luaL_checktype(L, 1, LUA_TTABLE);
    n.message = luaopt_string(L, 1, "message", NULL, NULL);
    luaL_argcheck(L, n.message != NULL, 1, "field 'message' expected");
    n.title = luaopt_string(L, 1, "title", ctx ? ctx->title : DEFAULT_TITLE, NULL);
    urgency = luaopt_string(L, 1, "urgency", "normal", NULL);
    if ((level = notifier_urgency_parse(urgency)) < 0)
        luaL_argerror(L, 1,
                      lua_pushfstring(L,
                                      "field 'urgency': low, normal or "
                                      "critical expected, got '%s'",
                                      urgency));
    n.urgency = (enum notifier_urgency)level;
    n.task = ctx ? ctx->task : NULL;
    check_channels(L, &n);
    if (notifier_send_from(ctx ? ctx->config_path : NULL, &n, err, sizeof err) != 0) {
        luaL_pushfail(L);
        lua_pushfstring(L, "notify.send: %s", err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg funcs[] = {{"send", notify_send}, {NULL, NULL}};

int luaopen_notify(lua_State *L)
{
    luaL_newlib(L, funcs);
    return 1;
}
