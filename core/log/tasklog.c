/* tasklog.c — route task log lines and output to tasks.log, the task's own
 * log and errors.log. */
#include "tasklog.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/filemode.h"
#include "lib/fs.h"
#include "logfile.h"
#include "time/clock.h"

/* One open logs/tasks/<name>.log. */
struct task_file {
    char *name;
    struct logfile *file;
    unsigned long used; /* tick of the last write, for LRU eviction */
};

static struct {
    char *logs_dir;
    struct logfile_options file_opt;
    bool json;
    enum log_level level;
    struct logfile *all, *errors;
    struct task_file cache[TASKLOG_OPEN_MAX];
    unsigned long tick;
} tl;

static void drop_cached(struct task_file *tf)
{
    logfile_close(tf->file);
    free(tf->name);
    tf->file = NULL;
    tf->name = NULL;
    tf->used = 0;
}

void tasklog_close(void)
{
    for (size_t i = 0; i < TASKLOG_OPEN_MAX; i++)
        drop_cached(&tl.cache[i]);
    logfile_close(tl.all);
    logfile_close(tl.errors);
    free(tl.logs_dir);
    memset(&tl, 0, sizeof tl);
}

static struct logfile *open_named(const char *dir, const char *name, char *err, size_t errlen)
{
    char path[PATH_MAX];

    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        snprintf(err, errlen, "%s/%s: path too long", dir, name);
        return NULL;
    }
    return logfile_open(path, &tl.file_opt, err, errlen);
}

int tasklog_open(const struct log_options *opt, char *err, size_t errlen)
{
    struct logfile_options file_opt = {opt->max_size, opt->keep, opt->retention_days};
    struct logfile *all = NULL, *errors = NULL;
    char *dir = NULL;

    if (fs_mkdirs(opt->logs_dir, FILEMODE_DIR, NULL, 0) != 0) {
        snprintf(err, errlen, "%s: %s", opt->logs_dir, strerror(errno));
        return -1;
    }
    tasklog_close();
    tl.file_opt = file_opt;
    if (!(dir = strdup(opt->logs_dir))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(all = open_named(dir, "tasks.log", err, errlen)) ||
        !(errors = open_named(dir, "errors.log", err, errlen)))
        goto fail;
    tl.logs_dir = dir;
    tl.all = all;
    tl.errors = errors;
    tl.json = opt->json;
    tl.level = opt->level;
    return 0;
fail:
    logfile_close(all);
    free(dir);
    return -1;
}

/* Task names come from paths under tasks/, but a name that could climb
 * out of logs/tasks/ gets no file of its own. */
static bool name_is_safe(const char *name)
{
    if (!*name || *name == '/' || strlen(name) > NAME_MAX)
        return false;
    for (const char *p = name; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
        if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
            return false;
    return true;
}

int tasklog_path(const char *logs_dir, const char *task, char *buf, size_t len)
{
    if (!name_is_safe(task) ||
        snprintf(buf, len, "%s/tasks/%s.log", logs_dir, task) >= (int)len)
        return -1;
    return 0;
}

/* The task's own log file, opened on first use; NULL when it cannot be. */
static struct logfile *task_file(const char *name)
{
    struct task_file *slot = &tl.cache[0];
    char path[PATH_MAX], err[256];

    for (size_t i = 0; i < TASKLOG_OPEN_MAX; i++) {
        struct task_file *tf = &tl.cache[i];

        if (tf->name && strcmp(tf->name, name) == 0) {
            tf->used = ++tl.tick;
            return tf->file;
        }
        if (tf->used < slot->used) /* free slots have used == 0 */
            slot = tf;
    }
    if (tasklog_path(tl.logs_dir, name, path, sizeof path) != 0)
        return NULL;
    drop_cached(slot);
    slot->file = logfile_open(path, &tl.file_opt, err, sizeof err);
    if (!slot->file) {
        log_warn("task log: %s", err);
        return NULL;
    }
    if (!(slot->name = strdup(name))) {
        drop_cached(slot);
        return NULL;
    }
    slot->used = ++tl.tick;
    return slot->file;
}

static void write_to(struct logfile *lf, const char *line, size_t len)
{
    if (lf && logfile_write(lf, line, len) != 0)
        log_warn("task log: %s", strerror(errno));
}

static void route(const struct logfile_record *rec, bool is_error)
{
    size_t len;
    char *line = logfile_format(rec, tl.json, &len);

    if (!line)
        return;
    if (!tl.all) {
        fwrite(line, 1, len, stderr); /* best effort: not opened yet */
    } else {
        write_to(tl.all, line, len);
        write_to(task_file(rec->task), line, len);
        if (is_error)
            write_to(tl.errors, line, len);
    }
    free(line);
}

void tasklog_write(const char *task, const char *title, enum log_level level, const char *msg,
                   size_t len, const json_t *fields)
{
    struct logfile_record rec = {.at = clock_now(),
                                 .level = log_level_name(level),
                                 .task = task,
                                 .title = title ? title : task,
                                 .message = msg,
                                 .message_len = len,
                                 .fields = fields};

    if (level >= tl.level)
        route(&rec, level >= LOG_LEVEL_ERROR);
}

void tasklog_output(const char *task, const char *title, const char *stream, const char *line,
                    size_t len)
{
    struct logfile_record rec = {.at = clock_now(),
                                 .level = "info",
                                 .task = task,
                                 .title = title ? title : task,
                                 .stream = stream,
                                 .message = line,
                                 .message_len = len};

    route(&rec, false);
}

void tasklog_reopen(void)
{
    struct logfile *files[2] = {tl.all, tl.errors};

    for (size_t i = 0; i < 2; i++)
        if (files[i] && logfile_reopen(files[i]) != 0)
            log_warn("task log: cannot reopen: %s", strerror(errno));
    /* Per-task files reopen lazily: closing them is enough. */
    for (size_t i = 0; i < TASKLOG_OPEN_MAX; i++)
        drop_cached(&tl.cache[i]);
}
