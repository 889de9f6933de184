/* yamljob.c — a YAML job, from its tree to the same validated struct task
 * a task file gives (yamljob.h). */
#include "yamljob.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "dsl.h"
#include "lib/suggest.h"
#include "sandbox.h"
#include "task_fields.h"

#define YAMLJOB_LOCATED_MAX 48 /* task fields a job can set, with room */
#define YAMLJOB_SCHEDULES_MAX 64
#define YAMLJOB_DEPTH_MAX 64 /* nesting of a field's value in the Lua table */
#define SHELL_PATH "/bin/sh"
#define YAMLJOB_RUN_KEY "yamljob.handler_run" /* the registry's: the handler's run */

/* Keys of a YAML job that are no task field: the bodies and APScheduler's. */
static const char *const extra_keys[] = {"shell",
                                         "script",
                                         "func",
                                         "is_enabled",
                                         "kwargs",
                                         "trigger",
                                         "misfire_grace_time",
                                         "coalesce",
                                         "replace_existing",
                                         NULL};
static const char *const body_keys[] = {"command", "shell", "script", "func", NULL};

/* One job being read: its tree, and where each task field came from. */
struct job {
    struct task *t;
    const struct yamldoc_node *node;
    const struct yamljob_handler *handler; /* the func handler in its content, or NULL */
    struct {
        const char *field;
        const struct yamldoc_node *at;
    } located[YAMLJOB_LOCATED_MAX];
    size_t located_count;
    const struct yamldoc_node *schedules[YAMLJOB_SCHEDULES_MAX];
    size_t schedule_count;
};

bool yamljob_is_file(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

static int fail_node(const struct task *t, const struct yamldoc_node *at, char *err,
                     size_t errlen, const char *fmt, ...)
{
    va_list ap;
    int used =
        snprintf(err, errlen, "%s:%d:%d: ", t->path, at ? at->line : 1, at ? at->column : 1);
    va_start(ap, fmt);
    if (used >= 0 && (size_t)used < errlen)
        vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
    va_end(ap);
    return -1;
}

/* --- hashing (FNV-1a, as task files are hashed): a file, or an entry --- */

#define FNV_OFFSET_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static void fnv(uint64_t *h, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        *h = (*h ^ (unsigned char)data[i]) * FNV_PRIME;
}

static void hash_hex(uint64_t h, char out[TASK_HASH_HEX])
{
    snprintf(out, TASK_HASH_HEX, "%016llx", (unsigned long long)h);
}

/* A job run by the func handler hashes the handler too: editing it makes
 * a new version of the job. */
static void handler_salt(uint64_t *h, const struct yamljob_handler *handler)
{
    if (!handler)
        return;
    fnv(h, handler->path, strlen(handler->path) + 1);
    fnv(h, handler->content, handler->content_len);
}

/* The hash of a file of one job: task_hash of its content, as a task
 * file's (and the handler's, when it runs the job). */
static void content_hash(const char *content, size_t len, const struct yamljob_handler *handler,
                         char out[TASK_HASH_HEX])
{
    uint64_t h = FNV_OFFSET_BASIS;
    fnv(&h, content, len);
    handler_salt(&h, handler);
    hash_hex(h, out);
}

static void hash_node(const struct yamldoc_node *n, uint64_t *h)
{
    char pos[48];
    int len =
        snprintf(pos, sizeof pos, "%d:%d:%d:%zu|", (int)n->kind, n->line, n->column, n->count);
    fnv(h, pos, len > 0 ? (size_t)len : 0);
    if (n->kind == YAMLDOC_SCALAR)
        fnv(h, n->text, n->len);
    for (size_t i = 0; n->kind == YAMLDOC_SEQUENCE && i < n->count; i++)
        hash_node(n->items[i], h);
    for (size_t i = 0; n->kind == YAMLDOC_MAPPING && i < n->count; i++) {
        hash_node(n->pairs[i].key, h);
        hash_node(n->pairs[i].value, h);
    }
}

/* The entry's own hash, salted with its name; the task_hash of the whole
 * file for a file of one job, as a task file has. */
