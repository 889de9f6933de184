/* sandbox.c — the restricted Lua state that reads task files and schedule
 * expressions (see sandbox.h for what it offers).
 *
 * The limits are enforced where Lua gives us a grip: the allocator refuses
 * to grow past SANDBOX_MEMORY_LIMIT and counts every byte it hands out
 * against SANDBOX_ALLOCATION_LIMIT, and a count hook charges every
 * SANDBOX_HOOK_STEP instructions against SANDBOX_INSTRUCTION_LIMIT and
 * looks at the thread's CPU clock against SANDBOX_TIME_LIMIT_MS.  A hit is "tripped":
 * recorded once with the line that was running, then the hook re-arms
 * itself to fire on every instruction and raise again, so a pcall that
 * caught the first error gains nothing.
 *
 * The hook only sees Lua instructions.  Where the code has Lua run without
 * it, or C loop for long, the state is guarded (see `guards` below):
 *   - the library functions whose loops are not bounded by the size of
 *     their arguments (table.move({}, 1, math.maxinteger, 1) loops 2^63
 *     times without running an instruction or allocating a byte) charge
 *     their iterations against the instruction budget before they start;
 *   - setmetatable refuses a metatable with __gc, since Lua runs
 *     finalizers with hooks off, also in lua_close;
 *   - xpcall does not call its message handler once a limit tripped: that
 *     error is raised from inside the hook, and Lua keeps hooks off until
 *     it is caught.
 * What remains bounded only by time (an instruction comparing two 8 MiB
 * strings, the collector's work) is what the clock is for, and what the
 * child process of isolated.c is for when even that does not hold.
 */
#include "sandbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "dsl.h"
#include "time/clock.h"

/* Instructions between two calls of the count hook: few enough that
 * instructions each scanning megabytes (tonumber of a 6 MiB string takes
 * a millisecond) overrun the time limit by a fraction of it. */
#define SANDBOX_HOOK_STEP 100

#define SANDBOX_MSG_MAX 512

/* Registry keys: the globals as setup built them, and the string metatable. */
#define SANDBOX_TEMPLATE_KEY "sandbox.template"
#define SANDBOX_STRING_MT_KEY "sandbox.string_mt"

struct sandbox {
    lua_State *L;                  /* NULL while lua_newstate runs */
    double deadline;               /* clock_thread_cpu() past which the code is stopped */
    size_t used;                   /* bytes allocated by L */
    size_t allocated;              /* bytes ever handed to L, freed or not */
    size_t setup_allocated;        /* of those, what building the state took */
    long long instructions;        /* charged so far */
    char tripped[SANDBOX_MSG_MAX]; /* "where: limit exceeded", "" until a hit */
    char src[LUA_IDSIZE];          /* how Lua names the current chunk in messages */
    const char *display;           /* how we name it (NULL: drop the position) */
};

/* Base library functions a declarative top level may use; everything else
 * the base library defines (load, dofile, print, collectgarbage, ...) goes. */
static const char *const safe_base[] = {
    "_G",           "_VERSION", "assert",   "error",  "getmetatable", "ipairs", "next",
    "pairs",        "pcall",    "rawequal", "rawget", "rawlen",       "rawset", "select",
    "setmetatable", "tonumber", "tostring", "type",   "xpcall",       NULL,
};

/* What the run process offers and the top level must not use: the helper
 * modules (DESIGN.md, "Helpers") and the standard libraries with effects.
 * Here they are stubs that say where they belong, which reads better than
 * "attempt to index a nil value". */
static const char *const run_only_modules[] = {
    "log", "notify", "exec",  "config",  "http",      "json", "state",
    "io",  "os",     "debug", "package", "coroutine", NULL,
};
static const char *const run_only_functions[] = {
    "require", "dofile", "loadfile", "load", "print", "collectgarbage", NULL,
};
/* Lua's pattern matching can backtrack for hours inside one C call, where
 * neither the count hook nor the memory cap can stop it ("a":rep(3000) and
 * ".-.-.-.-x"); a declarative top level has no need for it.  They are
 * replaced in the string library table itself, which is also the __index of
 * every string, so ("x"):find() is refused too. */
