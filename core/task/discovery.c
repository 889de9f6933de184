/* discovery.c — walk tasks/, match file names, load each task (discovery.h). */
#include "discovery.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "isolated.h"
#include "lib/embedded.h"
#include "lib/utf8.h"
#include "module.h"
#include "yamljob.h"

#define DISCOVERY_SKIPPED_MAX 32 /* notes kept per scan; the rest are counted */

/* A folder already walked in this scan. */
struct seen_dir {
    dev_t dev;
    ino_t ino;
};

struct walk {
    const struct discovery_options *opt;
    struct discovery *out;
    size_t capacity;
    char root[PATH_MAX]; /* the tasks folder, links resolved */
    struct seen_dir seen[DISCOVERY_DIRS_MAX];
    size_t seen_count;
};

static const char *base_name(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    return slash ? slash + 1 : rel;
}

/* "cameras/copy.lua" -> "cameras/copy": the extension of the last part goes. */
static char *name_of(const char *rel)
{
    const char *base = base_name(rel);
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - rel) : strlen(rel);

    return strndup(rel, len);
}

static bool wanted(const struct discovery_options *opt, const char *rel)
{
    const char *base = base_name(rel);

    if (!opt->include_examples &&
        strncmp(base, DISCOVERY_EXAMPLE_PREFIX, strlen(DISCOVERY_EXAMPLE_PREFIX)) == 0)
        return false;
    if (module_is(rel)) /* under tasks/lib/, or _NAME.lua: required by tasks (module.h) */
        return false;
    return yamljob_is_file(rel) || fnmatch(opt->pattern, rel, 0) == 0;
}

/* Whether the task `only` may come from the file of task name `name`: a
 * YAML list gives FILE/ID. */
static bool may_hold(const char *only, const char *name, const char *rel)
{
    size_t n = strlen(name);
    return strcmp(name, only) == 0 ||
           (yamljob_is_file(rel) && strncmp(only, name, n) == 0 && only[n] == '/');
}

/* Note what was not followed (bounded: a link farm must not grow it). */
static void skip(struct walk *w, const char *abs, const char *why)
{
    struct discovery *out = w->out;
    char *shown = utf8_escape(abs), *note = NULL;

    if (out->skipped_count < DISCOVERY_SKIPPED_MAX && shown &&
        asprintf(&note, "%s: %s", shown, why) >= 0) {
        char **grown = realloc(out->skipped, (out->skipped_count + 1) * sizeof *grown);
        if (grown) {
            out->skipped = grown;
            out->skipped[out->skipped_count++] = note;
            note = NULL;
        }
    }
    free(note);
    free(shown);
}

static int add_file(struct walk *w, const char *abs, const char *rel, const struct stat *st)
{
    struct discovery *out = w->out;
    struct discovered *item;
    bool printable = utf8_is_printable(rel);
    char *name = name_of(rel);

    if (name && !printable) {
        char *shown = utf8_escape(name);
        free(name);
        name = shown;
    }
    if (!name)
        return -1;
    if (w->opt->only && !may_hold(w->opt->only, name, rel)) {
        free(name);
        return 0;
    }
    if (out->count == w->capacity) {
        size_t capacity = w->capacity ? 2 * w->capacity : 16;
        struct discovered *items = realloc(out->items, capacity * sizeof *items);
        if (!items) {
            free(name);
            return -1;
        }
        out->items = items;
        w->capacity = capacity;
    }
    item = &out->items[out->count];
    memset(item, 0, sizeof *item);
    item->name = name;
    item->has_stat = true;
    item->stat =
        (struct discovery_stat){st->st_dev, st->st_ino, st->st_size, st->st_mtim, st->st_ctim};
    item->path = printable ? strdup(abs) : utf8_escape(abs);
    if (!item->path) {
        free(name);
        return -1;
    }
    if (!printable && asprintf(&item->error,
                               "%s: the file name is not printable UTF-8 "
                               "(control characters or invalid bytes); rename the file",
                               item->path) < 0) {
        item->error = NULL;
        free(item->path);
        free(name);
        return -1;
    }
    out->count++;
    return 0;
}

/* True the first time the folder `st` is met in this scan (links may lead
 * to one folder by several ways, or to a folder above them). */