static void entry_hash(const char *name, const struct yamldoc_node *entry,
                       const struct yamljob_handler *handler, char out[TASK_HASH_HEX])
{
    uint64_t h = FNV_OFFSET_BASIS;
    fnv(&h, name, strlen(name) + 1);
    hash_node(entry, &h);
    handler_salt(&h, handler);
    hash_hex(h, out);
}

/* The id of list item `item`, or NULL. */
static const char *entry_id(const struct yamldoc_node *item)
{
    const struct yamldoc_node *id = yamldoc_get(item, "id");
    return id && id->kind == YAMLDOC_SCALAR && id->len > 0 && !strchr(id->text, '/') ? id->text
                                                                                     : NULL;
}

/* The handler that runs `job`, or NULL; with the entry broken (`error`
 * set from the handler's) when it cannot be read. */
static const struct yamljob_handler *job_handler(const struct yamldoc_node *job,
                                                 const struct yamljob_handler *handler,
                                                 const char *path, char *msg, size_t msglen,
                                                 const char **error)
{
    const struct yamldoc_node *func = yamldoc_get(job, "func");

    if (!handler || !yamljob_is_python_func(job))
        return NULL;
    if (handler->content)
        return handler;
    snprintf(msg, msglen, "%s:%d:%d: field 'func': the handler task (tasks.func_handler): %s",
             path, func->line, func->column, handler->error);
    *error = msg;
    return NULL;
}

static int add_entry(struct yamljob_entry **out, size_t *count, const char *name,
                     const char *error)
{
    struct yamljob_entry *grown = realloc(*out, (*count + 1) * sizeof *grown), *e;
    if (!grown)
        return -1;
    *out = grown;
    e = &grown[*count];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    e->error = error ? strdup(error) : NULL;
    if (!e->name || (error && !e->error)) {
        free(e->name);
        free(e->error);
        return -1;
    }
    (*count)++;
    return 0;
}

int yamljob_entries(const char *path, const char *file_name, const char *content, size_t len,
                    const struct yamljob_handler *handler, struct yamljob_entry **out,
                    size_t *count, char *err, size_t errlen)
{
    char msg[TASK_ERR_MAX];
    struct yamldoc_node *root = yamldoc_load_string(content, len, path, msg, sizeof msg);
    const struct yamljob_handler *runs;
    const char *error = NULL;
    int rc = -1;

    *out = NULL;
    *count = 0;
    if (!root || root->kind != YAMLDOC_SEQUENCE) {
        if (root && root->kind != YAMLDOC_MAPPING)
            snprintf(msg, sizeof msg,
                     "%s:%d:%d: a YAML job file holds one job (a mapping) or "
                     "a list of jobs, not a %s",
                     path, root->line ? root->line : 1, root->column ? root->column : 1,
                     yamldoc_kind_name(root->kind));
        runs = root && root->kind == YAMLDOC_MAPPING
                   ? job_handler(root, handler, path, msg, sizeof msg, &error)
                   : NULL;
        if (add_entry(out, count, file_name,
                      root && root->kind == YAMLDOC_MAPPING ? error : msg))
            goto oom;
        content_hash(content, len, runs, (*out)[0].hash);
        (*out)[0].handler = runs != NULL;
        rc = 0;
        goto done;
    }
    for (size_t i = 0; i < root->count; i++) {
        const struct yamldoc_node *item = root->items[i];
        const char *id = entry_id(item);
        char name[TASK_ERR_MAX];
        bool taken = false;

        snprintf(name, sizeof name, "%s/%s", file_name, id ? id : "");
        if (!id)
            snprintf(name + strlen(name), sizeof name - strlen(name), "%zu", i + 1);
        for (size_t k = 0; k < *count; k++)
            taken = taken || strcmp((*out)[k].name, name) == 0;
        if (taken)
            continue; /* the first entry of that name is the task; see below */
        if (!id)
            snprintf(msg, sizeof msg,
                     "%s:%d:%d: entry %zu of the list has no 'id' (a plain "
                     "name without '/': the task is %s/ID)",
                     path, item->line, item->column, i + 1, file_name);
        else
            for (size_t k = i + 1; k < root->count; k++)
                if (entry_id(root->items[k]) && strcmp(entry_id(root->items[k]), id) == 0) {
                    snprintf(msg, sizeof msg, "%s:%d:%d: id '%s' is given again at line %d",
                             path, item->line, item->column, id, root->items[k]->line);
                    id = NULL;
                    break;
                }
        error = id ? NULL : msg;
        runs = id ? job_handler(item, handler, path, msg, sizeof msg, &error) : NULL;
        if (add_entry(out, count, name, error) < 0)
            goto oom;
        entry_hash(name, item, runs, (*out)[*count - 1].hash);
        (*out)[*count - 1].handler = runs != NULL;
    }
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "%s: out of memory", path);
    yamljob_entries_free(*out, *count);
    *out = NULL;
    *count = 0;
