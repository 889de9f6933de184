/* config.c — the `config` helper module: the YAML files under config/.
 *
 *   config.load([name])                    -> value  | nil, message
 *   config.get("a.b.c", [name], [default]) -> value  | default | nil, message
 *   config.save(tbl, name)                 -> true   | nil, message
 *   config.list()                          -> {"app.yaml", "cameras/front.yaml", …}
 *   config.root()                          -> the project root
 *
 * A name is a path under config/ ("secrets", "cameras/front.yaml"), with
 * ".yaml" added when it has no YAML extension; absolute names and ".." are
 * refused.  Without a name: the run's config file (config/config.yaml unless
 * --config chose another).  The project root is the run's, else
 * $TASKSCHED_ROOT, else the current directory.
 *
 * YAML becomes Lua as follows: scalars are typed by the YAML 1.1 core rules
 * (integer, float, boolean, string); a sequence is an array carrying json's
 * array metatable, so an empty one saves back as []; a mapping is a table
 * whose keys are the keys' text (always strings); a null is json.null in a
 * sequence, which keeps the positions, and no key at all in a mapping; an
 * empty document is an empty table.  get walks mapping keys only, and gives
 * the default for a missing or null value.  save goes back through luajson
 * (so it refuses what json.encode refuses), mapping keys sorted so that a
 * saved file reads the same each time.
 */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "lib/luajson.h"
#include "lib/yamldoc.h"
#include "luabox.h"
#include "runtime_context.h"

#define BOX_MT "config.box"
#define ROOT_ENV "TASKSCHED_ROOT"
#define CONFIG_DIR "config"
#define DEFAULT_NAME "config.yaml"
#define YAML_EXT ".yaml"
#define YML_EXT ".yml"
#define SECRETS_STEM "secrets."
#define LIST_MAX_DEPTH 8 /* sub-folders config.list descends */
#define NUMBER_MAX 32    /* "%.17g" of any double */
#define ERR_MAX (YAMLDOC_ERR_MAX + PATH_MAX)

/* What a call owns while Lua may raise (out of memory, bad arguments): a
 * userdata whose __gc frees it, so an error unwinding the stack leaks
 * nothing.  box_close frees early and is idempotent. */
struct box {
    FILE *file;
    struct yamldoc_node *tree;
    char **names;
    size_t count, cap;
};

static void box_close(struct box *b)
{
    if (b->file)
        fclose(b->file); /* read-only: a failed close loses nothing */
    b->file = NULL;
    yamldoc_free(b->tree);
    b->tree = NULL;
    for (size_t i = 0; i < b->count; i++)
        free(b->names[i]);
    free(b->names);
    b->names = NULL;
    b->count = b->cap = 0;
}

static int box_gc(lua_State *L)
{
    box_close(luaL_checkudata(L, 1, BOX_MT));
    return 0;
}

static struct box *box_new(lua_State *L)
{
    return luabox_new(L, sizeof(struct box), BOX_MT, box_gc);
}

/* Pushes nil and a formatted message; returns 2, the results to return. */
static int push_failure(lua_State *L, const char *fmt, ...)
{
    va_list ap;

    luaL_pushfail(L);
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return 2;
}

static int has_yaml_ext(const char *name)
{
    size_t len = strlen(name);

    return (len > strlen(YAML_EXT) && strcmp(name + len - strlen(YAML_EXT), YAML_EXT) == 0) ||
           (len > strlen(YML_EXT) && strcmp(name + len - strlen(YML_EXT), YML_EXT) == 0);
}

/* A name stays under config/: relative, no ".." component. */
static int name_is_safe(const char *name)
{
    if (name[0] == '\0' || name[0] == '/')
        return 0;
    for (const char *p = name; *p; p += strcspn(p, "/"), p += *p == '/') {
        size_t len = strcspn(p, "/");

        if (len == 2 && p[0] == '.' && p[1] == '.')
            return 0;
    }
    return 1;
}

/* Pushes the project root and returns it. */
static const char *push_root(lua_State *L)
{
    const struct runtime_context *ctx = runtime_context(L);
    const char *env = getenv(ROOT_ENV);
    char cwd[PATH_MAX];

    if (ctx && ctx->root)
        return lua_pushstring(L, ctx->root);
    if (env && *env)
        return lua_pushstring(L, env);
    if (!getcwd(cwd, sizeof cwd))
        luaL_error(L, "config: current directory: %s", strerror(errno));
    return lua_pushstring(L, cwd);
}

