/* versions.c — which version of a task file is in force.
 *
 * An entry holds up to two versions of its task: the one in force (the
 * last good one, which fires and runs) and, while its `dependencies` are
 * being installed, a staged newer one.  A scan offers each changed file:
 *
 *   - a file that fails to load records its error, and the version in
 *     force (if any) stays scheduled and keeps running: runs use the
 *     validated content, never what is on disk at fire time;
 *   - a valid file without dependencies takes over at once;
 *   - a valid file with dependencies is staged and installed by luarocks
 *     in the thread pool (rocks_ensure_async), so the loop never waits; it
 *     takes over when they are in, or records luarocks' message as its
 *     error.  The job holds a reference on the entry, so an entry deleted,
 *     edited or shut down meanwhile is still there when the job ends, and
 *     a result for a version that is no longer the staged one is dropped.
 *
 * An error is logged (so also in logs/errors.log) once per distinct
 * message, kept in the store's tasks.load_error and shown by --status
 * until the file is fixed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "engine_internal.h"
#include "events.h"
#include "lib/utf8.h"
#include "log/log.h"
#include "schedule/schedule.h"
#include "task/rocks.h"

/* "PATH: dependencies: luarocks' message" */
#define VERSIONS_MSG_MAX (PATH_MAX + ROCKS_ERR_MAX + 32)

/* One dependency install in flight for one staged version. */
struct versions_job {
    struct entry *entry;
    char hash[TASK_HASH_HEX];
    unsigned generation; /* the engine's rocks_generation when it started */
};

void versions_upsert(const struct entry *en)
{
    struct store_task row = {0};

    row.name = en->name;
    row.path = en->path;
    row.file_hash = en->loaded ? en->task.hash : NULL;
    row.frontmatter_json = en->loaded ? en->task.frontmatter_json : NULL;
    row.load_error = en->error;
    row.enabled = en->loaded && en->task.enabled;
    if (store_task_upsert(en->engine->store, &row) < 0)
        log_error("%s: cannot save the task: %s", en->name, store_error(en->engine->store));
}

/* The file as it is now cannot take over: say so, once per message.
 * `hash` names the content refused (a file that does not load, or a valid
 * version whose dependencies cannot be installed; "" when there was no
 * verdict on it), so the same content is not tried again. */
static void set_error(struct entry *en, const char *msg, const char *hash)
{
    snprintf(en->error_hash, sizeof en->error_hash, "%s", hash);
    if (en->error && strcmp(en->error, msg) == 0)
        return;
    free(en->error);
    en->error = strdup(msg);
    if (!en->error)
        log_error("%s: out of memory recording its error", en->name);
    if (en->loaded)
        log_error("%s (the last good version of %s stays in force)", msg, en->name);
    else
        log_error("%s", msg);
    versions_upsert(en);
    alert_raise(en->engine, en, STORE_ALERT_BROKEN, 1, msg);
    events_publish("task", "broken",
                   json_pack("{s:s, s:o, s:b}", "task", en->name, "error",
                             utf8_json_string(msg, strlen(msg)), "last_good", en->loaded));
}

static void clear_error(struct entry *en)
{
    en->error_hash[0] = '\0';
    if (!en->error)
        return;
    free(en->error);
    en->error = NULL;
    log_info("%s: the task file is good again", en->name);
    alert_clear(en->engine, en, STORE_ALERT_BROKEN, "the task file is good again");
}

void versions_install(struct entry *en, struct task *t)
{
    if (en->loaded)
        task_free(&en->task);
    en->task = *t;
    memset(t, 0, sizeof *t);
    en->loaded = true;
    clear_error(en);
    versions_upsert(en);
}

/* `t` takes over from the version in force (if any) and is scheduled. */
static void adopt(struct entry *en, struct task *t)
{
    bool edit = en->loaded;
    int64_t stored_next = en->stored_next;
    char when[TZ_ISO_MAX] = "never";

    /* A prepared process of the old version is prepared again from the
     * new one; runs already in run() finish. */
    if (edit)
        dispatch_cancel_entry(en, "task file changed", true);
    versions_install(en, t);
    if (!en->task.enabled)
        dispatch_cancel_entry(en, "task disabled", false);
    en->stored_next = 0;
    /* An edit starts afresh from now (fires.c, rule 3): it never fires the
     * current occurrence again, nor instants a moved schedule left behind. */
    fires_schedule(en, edit ? 0 : stored_next);
    if (en->next_fire != SCHEDULE_NEVER)
        tz_format_iso(en->engine->zone, en->next_fire, when, sizeof when);
    log_info("%s: %s; next fire %s", en->name, edit ? "reloaded" : "scheduled", when);
    events_publish("task", edit ? "changed" : "added",
                   json_pack("{s:s, s:o}", "task", en->name, "next_fire",
                             en->next_fire != SCHEDULE_NEVER
                                 ? json_integer((json_int_t)en->next_fire)
                                 : json_null()));
}

