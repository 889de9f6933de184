/* entries.c — the engine's tasks: one entry per task file, loaded or
 * broken, kept in step with the tasks folder and with the store's tasks
 * table.  A scan adds new files, offers changed ones to versions.c (which
 * decides what takes over) and removes deleted ones; an entry whose file
 * is gone lives on until its last run (or dependency install) ends.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "engine_internal.h"
#include "events.h"
#include "lib/suggest.h"
#include "log/log.h"
#include "schedule/schedule.h"
#include "source/source.h"
#include "task/discovery.h"
#include "task/rocks.h"

struct entry *entries_find(struct engine *e, const char *name)
{
    return namemap_get(&e->by_name, name);
}

struct entry *entries_find_or_say(struct engine *e, const char *name, char *err, size_t errlen)
{
    struct entry *en = entries_find(e, name);
    struct suggest near;

    if (en)
        return en;
    suggest_init(&near, name);
    for (en = e->entries; en; en = en->next)
        if (!en->removed)
            suggest_consider(&near, en->name);
    if (near.best)
        snprintf(err, errlen, "no task named '%s' (did you mean '%s'?)", name, near.best);
    else
        snprintf(err, errlen, "no task named '%s'", name);
    return NULL;
}

static int remember_last_run(const struct store_run *run, void *ud)
{
    struct entry *en = ud;

    entry_set_last_run(en, run->status, run->started_at, run->finished_at, run->error);
    return 0;
}

/* A task the engine did not know, with no version yet: read what the
 * store remembers of it.  A task deleted and created again under its name
 * lost its row in tasks (store_task_remove), not its runs: the last fire
 * they hold is its last_scheduled, so that no instant is handled twice
 * (fires.c, rule 1): a fire is handled ahead of its instant (prepared,
 * or skipped as an overlap), and the file may come back before it. */
static struct entry *entry_add(struct engine *e, const struct discovered *item)
{
    struct entry *en = calloc(1, sizeof *en);
    char err[ENGINE_ERR_MAX];
    int known;

    if (!en || !(en->name = strdup(item->name)) || !(en->path = strdup(item->path)) ||
        namemap_put(&e->by_name, en->name, en) != 0) {
        if (en)
            entry_free(en);
        log_error("%s: out of memory adding the task", item->name);
        return NULL;
    }
    en->engine = e;
    en->next_fire = SCHEDULE_NEVER;
    heap_node_init(&en->wake.node);
    en->wake.due = fires_due;
    if ((known = store_task_get_schedule_state(e->store, en->name, &en->stored_next,
                                               &en->last_scheduled, &en->paused)) < 0 ||
        (known == 0 && store_last_fire(e->store, en->name, &en->last_scheduled) < 0) ||
        store_last_run(e->store, en->name, remember_last_run, en) < 0 ||
        store_failing_streak(e->store, en->name, &en->failing_streak) < 0)
        log_error("%s: cannot read its schedule state: %s", en->name, store_error(e->store));
    if (alerts_streak_load(e->store, en->name, &en->alerts, err, sizeof err) != 0)
        log_warn("%s: its count of repeated failures restarts at zero: %s", en->name, err);
    alert_load(e, en);
    en->prev = e->entries_last;
    if (en->prev)
        en->prev->next = en;
    else
        e->entries = en;
    e->entries_last = en;
    return en;
}

/* The file is gone (or, under --user, no longer that user's: `forget` is
 * false, and the store keeps its schedule state for a daemon that runs it). */
static void entry_remove(struct entry *en, bool forget)
{
    struct engine *e = en->engine;

    dispatch_cancel_entry(en, forget ? "task file deleted" : "task of another user", false);
    wakeup_clear(e, &en->wake);
    if (forget && store_task_remove(e->store, en->name) < 0)
        log_error("%s: cannot forget the task: %s", en->name, store_error(e->store));
    if (forget)
        log_info("%s: task file deleted; unscheduled", en->name);
    else
        log_info("%s: no longer a task of user %s; unscheduled", en->name, e->only_user);
    for (int kind = 0; forget && kind < STORE_ALERT_KINDS; kind++)
        alert_clear(e, en, (enum store_alert_kind)kind, "the task file is gone");
    events_publish("task", "removed", json_pack("{s:s}", "task", en->name));
    *(en->prev ? &en->prev->next : &e->entries) = en->next;
    *(en->next ? &en->next->prev : &e->entries_last) = en->prev;
    namemap_remove(&e->by_name, en->name);
    en->removed = true;
    en->refs++;
    entry_unref(en); /* freed now, or with its last running job */
}

