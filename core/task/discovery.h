/* discovery.h — find the task files under tasks/ and load each one.
 *
 * A task's name is its path under tasks/ without the extension
 * ("cameras/copy" for tasks/cameras/copy.lua); a YAML job file holding a
 * list gives one task per entry, FILE/ID (yamljob.h), each judged on its
 * own hash.  Files are matched against
 * tasks.pattern (a glob on that relative path, `*` crossing folders), and
 * files named example_* are skipped unless examples are included; modules
 * (the files under tasks/lib/ and those named _NAME: module.h) are never tasks.  A file
 * that fails to load is kept, as a broken entry carrying its error, so it
 * can be shown and recorded; it never stops the others.  So is a file
 * whose name is not printable UTF-8: it is listed under its escaped name
 * ("bad\xff") and never loaded, so no listing or JSON document breaks.
 * Files are evaluated in a worker process that a stuck one cannot hang
 * (isolated.h), and a file whose content the caller already judged is not
 * evaluated at all (discovery_options.known), nor read when its stat says
 * it is the file judged (known_stat): a rescan costs the files that
 * changed.
 *
 * Symbolic links are followed only to what lies inside the tasks folder,
 * and a folder is walked once however many links lead to it (by device
 * and inode), DISCOVERY_DEPTH_MAX deep at most; what is not followed is
 * said in `skipped`.
 */
#ifndef DISCOVERY_H
#define DISCOVERY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "task.h"
#include "yamljob.h"

#define DISCOVERY_EXAMPLE_PREFIX "example_"
#define DISCOVERY_JOBS_FILE "jobs.yaml" /* the project root's, as tasks/jobs.yaml */
#define DISCOVERY_DEPTH_MAX 16          /* folder nesting followed under tasks/ */
#define DISCOVERY_FILES_MAX 200000      /* task files read in one scan */
#define DISCOVERY_DIRS_MAX 4096         /* folders walked in one scan */

/* What stat says of a task file: when none of it changed, neither did the
 * content (a write moves ctime; a rename in moves the inode). */
struct discovery_stat {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
};

struct discovered {
    char *name;               /* "cameras/copy" */
    char *path;               /* absolute file path */
    char hash[TASK_HASH_HEX]; /* of the content judged; "" when there is no verdict
                              * on it (unreadable, or no worker could evaluate it) */
    bool unchanged;           /* `known` said the caller judged this content: not
                              * evaluated, neither loaded nor broken */
    bool loaded;              /* task is valid; else error says why not */
    struct task task;
    char *error;   /* "file:line: message", NULL when loaded or unchanged */
    size_t extra;  /* 1 + the index of the discovery_options.extra it is; 0: a file */
    bool handler;  /* a YAML job run by the func handler (yamljob.h) */
    bool has_stat; /* a file of its own (not an entry of a YAML list): stat */
    struct discovery_stat stat; /* taken before the file was read */
};

struct discovery {
    struct discovered *items; /* sorted by name */
    size_t count;
    char **skipped; /* "PATH: why it was not followed", for the log */
    size_t skipped_count;
};

/* A task that is no file under tasks/ (a row of a SQL source:
 * source/sourcejob.h), merged into the scan: judged by `known` and
 * evaluated in the worker like a file, from `content` (Lua task code),
 * under `path` (what task_load and the run process are given).  A loader's
 * "path:line: message" becomes "LABEL: message"; a loaded task's line is
 * `line`.  With `error` set it is broken before it is loaded. */
struct discovery_extra {
    const char *name, *path, *label;
    const char *content;
    size_t content_len;
    const char *error;
    int line;
};

struct discovery_options {
    const char *tasks_dir; /* absolute */
    const char *pattern;   /* glob for task files, e.g. "*.lua"; YAML job files
                            * (yamljob.h) are read whatever it says */
    const char *jobs_file; /* the project root's jobs.yaml (absolute), read as if it
                            * were tasks/jobs.yaml; NULL: none */
    bool include_examples;
    const char *only; /* load just the task of this name; NULL = all */
    /* When it returns true for a file's name, path and content hash, the
     * file is not evaluated (NULL: every file is). */
    bool (*known)(void *data, const char *name, const char *path, const char *hash);
    /* Asked first, for a file of its own: when it returns true for its
     * name, path and stat (having put the hash of the content it judged in
     * `hash`), the file is not even read, so a rescan costs a stat per file
     * (NULL: every file is read). */
    bool (*known_stat)(void *data, const char *name, const char *path,
                       const struct discovery_stat *st, char hash[TASK_HASH_HEX]);
    void *known_data;
    const struct discovery_extra *extra; /* borrowed for the scan */
    size_t extra_count;
    const char *func_handler; /* tasks.func_handler: the task (tasks/NAME.lua) that
                               * runs YAML jobs with a Python `func`; NULL or "": none */
};

/* The func handler's file, read by discovery_handler_read. */
struct discovery_handler {
    struct yamljob_handler file;
    char path[PATH_MAX];
    char *content;
    char why[TASK_ERR_MAX];
};

/* Read the file of the func handler `name` (tasks_dir/NAME.lua): NULL when
 * `name` is NULL or "" (none), else &out->file, whose `error` says why it
 * could not be read.  Free with discovery_handler_free. */
const struct yamljob_handler *discovery_handler_read(const char *tasks_dir, const char *name,
                                                     struct discovery_handler *out);

/* The func handler of YAML jobs (tasks.func_handler): the task `name` as
 * discovery_handler_read reads it, or, when `name` is NULL or "", the
 * built-in one (lua/func_handler.lua: a dotted func calls a function of a
 * Lua module), under the path tasks_dir/.func_handler.lua, a name no task
 * file can have (discovery skips dot files).  Free with
 * discovery_handler_free. */
#define DISCOVERY_FUNC_BUILTIN ".func_handler"
#define DISCOVERY_FUNC_BUILTIN_FILE "lua/func_handler.lua"
const struct yamljob_handler *discovery_func_handler_read(const char *tasks_dir,
                                                          const char *name,
                                                          struct discovery_handler *out);
void discovery_handler_free(struct discovery_handler *h);

/* The content a YAML job is checked and run with: its file's, joined with
 * the handler's when `handler` is true (yamljob_handler_join).  0 with a
 * malloc'd *content, or -1 with "path: why". */
int discovery_job_content(const char *path, bool handler, const struct yamljob_handler *h,
                          char **content, size_t *len, char *err, size_t errlen);

/* Scan and load.  -1 with a message only when tasks_dir cannot be read or
 * memory runs out (a missing folder is an empty scan: the user may not
 * have created it yet).
 * `out` is always safe to free. */
int discovery_scan(const struct discovery_options *opt, struct discovery *out, char *err,
                   size_t errlen);

void discovery_free(struct discovery *d);

/* Move the loaded task out of an item (the item keeps nothing to free but
 * its name, path and error). */
void discovery_take_task(struct discovered *item, struct task *out);

#endif