/* Checks the name at `arg` and pushes the file's path, then its name for
 * messages ("config/app.yaml").  A missing name means the run's config
 * file, named relative to the root when it lies under it. */
static void push_paths(lua_State *L, int arg)
{
    const struct runtime_context *ctx = runtime_context(L);
    const char *name = luaL_optstring(L, arg, NULL);
    const char *root, *ext;
    size_t rootlen;

    if (!name && ctx && ctx->config_path) {
        root = push_root(L);
        rootlen = strlen(root);
        lua_pop(L, 1); /* the context keeps root alive */
        lua_pushstring(L, ctx->config_path);
        if (strncmp(ctx->config_path, root, rootlen) == 0 && ctx->config_path[rootlen] == '/')
            lua_pushstring(L, ctx->config_path + rootlen + 1);
        else
            lua_pushstring(L, ctx->config_path);
        return;
    }
    if (!name)
        name = DEFAULT_NAME;
    luaL_argcheck(L, name_is_safe(name), arg, "name must be a relative path under config/");
    ext = has_yaml_ext(name) ? "" : YAML_EXT;
    root = push_root(L);
    lua_pushfstring(L, "%s/" CONFIG_DIR "/%s%s", root, name, ext);
    lua_pushfstring(L, CONFIG_DIR "/%s%s", name, ext);
    lua_remove(L, -3);
}

/* A secrets file should be its owner's alone.  The warning goes to stderr,
 * which the executor routes into the task's log. */
static void warn_if_exposed(const char *display, const struct stat *sb)
{
    const char *base = strrchr(display, '/');

    base = base ? base + 1 : display;
    if (strncmp(base, SECRETS_STEM, strlen(SECRETS_STEM)) != 0 || !has_yaml_ext(base) ||
        !(sb->st_mode & (S_IRGRP | S_IROTH)))
        return;
    fprintf(stderr,
            "config: warning: %s is readable by %s (mode %04o); "
            "chmod 600 it\n",
            display,
            (sb->st_mode & S_IRGRP) && (sb->st_mode & S_IROTH) ? "group and others"
            : sb->st_mode & S_IRGRP                            ? "group"
                                                               : "others",
            (unsigned)(sb->st_mode & 07777));
}

/* Pushes the whole of `path` and returns 1, or pushes nil and
 * "fname: display: why" and returns 2. */
static int push_file(lua_State *L, struct box *box, const char *fname, const char *path,
                     const char *display)
{
    struct stat sb;
    luaL_Buffer b;
    size_t n;
    int bad;

    if (!(box->file = fopen(path, "rb")))
        return push_failure(L, "%s: %s: %s", fname, display, strerror(errno));
    if (fstat(fileno(box->file), &sb) == 0)
        warn_if_exposed(display, &sb);
    luaL_buffinit(L, &b);
    do {
        n = fread(luaL_prepbuffer(&b), 1, LUAL_BUFFERSIZE, box->file);
        luaL_addsize(&b, n);
    } while (n == LUAL_BUFFERSIZE);
    luaL_pushresult(&b);
    bad = ferror(box->file);
    if (fclose(box->file) != 0)
        bad = 1;
    box->file = NULL;
    if (bad)
        return push_failure(L, "%s: %s: read error", fname, display);
    return 1;
}

/* The first mapping key below `n` that is not a scalar, or NULL. */
static const struct yamldoc_node *complex_key(const struct yamldoc_node *n)
{
    const struct yamldoc_node *found = NULL;

    for (size_t i = 0; i < n->count && !found; i++) {
        if (n->kind == YAMLDOC_SEQUENCE) {
            found = complex_key(n->items[i]);
        } else if (n->kind == YAMLDOC_MAPPING) {
            found = n->pairs[i].key->kind != YAMLDOC_SCALAR ? n->pairs[i].key
                                                            : complex_key(n->pairs[i].value);
        }
    }
    return found;
}

/* Loads the file named by argument `arg` into box->tree and returns 0; or
 * pushes nil and a message and returns 2.  Pushes other values too: the
 * caller returns from the top of the stack. */
static int load_tree(lua_State *L, struct box *box, const char *fname, int arg)
{
    char err[ERR_MAX];
    const struct yamldoc_node *key;
    const char *display, *text;
    size_t len;

    push_paths(L, arg);
    display = lua_tostring(L, -1);
    if (push_file(L, box, fname, lua_tostring(L, -2), display) != 1)
        return 2;
    text = lua_tolstring(L, -1, &len);
    if (!(box->tree = yamldoc_load_string(text, len, display, err, sizeof err)))
        return push_failure(L, "%s", err);
    if ((key = complex_key(box->tree)))
        return push_failure(L, "%s:%d:%d: a mapping key must be a scalar", display, key->line,
                            key->column);
    return 0;
}