static bool first_visit(struct walk *w, const struct stat *st)
{
    for (size_t i = 0; i < w->seen_count; i++)
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
            return false;
    if (w->seen_count == DISCOVERY_DIRS_MAX)
        return false;
    w->seen[w->seen_count].dev = st->st_dev;
    w->seen[w->seen_count].ino = st->st_ino;
    w->seen_count++;
    return true;
}

/* A link is followed only to what lies inside the tasks folder. */
static bool inside_root(const struct walk *w, const char *abs)
{
    char real[PATH_MAX];
    size_t n = strlen(w->root);

    return realpath(abs, real) && strncmp(real, w->root, n) == 0 &&
           (real[n] == '/' || real[n] == '\0');
}

/* Collect the matching files under abs (= tasks_dir/rel). */
static int walk_dir(struct walk *w, const char *abs, const char *rel, int depth, char *err,
                    size_t errlen)
{
    DIR *dir = opendir(abs);
    struct dirent *de;
    int rc = -1;

    if (!dir) {
        if (depth == 0 && errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", abs, strerror(errno));
        /* A sub-folder we may not read is skipped, not fatal. */
        return depth == 0 ? -1 : 0;
    }
    while ((de = readdir(dir))) {
        char child_abs[PATH_MAX], child_rel[PATH_MAX];
        struct stat st, lst;
        int n1, n2;

        if (de->d_name[0] == '.')
            continue; /* ., .., hidden files and editors' lock files */
        n1 = snprintf(child_abs, sizeof child_abs, "%s/%s", abs, de->d_name);
        n2 = snprintf(child_rel, sizeof child_rel, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        /* Relative to the open folder, and one stat unless it is a link: a
         * rescan among 100,000 files is mostly these calls. */
        if (n1 < 0 || (size_t)n1 >= sizeof child_abs || n2 < 0 ||
            (size_t)n2 >= sizeof child_rel ||
            fstatat(dirfd(dir), de->d_name, &lst, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISLNK(lst.st_mode) && !inside_root(w, child_abs)) {
            skip(w, child_abs,
                 "a link to outside the tasks folder (or to nothing): not followed");
            continue;
        }
        if (!S_ISLNK(lst.st_mode))
            st = lst;
        else if (stat(child_abs, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 >= DISCOVERY_DEPTH_MAX) {
                skip(w, child_abs, "folder nested too deep: not walked");
            } else if (!first_visit(w, &st)) {
                skip(w, child_abs, "a folder already walked (a link loop?): not walked again");
            } else if (walk_dir(w, child_abs, child_rel, depth + 1, err, errlen) != 0) {
                goto done;
            }
        } else if (S_ISREG(st.st_mode) && wanted(w->opt, child_rel)) {
            if (w->out->count >= DISCOVERY_FILES_MAX)
                continue;
            if (add_file(w, child_abs, child_rel, &st) != 0) {
                snprintf(err, errlen, "out of memory");
                goto done;
            }
        }
    }
    rc = 0;
done:
    closedir(dir);
    return rc;
}

/* The items of opt->extra that `only` lets through, after the files. */
static int add_extras(const struct discovery_options *opt, struct discovery *out)
{
    size_t wanted = 0;
    struct discovered *items;

    for (size_t i = 0; i < opt->extra_count; i++)
        wanted += !opt->only || strcmp(opt->only, opt->extra[i].name) == 0;
    if (!wanted)
        return 0;
    if (!(items = realloc(out->items, (out->count + wanted) * sizeof *items)))
        return -1;
    out->items = items;
    for (size_t i = 0; i < opt->extra_count; i++) {
        const struct discovery_extra *x = &opt->extra[i];
        struct discovered *item = &items[out->count];
        if (opt->only && strcmp(opt->only, x->name) != 0)
            continue;
        memset(item, 0, sizeof *item);
        item->name = strdup(x->name);
        item->path = strdup(x->path);
        item->error = x->error ? strdup(x->error) : NULL;
        item->extra = i + 1;
        if (!item->name || !item->path || (x->error && !item->error)) {
            free(item->name);
            free(item->path);
            free(item->error);
            return -1;
        }
        out->count++;
    }
    return 0;
}

/* An extra's loader error "PATH:LINE: message" (or "PATH: message") as
 * "LABEL: message".  -1 when out of memory. */
static int relabel(struct discovered *item, const struct discovery_extra *x)
{
    size_t plen = strlen(x->path);
    const char *msg = item->error;
    char *shown;

    if (strncmp(msg, x->path, plen) == 0 && msg[plen] == ':') {
        msg += plen + 1;
        msg += strspn(msg, "0123456789");
        if (*msg == ':')
            msg++;
        msg += strspn(msg, " ");
    }
    if (asprintf(&shown, "%s: %s", x->label, msg) < 0)
        return -1;
    free(item->error);
    item->error = shown;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct discovered *)a)->name, ((const struct discovered *)b)->name);
}