/* ---- scanning ----------------------------------------------------------- */

int engine_tasks_dir(const struct engine *e, char *buf, size_t len)
{
    return config_resolve_path(e->root, e->config->tasks.directory, buf, len);
}

const char *engine_func_handler(const struct engine *e)
{
    return e->config->tasks.func_handler;
}

/* What the walk did not follow (links out of the folder, link loops) is
 * logged when it differs from the last scan's, not at every rescan. */
static void report_skipped(struct engine *e, const struct discovery *d)
{
    char hash[TASK_HASH_HEX], *joined = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&joined, &len);

    if (!f)
        return;
    for (size_t i = 0; i < d->skipped_count; i++)
        fprintf(f, "%s\n", d->skipped[i]);
    if (fclose(f) != 0) {
        free(joined);
        return;
    }
    task_hash(joined, len, hash);
    free(joined);
    if (strcmp(hash, e->skipped_hash) == 0)
        return;
    memcpy(e->skipped_hash, hash, sizeof hash);
    for (size_t i = 0; i < d->skipped_count; i++)
        log_warn("tasks: %s", d->skipped[i]);
}

/* discovery_options.known: a file whose content the entry already judged
 * (the version in force, the one staged, or one refused) is not evaluated
 * again, so a rescan costs only what changed, and a file that took the
 * worker's whole timeout costs it once, not at every rescan.  A refused
 * version is tried again when the config is reloaded
 * (versions_retry_failed). */
static bool known_version(void *data, const char *name, const char *path, const char *hash)
{
    struct engine *e = data;
    const struct entry *en = entries_find(e, name);
    const char *judged;

    if (!en) { /* another user's file, as it was */
        const char *foreign = json_string_value(json_object_get(e->foreign, name));
        return foreign && strcmp(foreign, hash) == 0;
    }
    if (strcmp(en->path, path) != 0)
        return false;
    judged = en->error     ? en->error_hash
             : en->staging ? en->staged->hash
             : en->loaded  ? en->task.hash
                           : "";
    return judged[0] != '\0' && strcmp(judged, hash) == 0;
}

