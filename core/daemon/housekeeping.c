/* housekeeping.c — run retention, online backups and log retention on one
 * timer of the daemon's loop (housekeeping.h). */
#include "housekeeping.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/filemode.h"
#include "lib/fs.h"
#include "log/log.h"
#include "time/clock.h"

#define SECONDS_PER_DAY 86400.0
/* Pause between two retention batches.  Not 0: libuv before 1.45 runs a
 * timer restarted with 0 delay from its own callback again in the same
 * pass, so the batches would not let the loop poll in between. */
#define BATCH_PAUSE_MS 1
/* Backup file names: '#' stands for one digit. */
#define BACKUP_PATTERN "scheduler-########-######.db"
#define BACKUP_NAME_FORMAT "scheduler-%Y%m%d-%H%M%S.db"
#define LOGS_DEPTH_MAX 16      /* folder nesting followed under logs/ */
#define ROTATED_SUFFIX ".log." /* NAME.log.N is a rotated log file */
#define STAMP_MAX 32           /* a Unix time as text, for the store's meta */

struct housekeeping {
    uv_timer_t timer;
    struct store *store;
    char backups_dir[PATH_MAX], logs_dir[PATH_MAX];
    int retention_days, backup_keep, log_retention_days;
    int64_t backup_interval;      /* s; 0 = no backups */
    double next_sweep_at;         /* wall instant of the next sweep */
    double last_backup_at;        /* wall instant; 0 = never */
    bool sweeping;                /* runs retention is between batches */
    double cutoff;                /* the sweep deletes runs queued before it */
    long deleted;                 /* runs deleted by this sweep so far */
    void (*on_sweep)(void *data); /* the daemon's hourly look at itself */
    void *sweep_data;
};

/* --- runs retention ----------------------------------------------------- */

static void start_sweep(struct housekeeping *hk, double now)
{
    if (hk->retention_days <= 0)
        return;
    hk->sweeping = true;
    hk->cutoff = now - hk->retention_days * SECONDS_PER_DAY;
    hk->deleted = 0;
}

/* One bounded batch; the sweep ends with the first batch that is not full. */
static void delete_batch(struct housekeeping *hk)
{
    int n = store_retention_delete(hk->store, hk->cutoff, HOUSEKEEPING_RETENTION_BATCH);

    if (n < 0) {
        log_error("housekeeping: deleting old runs: %s", store_error(hk->store));
        hk->sweeping = false;
        return;
    }
    hk->deleted += n;
    if (n == HOUSEKEEPING_RETENTION_BATCH)
        return;
    hk->sweeping = false;
    if (hk->deleted > 0)
        log_info("housekeeping: deleted %ld run(s) older than %d days", hk->deleted,
                 hk->retention_days);
}

/* --- backups ------------------------------------------------------------ */

static bool is_backup_name(const char *name)
{
    const char *p = BACKUP_PATTERN;

    for (; *p && *name; p++, name++)
        if (*p == '#' ? (*name < '0' || *name > '9') : *name != *p)
            return false;
    return *p == '\0' && *name == '\0';
}