done:
    yamldoc_free(root);
    return rc;
}

void yamljob_entries_free(struct yamljob_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(entries[i].name);
        free(entries[i].error);
    }
    free(entries);
}

/* --- reading one job -------------------------------------------------- */

static bool listed(const char *const *names, const char *key)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(names[i], key) == 0)
            return true;
    return false;
}

static bool is_task_field(const char *key)
{
    for (size_t i = 0; task_fields_name(i); i++)
        if (strcmp(task_fields_name(i), key) == 0)
            return strcmp(key, "run") != 0; /* YAML holds no Lua code */
    return false;
}

/* Refuse keys that are no field of a YAML job, suggesting the nearest. */
static int check_keys(struct job *job, char *err, size_t errlen)
{
    for (size_t i = 0; i < job->node->count; i++) {
        const struct yamldoc_node *key = job->node->pairs[i].key;
        struct suggest near;

        if (key->kind == YAMLDOC_SCALAR &&
            (is_task_field(key->text) || listed(extra_keys, key->text)))
            continue;
        if (key->kind != YAMLDOC_SCALAR)
            return fail_node(job->t, key, err, errlen, "a job's keys are field names");
        if (strcmp(key->text, "run") == 0)
            return fail_node(job->t, key, err, errlen,
                             "field 'run': a YAML job holds no Lua "
                             "code; give 'command', 'shell' or 'script'");
        suggest_init(&near, key->text);
        for (size_t f = 0; task_fields_name(f); f++)
            if (strcmp(task_fields_name(f), "run") != 0)
                suggest_consider(&near, task_fields_name(f));
        for (size_t f = 0; extra_keys[f]; f++)
            suggest_consider(&near, extra_keys[f]);
        if (near.best)
            return fail_node(job->t, key, err, errlen,
                             "unknown field '%s' (did you mean '%s'?)", key->text, near.best);
        return fail_node(job->t, key, err, errlen, "unknown field '%s'", key->text);
    }
    return 0;
}

/* The value of `key`, or NULL when absent or null. */
static const struct yamldoc_node *value_of(const struct job *job, const char *key)
{
    const struct yamldoc_node *v = yamldoc_get(job->node, key);
    return v && yamldoc_scalar_value(v).type == YAMLDOC_NULL && !v->quoted &&
                   v->kind == YAMLDOC_SCALAR
               ? NULL
               : v;
}

static void locate_field(struct job *job, const char *field, const struct yamldoc_node *at)
{
    if (job->located_count < YAMLJOB_LOCATED_MAX) {
        job->located[job->located_count].field = field;
        job->located[job->located_count++].at = at;
    }
}

/* task_fields_where's locate: the node a field came from, else the job. */
static void locate(void *data, const char *field, int *line, int *column)
{
    const struct job *job = data;
    const struct yamldoc_node *at = job->node;
    for (size_t i = 0; field && i < job->located_count; i++)
        if (strcmp(job->located[i].field, field) == 0)
            at = job->located[i].at;
    *line = at->line;
    *column = at->column;
}

/* Two keys for one field: refuse the second.  Returns the one given. */
static int one_of(struct job *job, const char *a, const char *b,
                  const struct yamldoc_node **out, char *err, size_t errlen)
{
    const struct yamldoc_node *va = value_of(job, a), *vb = value_of(job, b);
    if (va && vb)
        return fail_node(job->t, vb, err, errlen, "give either '%s' or '%s', not both", a, b);
    *out = va ? va : vb;
    return 0;
}

/* --- the schedule: one chunk of DSL expressions in the sandbox --------- */

/* Collect the schedule strings (or the trigger's expression) and write
 * `return {\n<expr>,\n...}`: expression i is on line i + 2, so an error's
 * line names its node. */