static int is_null(const struct yamldoc_node *n)
{
    return n->kind == YAMLDOC_SCALAR && yamldoc_scalar_value(n).type == YAMLDOC_NULL;
}

/* Pushes the Lua value of `n` (a null: json.null). */
static void push_node(lua_State *L, const struct yamldoc_node *n)
{
    struct yamldoc_value v;

    luaL_checkstack(L, 3, "config: YAML nested too deeply");
    switch (n->kind) {
    case YAMLDOC_SCALAR:
        v = yamldoc_scalar_value(n);
        if (v.type == YAMLDOC_NULL)
            lua_pushlightuserdata(L, NULL);
        else if (v.type == YAMLDOC_BOOL)
            lua_pushboolean(L, v.boolean);
        else if (v.type == YAMLDOC_INT)
            lua_pushinteger(L, (lua_Integer)v.integer);
        else if (v.type == YAMLDOC_FLOAT)
            lua_pushnumber(L, (lua_Number)v.number);
        else
            lua_pushlstring(L, n->text, n->len);
        break;
    case YAMLDOC_SEQUENCE:
        lua_createtable(L, (int)n->count, 0);
        for (size_t i = 0; i < n->count; i++) {
            push_node(L, n->items[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        luajson_push_array_mt(L);
        lua_setmetatable(L, -2);
        break;
    case YAMLDOC_MAPPING:
        lua_createtable(L, 0, (int)n->count);
        for (size_t i = 0; i < n->count; i++) {
            if (is_null(n->pairs[i].value))
                continue;
            lua_pushlstring(L, n->pairs[i].key->text, n->pairs[i].key->len);
            push_node(L, n->pairs[i].value);
            lua_rawset(L, -3);
        }
        break;
    }
}

/* Pushes a whole document: an empty one is an empty table. */
static void push_document(lua_State *L, const struct yamldoc_node *root)
{
    if (is_null(root))
        lua_newtable(L);
    else
        push_node(L, root);
}

static int config_load(lua_State *L)
{
    struct box *box;

    lua_settop(L, 1);
    box = box_new(L);
    if (load_tree(L, box, "config.load", 1) != 0)
        return 2;
    push_document(L, box->tree);
    box_close(box);
    return 1;
}

static int config_get(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const struct yamldoc_node *node;
    struct box *box;

    lua_settop(L, 3);
    box = box_new(L);
    if (load_tree(L, box, "config.get", 2) != 0)
        return 2;
    node = yamldoc_path(box->tree, path);
    if (!node || is_null(node))
        lua_pushvalue(L, 3);
    else
        push_document(L, node);
    box_close(box);
    return 1;
}

/* Text for a float that reads back as the same float (never as an
 * integer: 1.0 is written "1.0"). */
static void format_real(char *buf, size_t len, double d)
{
    for (int digits = DBL_DIG; digits <= DBL_DECIMAL_DIG; digits++) {
        snprintf(buf, len, "%.*g", digits, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (strcspn(buf, ".e") == strlen(buf))
        strncat(buf, ".0", len - strlen(buf) - 1);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct yamldoc_node *tree_from_json(json_t *v);

/* A mapping of `obj`'s members, keys sorted; NULL on OOM. */
static struct yamldoc_node *mapping_from_json(json_t *obj)
{
    struct yamldoc_node *map = yamldoc_new_mapping(), *key, *value;
    size_t count = json_object_size(obj), i = 0;
    const char **keys = malloc((count ? count : 1) * sizeof *keys);
    const char *k;
    json_t *item;

    if (!map || !keys)
        goto fail;
    json_object_foreach(obj, k, item) keys[i++] = k;
    qsort(keys, count, sizeof *keys, compare_strings);
    for (i = 0; i < count; i++) {
        key = yamldoc_new_scalar(keys[i], strlen(keys[i]), true);
        value = tree_from_json(json_object_get(obj, keys[i]));
        if (!key || !value || yamldoc_append_pair(map, key, value) != 0) {
            yamldoc_free(key);
            yamldoc_free(value);
            goto fail;
        }
    }
    free(keys);
    return map;
fail:
    free(keys);
    yamldoc_free(map);
    return NULL;
}

/* An unquoted scalar: typed by its text when read back. */
static struct yamldoc_node *plain(const char *text)
{
    return yamldoc_new_scalar(text, strlen(text), false);
}

/* The yamldoc tree of a JSON value; NULL on OOM. */
static struct yamldoc_node *tree_from_json(json_t *v)
{
    struct yamldoc_node *seq, *item;
    char buf[NUMBER_MAX];
    size_t i;
    json_t *x;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return mapping_from_json(v);
    case JSON_ARRAY:
        if (!(seq = yamldoc_new_sequence()))
            return NULL;
        json_array_foreach(v, i, x)
        {
            item = tree_from_json(x);
            if (!item || yamldoc_append(seq, item) != 0) {
                yamldoc_free(item);
                yamldoc_free(seq);
                return NULL;
            }
        }
        return seq;
    case JSON_STRING:
        return yamldoc_new_scalar(json_string_value(v), json_string_length(v), true);
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return plain(buf);
    case JSON_REAL:
        format_real(buf, sizeof buf, json_real_value(v));
        return plain(buf);
    case JSON_TRUE:
        return plain("true");
    case JSON_FALSE:
        return plain("false");
    case JSON_NULL:
        return plain("null");
    }
    return NULL; /* jansson has no other type */
}

static int config_save(lua_State *L)
{
    char err[ERR_MAX];
    struct box *box;
    json_t *doc;

    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkstring(L, 2);
    lua_settop(L, 2);
    push_paths(L, 2);
    box = box_new(L);
    if (luajson_to_json(L, 1, &doc, err, sizeof err) != 0)
        return luaL_error(L, "config.save: %s", err);
    box->tree = tree_from_json(doc);
    json_decref(doc);
    if (!box->tree)
        return luaL_error(L, "config.save: out of memory");
    if (yamldoc_emit_file(box->tree, lua_tostring(L, 3), err, sizeof err) != 0)
        return push_failure(L, "config.save: %s", err);
    box_close(box);
    lua_pushboolean(L, 1);
    return 1;
}

static int add_name(struct box *box, const char *name)
{
    if (box->count == box->cap) {
        size_t cap = box->cap ? 2 * box->cap : 16;
        char **grown = realloc(box->names, cap * sizeof *grown);

        if (!grown)
            return -1;
        box->names = grown;
        box->cap = cap;
    }
    if (!(box->names[box->count] = strdup(name)))
        return -1;
    box->count++;
    return 0;
}

/* Adds the YAML files in folder `rel` of `dir` ("" for dir itself) to
 * box->names as paths relative to dir.  -1 with a message in err. */
static int collect(struct box *box, const char *dir, const char *rel, int depth, char *err,
                   size_t errlen)
{
    char path[PATH_MAX], name[PATH_MAX];
    struct dirent *e;
    struct stat sb;
    int rc = 0;
    DIR *d;

    snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
    if (!(d = opendir(path))) {
        snprintf(err, errlen, CONFIG_DIR "%s%s: %s", *rel ? "/" : "", rel, strerror(errno));
        return -1;
    }
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.') /* ".", "..", and hidden files */
            continue;
        if ((size_t)snprintf(name, sizeof name, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
                sizeof name ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
            stat(path, &sb) != 0)
            continue; /* too long to open, or a dangling link: not a config */
        if (S_ISDIR(sb.st_mode) && depth < LIST_MAX_DEPTH)
            rc = collect(box, dir, name, depth + 1, err, errlen);
        else if (S_ISREG(sb.st_mode) && has_yaml_ext(e->d_name) && add_name(box, name) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    closedir(d); /* read-only: a failed close loses nothing */
    return rc;
}

static int config_list(lua_State *L)
{
    char err[ERR_MAX];
    struct box *box = box_new(L);
    const char *dir = lua_pushfstring(L, "%s/" CONFIG_DIR, push_root(L));

    if (collect(box, dir, "", 0, err, sizeof err) != 0)
        return push_failure(L, "config.list: %s", err);
    qsort(box->names, box->count, sizeof *box->names, compare_strings);
    lua_createtable(L, (int)box->count, 0);
    for (size_t i = 0; i < box->count; i++) {
        lua_pushstring(L, box->names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    box_close(box);
    return 1;
}

static int config_root(lua_State *L)
{
    push_root(L);
    return 1;
}

static const luaL_Reg funcs[] = {{"load", config_load}, {"get", config_get},
                                 {"save", config_save}, {"list", config_list},
                                 {"root", config_root}, {NULL, NULL}};

int luaopen_config(lua_State *L)
{
    luaL_newlib(L, funcs);
    return 1;
}