static const char *const run_only_string_functions[] = {
    "find", "match", "gmatch", "gsub", NULL,
};

static struct sandbox *sandbox_of(lua_State *L)
{
    void *ud;
    (void)lua_getallocf(L, &ud);
    return ud;
}

static void count_hook(lua_State *L, lua_Debug *ar);

/* Record the first limit hit as "src:line: why", with the innermost Lua
 * line running now, and make the hook raise it at the next instruction.
 * Safe inside the allocator: neither call below allocates, and
 * lua_sethook is meant to be called at any time (even from signals). */
static void trip(struct sandbox *sb, const char *why)
{
    lua_Debug ar;
    if (sb->tripped[0] != '\0')
        return;
    snprintf(sb->tripped, sizeof sb->tripped, "%s", why);
    for (int level = 0; lua_getstack(sb->L, level, &ar); level++) {
        if (lua_getinfo(sb->L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(sb->tripped, sizeof sb->tripped, "%s:%d: %s", ar.short_src, ar.currentline,
                     why);
            break;
        }
    }
    lua_sethook(sb->L, count_hook, LUA_MASKCOUNT, 1);
}

/* Raise the trip; Lua runs no hook until the error is caught. */
static int raise_tripped(lua_State *L, struct sandbox *sb)
{
    lua_pushstring(L, sb->tripped);
    return lua_error(L);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    struct sandbox *sb = sandbox_of(L);
    (void)ar;
    sb->instructions += SANDBOX_HOOK_STEP;
    if (sb->tripped[0] == '\0') {
        if (sb->instructions < SANDBOX_INSTRUCTION_LIMIT && clock_thread_cpu() < sb->deadline)
            return;
        if (sb->instructions < SANDBOX_INSTRUCTION_LIMIT) {
            char why[64];
            snprintf(why, sizeof why,
                     "CPU time limit of %g s exceeded (slow work at the top level?)",
                     SANDBOX_TIME_LIMIT_MS / 1000.0);
            trip(sb, why);
        }
        trip(sb, "instruction limit exceeded (an endless loop at the top level?)");
    }
    raise_tripped(L, sb);
}

/* Pay `work` iterations of a C loop from the instruction budget before the
 * loop starts, or trip and raise when the budget cannot cover them. */
static void charge(lua_State *L, lua_Unsigned work, const char *what)
{
    struct sandbox *sb = sandbox_of(L);
    long long left = SANDBOX_INSTRUCTION_LIMIT - sb->instructions;
    char why[SANDBOX_MSG_MAX];

    if (left > 0 && work < (lua_Unsigned)left) {
        sb->instructions += (long long)work;
        return;
    }
    snprintf(why, sizeof why, "instruction limit exceeded (%s needs %llu steps)", what,
             (unsigned long long)work);
    trip(sb, why);
    raise_tripped(L, sb);
}

/* The allocator of lua_setallocf's contract, refusing to grow past the cap. */
static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct sandbox *sb = ud;
    size_t old = ptr ? osize : 0; /* without ptr, osize is a type tag */
    void *grown;

    if (nsize == 0) {
        free(ptr);
        sb->used -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > SANDBOX_MEMORY_LIMIT - sb->used) {
        char why[64];
        snprintf(why, sizeof why, "memory limit of %d MiB exceeded", SANDBOX_MEMORY_LIMIT_MIB);
        if (sb->L)
            trip(sb, why);
        return NULL;
    }
    grown = realloc(ptr, nsize);
    if (!grown)
        return NULL;
    sb->used = sb->used - old + nsize;
    if (nsize > old) {
        sb->allocated += nsize - old;
        /* The allocation itself succeeds: the hook raises at the next
         * instruction, which bounds the work to one more C call. */
        if (sb->allocated > SANDBOX_ALLOCATION_LIMIT && sb->L && sb->tripped[0] == '\0') {
            char why[SANDBOX_MSG_MAX];
            snprintf(why, sizeof why,
                     "allocation limit of %d MiB in total exceeded "
                     "(a loop building strings at the top level?)",
                     SANDBOX_ALLOCATION_LIMIT_MIB);
            trip(sb, why);
        }
    }
    return grown;
}