static bool same_stat(const struct discovery_stat *a, const struct discovery_stat *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* discovery_options.known_stat: a file whose stat is the one it had when
 * its content was read is that content, judged as known_version says. */
static bool known_stat(void *data, const char *name, const char *path,
                       const struct discovery_stat *st, char hash[TASK_HASH_HEX])
{
    struct engine *e = data;
    const struct entry *en = entries_find(e, name);

    if (!en || !en->has_stat || !same_stat(&en->stat, st) ||
        !known_version(e, name, path, en->stat_hash))
        return false;
    memcpy(hash, en->stat_hash, TASK_HASH_HEX);
    return true;
}

/* What the scan read of the entry's file, for known_stat at the next. */
static void remember_stat(struct entry *en, const struct discovered *item)
{
    en->has_stat = item->has_stat;
    en->stat = item->stat;
    memcpy(en->stat_hash, item->hash, sizeof en->stat_hash);
}

/* Scan the tasks folder; `only` (a local run) loads that one task even if
 * the engine knows it. */
static int scan(struct engine *e, const char *only, struct discovery *d)
{
    char dir[PATH_MAX], jobs[PATH_MAX], err[ENGINE_ERR_MAX];
    struct discovery_extra *rows = NULL;
    size_t row_count = 0;
    int rc;
    struct discovery_options opt = {
        .tasks_dir = dir,
        .pattern = e->config->tasks.pattern,
        .func_handler = e->config->tasks.func_handler,
        .jobs_file = jobs,
        .include_examples = e->include_examples || e->config->tasks.include_example_tasks,
        .only = only,
        .known = only ? NULL : known_version,
        .known_stat = only ? NULL : known_stat,
        .known_data = e,
    };

    if (engine_tasks_dir(e, dir, sizeof dir) != 0 ||
        config_resolve_path(e->root, DISCOVERY_JOBS_FILE, jobs, sizeof jobs) != 0) {
        log_error("tasks.directory: path too long");
        return -1;
    }
    /* The rows of the SQL sources are tasks of the scan like the files. */
    if (sources_items(e->sources, dir, &rows, &row_count) != 0) {
        log_error("cannot scan the tasks: out of memory");
        return -1;
    }
    opt.extra = rows;
    opt.extra_count = row_count;
    rc = discovery_scan(&opt, d, err, sizeof err);
    sources_items_free(rows, row_count);
    if (rc != 0) {
        log_error("cannot scan the tasks: %s", err);
        discovery_free(d);
        return -1;
    }
    report_skipped(e, d);
    return 0;
}

/* ---- moves and ids ------------------------------------------------------ */

static int by_item_name(const void *key, const void *item)
{
    return strcmp(key, ((const struct discovered *)item)->name);
}

/* The stored tasks whose files a scan did not find, that a file met under a
 * name the store does not know may have been moved from: read from the
 * store once per scan, when the first such file comes, as
 * "id:ID" (or, for a task without an id, "hash:HASH") -> their names, in
 * name order.  A name taken by a move leaves. */
struct moved_from {
    const struct discovery *scan;
    json_t *by_key; /* NULL until read */
};

/* "id:ID" or "hash:HASH" (to free): what a moved task and its stored row
 * share.  NULL when out of memory. */
static char *move_key(const char *id, const char *hash)
{
    char *key;
    int n = id ? asprintf(&key, "id:%s", id) : asprintf(&key, "hash:%s", hash);
    return n < 0 ? NULL : key;
}

/* store_tasks: note a stored task whose file the scan did not find.  -1
 * when out of memory. */
static int note_unfound(const struct store_task *row, void *ud)
{
    struct moved_from *m = ud;
    char *key = NULL;
    json_t *fm, *names;
    const char *id;
    int rc = 0;

    if (bsearch(row->name, m->scan->items, m->scan->count, sizeof *m->scan->items,
                by_item_name))
        return 0;
    fm = row->frontmatter_json ? json_loads(row->frontmatter_json, 0, NULL) : NULL;
    id = json_string_value(json_object_get(fm, "id"));
    if ((id || row->file_hash) && !(key = move_key(id, row->file_hash)))
        rc = -1;
    if (key) {
        /* nocheck: an id need not be UTF-8 */
        if (!(names = json_object_get(m->by_key, key)) &&
            json_object_set_new_nocheck(m->by_key, key, names = json_array()) < 0)
            names = NULL;
        rc =
            names && json_array_append_new(names, json_string_nocheck(row->name)) == 0 ? 0 : -1;
    }
    free(key);
    json_decref(fm);
    return rc;
}

/* The stored task `task` was moved from (its name, to free), or NULL. */
static char *take_moved_from(struct engine *e, struct moved_from *m, const struct task *task,
                             const char *name)
{
    json_t *names;
    char *key, *from = NULL;

    if (!m->by_key) {
        if (!(m->by_key = json_object())) {
            log_error("%s: cannot look for the task it was moved from: out of memory", name);
            return NULL;
        }
        /* Said once: the other files of this scan find nothing either. */
        if (store_tasks(e->store, note_unfound, m) < 0) {
            log_error("%s: cannot look for the tasks moved: %s", name, store_error(e->store));
            json_object_clear(m->by_key);
            return NULL;
        }
    }
    if (!(key = move_key(task->id, task->hash))) {
        log_error("%s: cannot look for the task it was moved from: out of memory", name);
        return NULL;
    }
    if ((names = json_object_get(m->by_key, key)) && json_array_size(names) > 0) {
        if (!(from = strdup(json_string_value(json_array_get(names, 0)))))
            log_error("%s: cannot look for the task it was moved from: out of memory", name);
        json_array_remove(names, 0);
    }
    free(key);
    return from;
}

/* A task file the store does not know under its name may be a known task
 * moved to another folder (or renamed): then the store's row, runs and
 * state take the new name, so its history, state, pause and next fire go
 * with it. */
static void adopt_moved(struct engine *e, struct moved_from *m, const struct discovered *item)
{
    char *from;

    if (!item->loaded ||
        store_task_get_schedule_state(e->store, item->name, NULL, NULL, NULL) != 0)
        return; /* known under this name (or the store cannot say) */
    if (!(from = take_moved_from(e, m, &item->task, item->name)))
        return;
    if (store_task_rename(e->store, from, item->name, item->path) < 0)
        log_error("%s: moved from %s, but its history stays there: %s", item->name, from,
                  store_error(e->store));
    else
        log_info("%s: moved from %s%s; its history, state and next fire go with it", item->name,
                 from, item->task.id ? " (same id)" : " (same content)");
    free(from);
}

/* An `id` names one task: a file whose id another task in force (under
 * another name) already has is refused, with both files named, and is
 * judged again at every scan (the other may go). */
static void refuse_taken_id(struct engine *e, struct discovered *item)
{
    char msg[TASK_ERR_MAX];

    if (!item->loaded || !item->task.id) /* task_id_taken says no without one */
        return;
    for (const struct entry *en = e->entries; en; en = en->next) {
        if (en->removed || !en->loaded || strcmp(en->name, item->name) == 0 ||
            !task_id_taken(&item->task, &en->task, msg, sizeof msg))
            continue;
        task_free(&item->task);
        item->loaded = false;
        item->error = strdup(msg); /* NULL: versions.c says "cannot load" */
        item->hash[0] = '\0';
        return;
    }
}

/* Under --user, a task file that loads and names another user (or none)
 * is not the daemon's: it is noted in `foreign` (so that an unchanged one
 * is not evaluated again) and skipped.  True when it was. */
static bool foreign_task(struct engine *e, const struct discovered *item, json_t *foreign)
{
    if (!e->only_user)
        return false;
    if (item->unchanged ? !entries_find(e, item->name)
                        : item->loaded && (!item->task.user ||
                                           strcmp(item->task.user, e->only_user) != 0)) {
        if (json_object_set_new(foreign, item->name, json_string(item->hash)) < 0)
            log_error("%s: out of memory", item->name);
        return true;
    }
    return false;
}

/* The scan's own transaction: the writes of the turn so far committed
 * first, so a lost batch of the scan never takes them along (pending.c
 * keeps copies of its own writes only). */
static int begin_batch(struct engine *e)
{
    pending_commit(e->pending);
    return store_batch_begin(e->store);
}

/* The scan's writes go in one transaction (store.h, batches).  When it is
 * lost, the rows of the tasks are written again one by one; the fire times
 * written with them are written again at each task's next fire. */
static void end_batch(struct engine *e, int began)
{
    if (store_batch_end(e->store, began) == 0)
        return;
    log_error("store: the scan's writes were lost (%s); the tasks are saved again one by one",
              store_error(e->store));
    for (struct entry *en = e->entries; en; en = en->next)
        versions_upsert(en);
}

/* Whether the scan may write: a file changed, came or went.  A rescan that
 * only confirms every file takes no write lock, so it never waits for
 * another process's. */
static bool scan_writes(const struct engine *e, const struct discovery *d)
{
    for (size_t i = 0; i < d->count; i++)
        if (!d->items[i].unchanged)
            return true;
    return d->count != e->by_name.count;
}

int entries_rescan(struct engine *e)
{
    struct discovery d;
    struct entry *en, *next;
    json_t *foreign = json_object();
    struct moved_from moved = {&d, NULL};
    int broken = 0, batch;

    if (!foreign || scan(e, NULL, &d) != 0) {
        json_decref(foreign);
        return -1;
    }
    batch = scan_writes(e, &d) ? begin_batch(e) : 0;
    if (batch < 0)
        log_warn("store: %s; the tasks are saved one by one", store_error(e->store));
    for (en = e->entries; en; en = en->next)
        en->seen = false;
    for (size_t i = 0; i < d.count; i++) {
        struct discovered *item = &d.items[i];

        if (foreign_task(e, item, foreign))
            continue;
        en = entries_find(e, item->name);
        if (item->unchanged && en) {
            broken += en->error != NULL;
            remember_stat(en, item);
            en->seen = true;
            continue;
        }
        refuse_taken_id(e, item);
        broken += !item->loaded;
        if (!en)
            adopt_moved(e, &moved, item);
        if (!en && !(en = entry_add(e, item)))
            continue;
        if (versions_changed(en, item))
            versions_offer(en, item);
        remember_stat(en, item);
        en->seen = true;
    }
    json_decref(moved.by_key);
    json_decref(e->foreign);
    e->foreign = foreign;
    for (en = e->entries; en; en = next) {
        next = en->next;
        if (!en->seen)
            entry_remove(en, !json_object_get(foreign, en->name));
    }
    end_batch(e, batch);
    discovery_free(&d);
    return broken;
}

struct stale {
    struct engine *engine;
    json_t *names;
};

/* Names the store knows but the scan did not find: task files deleted
 * while the daemon was down (not those of other users, under --user).
 * Collected first, removed after the query. */
static int collect_stale(const struct store_task *task, void *ud)
{
    struct stale *stale = ud;

    if (!entries_find(stale->engine, task->name) &&
        !json_object_get(stale->engine->foreign, task->name) &&
        !sources_pending(stale->engine->sources, task->name) &&
        json_array_append_new(stale->names, json_string(task->name)) != 0)
        return -1;
    return 0;
}

void entries_forget_deleted(struct engine *e)
{
    struct stale stale = {e, json_array()};
    size_t i;
    json_t *name;
    int batch;

    if (!stale.names || store_tasks(e->store, collect_stale, &stale) != 0) {
        log_error("cannot list the stored tasks: %s",
                  stale.names ? store_error(e->store) : "out of memory");
        json_decref(stale.names);
        return;
    }
    batch = json_array_size(stale.names) ? begin_batch(e) : 0;
    if (batch < 0)
        log_warn("store: %s; the deleted tasks are forgotten one by one",
                 store_error(e->store));
    json_array_foreach(stale.names, i, name)
    {
        const char *text = json_string_value(name);
        if (store_task_remove(e->store, text) < 0)
            log_error("%s: cannot forget the task: %s", text, store_error(e->store));
        else
            log_info("%s: task file deleted while the daemon was down; forgotten", text);
        alert_clear_gone(e, text, "the task file is gone");
    }
    if (store_batch_end(e->store, batch) != 0)
        log_error("store: forgetting the deleted tasks was lost (%s); the next start does it",
                  store_error(e->store));
    json_decref(stale.names);
}

/* Only the engine inside the daemon keeps schedules; a local run
 * (engine_local.c) adds its one task without touching them. */
int entries_add_one(struct engine *e, const char *name, char *err, size_t errlen)
{
    struct discovery d;
    struct entry *en;
    struct task t;
    int rc = -1;

    if (scan(e, name, &d) != 0) {
        snprintf(err, errlen, "cannot read the tasks folder");
        return -1;
    }
    if (d.count == 0)
        snprintf(err, errlen, "no task named '%s'", name);
    else if (!d.items[0].loaded)
        snprintf(err, errlen, "%s", d.items[0].error ? d.items[0].error : "cannot load");
    else if (rocks_ensure(e->config, e->root, &d.items[0].task.dependencies, err, errlen) != 0)
        ; /* err says which rock luarocks could not install */
    else if (!(en = entry_add(e, &d.items[0])))
        snprintf(err, errlen, "out of memory");
    else
        rc = 0;
    if (rc == 0) {
        discovery_take_task(&d.items[0], &t);
        versions_install(en, &t);
    }
    discovery_free(&d);
    return rc;
}

void entries_free_all(struct engine *e)
{
    struct entry *en, *next;

    for (en = e->entries; en; en = next) {
        next = en->next;
        entry_free(en);
    }
    e->entries = e->entries_last = NULL;
    namemap_free(&e->by_name);
}