static char *schedule_chunk(struct job *job, char *err, size_t errlen)
{
    const struct yamldoc_node *schedule, *at = NULL;
    char trigger[YAMLJOB_EXPR_MAX], why[TASK_ERR_MAX];
    size_t cap = 16, used;
    char *code;

    if (one_of(job, "schedule", "trigger", &schedule, err, errlen) < 0)
        return NULL;
    if (schedule && schedule == value_of(job, "trigger")) {
        if (yamljob_trigger(schedule, trigger, sizeof trigger, &at, why, sizeof why) < 0) {
            fail_node(job->t, at, err, errlen, "%s", why);
            return NULL;
        }
        job->schedules[job->schedule_count++] = schedule;
    } else if (schedule && schedule->kind == YAMLDOC_SEQUENCE) {
        for (size_t i = 0; i < schedule->count && i < YAMLJOB_SCHEDULES_MAX; i++)
            job->schedules[job->schedule_count++] = schedule->items[i];
    } else if (schedule) {
        job->schedules[job->schedule_count++] = schedule;
    }
    if (schedule)
        locate_field(job, "schedule", schedule);
    for (size_t i = 0; i < job->schedule_count; i++) {
        const struct yamldoc_node *s = job->schedules[i];
        if (s == value_of(job, "trigger"))
            cap += strlen(trigger) + 2;
        else if (s->kind != YAMLDOC_SCALAR || strchr(s->text, '\n') ||
                 strstr(s->text, "]==]")) {
            fail_node(job->t, s, err, errlen,
                      "field 'schedule': expected a DSL expression "
                      "(\"every(5).minutes\", \"cron('30 2 * * *')\") on one line");
            return NULL;
        } else
            cap += s->len + 16;
    }
    if (!(code = malloc(cap))) {
        snprintf(err, errlen, "%s: out of memory", job->t->path);
        return NULL;
    }
    used = (size_t)snprintf(code, cap, "return {\n");
    for (size_t i = 0; i < job->schedule_count; i++) {
        const struct yamldoc_node *s = job->schedules[i];
        const char *text = s == value_of(job, "trigger") ? trigger : s->text;
        /* A bare crontab line is a string, as dsl_to_schedule_set takes it. */
        used += (size_t)snprintf(code + used, cap - used,
                                 dsl_is_cron_line(text) ? "[==[%s]==],\n" : "%s,\n", text);
    }
    snprintf(code + used, cap - used, "}");
    return code;
}

/* A sandbox error "path:N: message" at the schedule node on chunk line N. */
static int schedule_error(struct job *job, const char *msg, char *err, size_t errlen)
{
    size_t plen = strlen(job->t->path);
    const struct yamldoc_node *at = value_of(job, "schedule");
    char *end = NULL;
    long line = 0;

    if (strncmp(msg, job->t->path, plen) == 0 && msg[plen] == ':') {
        line = strtol(msg + plen + 1, &end, 10);
        if (end && strncmp(end, ": ", 2) == 0)
            msg = end + 2;
    }
    if (line >= 2 && (size_t)(line - 2) < job->schedule_count)
        at = job->schedules[line - 2];
    if (!at)
        at = value_of(job, "trigger");
    return fail_node(job->t, at, err, errlen, "field 'schedule': %s", msg);
}

/* --- the task table ---------------------------------------------------- */

/* Push a node as a Lua value: typed scalars, lists, tables; with
 * `as_text`, scalars stay strings (environment values). */