/* Message handler of every chunk: make sure the message names a line of
 * the chunk (upvalue 1: its short source).  The DSL and the helper stubs
 * raise at the user's line already; error(msg, 0), non-string errors and
 * errors positioned elsewhere get the innermost line of the chunk. */
static int message_handler(lua_State *L)
{
    const char *src = lua_tostring(L, lua_upvalueindex(1));
    size_t srclen = strlen(src);
    const char *msg = lua_tostring(L, 1);
    lua_Debug ar;

    if (msg == NULL)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    if (strncmp(msg, src, srclen) == 0 && msg[srclen] == ':') {
        lua_pushstring(L, msg);
        return 1;
    }
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && strcmp(ar.short_src, src) == 0) {
            lua_pushfstring(L, "%s:%d: %s", src, ar.currentline, msg);
            return 1;
        }
    }
    lua_pushstring(L, msg);
    return 1;
}

/* A run-only function called at the top level (upvalue 1: "mod.fn"). */
static int stub_call(lua_State *L)
{
    return luaL_error(L, "%s is only available inside run()",
                      lua_tostring(L, lua_upvalueindex(1)));
}

/* __index of a run-only module (upvalue 1: its name): every name is a
 * function that refuses, so no list of each module's functions is kept. */
static int stub_index(lua_State *L)
{
    lua_pushfstring(L, "%s.%s", lua_tostring(L, lua_upvalueindex(1)),
                    lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?");
    lua_pushcclosure(L, stub_call, 1);
    return 1;
}

static void install_stubs(lua_State *L)
{
    for (const char *const *fn = run_only_functions; *fn; fn++) {
        lua_pushstring(L, *fn);
        lua_pushcclosure(L, stub_call, 1);
        lua_setglobal(L, *fn);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    for (const char *const *fn = run_only_string_functions; *fn; fn++) {
        lua_pushfstring(L, "%s.%s", LUA_STRLIBNAME, *fn);
        lua_pushcclosure(L, stub_call, 1);
        lua_setfield(L, -2, *fn);
    }
    lua_pop(L, 1);
    for (const char *const *mod = run_only_modules; *mod; mod++) {
        lua_newtable(L); /* the module */
        lua_newtable(L); /* its metatable */
        lua_pushstring(L, *mod);
        lua_pushcclosure(L, stub_index, 1);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
        lua_setglobal(L, *mod);
    }
}

/* ---- guards ------------------------------------------------------------
 * A guard runs before a library function, on the same stack, and either
 * charges what the function's loop will cost or refuses the call.  Guards
 * never raise about the arguments: when they are not what the function
 * takes, the guard charges nothing and the function raises its own
 * "bad argument" error before it loops. */

/* Argument `arg` as an integer, `def` when absent; false when it is there
 * but is no integer. */
static bool integer_arg(lua_State *L, int arg, lua_Integer def, lua_Integer *out)
{
    int isint = 1;

    *out = lua_isnoneornil(L, arg) ? def : lua_tointegerx(L, arg, &isint);
    return isint;
}

/* The length the table functions use for argument 1 (its __len included,
 * which therefore runs twice), or 0 when it has none. */
static lua_Integer length_of(lua_State *L)
{
    lua_Integer n;
    int isint;

    if (lua_type(L, 1) != LUA_TTABLE) {
        if (luaL_getmetafield(L, 1, "__len") == LUA_TNIL)
            return 0;
        lua_pop(L, 1);
    }
    lua_len(L, 1);
    n = lua_tointegerx(L, -1, &isint);
    lua_pop(L, 1);
    return isint ? n : 0;
}

/* How many integers i..j holds, without overflow (saturating). */
static lua_Unsigned span(lua_Integer i, lua_Integer j)
{
    lua_Unsigned gap;

    if (i > j)
        return 0;
    gap = (lua_Unsigned)j - (lua_Unsigned)i;
    return gap == ~(lua_Unsigned)0 ? gap : gap + 1;
}

/* table.concat(t, sep, i, j) and table.unpack(t, i, j): one step for each
 * index in i..j (default 1..#t), whatever t holds: a C __index can answer
 * every index of an empty table with "". */
static void guard_concat(lua_State *L, const char *name)
{
    lua_Integer i, j;

    if (integer_arg(L, 3, 1, &i) && integer_arg(L, 4, 0, &j))
        charge(L, span(i, lua_isnoneornil(L, 4) ? length_of(L) : j), name);
}

static void guard_unpack(lua_State *L, const char *name)
{
    lua_Integer i, j;

    if (integer_arg(L, 2, 1, &i) && integer_arg(L, 3, 0, &j))
        charge(L, span(i, lua_isnoneornil(L, 3) ? length_of(L) : j), name);
}

/* table.move(a1, f, e, t, a2): one step for each index in f..e. */
static void guard_move(lua_State *L, const char *name)
{
    lua_Integer f, e;

    if (!lua_isnoneornil(L, 2) && !lua_isnoneornil(L, 3) && integer_arg(L, 2, 0, &f) &&
        integer_arg(L, 3, 0, &e))
        charge(L, span(f, e), name);
}

/* table.insert(t, pos, v) shifts t[pos..#t] up; table.remove(t, pos)
 * shifts t[pos+1..#t] down.  A __len can make #t anything. */
static void guard_insert(lua_State *L, const char *name)
{
    lua_Integer pos;

    if (lua_gettop(L) == 3 && integer_arg(L, 2, 0, &pos))
        charge(L, span(pos, length_of(L)), name);
}

static void guard_remove(lua_State *L, const char *name)
{
    lua_Integer size = length_of(L), pos;

    if (integer_arg(L, 2, size, &pos))
        charge(L, span(pos, size), name);
}

/* table.sort(t): n log n comparisons of #t elements, which a __len and a
 * C comparator (math.type answers nil for any two values) make free. */
static void guard_sort(lua_State *L, const char *name)
{
    lua_Integer n = length_of(L);
    lua_Unsigned steps = 1;

    if (n <= 1)
        return;
    for (lua_Integer m = n; m > 1; m >>= 1)
        steps++;
    charge(L,
           (lua_Unsigned)n > ~(lua_Unsigned)0 / steps ? ~(lua_Unsigned)0
                                                      : (lua_Unsigned)n * steps,
           name);
}

/* string.rep(s, n, sep) copies n times; when s and sep are both empty
 * nothing is copied, so the allocation budget does not pay for the loop. */
static void guard_rep(lua_State *L, const char *name)
{
    lua_Integer n;

    if (lua_type(L, 1) == LUA_TSTRING && lua_rawlen(L, 1) == 0 &&
        (lua_isnoneornil(L, 3) || (lua_type(L, 3) == LUA_TSTRING && lua_rawlen(L, 3) == 0)) &&
        integer_arg(L, 2, 0, &n) && n > 0)
        charge(L, (lua_Unsigned)n, name);
}

/* Lua marks a table for finalization when setmetatable gives it a
 * metatable with a __gc field (a __gc added later does not count), and
 * runs finalizers with hooks off: an endless one would hang the daemon in
 * lua_close. */
static void guard_setmetatable(lua_State *L, const char *name)
{
    if (lua_type(L, 2) != LUA_TTABLE)
        return;
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL)
        luaL_error(L,
                   "%s: __gc metamethods are not allowed at the top level (finalizers run "
                   "outside the sandbox's limits)",
                   name);
    lua_pop(L, 1);
}

/* xpcall's message handler (upvalue 1), unless a limit tripped: then the
 * error comes from inside the count hook, Lua runs the handler with hooks
 * off, and the message passes unchanged. */
static int tripped_or_handler(lua_State *L)
{
    if (sandbox_of(L)->tripped[0] != '\0')
        return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static void guard_xpcall(lua_State *L, const char *name)
{
    (void)name;
    if (lua_type(L, 2) != LUA_TFUNCTION)
        return;
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, tripped_or_handler, 1);
    lua_replace(L, 2);
}

struct guard {
    const char *lib; /* a global table */
    const char *field;
    const char *name; /* for messages */
    void (*check)(lua_State *L, const char *name);
};

static const struct guard guards[] = {
    {LUA_TABLIBNAME, "concat", "table.concat", guard_concat},
    {LUA_TABLIBNAME, "unpack", "table.unpack", guard_unpack},
    {LUA_TABLIBNAME, "move", "table.move", guard_move},
    {LUA_TABLIBNAME, "insert", "table.insert", guard_insert},
    {LUA_TABLIBNAME, "remove", "table.remove", guard_remove},
    {LUA_TABLIBNAME, "sort", "table.sort", guard_sort},
    {LUA_STRLIBNAME, "rep", "string.rep", guard_rep},
    {LUA_GNAME, "setmetatable", "setmetatable", guard_setmetatable},
    {LUA_GNAME, "xpcall", "xpcall", guard_xpcall},
    {NULL, NULL, NULL, NULL},
};

/* The guarded function (upvalue 1: the library's own, a light C function;
 * upvalue 2: its struct guard).  The library function is called as C, in
 * this very frame, so its errors name it as if it had been called alone. */
static int guarded_call(lua_State *L)
{
    const struct guard *g = lua_touserdata(L, lua_upvalueindex(2));

    g->check(L, g->name);
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

static void install_guards(lua_State *L)
{
    for (const struct guard *g = guards; g->lib; g++) {
        lua_getglobal(L, g->lib);
        lua_getfield(L, -1, g->field);
        lua_pushlightuserdata(L, (void *)g);
        lua_pushcclosure(L, guarded_call, 2);
        lua_setfield(L, -2, g->field);
        lua_pop(L, 1);
    }
}

static bool is_safe_base(const char *name)
{
    for (const char *const *safe = safe_base; *safe; safe++)
        if (strcmp(*safe, name) == 0)
            return true;
    return false;
}

/* Remove from the globals what the base library defines beyond safe_base. */
static void prune_base(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2)) { /* _G, key, value */
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || !is_safe_base(lua_tostring(L, -1))) {
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, -4); /* clearing a field is allowed during next */
        }
    }
    lua_pop(L, 1);
}