/* An `id` names one task: of two loaded files with the same one, the
 * second by name is refused, naming the first.  -1 when out of memory. */
static int refuse_taken_ids(struct discovery *out)
{
    char msg[TASK_ERR_MAX];

    for (size_t i = 0; i < out->count; i++) {
        struct discovered *item = &out->items[i];
        /* Without an id, task_id_taken says no: n² only for tasks with one. */
        for (size_t j = 0; item->loaded && item->task.id && j < i; j++) {
            if (!out->items[j].loaded ||
                !task_id_taken(&item->task, &out->items[j].task, msg, sizeof msg))
                continue;
            task_free(&item->task);
            item->loaded = false;
            item->hash[0] = '\0'; /* judged again when the first goes */
            if (!(item->error = strdup(msg)))
                return -1;
        }
    }
    return 0;
}

/* The item of the YAML entry `e` of the file of `item`, into `out`. */
static int entry_item(const struct discovered *item, const struct yamljob_entry *e,
                      struct discovered *out)
{
    memset(out, 0, sizeof *out);
    out->name = strdup(e->name);
    out->path = strdup(item->path);
    out->error = e->error ? strdup(e->error) : NULL;
    out->handler = e->handler;
    memcpy(out->hash, e->hash, sizeof out->hash);
    if (out->name && out->path && (!e->error || out->error))
        return 0;
    free(out->name);
    free(out->path);
    free(out->error);
    return -1;
}

/* Replace each YAML file by the jobs it holds (yamljob_entries), each with
 * the hash its task will have, so `known` can judge entries one by one.
 * An unreadable file stays one item with its error.  -1 when out of
 * memory. */
static int expand_yaml(const struct discovery_options *opt, const struct yamljob_handler *h,
                       struct discovery *out)
{
    struct discovered *items = NULL;
    size_t count = 0, cap = 0;

    for (size_t i = 0; i < out->count; i++) {
        struct discovered *item = &out->items[i];
        struct yamljob_entry *entries = NULL;
        size_t n = 0, len;
        char *content = NULL, msg[TASK_ERR_MAX];
        int rc = 0;

        if (!item->error && yamljob_is_file(item->path)) {
            if (task_read(item->path, &content, &len, msg, sizeof msg) < 0)
                item->error = strdup(msg);
            else
                rc = yamljob_entries(item->path, item->name, content, len, h, &entries, &n, msg,
                                     sizeof msg);
            free(content);
            if (rc < 0 || (!item->error && n == 0 && !(item->error = strdup("empty")))) {
                yamljob_entries_free(entries, n);
                goto oom;
            }
        }
        if (count + (n ? n : 1) > cap) {
            struct discovered *grown;
            cap = 2 * (count + (n ? n : 1));
            if (!(grown = realloc(items, cap * sizeof *grown))) {
                yamljob_entries_free(entries, n);
                goto oom;
            }
            items = grown;
        }
        for (size_t k = 0; k < n; k++) {
            if (opt->only && strcmp(opt->only, entries[k].name) != 0)
                continue;
            if (entry_item(item, &entries[k], &items[count]) < 0) {
                yamljob_entries_free(entries, n);
                goto oom;
            }
            count++;
        }
        yamljob_entries_free(entries, n);
        if (n == 0) {
            items[count++] = *item; /* moved: the old array keeps no owner */
            memset(item, 0, sizeof *item);
        }
    }
    for (size_t i = 0; i < out->count; i++) {
        free(out->items[i].name);
        free(out->items[i].path);
        free(out->items[i].error);
    }
    free(out->items);
    out->items = items;
    out->count = count;
    return 0;
oom:
    for (size_t i = 0; i < count; i++) {
        free(items[i].name);
        free(items[i].path);
        free(items[i].error);
    }
    free(items);
    return -1;
}