static void push_node(lua_State *L, const struct yamldoc_node *n, bool as_text, int depth)
{
    luaL_checkstack(L, 4, "YAML job nested too deep");
    if (depth > YAMLJOB_DEPTH_MAX)
        luaL_error(L, "nested deeper than %d levels", YAMLJOB_DEPTH_MAX);
    if (n->kind == YAMLDOC_SEQUENCE) {
        lua_createtable(L, (int)n->count, 0);
        for (size_t i = 0; i < n->count; i++) {
            push_node(L, n->items[i], as_text, depth + 1);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    } else if (n->kind == YAMLDOC_MAPPING) {
        lua_createtable(L, 0, (int)n->count);
        for (size_t i = 0; i < n->count; i++) {
            lua_pushlstring(L, n->pairs[i].key->text ? n->pairs[i].key->text : "",
                            n->pairs[i].key->len);
            push_node(L, n->pairs[i].value, as_text, depth + 1);
            lua_rawset(L, -3);
        }
    } else {
        struct yamldoc_value v = yamldoc_scalar_value(n);
        if (as_text || v.type == YAMLDOC_STRING)
            lua_pushlstring(L, n->text, n->len);
        else if (v.type == YAMLDOC_NULL)
            lua_pushnil(L);
        else if (v.type == YAMLDOC_BOOL)
            lua_pushboolean(L, v.boolean);
        else if (v.type == YAMLDOC_INT)
            lua_pushinteger(L, (lua_Integer)v.integer);
        else
            lua_pushnumber(L, v.number);
    }
}

static void set_field(lua_State *L, const char *name)
{
    lua_setfield(L, 2, name); /* raw enough: a fresh table without a metatable */
}

/* The environment: `env`, then `kwargs` (APScheduler's arguments, which a
 * command receives as environment variables), values as text. */
static int push_env(lua_State *L, struct job *job, char *err, size_t errlen)
{
    const char *keys[] = {"env", "kwargs"};
    bool any = false;

    lua_newtable(L);
    for (size_t k = 0; k < 2; k++) {
        const struct yamldoc_node *v = value_of(job, keys[k]);
        if (!v || (job->handler && strcmp(keys[k], "kwargs") == 0))
            continue; /* the handler's kwargs are ctx.args.kwargs */
        if (v->kind != YAMLDOC_MAPPING)
            return fail_node(job->t, v, err, errlen,
                             "field '%s': expected a mapping of "
                             "NAME: value, got a %s",
                             keys[k], yamldoc_kind_name(v->kind));
        for (size_t i = 0; i < v->count; i++) {
            const struct yamldoc_node *value = v->pairs[i].value;
            if (value->kind != YAMLDOC_SCALAR)
                return fail_node(job->t, value, err, errlen,
                                 "field '%s': '%s' is a %s; "
                                 "environment values are text",
                                 keys[k], v->pairs[i].key->text,
                                 yamldoc_kind_name(value->kind));
            lua_pushlstring(L, value->text, value->len);
            lua_setfield(L, -2, v->pairs[i].key->text);
        }
        locate_field(job, "env", v);
        any = true;
    }
    if (any)
        set_field(L, "env");
    else
        lua_pop(L, 1);
    return 0;
}

/* A job run by the func handler: the handler's run (kept in the registry
 * by take_run) and ctx.args = { func, args, kwargs } instead of a command
 * (kwargs stay typed: they are no environment then).  Returns 0. */
static int push_handler_run(lua_State *L, struct job *job, const struct yamldoc_node *func)
{
    const char *const parts[] = {"args", "kwargs"};

    lua_getfield(L, LUA_REGISTRYINDEX, YAMLJOB_RUN_KEY);
    set_field(L, "run");
    locate_field(job, "run", func);
    lua_createtable(L, 0, 3);
    lua_pushlstring(L, func->text, func->len);
    lua_setfield(L, -2, "func");
    for (size_t i = 0; i < 2; i++) {
        const struct yamldoc_node *v = value_of(job, parts[i]);
        if (v)
            push_node(L, v, false, 0);
        else
            lua_newtable(L);
        lua_setfield(L, -2, parts[i]);
    }
    set_field(L, "args");
    locate_field(job, "args", func);
    return 0;
}

/* command: an argv list as written; shell: /bin/sh -c TEXT; script (and a
 * `func` that is a path): the file itself, relative to the job's folder. */
static int push_command(lua_State *L, struct job *job, char *err, size_t errlen)
{
    const struct yamldoc_node *body = NULL, *v;
    const char *key = NULL;

    for (size_t i = 0; body_keys[i]; i++) {
        if (!(v = value_of(job, body_keys[i])))
            continue;
        if (body)
            return fail_node(job->t, v, err, errlen,
                             "give one of 'command', 'shell', "
                             "'script' or 'func', not both '%s' and '%s'",
                             key, body_keys[i]);
        body = v;
        key = body_keys[i];
    }
    if (!body)
        return fail_node(job->t, job->node, err, errlen,
                         "missing the body: 'command' (a list), "
                         "'shell' (a string) or 'script' (a path)");
    locate_field(job, "command", body);
    if (strcmp(key, "command") == 0) {
        push_node(L, body, false, 0);
    } else if (body->kind != YAMLDOC_SCALAR || body->len == 0) {
        return fail_node(job->t, body, err, errlen, "field '%s': expected a string", key);
    } else if (strcmp(key, "shell") == 0) {
        lua_createtable(L, 3, 0);
        lua_pushstring(L, SHELL_PATH);
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, "-c");
        lua_rawseti(L, -2, 2);
        lua_pushlstring(L, body->text, body->len);
        lua_rawseti(L, -2, 3);
    } else if (strcmp(key, "func") == 0 && !strchr(body->text, '/')) {
        if (!job->handler)
            return fail_node(job->t, body, err, errlen,
                             "field 'func': '%s' is a Python function "
                             "path, which cannot run here; give 'command', 'shell' or "
                             "'script' (a path: func: ./check.sh), or name a Lua task that "
                             "runs it (tasks.func_handler in config.yaml; its run gets "
                             "ctx.args = { func, args, kwargs })",
                             body->text);
        return push_handler_run(L, job, body);
    } else {
        const char *slash = strrchr(job->t->path, '/');
        int folder = body->text[0] == '/' || !slash ? 0 : (int)(slash - job->t->path);
        lua_createtable(L, 1, 0);
        if (folder) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            luaL_addlstring(&b, job->t->path, (size_t)folder + 1);
            luaL_addlstring(&b, body->text, body->len);
            luaL_pushresult(&b);
        } else {
            lua_pushlstring(L, body->text, body->len);
        }
        lua_rawseti(L, -2, 1);
    }
    set_field(L, "command");
    return 0;
}

