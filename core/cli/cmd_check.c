/* cmd_check.c — `main check [FILE...]`: load and validate task files.
 *
 * Without files it checks every **.lua under the tasks directory (sorted,
 * example_* included), named by their path under it without ".lua".  One
 * line per file on stdout:
 *   ok   PATH  TITLE — SCHEDULE IN WORDS; next ISO-INSTANT
 *   FAIL PATH:LINE: MESSAGE
 * and after an ok line one line per schedule that does not do what its
 * text suggests or never fires again (the file is still valid):
 *   warn PATH:LINE: MESSAGE
 * A module (tasks/lib/..., _NAME.lua: task/module.h) is only compiled:
 *   ok   PATH  module, require("NAME")
 * or, with --json, one document of the same facts (check_files).
 * Exit 0 when all are valid, 1 when any failed, 2 on a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "table.h"
#include "task/discovery.h"
#include "task/isolated.h"
#include "task/module.h"
#include "task/rocks.h"
#include "task/task.h"
#include "task/task_lines.h"
#include "task/yamljob.h"
#include "time/clock.h"
#include "time/instant_json.h"

#define CHECK_MAX_DEPTH 16 /* sub-folders deeper than this are not searched */
#define CHECK_WORDS_MAX 512
#define CHECK_DEPS_PREFIX "dependencies: " /* a rock missing, not a file:line */

struct path_list {
    char **items;
    size_t count, cap;
};

/* Take `path` (NULL when strdup failed) into the list. */
static int list_add(struct path_list *list, char *path)
{
    if (path == NULL)
        goto fail;
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        char **grown = realloc(list->items, cap * sizeof *grown);
        if (grown == NULL)
            goto fail;
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->count++] = path;
    return 0;
fail:
    free(path);
    fprintf(stderr, "check: out of memory\n");
    return -1;
}

static void list_free(struct path_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
}

static bool has_lua_suffix(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && strcmp(name + len - 4, ".lua") == 0;
}

/* A task file or a YAML job file: the files `check` reads. */
static bool is_job_file(const char *name)
{
    return has_lua_suffix(name) || yamljob_is_file(name);
}

/* "a/b.lua" or "a/b.yaml" -> "a/b" (malloc'd, NULL when out of memory). */
static char *strip_suffix(const char *rel)
{
    const char *dot = strrchr(rel, '.');
    return strndup(rel, dot ? (size_t)(dot - rel) : strlen(rel));
}

/* "a/b" (or "b" when a is empty) into buf; -1 when it does not fit. */
static int join_path(char buf[PATH_MAX], const char *a, const char *b)
{
    int n = snprintf(buf, PATH_MAX, "%s%s%s", a, a[0] ? "/" : "", b);
    return n >= 0 && n < PATH_MAX ? 0 : -1;
}

/* Add the .lua files under root/rel (rel "" for root itself) as paths
 * relative to root.  Hidden entries are skipped, and symbolic links to
 * folders are not followed, so a link loop cannot trap the walk. */