static void stage(struct entry *en, struct task *t);

static void on_dependencies(void *data, int status, const char *err)
{
    struct versions_job *job = data;
    struct entry *en = job->entry;
    char msg[VERSIONS_MSG_MAX];
    struct task t;

    if (!en->removed && !en->engine->stopping && en->staging &&
        strcmp(en->staged->hash, job->hash) == 0) {
        t = *en->staged;
        free(en->staged);
        en->staged = NULL;
        en->staging = false;
        if (status == 0) {
            adopt(en, &t);
            wakeup_arm(en->engine);
        } else if (job->generation != en->engine->rocks_generation) {
            /* The config changed while luarocks ran, perhaps to another
             * server: the verdict was on the old one. */
            stage(en, &t);
        } else {
            snprintf(msg, sizeof msg, "%s: dependencies: %s", en->path, err);
            set_error(en, msg, t.hash);
            task_free(&t);
        }
    }
    free(job);
    entry_unref(en);
}

/* Stage `t` (taken), a valid version whose dependencies must be installed
 * first. */
static void stage(struct entry *en, struct task *t)
{
    struct engine *e = en->engine;
    struct versions_job *job = calloc(1, sizeof *job);
    struct task *staged = malloc(sizeof *staged);
    char err[ROCKS_ERR_MAX], msg[VERSIONS_MSG_MAX];

    entry_drop_staged(en);
    if (!job || !staged) {
        snprintf(msg, sizeof msg, "%s: dependencies: out of memory", en->path);
        set_error(en, msg, t->hash);
        task_free(t);
        free(staged);
        free(job);
        return;
    }
    *staged = *t;
    memset(t, 0, sizeof *t);
    en->staged = staged;
    en->staging = true;
    job->entry = en;
    job->generation = e->rocks_generation;
    snprintf(job->hash, sizeof job->hash, "%s", en->staged->hash);
    if (rocks_ensure_async(e->loop, e->config, e->root, &en->staged->dependencies,
                           on_dependencies, job, err, sizeof err) != 0)
        goto fail;
    en->refs++;
    log_info("%s: installing its dependencies before it takes over", en->name);
    return;
fail:
    free(job);
    snprintf(msg, sizeof msg, "%s: dependencies: %s", en->path, err);
    set_error(en, msg, en->staged->hash);
    entry_drop_staged(en);
}

bool versions_changed(const struct entry *en, const struct discovered *item)
{
    if (strcmp(en->path, item->path) != 0)
        return true;
    if (!item->loaded) /* the same error from other content: remember that content */
        return !en->error || !item->error || strcmp(en->error, item->error) != 0 ||
               strcmp(en->error_hash, item->hash) != 0;
    if (en->error)
        return strcmp(en->error_hash, item->task.hash) != 0;
    if (en->staging)
        return strcmp(en->staged->hash, item->task.hash) != 0;
    return !en->loaded || strcmp(en->task.hash, item->task.hash) != 0;
}

void versions_offer(struct entry *en, struct discovered *item)
{
    char *path = strdup(item->path);
    struct task t;

    if (!path) {
        log_error("%s: out of memory reloading the task", en->name);
        return;
    }
    free(en->path);
    en->path = path;
    if (!item->loaded) {
        entry_drop_staged(en);
        set_error(en, item->error ? item->error : "cannot load", item->hash);
        if (!en->loaded) {
            en->stored_next = 0; /* a task broken at start does not catch up */
            fires_schedule(en, 0);
        }
        return;
    }
    if (en->loaded && strcmp(en->task.hash, item->task.hash) == 0) {
        /* Back to the version in force: nothing to reschedule. */
        entry_drop_staged(en);
        clear_error(en);
        versions_upsert(en);
        return;
    }
    discovery_take_task(item, &t);
    if (t.dependencies.count > 0) {
        stage(en, &t);
        return;
    }
    entry_drop_staged(en);
    adopt(en, &t);
}

void versions_retry_failed(struct engine *e)
{
    e->rocks_generation++;
    for (struct entry *en = e->entries; en; en = en->next)
        en->error_hash[0] = '\0';
}