const struct yamljob_handler *discovery_handler_read(const char *tasks_dir, const char *name,
                                                     struct discovery_handler *out)
{
    size_t len;
    int n;

    memset(out, 0, sizeof *out);
    if (!name || !name[0])
        return NULL;
    out->file.path = out->path;
    out->file.name_len = strlen(name);
    n = snprintf(out->path, sizeof out->path, "%s/%s.lua", tasks_dir, name);
    if (!utf8_is_printable(name) || strstr(name, "..")) /* the joined content's rule */
        snprintf(out->why, sizeof out->why, "not a task name (printable, no '..')");
    else if (n < 0 || (size_t)n >= sizeof out->path)
        snprintf(out->why, sizeof out->why, "path too long");
    else if (task_read(out->path, &out->content, &len, out->why, sizeof out->why) == 0) {
        out->file.content = out->content;
        out->file.content_len = len;
        return &out->file;
    }
    out->file.error = out->why;
    return &out->file;
}

const struct yamljob_handler *discovery_func_handler_read(const char *tasks_dir,
                                                          const char *name,
                                                          struct discovery_handler *out)
{
    const struct embedded_file *builtin = embedded_find(DISCOVERY_FUNC_BUILTIN_FILE);
    int n;

    if (name && name[0])
        return discovery_handler_read(tasks_dir, name, out);
    memset(out, 0, sizeof *out);
    out->file.path = out->path;
    out->file.name_len = strlen(DISCOVERY_FUNC_BUILTIN);
    n = snprintf(out->path, sizeof out->path, "%s/%s.lua", tasks_dir, DISCOVERY_FUNC_BUILTIN);
    if (n < 0 || (size_t)n >= sizeof out->path || !builtin) {
        snprintf(out->why, sizeof out->why,
                 !builtin ? "the built-in handler is missing" : "path too long");
        out->file.error = out->why;
        return &out->file;
    }
    out->file.content = (const char *)builtin->data;
    out->file.content_len = builtin->len;
    return &out->file;
}

void discovery_handler_free(struct discovery_handler *h)
{
    free(h->content);
    memset(h, 0, sizeof *h);
}

int discovery_job_content(const char *path, bool handler, const struct yamljob_handler *h,
                          char **content, size_t *len, char *err, size_t errlen)
{
    char *joined;

    if (task_read(path, content, len, err, errlen) < 0)
        return -1;
    if (!handler || !h || !h->content)
        return 0;
    if (yamljob_handler_join(*content, *len, h, &joined, len) < 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(*content);
        *content = NULL;
        return -1;
    }
    free(*content);
    *content = joined;
    return 0;
}

/* The content of a file (a YAML job run by the handler: joined with it),
 * or the one an extra came with: 0, or -1 with "path: why". */
static int item_content(const struct discovery_options *opt, const struct yamljob_handler *h,
                        const struct discovered *item, char **content, size_t *len, char *err,
                        size_t errlen)
{
    const struct discovery_extra *x = item->extra ? &opt->extra[item->extra - 1] : NULL;

    if (!x)
        return discovery_job_content(item->path, item->handler, h, content, len, err, errlen);
    if (!(*content = malloc(x->content_len + 1))) {
        snprintf(err, errlen, "%s: out of memory", x->label);
        return -1;
    }
    memcpy(*content, x->content, x->content_len);
    (*content)[x->content_len] = '\0';
    *len = x->content_len;
    return 0;
}

/* Read each file; leave out those the caller already judged; evaluate the
 * rest in one isolated batch (isolated.h).  -1 only when out of memory. */
static int load_all(const struct discovery_options *opt, const struct yamljob_handler *h,
                    struct discovery *out, char *err, size_t errlen)
{
    struct isolated_job *jobs = calloc(out->count ? out->count : 1, sizeof *jobs);
    char **contents = calloc(out->count ? out->count : 1, sizeof *contents);
    size_t *items = calloc(out->count ? out->count : 1, sizeof *items);
    size_t count = 0;
    int rc = -1;