/* APScheduler's names of our fields. */
static int push_mapped(lua_State *L, struct job *job, char *err, size_t errlen)
{
    const struct yamldoc_node *v;

    if (one_of(job, "enabled", "is_enabled", &v, err, errlen) < 0)
        return -1;
    if (v) {
        push_node(L, v, false, 0);
        set_field(L, "enabled");
        locate_field(job, "enabled", v);
    }
    if (one_of(job, "grace", "misfire_grace_time", &v, err, errlen) < 0)
        return -1;
    if (v) {
        push_node(L, v, false, 0);
        set_field(L, "grace");
        locate_field(job, "grace", v);
    }
    if (one_of(job, "catchup", "coalesce", &v, err, errlen) < 0)
        return -1;
    if (v && v == value_of(job, "coalesce")) {
        struct yamldoc_value b = yamldoc_scalar_value(v);
        if (b.type != YAMLDOC_BOOL)
            return fail_node(job->t, v, err, errlen,
                             "field 'coalesce': expected true (missed "
                             "fires run once) or false (each runs)");
        lua_pushstring(L, b.boolean ? "once" : "all");
        set_field(L, "catchup");
        locate_field(job, "catchup", v);
    } else if (v) {
        push_node(L, v, false, 0);
        set_field(L, "catchup");
        locate_field(job, "catchup", v);
    }
    return 0;
}

/* A sandbox_reader: index 1 holds the evaluated schedules.  Builds the
 * task table at index 2 and hands it to the task file's validation. */
static int read_job(lua_State *L, void *ud, char *err, size_t errlen)
{
    struct job *job = ud;
    struct task_fields_where where = {locate, job};
    static const char *const own[] = {"schedule", "command", "env", "enabled",
                                      "grace",    "catchup", NULL};

    lua_newtable(L);
    if (job->schedule_count) {
        lua_pushvalue(L, 1);
        set_field(L, "schedule");
    }
    for (size_t i = 0; i < job->node->count; i++) {
        const struct yamldoc_node *key = job->node->pairs[i].key;
        const struct yamldoc_node *v = value_of(job, key->text);
        if (!v || !is_task_field(key->text) || listed(own, key->text))
            continue;
        push_node(L, v, false, 0);
        set_field(L, key->text);
        locate_field(job, key->text, v);
    }
    if (push_env(L, job, err, errlen) < 0 || push_command(L, job, err, errlen) < 0 ||
        push_mapped(L, job, err, errlen) < 0)
        return -1;
    lua_replace(L, 1);
    lua_settop(L, 1);
    return task_fields_read_at(L, job->t, &where, err, errlen);
}

