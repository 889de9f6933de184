/* module.c — the Lua modules beside the tasks: which files they are, how
 * `require` finds them (module.h). */
#include "module.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODULE_INIT "init"
#define MODULE_SEARCH_MAX (4 * PATH_MAX)

bool module_is(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    size_t lib = strlen(MODULE_LIB_DIR);

    return base[0] == MODULE_PREFIX ||
           (strncmp(rel, MODULE_LIB_DIR, lib) == 0 && rel[lib] == '/');
}

int module_require_name(const char *rel, char *buf, size_t len)
{
    size_t lib = strlen(MODULE_LIB_DIR);
    const char *name = strncmp(rel, MODULE_LIB_DIR "/", lib + 1) == 0 ? rel + lib + 1 : NULL;
    const char *dot, *slash;
    size_t n;

    if (!name) /* a `_name` module: found in its own folder by its base name */
        name = (slash = strrchr(rel, '/')) ? slash + 1 : rel;
    slash = strrchr(name, '/');
    dot = strrchr(name, '.');
    n = dot && (!slash || dot > slash) ? (size_t)(dot - name) : strlen(name);
    if (n >= len)
        return -1;
    memcpy(buf, name, n);
    buf[n] = '\0';
    /* "net/init" is required as "net" (package.path's ?/init.lua). */
    slash = strrchr(buf, '/');
    if (strcmp(slash ? slash + 1 : buf, MODULE_INIT) == 0 && slash)
        buf[slash - buf] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '/')
            *p = '.';
    return 0;
}

int module_check(const char *path, char *err, size_t errlen)
{
    lua_State *L = luaL_newstate();
    int rc = -1;

    if (!L) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (luaL_loadfilex(L, path, "t") == LUA_OK)
        rc = 0;
    else
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
    lua_close(L);
    return rc;
}

struct prepend {
    const char *path, *cpath;
};

/* Protected (it allocates): package.path = path .. ";" .. old, and cpath. */
static int prepend_paths(lua_State *L)
{
    const struct prepend *p = lua_touserdata(L, 1);

    lua_getglobal(L, "package");
    luaL_checktype(L, -1, LUA_TTABLE);
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s;%s", p->path, luaL_optstring(L, -1, ""));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    if (p->cpath) {
        lua_getfield(L, -1, "cpath");
        lua_pushfstring(L, "%s;%s", p->cpath, luaL_optstring(L, -1, ""));
        lua_setfield(L, -3, "cpath");
    }
    return 0;
}

int module_prepend(lua_State *L, const char *path, const char *cpath, char *err, size_t errlen)
{
    struct prepend p = {path, cpath};

    lua_pushcfunction(L, prepend_paths);
    lua_pushlightuserdata(L, &p);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "package.path: %s", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

int module_open(lua_State *L, const char *task_path, const char *task_name, char *err,
                size_t errlen)
{
    char own[PATH_MAX], tasks[PATH_MAX];
    char *search = malloc(MODULE_SEARCH_MAX);
    char *slash;
    int n, rc = -1;

    if (!search) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* tasks/ is one folder above the file for each '/' of its name. */
    snprintf(own, sizeof own, "%s", task_path);
    if ((slash = strrchr(own, '/')))
        *slash = '\0';
    snprintf(tasks, sizeof tasks, "%s", own);
    for (const char *p = task_name; (p = strchr(p, '/')); p++)
        if ((slash = strrchr(tasks, '/')))
            *slash = '\0';
    n = snprintf(search, MODULE_SEARCH_MAX,
                 "%s/?.lua;%s/" MODULE_LIB_DIR "/?.lua;%s/" MODULE_LIB_DIR "/?/init.lua", own,
                 tasks, tasks);
    if (n < 0 || n >= MODULE_SEARCH_MAX)
        snprintf(err, errlen, "%s: path too long for package.path", task_path);
    else
        rc = module_prepend(L, search, NULL, err, errlen);
    free(search);
    return rc;
}