static int collect(const char *root, const char *rel, int depth, struct path_list *out)
{
    char dir[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int rc = 0;

    if (join_path(dir, root, rel) < 0 || (d = opendir(dir)) == NULL) {
        fprintf(stderr, "check: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char child[PATH_MAX], full[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        if (join_path(child, rel, e->d_name) < 0 || join_path(full, root, child) < 0 ||
            lstat(full, &st) < 0)
            continue; /* too long, or vanished while we looked */
        if (S_ISDIR(st.st_mode) && depth < CHECK_MAX_DEPTH)
            rc = collect(root, child, depth + 1, out);
        else if (is_job_file(e->d_name) && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
            rc = list_add(out, strdup(child));
    }
    if (closedir(d) < 0)
        rc = -1;
    return rc;
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The warnings of a valid task (schedule_warning), each "PATH:LINE: TEXT"
 * at its schedule's line, into `warnings`.  0, or -1 out of memory. */
static int check_warn(const struct cli_options *opt, const char *path, const struct task *t,
                      int64_t now, json_t *warnings)
{
    int line = yamljob_is_file(t->path) ? t->line : task_lines_field(t->content, "schedule");
    char msg[CHECK_WORDS_MAX];

    for (size_t i = 0; i < t->schedules.count; i++)
        if (schedule_warning(&t->schedules.items[i], now, opt->default_zone, msg, sizeof msg) &&
            json_array_append_new(
                warnings, json_sprintf("%s:%d: %s", path,
                                       line ? line : task_lines_return(t->content), msg)) < 0)
            return -1;
    return 0;
}

/* One loaded job as {"path", "ok", "error"} or {"path", "ok", "title",
 * "schedule", "enabled", "next_fire", "next_fire_epoch", "warnings"}; NULL
 * out of memory.  Frees the job's task. */
static json_t *check_one(const struct cli_options *opt, struct isolated_job *job)
{
    struct task *t = &job->task;
    char err[TASK_ERR_MAX], words[CHECK_WORDS_MAX];
    int64_t now = clock_now_s(), at;
    json_t *out, *warnings;

    if (!job->loaded)
        return json_pack("{s:s, s:b, s:s}", "path", job->path, "ok", 0, "error", job->err);
    /* A task is valid only with its LuaRocks dependencies installed. */
    if (rocks_ensure(opt->config, opt->root, &t->dependencies, err, sizeof err) != 0) {
        task_free(t);
        return json_pack("{s:s, s:b, s:s+}", "path", job->path, "ok", 0, "error",
                         CHECK_DEPS_PREFIX, err);
    }
    schedule_set_describe(&t->schedules, words, sizeof words);
    at = schedule_set_next_fire(&t->schedules, now, opt->default_zone);
    warnings = json_array();
    out = json_pack("{s:s, s:b, s:s, s:s, s:b, s:o}", "path", job->path, "ok", 1, "title",
                    t->title, "schedule", words, "enabled", t->enabled, "warnings", warnings);
    if (out && (check_warn(opt, job->path, t, now, warnings) < 0 ||
                instant_json_set(out, "next_fire", opt->default_zone,
                                 t->enabled && at != SCHEDULE_NEVER ? (double)at : 0) < 0)) {
        json_decref(out);
        out = NULL;
    }
    task_free(t);
    return out;
}

/* A module (compiled, never run) as {"path", "ok", "module": its require
 * name} or {"path", "ok", "error"}; NULL out of memory. */
static json_t *check_module(const char *path, const char *name)
{
    char err[TASK_ERR_MAX], required[PATH_MAX];

    if (module_check(path, err, sizeof err) != 0)
        return json_pack("{s:s, s:b, s:s}", "path", path, "ok", 0, "error", err);
    if (module_require_name(name, required, sizeof required) != 0)
        snprintf(required, sizeof required, "?");
    return json_pack("{s:s, s:b, s:s}", "path", path, "ok", 1, "module", required);
}

/* check_one's or check_module's object as the lines of the header comment. */
static int check_print_one(const json_t *one)
{
    const char *path = json_string_value(json_object_get(one, "path"));
    const json_t *next = json_object_get(one, "next_fire");
    const json_t *warning;
    size_t i;
    int rc;

    if (!json_is_true(json_object_get(one, "ok"))) {
        const char *error = json_string_value(json_object_get(one, "error"));
        /* a load error names its file:line already */
        return (strncmp(error, CHECK_DEPS_PREFIX, strlen(CHECK_DEPS_PREFIX)) == 0
                    ? cli_print_line("FAIL %s: %s", path, error)
                    : cli_print_line("FAIL %s", error)) < 0
                   ? -1
                   : 0;
    }
    if (json_object_get(one, "module"))
        return cli_print_line("ok   %s  module, require(\"%s\")", path,
                              json_string_value(json_object_get(one, "module"))) < 0
                   ? -1
                   : 0;
    rc = cli_print_line("ok   %s  %s — %s; %s%s", path,
                        json_string_value(json_object_get(one, "title")),
                        json_string_value(json_object_get(one, "schedule")),
                        json_is_true(json_object_get(one, "enabled")) ? "next " : "disabled",
                        !json_is_true(json_object_get(one, "enabled")) ? ""
                        : json_is_string(next)                         ? json_string_value(next)
                                                                       : "never") < 0
             ? -1
             : 0;
    json_array_foreach(json_object_get(one, "warnings"), i, warning)
    {
        if (rc == 0 && cli_print_line("warn %s", json_string_value(warning)) < 0)
            rc = -1;
    }
    return rc;
}

/* One task to check: a file, a module, or one job of a YAML job file
 * (which may be refused before it is evaluated: `error`). */
struct check_item {
    const char *path;
    char *name;    /* NULL: task_load takes the file name */
    char *error;   /* refused as it is, or NULL */
    char *content; /* a job run by the func handler: joined with it; NULL:
                    * the file's, which task_load reads */
    size_t content_len;
    bool module;
};

static void items_free(struct check_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(items[i].name);
        free(items[i].error);
        free(items[i].content);
    }
    free(items);
}

/* The jobs of the YAML file `path` (task name `name`, NULL: the file's
 * name) appended to items, those run by the func handler `h` (NULL: none)
 * with their content.  -1 when out of memory. */
static int add_yaml_jobs(const char *path, const char *name, const struct yamljob_handler *h,
                         struct check_item **items, size_t *count, size_t *cap)
{
    struct yamljob_entry *entries = NULL;
    char *content = NULL, *file_name = NULL, err[TASK_ERR_MAX];
    const char *base = strrchr(path, '/');
    struct check_item *item;
    size_t n = 0, len;
    int rc = -1;

    file_name = name ? strdup(name) : strip_suffix(base ? base + 1 : path);
    if (!file_name)
        goto done;
    if (task_read(path, &content, &len, err, sizeof err) < 0) {
        struct yamljob_entry broken = {.name = file_name, .error = err};
        if (!(entries = malloc(sizeof *entries)))
            goto done;
        entries[0] = broken;
        entries[0].name = strdup(file_name);
        entries[0].error = strdup(err);
        n = 1;
    } else if (yamljob_entries(path, file_name, content, len, h, &entries, &n, err,
                               sizeof err) < 0) {
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (*count == *cap) {
            struct check_item *grown;
            *cap = *cap ? 2 * *cap : 16;
            if (!(grown = realloc(*items, *cap * sizeof *grown)))
                goto done;
            *items = grown;
        }
        item = &(*items)[(*count)++];
        *item = (struct check_item){
            .path = path, .name = entries[i].name, .error = entries[i].error};
        entries[i].name = entries[i].error = NULL;
        if (entries[i].handler &&
            discovery_job_content(path, true, h, &item->content, &item->content_len, err,
                                  sizeof err) < 0 &&
            !(item->error = strdup(err)))
            goto done;
    }
    rc = 0;
done:
    yamljob_entries_free(entries, n);
    free(content);
    free(file_name);
    return rc;
}

/* paths[i] with names[i] as check_items: YAML files become their jobs. */
static struct check_item *check_items(char **paths, char **names, size_t count,
                                      const struct yamljob_handler *h, size_t *out)
{
    struct check_item *items = NULL;
    size_t n = 0, cap = 0;

    for (size_t i = 0; i < count; i++) {
        if (yamljob_is_file(paths[i])) {
            if (add_yaml_jobs(paths[i], names[i], h, &items, &n, &cap) < 0)
                goto oom;
            continue;
        }
        if (n == cap) {
            struct check_item *grown;
            cap = cap ? 2 * cap : 16;
            if (!(grown = realloc(items, cap * sizeof *grown)))
                goto oom;
            items = grown;
        }
        items[n] =
            (struct check_item){.path = paths[i], .module = names[i] && module_is(names[i])};
        if (names[i] && !(items[n].name = strdup(names[i])))
            goto oom;
        n++;
    }
    *out = n;
    return items ? items : calloc(1, sizeof *items);
oom:
    items_free(items, n);
    return NULL;
}

/* Load each file as its task (a YAML file as each of its jobs), all in
 * one worker that a stuck file cannot hang (isolated.h), modules only
 * compiled, and print them in order: the lines of the header comment, or
 * with --json {"ok": ALL VALID, "files": [check_one's and check_module's
 * objects]}.  0 when all are valid. */
static int check_files(const struct cli_options *opt, char **paths, char **names, size_t count)
{
    size_t n = 0, i, k, tasks = 0;
    struct discovery_handler handler;
    const struct yamljob_handler *h =
        discovery_func_handler_read(opt->tasks_dir, opt->config->tasks.func_handler, &handler);
    struct check_item *items = check_items(paths, names, count, h, &n);
    struct isolated_job *jobs = calloc(n ? n : 1, sizeof *jobs);
    json_t *files = json_array(), *one, *doc = NULL;
    bool valid = true, oom = items == NULL || jobs == NULL || files == NULL;
    int rc = 1;

    if (oom)
        goto done;
    for (i = 0; i < n; i++) {
        if (items[i].module || items[i].error)
            continue;
        jobs[tasks].path = items[i].path;
        jobs[tasks].content = items[i].content;
        jobs[tasks].content_len = items[i].content_len;
        jobs[tasks++].name = items[i].name;
    }
    isolated_load(jobs, tasks);
    for (k = 0; k < tasks; k++) /* an `id` names one task */
        for (size_t j = 0; jobs[k].loaded && j < k; j++)
            if (jobs[j].loaded &&
                task_id_taken(&jobs[k].task, &jobs[j].task, jobs[k].err, sizeof jobs[k].err)) {
                task_free(&jobs[k].task);
                jobs[k].loaded = false;
            }
    for (i = 0, k = 0; i < n; i++) /* each check_one frees its task: all are called */
        if (json_array_append_new(
                files, items[i].module  ? check_module(items[i].path, items[i].name)
                       : items[i].error ? json_pack("{s:s, s:b, s:s}", "path", items[i].path,
                                                    "ok", 0, "error", items[i].error)
                                        : check_one(opt, &jobs[k++])) < 0)
            oom = true;
    if (oom)
        goto done;
    json_array_foreach(files, i, one)
    {
        valid = valid && json_is_true(json_object_get(one, "ok"));
        if (!opt->json && check_print_one(one) < 0)
            goto done;
    }
    if (opt->json && (!(doc = json_pack("{s:b, s:O}", "ok", valid, "files", files)) ||
                      table_print_json(doc, stdout) < 0))
        goto done;
    rc = valid ? 0 : 1;
done:
    if (oom)
        fprintf(stderr, "check: out of memory\n");
    json_decref(doc);
    json_decref(files);
    free(jobs);
    items_free(items, n);
    discovery_handler_free(&handler);
    return rc;
}

/* The name of a file given on the command line: its path under the tasks
 * directory when it is there, else NULL (task_load uses the file name). */
static char *name_under_tasks(const struct cli_options *opt, const char *path)
{
    char file[PATH_MAX], dir[PATH_MAX];
    size_t len;
    if (realpath(path, file) == NULL || realpath(opt->tasks_dir, dir) == NULL)
        return NULL;
    len = strlen(dir);
    if (strncmp(file, dir, len) != 0 || file[len] != '/' || !is_job_file(file))
        return NULL;
    return strip_suffix(file + len + 1);
}

static int check_tasks_dir(const struct cli_options *opt)
{
    struct path_list found = {0}, paths = {0}, names = {0};
    int failed = 1;

    if (collect(opt->tasks_dir, "", 0, &found) < 0)
        goto done;
    qsort(found.items, found.count, sizeof *found.items, compare_paths);
    for (size_t i = 0; i < found.count; i++) {
        char path[PATH_MAX];
        if (join_path(path, opt->tasks_dir, found.items[i]) < 0) {
            fprintf(stderr, "check: %s/%s: path too long\n", opt->tasks_dir, found.items[i]);
            goto done;
        }
        if (list_add(&paths, strdup(path)) < 0 ||
            list_add(&names, strip_suffix(found.items[i])) < 0)
            goto done;
    }
    if (access(opt->jobs_file, F_OK) == 0 &&
        (list_add(&paths, strdup(opt->jobs_file)) < 0 || list_add(&names, strdup("jobs")) < 0))
        goto done;
    failed = check_files(opt, paths.items, names.items, paths.count);
done:
    list_free(&names);
    list_free(&paths);
    list_free(&found);
    return failed;
}

static int check_exec(const struct cli_options *opt, int argc, char **argv)
{
    size_t count = argc > 1 ? (size_t)argc - 1 : 0;
    char **names;
    int failed;

    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-') {
            cli_bad_arg("check", argv[i], false);
            return cli_command_usage(&cmd_check_entry);
        }
    if (count == 0)
        return check_tasks_dir(opt);
    names = calloc(count, sizeof *names);
    if (names == NULL) {
        fprintf(stderr, "check: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < count; i++)
        names[i] = name_under_tasks(opt, argv[i + 1]);
    failed = check_files(opt, argv + 1, names, count);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return failed;
}

const struct cli_command cmd_check_entry = {
    .name = "check",
    .usage = "[FILE...] [--json]",
    .help = "validate task files (exit 1 on error)",
    .manual = "  FILE    a task file or a YAML job file to check (default: every\n"
              "          tasks/**/*.lua and *.yaml, and the root's jobs.yaml)\n"
              "  --json  {\"ok\", \"files\": [{\"path\", \"ok\", \"error\" | \"title\",\n"
              "          \"schedule\", \"enabled\", \"next_fire\", \"next_fire_epoch\",\n"
              "          \"warnings\"}]}\n"
              "Prints ok, FAIL PATH:LINE: MESSAGE, or warn PATH:LINE: MESSAGE lines.\n",
    .lenient = false,
    .exec = check_exec,
};
