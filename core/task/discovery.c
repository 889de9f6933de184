/* discovery.c — walk tasks/, match file names, load each task (discovery.h). */
#include "discovery.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct walk {
    const struct discovery_options *opt;
    struct discovery *out;
    size_t capacity;
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
    return fnmatch(opt->pattern, rel, 0) == 0;
}

static int add_file(struct walk *w, const char *abs, const char *rel)
{
    struct discovery *out = w->out;
    struct discovered *item;
    char *name = name_of(rel);

    if (!name)
        return -1;
    if (w->opt->only && strcmp(name, w->opt->only) != 0) {
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
    item->path = strdup(abs);
    if (!item->path) {
        free(name);
        return -1;
    }
    out->count++;
    return 0;
}

/* Collect the matching files under abs (= tasks_dir/rel). */
static int walk_dir(struct walk *w, const char *abs, const char *rel, int depth,
                    char *err, size_t errlen)
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
        struct stat st;
        int n1, n2;

        if (de->d_name[0] == '.')
            continue; /* ., .., hidden files and editors' lock files */
        n1 = snprintf(child_abs, sizeof child_abs, "%s/%s", abs, de->d_name);
        n2 = snprintf(child_rel, sizeof child_rel, "%s%s%s", rel, *rel ? "/" : "",
                      de->d_name);
        if (n1 < 0 || (size_t)n1 >= sizeof child_abs || n2 < 0 ||
            (size_t)n2 >= sizeof child_rel || stat(child_abs, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 < DISCOVERY_DEPTH_MAX &&
                walk_dir(w, child_abs, child_rel, depth + 1, err, errlen) != 0)
                goto done;
        } else if (S_ISREG(st.st_mode) && wanted(w->opt, child_rel)) {
            if (w->out->count >= DISCOVERY_FILES_MAX)
                continue;
            if (add_file(w, child_abs, child_rel) != 0) {
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

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct discovered *)a)->name,
                  ((const struct discovered *)b)->name);
}

static void load_one(struct discovered *item, const struct discovered *previous)
{
    char err[TASK_ERR_MAX];

    /* "x.lua" and "x.yaml" under a wide pattern would share one name. */
    if (previous && strcmp(previous->name, item->name) == 0) {
        snprintf(err, sizeof err, "%s: task name '%s' is already used by %s",
                 item->path, item->name, previous->path);
    } else if (task_load(item->path, item->name, NULL, 0, &item->task, err,
                         sizeof err) == 0) {
        item->loaded = true;
        return;
    }
    item->error = strdup(err);
}

int discovery_scan(const struct discovery_options *opt, struct discovery *out,
                   char *err, size_t errlen)
{
    struct walk w = {opt, out, 0};

    out->items = NULL;
    out->count = 0;
    if (walk_dir(&w, opt->tasks_dir, "", 0, err, errlen) != 0)
        return -1;
    if (out->count)
        qsort(out->items, out->count, sizeof *out->items, by_name);
    for (size_t i = 0; i < out->count; i++)
        load_one(&out->items[i], i ? &out->items[i - 1] : NULL);
    return 0;
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
    d->items = NULL;
    d->count = 0;
}