static int newest_first(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Keep the newest backup_keep backups; names sort in time order. */
static void prune_backups(struct housekeeping *hk)
{
    DIR *dir = opendir(hk->backups_dir);
    char **names = NULL, path[PATH_MAX];
    size_t count = 0, cap = 0;
    struct dirent *de;

    if (!dir) {
        if (errno != ENOENT) /* no backup made yet: nothing to prune */
            log_error("housekeeping: %s: %s", hk->backups_dir, strerror(errno));
        return;
    }
    while ((de = readdir(dir))) {
        if (!is_backup_name(de->d_name))
            continue;
        if (count == cap) {
            size_t grown_cap = cap ? 2 * cap : 16;
            char **grown = realloc(names, grown_cap * sizeof *grown);
            if (!grown)
                goto fail;
            names = grown;
            cap = grown_cap;
        }
        if (!(names[count] = strdup(de->d_name)))
            goto fail;
        count++;
    }
    qsort(names, count, sizeof *names, newest_first);
    for (size_t i = (size_t)hk->backup_keep; i < count; i++) {
        if (snprintf(path, sizeof path, "%s/%s", hk->backups_dir, names[i]) >= (int)sizeof path)
            continue; /* cannot happen: both parts came from one path */
        if (unlink(path) == 0)
            log_info("housekeeping: removed old backup %s", path);
        else if (errno != ENOENT)
            log_error("housekeeping: %s: %s", path, strerror(errno));
    }
    goto done;
fail:
    log_error("housekeeping: listing backups: out of memory");
done:
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    if (closedir(dir) != 0)
        log_error("housekeeping: %s: %s", hk->backups_dir, strerror(errno));
}

/* Back up now.  A failure is logged and retried one interval later, not
 * at once: a full disk must not turn into a busy loop.  The copy blocks
 * the loop while SQLite copies the pages (store_backup); the database is
 * small next to the interval. */
static void backup(struct housekeeping *hk, double now)
{
    char path[PATH_MAX], name[sizeof BACKUP_PATTERN], err[STORE_ERR_MAX], stamp[STAMP_MAX];
    time_t t = (time_t)now;
    struct tm tm;

    hk->last_backup_at = now;
    if (!gmtime_r(&t, &tm) || strftime(name, sizeof name, BACKUP_NAME_FORMAT, &tm) == 0 ||
        snprintf(path, sizeof path, "%s/%s", hk->backups_dir, name) >= (int)sizeof path) {
        log_error("housekeeping: %s: cannot name a backup", hk->backups_dir);
        return;
    }
    if (fs_mkdirs(hk->backups_dir, FILEMODE_DIR, NULL, 0) != 0) {
        log_error("housekeeping: %s: %s", hk->backups_dir, strerror(errno));
        return;
    }
    if (store_backup(hk->store, path, err, sizeof err) != 0) {
        log_error("housekeeping: backup failed: %s", err);
        return;
    }
    log_info("housekeeping: database backed up to %s", path);
    snprintf(stamp, sizeof stamp, "%.0f", now);
    if (store_meta_set(hk->store, HOUSEKEEPING_LAST_BACKUP_KEY, stamp) != 0)
        log_error("housekeeping: recording the backup time: %s", store_error(hk->store));
    prune_backups(hk);
}

/* --- log retention ------------------------------------------------------ */

/* "tasks.log.3": ".log." followed by digits only. */
static bool is_rotated_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    size_t stem = dot ? (size_t)(dot - name) : 0;
    size_t suffix = strlen(ROTATED_SUFFIX) - 1; /* ".log" */

    return dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1) &&
           stem >= suffix && strncmp(dot - suffix, ROTATED_SUFFIX, suffix) == 0;
}

/* Delete rotated files under dir last written before `oldest`; returns
 * how many.  Symbolic links are not followed. */
static int expire_logs_in(const char *dir, double oldest, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int removed = 0;

    if (!d) {
        if (errno != ENOENT)
            log_error("housekeeping: %s: %s", dir, strerror(errno));
        return 0;
    }
    while ((de = readdir(d))) {
        char path[PATH_MAX];
        struct stat st;

        if (de->d_name[0] == '.' ||
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
            lstat(path, &st) != 0)
            continue; /* ., .., too long, or gone while we looked */
        if (S_ISDIR(st.st_mode) && depth < LOGS_DEPTH_MAX) {
            removed += expire_logs_in(path, oldest, depth + 1);
        } else if (S_ISREG(st.st_mode) && is_rotated_name(de->d_name) &&
                   (double)st.st_mtime < oldest) {
            if (unlink(path) == 0)
                removed++;
            else if (errno != ENOENT)
                log_error("housekeeping: %s: %s", path, strerror(errno));
        }
    }
    if (closedir(d) != 0)
        log_error("housekeeping: %s: %s", dir, strerror(errno));
    return removed;
}

static void expire_logs(struct housekeeping *hk, double now)
{
    int removed;

    if (hk->log_retention_days <= 0)
        return;
    removed = expire_logs_in(hk->logs_dir, now - hk->log_retention_days * SECONDS_PER_DAY, 0);
    if (removed > 0)
        log_info("housekeeping: deleted %d rotated log file(s) older than %d days", removed,
                 hk->log_retention_days);
}

/* --- the timer ---------------------------------------------------------- */