/* The job named t->name in the tree: the root for a file of one job, else
 * the list item whose id is the last part of the name. */
static const struct yamldoc_node *
find_job(const struct task *t, const struct yamldoc_node *root, char *err, size_t errlen)
{
    const char *id = strrchr(t->name, '/');
    if (root->kind == YAMLDOC_MAPPING)
        return root;
    if (root->kind != YAMLDOC_SEQUENCE) {
        fail_node(t, root, err, errlen,
                  "a YAML job file holds one job (a mapping) or a list "
                  "of jobs, not a %s",
                  yamldoc_kind_name(root->kind));
        return NULL;
    }
    for (size_t i = 0; id && i < root->count; i++)
        if (entry_id(root->items[i]) && strcmp(entry_id(root->items[i]), id + 1) == 0) {
            if (root->items[i]->kind != YAMLDOC_MAPPING)
                break;
            return root->items[i];
        }
    fail_node(t, root, err, errlen, "no job with the id '%s' in the list",
              id ? id + 1 : t->name);
    return NULL;
}

/* A sandbox_reader: the handler file's table at index 1 has a run
 * function, which the registry keeps for push_handler_run. */
static int take_run(lua_State *L, void *ud, char *err, size_t errlen)
{
    const struct job *job = ud;

    lua_pushliteral(L, "run");
    if (lua_type(L, 1) != LUA_TTABLE || lua_rawget(L, 1) != LUA_TFUNCTION) {
        const struct yamldoc_node *func = value_of(job, "func");
        return fail_node(job->t, func, err, errlen,
                         "field 'func': the handler task %s has no run function",
                         job->handler->path);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, YAMLJOB_RUN_KEY);
    return 0;
}

/* Evaluate the handler's file in the sandbox and keep its run. */
static int load_handler(struct sandbox *sb, struct job *job, char *err, size_t errlen)
{
    char msg[TASK_ERR_MAX];

    if (sandbox_load_task(sb, job->handler->path, job->handler->content,
                          job->handler->content_len, msg, sizeof msg) < 0)
        return fail_node(job->t, value_of(job, "func"), err, errlen,
                         "field 'func': the handler task: %s", msg);
    return sandbox_protect(sb, take_run, job, err, errlen);
}

int yamljob_load(struct task *t, char *err, size_t errlen)
{
    struct yamldoc_node *root;
    struct sandbox *sb = NULL;
    struct job *job = calloc(1, sizeof *job);
    struct yamljob_handler handler;
    size_t yaml_len;
    char *code = NULL;
    int rc = -1;

    if (!job) {
        snprintf(err, errlen, "%s: out of memory", t->path);
        return -1;
    }
    job->t = t;
    if (yamljob_handler_split(t->content, t->content_len, &yaml_len, &handler))
        job->handler = &handler;
    root = yamldoc_load_string(t->content, yaml_len, t->path, err, errlen);
    if (!root || !(job->node = find_job(t, root, err, errlen)))
        goto done;
    t->line = job->node->line;
    if (root->kind == YAMLDOC_SEQUENCE)
        entry_hash(t->name, job->node, job->handler, t->hash);
    else
        content_hash(t->content, yaml_len, job->handler, t->hash);
    if (check_keys(job, err, errlen) < 0 || !(code = schedule_chunk(job, err, errlen)) ||
        !(sb = sandbox_open(err, errlen)))
        goto done;
    if (job->handler && yamljob_is_python_func(job->node) &&
        load_handler(sb, job, err, errlen) < 0)
        goto done;
    if (sandbox_load_task(sb, t->path, code, strlen(code), err, errlen) < 0) {
        char msg[TASK_ERR_MAX];
        snprintf(msg, sizeof msg, "%s", err);
        schedule_error(job, msg, err, errlen);
        goto done;
    }
    rc = sandbox_protect(sb, read_job, job, err, errlen);
done:
    sandbox_close(sb);
    free(code);
    yamldoc_free(root);
    free(job);
    return rc;
}