    if (!jobs || !contents || !items) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < out->count; i++) {
        struct discovered *item = &out->items[i];
        const struct discovered *previous = i ? &out->items[i - 1] : NULL;
        char msg[TASK_ERR_MAX];
        size_t len;

        if (item->error) /* refused by its name already */
            continue;
        /* "x.lua" and "x.yaml" under a wide pattern would share one name. */
        if (previous && strcmp(previous->name, item->name) == 0) {
            snprintf(msg, sizeof msg, "%s: task name '%s' is already used by %s", item->path,
                     item->name, previous->path);
        } else if (item->has_stat && opt->known_stat &&
                   opt->known_stat(opt->known_data, item->name, item->path, &item->stat,
                                   item->hash)) {
            item->unchanged = true;
            continue;
        } else if (item_content(opt, h, item, &contents[i], &len, msg, sizeof msg) == 0) {
            if (item->extra || !yamljob_is_file(item->path)) /* an entry's came with it */
                task_hash(contents[i], len, item->hash);
            if (opt->known && opt->known(opt->known_data, item->name, item->path, item->hash)) {
                item->unchanged = true;
                continue;
            }
            jobs[count] = (struct isolated_job){
                .path = item->path,
                .name = item->name,
                .content = contents[i],
                .content_len = len,
            };
            items[count++] = i;
            continue;
        }
        if (!(item->error = strdup(msg)))
            goto oom;
    }
    isolated_load(jobs, count);
    for (size_t k = 0; k < count; k++) {
        struct discovered *item = &out->items[items[k]];
        if (jobs[k].loaded) {
            item->task = jobs[k].task;
            item->loaded = true;
            if (item->extra)
                item->task.line = opt->extra[item->extra - 1].line;
        } else if (!(item->error = strdup(jobs[k].err)) ||
                   (item->extra && relabel(item, &opt->extra[item->extra - 1]) < 0)) {
            for (; k < count; k++) /* the tasks not yet taken */
                if (jobs[k].loaded)
                    task_free(&jobs[k].task);
            goto oom;
        } else if (!jobs[k].judged) {
            item->hash[0] = '\0'; /* no verdict on this content: ask again */
        }
    }
    if (refuse_taken_ids(out) < 0)
        goto oom;
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    for (size_t i = 0; contents && i < out->count; i++)
        free(contents[i]);
    free(contents);
    free(items);
    free(jobs);
    return rc;
}

int discovery_scan(const struct discovery_options *opt, struct discovery *out, char *err,
                   size_t errlen)
{
    struct walk *w = calloc(1, sizeof *w);
    struct discovery_handler *handler = calloc(1, sizeof *handler);
    const struct yamljob_handler *h;
    struct stat st;
    int rc;

    memset(out, 0, sizeof *out);
    if (!w || !handler) {
        snprintf(err, errlen, "out of memory");
        free(w);
        free(handler);
        return -1;
    }
    w->opt = opt;
    w->out = out;
    if (!realpath(opt->tasks_dir, w->root))
        snprintf(w->root, sizeof w->root, "%s", opt->tasks_dir);
    if (stat(opt->tasks_dir, &st) == 0)
        first_visit(w, &st);
    rc = walk_dir(w, opt->tasks_dir, "", 0, err, errlen);
    if (rc == 0 && opt->jobs_file && stat(opt->jobs_file, &st) == 0 && S_ISREG(st.st_mode) &&
        add_file(w, opt->jobs_file, DISCOVERY_JOBS_FILE, &st) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    free(w);
    h = rc == 0 ? discovery_func_handler_read(opt->tasks_dir, opt->func_handler, handler)
                : NULL;
    if (rc == 0 && (expand_yaml(opt, h, out) < 0 || add_extras(opt, out) < 0)) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0 && out->count)
        qsort(out->items, out->count, sizeof *out->items, by_name);
    if (rc == 0)
        rc = load_all(opt, h, out, err, errlen);
    discovery_handler_free(handler);
    free(handler);
    return rc == 0 ? 0 : -1;
}

void discovery_take_task(struct discovered *item, struct task *out)
{
    *out = item->task;
    memset(&item->task, 0, sizeof item->task);
    item->loaded = false;
}

void discovery_free(struct discovery *d)
{
    for (size_t i = 0; i < d->count; i++) {
        struct discovered *item = &d->items[i];
        if (item->loaded)
            task_free(&item->task);
        free(item->name);
        free(item->path);
        free(item->error);
    }
    free(d->items);
    for (size_t i = 0; i < d->skipped_count; i++)
        free(d->skipped[i]);
    free(d->skipped);
    memset(d, 0, sizeof *d);
}