/* Build the environment; run in protected mode, since any step allocates. */
static int setup(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},
        {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},
        {NULL, NULL},
    };
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    lua_pop(L, 1);
    prune_base(L);
    for (const luaL_Reg *lib = libs; lib->name; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    install_guards(L);
    install_stubs(L);
    dsl_install(L);
    /* The state as built: never seen by a file, copied for each (fresh_env). */
    lua_pushglobaltable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SANDBOX_TEMPLATE_KEY);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, SANDBOX_STRING_MT_KEY);
    lua_pop(L, 1);
    return 0;
}

/* A copy of the table at idx, its metatable copied too (a stub module's). */
static void copy_table(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    if (lua_getmetatable(L, idx)) {
        copy_table(L, -1);
        lua_remove(L, -2);
        lua_setmetatable(L, -2);
    }
}

/* The globals of the next file: a copy of the template, each library and
 * stub table copied as well, so nothing a file changes (string.rep, a
 * stub's metatable, a global) is there for the file after it; the string
 * metatable is a new copy whose __index is the copy's `string`.  The
 * template's tables hold functions and numbers only, so one level of
 * copies is every table a file can reach (the DSL's metatables are
 * protected by __metatable).  Run in protected mode: it allocates. */
static int fresh_env(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, SANDBOX_TEMPLATE_KEY); /* 1: template */
    lua_newtable(L);                                          /* 2: env */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            copy_table(L, -1);
            lua_remove(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, 2);
    }
    lua_pushvalue(L, 2);
    lua_setfield(L, 2, LUA_GNAME);
    lua_getfield(L, LUA_REGISTRYINDEX, SANDBOX_STRING_MT_KEY);
    copy_table(L, -1);
    lua_getfield(L, 2, LUA_STRLIBNAME);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "");
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    lua_pop(L, 2);
    lua_pushvalue(L, 2);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    return 0;
}