static void on_timer(uv_timer_t *timer);

static double next_backup_at(const struct housekeeping *hk)
{
    return hk->backup_interval > 0 ? hk->last_backup_at + (double)hk->backup_interval
                                   : INFINITY;
}

/* Sleep until the next chore: a batch soon while sweeping, else the next
 * sweep or backup, whichever comes first. */
static void arm(struct housekeeping *hk)
{
    double due = fmin(hk->next_sweep_at, next_backup_at(hk));
    double wait = due - clock_now();
    uint64_t ms = hk->sweeping ? BATCH_PAUSE_MS : wait > 0 ? (uint64_t)ceil(wait * 1000) : 0;
    int rc = uv_timer_start(&hk->timer, on_timer, ms, 0);

    if (rc != 0)
        log_error("housekeeping: timer: %s", uv_strerror(rc));
}

static void on_timer(uv_timer_t *timer)
{
    struct housekeeping *hk = timer->data;
    double now = clock_now();

    if (!hk->sweeping && now >= hk->next_sweep_at) {
        hk->next_sweep_at = now + HOUSEKEEPING_SWEEP_EVERY;
        expire_logs(hk, now);
        start_sweep(hk, now);
        if (hk->on_sweep)
            hk->on_sweep(hk->sweep_data);
    }
    if (now >= next_backup_at(hk))
        backup(hk, now);
    if (hk->sweeping)
        delete_batch(hk);
    arm(hk);
}

/* --- life --------------------------------------------------------------- */

struct housekeeping *housekeeping_start(uv_loop_t *loop, struct store *store,
                                        const struct config *cfg, const char *root, char *err,
                                        size_t errlen)
{
    struct housekeeping *hk = calloc(1, sizeof *hk);
    char *last = NULL;
    int rc;

    if (!hk) {
        snprintf(err, errlen, "housekeeping: out of memory");
        goto fail;
    }
    hk->store = store;
    if (config_resolve_path(root, HOUSEKEEPING_BACKUP_DIR, hk->backups_dir,
                            sizeof hk->backups_dir) != 0 ||
        config_resolve_path(root, HOUSEKEEPING_LOGS_DIR, hk->logs_dir, sizeof hk->logs_dir) !=
            0) {
        snprintf(err, errlen, "housekeeping: %s: path too long", root);
        goto fail;
    }
    rc = store_meta_get(store, HOUSEKEEPING_LAST_BACKUP_KEY, &last);
    if (rc < 0) {
        snprintf(err, errlen, "housekeeping: %s", store_error(store));
        goto fail;
    }
    hk->last_backup_at = rc == 1 ? strtod(last, NULL) : 0;
    free(last);
    if ((rc = uv_timer_init(loop, &hk->timer)) != 0) {
        snprintf(err, errlen, "housekeeping: timer: %s", uv_strerror(rc));
        goto fail;
    }
    hk->timer.data = hk;
    housekeeping_apply_config(hk, cfg);
    return hk;
fail:
    free(hk);
    return NULL;
}

/* A changed retention sweeps now, and a changed backup_keep prunes now,
 * rather than at the next hourly sweep or the next backup, which may be
 * days away. */
void housekeeping_apply_config(struct housekeeping *hk, const struct config *cfg)
{
    bool sweep = cfg->database.retention_days != hk->retention_days ||
                 cfg->logging.retention != hk->log_retention_days;
    bool prune = cfg->database.backup_keep != hk->backup_keep;

    hk->retention_days = cfg->database.retention_days;
    hk->backup_interval = cfg->database.backup_interval;
    hk->backup_keep = cfg->database.backup_keep;
    hk->log_retention_days = cfg->logging.retention;
    if (sweep)
        hk->next_sweep_at = clock_now();
    if (prune)
        prune_backups(hk);
    arm(hk);
}

void housekeeping_on_sweep(struct housekeeping *hk, void (*fn)(void *data), void *data)
{
    hk->on_sweep = fn;
    hk->sweep_data = data;
}

static void on_closed(uv_handle_t *handle)
{
    free(handle->data);
}

void housekeeping_stop(struct housekeeping *hk)
{
    if (hk)
        uv_close((uv_handle_t *)&hk->timer, on_closed);
}
