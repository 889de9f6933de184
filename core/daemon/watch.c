/* watch.c — file change notices for the tasks tree and the config files
 * (see watch.h).
 *
 * Three kinds of watched folder: each folder of the tasks tree (any change
 * counts), the folders holding the tasks folder and the root's jobs.yaml
 * (only that name counts: it may be created or replaced after start), and
 * the folders of config.yaml and of the root's .env (only the file's own
 * name counts: run processes save their own YAML files next to
 * config.yaml, which must not reload the daemon).
 */
#include "watch.h"

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log/log.h"
#include "task/discovery.h"

struct watch_dir {
    uv_fs_event_t event;
    struct watch *watch;
    struct watch_dir *next;
    bool is_config;
    char only[NAME_MAX + 1]; /* "" = every name counts */
};

struct watch {
    uv_loop_t *loop;
    char tasks_dir[PATH_MAX], tasks_parent[PATH_MAX], tasks_name[NAME_MAX + 1];
    char config_dir[PATH_MAX], config_name[NAME_MAX + 1];
    char dotenv_dir[PATH_MAX], dotenv_name[NAME_MAX + 1];
    char jobs_dir[PATH_MAX], jobs_name[NAME_MAX + 1];
    struct watch_dir *dirs;
    size_t dir_count;
    uv_timer_t settle;
    bool config_changed;
    bool stopping;
    int handles; /* open libuv handles, the timer included */
    void (*on_change)(void *data, bool config_changed);
    void *data;
};

static void maybe_free(struct watch *w)
{
    if (w->stopping && w->handles == 0)
        free(w);
}

static void on_dir_closed(uv_handle_t *handle)
{
    struct watch_dir *wd = handle->data;
    struct watch *w = wd->watch;

    free(wd);
    w->handles--;
    maybe_free(w);
}

static void on_settled(uv_timer_t *timer);

static void on_event(uv_fs_event_t *event, const char *filename, int events, int status)
{
    struct watch_dir *wd = event->data;
    struct watch *w = wd->watch;

    (void)events;
    if (status < 0 || w->stopping)
        return;
    if (wd->only[0] && (!filename || strcmp(filename, wd->only) != 0))
        return;
    w->config_changed |= wd->is_config;
    uv_timer_start(&w->settle, on_settled, WATCH_SETTLE_MS, 0);
}

static void add_dir(struct watch *w, const char *path, const char *only, bool is_config)
{
    struct watch_dir *wd;
    int rc;

    if (w->dir_count >= WATCH_DIRS_MAX + 4 || !(wd = calloc(1, sizeof *wd)))
        return;
    wd->watch = w;
    wd->is_config = is_config;
    snprintf(wd->only, sizeof wd->only, "%s", only ? only : "");
    uv_fs_event_init(w->loop, &wd->event);
    wd->event.data = wd;
    w->handles++;
    rc = uv_fs_event_start(&wd->event, on_event, path, 0);
    if (rc != 0) {
        if (rc != UV_ENOENT)
            log_warn("cannot watch %s: %s", path, uv_strerror(rc));
        uv_close((uv_handle_t *)&wd->event, on_dir_closed);
        return;
    }
    wd->next = w->dirs;
    w->dirs = wd;
    w->dir_count++;
}

static void add_tree(struct watch *w, const char *path, int depth)
{
    DIR *dir;
    struct dirent *de;

    add_dir(w, path, NULL, false);
    if (depth + 1 >= DISCOVERY_DEPTH_MAX || !(dir = opendir(path)))
        return;
    while ((de = readdir(dir))) {
        char child[PATH_MAX];
        struct stat st;
        int n;

        if (de->d_name[0] == '.')
            continue;
        n = snprintf(child, sizeof child, "%s/%s", path, de->d_name);
        if (n > 0 && (size_t)n < sizeof child && stat(child, &st) == 0 && S_ISDIR(st.st_mode))
            add_tree(w, child, depth + 1);
    }
    closedir(dir);
}

static void close_dirs(struct watch *w)
{
    struct watch_dir *wd, *next;

    for (wd = w->dirs; wd; wd = next) {
        next = wd->next;
        uv_close((uv_handle_t *)&wd->event, on_dir_closed);
    }
    w->dirs = NULL;
    w->dir_count = 0;
}

static void build(struct watch *w)
{
    close_dirs(w);
    add_dir(w, w->config_dir, w->config_name, true);
    add_dir(w, w->dotenv_dir, w->dotenv_name, true);
    add_dir(w, w->tasks_parent, w->tasks_name, false);
    add_dir(w, w->jobs_dir, w->jobs_name, false);
    add_tree(w, w->tasks_dir, 0);
}

static void on_settled(uv_timer_t *timer)
{
    struct watch *w = timer->data;
    bool config_changed = w->config_changed;

    w->config_changed = false;
    build(w); /* folders may have come or gone */
    w->on_change(w->data, config_changed);
}

/* Split "a/b/c" into "a/b" and "c". */
static int split(const char *path, char *dir, size_t dirlen, char *name, size_t namelen)
{
    char copy[PATH_MAX];
    int n1, n2;

    if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
        return -1;
    n2 = snprintf(name, namelen, "%s", basename(copy));
    n1 = snprintf(dir, dirlen, "%s", dirname(copy));
    return n1 < 0 || (size_t)n1 >= dirlen || n2 < 0 || (size_t)n2 >= namelen ? -1 : 0;
}

struct watch *watch_start(uv_loop_t *loop, const char *tasks_dir, const char *jobs_path,
                          const char *config_path, const char *dotenv_path,
                          void (*on_change)(void *data, bool config_changed), void *data,
                          char *err, size_t errlen)
{
    struct watch *w = calloc(1, sizeof *w);

    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (snprintf(w->tasks_dir, sizeof w->tasks_dir, "%s", tasks_dir) >=
            (int)sizeof w->tasks_dir ||
        split(tasks_dir, w->tasks_parent, sizeof w->tasks_parent, w->tasks_name,
              sizeof w->tasks_name) != 0 ||
        split(config_path, w->config_dir, sizeof w->config_dir, w->config_name,
              sizeof w->config_name) != 0 ||
        split(dotenv_path, w->dotenv_dir, sizeof w->dotenv_dir, w->dotenv_name,
              sizeof w->dotenv_name) != 0 ||
        split(jobs_path, w->jobs_dir, sizeof w->jobs_dir, w->jobs_name, sizeof w->jobs_name) !=
            0) {
        snprintf(err, errlen, "watch: path too long");
        free(w);
        return NULL;
    }
    w->loop = loop;
    w->on_change = on_change;
    w->data = data;
    uv_timer_init(loop, &w->settle);
    w->settle.data = w;
    w->handles = 1;
    build(w);
    return w;
}

static void on_timer_closed(uv_handle_t *handle)
{
    struct watch *w = handle->data;

    w->handles--;
    maybe_free(w);
}

void watch_stop(struct watch *w)
{
    if (!w)
        return;
    w->stopping = true;
    close_dirs(w);
    uv_close((uv_handle_t *)&w->settle, on_timer_closed);
}