/* sandbox_reuse: the state kept for the next sandbox_open, or NULL. */
static struct {
    bool on;
    struct sandbox *kept;
} reuse;

static void close_state(struct sandbox *sb)
{
    if (sb->L)
        lua_close(sb->L);
    free(sb);
}

/* A new state, built and with the template saved; NULL with a message. */
static struct sandbox *build(char *err, size_t errlen)
{
    struct sandbox *sb = calloc(1, sizeof *sb);
    lua_State *L;

    if (sb == NULL) {
        snprintf(err, errlen, "sandbox: out of memory");
        return NULL;
    }
    L = lua_newstate(limited_alloc, sb);
    if (L == NULL) {
        snprintf(err, errlen, "sandbox: cannot create a Lua state");
        free(sb);
        return NULL;
    }
    sb->L = L;
    sb->deadline = clock_thread_cpu() + SANDBOX_TIME_LIMIT_MS / 1000.0;
    lua_pushcfunction(L, setup);
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "sandbox: %s", lua_tostring(L, -1));
        close_state(sb);
        return NULL;
    }
    lua_sethook(L, count_hook, LUA_MASKCOUNT, SANDBOX_HOOK_STEP);
    sb->setup_allocated = sb->allocated;
    return sb;
}

struct sandbox *sandbox_open(char *err, size_t errlen)
{
    struct sandbox *sb = reuse.kept;
    bool kept = sb != NULL;

    reuse.kept = NULL;
    if (!sb && !(sb = build(err, errlen)))
        return NULL;
    lua_pushcfunction(sb->L, fresh_env);
    if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "sandbox: %s", lua_tostring(sb->L, -1));
        close_state(sb);
        return NULL;
    }
    /* What the files before left is garbage now: collected, so the memory
     * cap sees what a new state would (the allocator cannot collect when
     * a growth would pass the cap). */
    if (kept)
        lua_gc(sb->L, LUA_GCCOLLECT);
    /* Every budget starts again as in a new state. */
    sb->deadline = clock_thread_cpu() + SANDBOX_TIME_LIMIT_MS / 1000.0;
    sb->instructions = 0;
    sb->allocated = sb->setup_allocated;
    sb->display = NULL;
    sb->src[0] = '\0';
    return sb;
}

void sandbox_reuse(bool on)
{
    reuse.on = on;
    if (!on && reuse.kept) {
        close_state(reuse.kept);
        reuse.kept = NULL;
    }
}

void sandbox_close(struct sandbox *sb)
{
    if (sb == NULL)
        return;
    /* A state that hit a limit raises at every instruction: never kept. */
    if (reuse.on && !reuse.kept && sb->tripped[0] == '\0') {
        lua_settop(sb->L, 0);
        reuse.kept = sb;
        return;
    }
    close_state(sb);
}

/* Past the ":line: " that follows a chunk's name in a message. */
static const char *skip_position(const char *rest)
{
    rest += 1 + strspn(rest + 1, "0123456789");
    if (rest[0] == ':' && rest[1] == ' ')
        rest += 2;
    return rest;
}

/* Write msg into err as one line, with the chunk's short source replaced by
 * sb->display, or the position dropped when there is no display name. */
static void report(const struct sandbox *sb, const char *msg, char *err, size_t errlen)
{
    size_t srclen = strlen(sb->src);
    bool positioned = strncmp(msg, sb->src, srclen) == 0 && msg[srclen] == ':';

    if (sb->display == NULL)
        snprintf(err, errlen, "%s", positioned ? skip_position(msg + srclen) : msg);
    else if (positioned)
        snprintf(err, errlen, "%s%s", sb->display, msg + srclen);
    else
        snprintf(err, errlen, "%s: %s", sb->display, msg);
    for (char *c = err; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
}

/* Learn how Lua abbreviates `chunkname` in messages (long paths become
 * "...tail"), by asking about an empty chunk of that name. */
static int name_chunk(struct sandbox *sb, const char *chunkname, const char *display)
{
    lua_Debug ar;
    sb->display = display;
    if (luaL_loadbuffer(sb->L, "", 0, chunkname) != LUA_OK) {
        lua_pop(sb->L, 1);
        return -1;
    }
    lua_getinfo(sb->L, ">S", &ar); /* pops the function */
    snprintf(sb->src, sizeof sb->src, "%s", ar.short_src);
    return 0;
}

/* Load and run `code`; see sandbox_load_task.  Leaves one result.  The
 * pushes before the pcall allocate unprotected: safe because each sandbox
 * runs one chunk, right after sandbox_open, far below the memory cap (a
 * reused state's garbage is collected in sandbox_open). */
static int run_chunk(struct sandbox *sb, const char *chunkname, const char *display,
                     const char *code, size_t len, char *err, size_t errlen)
{
    lua_State *L = sb->L;
    int base = lua_gettop(L);
    int status;

    if (name_chunk(sb, chunkname, display) < 0) {
        snprintf(err, errlen, "%s: out of memory", display ? display : chunkname);
        return -1;
    }
    lua_pushstring(L, sb->src);
    lua_pushcclosure(L, message_handler, 1);
    status = luaL_loadbufferx(L, code, len, chunkname, "t");
    if (status == LUA_OK)
        status = lua_pcall(L, 0, 1, base + 1);
    if (sb->tripped[0] != '\0')
        report(sb, sb->tripped, err, errlen);
    else if (status != LUA_OK)
        report(sb, lua_tostring(L, -1), err, errlen);
    if (sb->tripped[0] != '\0' || status != LUA_OK) {
        lua_settop(L, base);
        return -1;
    }
    lua_remove(L, base + 1); /* the handler; the result stays */
    return 0;
}

int sandbox_load_task(struct sandbox *sb, const char *path, const char *code, size_t len,
                      char *err, size_t errlen)
{
    char chunkname[SANDBOX_MSG_MAX];
    snprintf(chunkname, sizeof chunkname, "@%s", path);
    return run_chunk(sb, chunkname, path, code, len, err, errlen);
}

struct protected_read {
    sandbox_reader *read;
    void *ud;
    char *err;
    size_t errlen;
    int rc;
};

/* lua_CFunction wrapper: (struct protected_read *, value). */
static int call_reader(lua_State *L)
{
    struct protected_read *pr = lua_touserdata(L, 1);
    lua_remove(L, 1);
    pr->rc = pr->read(L, pr->ud, pr->err, pr->errlen);
    return 0;
}

int sandbox_protect(struct sandbox *sb, sandbox_reader *read, void *ud, char *err,
                    size_t errlen)
{
    struct protected_read pr = {read, ud, err, errlen, -1};
    lua_State *L = sb->L;
    int status;

    lua_pushcfunction(L, call_reader); /* pushing these allocates nothing */
    lua_pushlightuserdata(L, &pr);
    lua_pushvalue(L, -3);
    status = lua_pcall(L, 2, 0, 0);
    if (sb->tripped[0] != '\0')
        report(sb, sb->tripped, err, errlen);
    else if (status != LUA_OK)
        report(sb, lua_tostring(L, -1), err, errlen);
    if (status != LUA_OK)
        lua_pop(L, 1);
    return status == LUA_OK && sb->tripped[0] == '\0' ? pr.rc : -1;
}

static int read_schedule_set(lua_State *L, void *ud, char *err, size_t errlen)
{
    return dsl_to_schedule_set(L, 1, ud, err, errlen);
}

int sandbox_eval_schedule(const char *expr, struct schedule_set *out, char *err, size_t errlen)
{
    static const char prefix[] = "return ";
    size_t len = strlen(expr);
    char *code;
    struct sandbox *sb = NULL;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (dsl_is_cron_line(expr)) /* "0 9 * * MON-FRI", as in a crontab */
        return dsl_cron_line(expr, out, err, errlen);
    code = malloc(sizeof prefix + len);
    if (code == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(code, prefix, sizeof prefix - 1);
    memcpy(code + sizeof prefix - 1, expr, len + 1);
    sb = sandbox_open(err, errlen);
    if (sb == NULL)
        goto done;
    if (run_chunk(sb, "=expression", NULL, code, sizeof prefix - 1 + len, err, errlen) < 0)
        goto done;
    rc = sandbox_protect(sb, read_schedule_set, out, err, errlen);
    if (rc < 0)
        schedule_set_free(out); /* a Lua error may cut conversion short */
done:
    sandbox_close(sb);
    free(code);
    return rc;
}
