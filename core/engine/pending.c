/* pending.c — the daemon's store writes that the store cannot take now.
 *
 * The daemon is one loop, and the store may refuse writes for a while: the
 * disk is full, or another process holds the write lock longer than the
 * loop may wait (the daemon's busy timeout is short, see engine.c).  Fires
 * must go on and none may leave a hole in the history (DESIGN.md, "Runs"),
 * so the engine writes runs rows, fire times and the tasks' state (which
 * runs report, run_protocol.h) through here:
 *
 *  - While nothing waits, a write goes straight to the store.  When the
 *    store refuses it for a reason that may pass (store_error_transient),
 *    a copy is kept: an episode begins, logged once.
 *  - While anything waits, every later write queues behind it, untried:
 *    rows reach the store in the order things happened, with the times
 *    they happened, and a run's start or end never precedes its row.
 *  - A run row queued this way gets a provisional negative id, which the
 *    job keeps and passes to its later writes.  When the row is written,
 *    the provisional id maps to the real one until the run's end is
 *    written (only queued or running rows get later writes).
 *  - One uv_timer retries the queue, only while it is non-empty, after
 *    PENDING_RETRY_FIRST_MS and twice as long after each failure (up to
 *    PENDING_RETRY_MAX_MS); a long backlog is saved PENDING_FLUSH_BATCH
 *    writes per loop turn.  When the queue is empty the episode ends,
 *    logged once, and the timer stays off: an idle daemon makes no calls.
 *  - At most PENDING_MAX_WRITES wait; beyond, the oldest are dropped:
 *    the first drop of an episode is logged, and the total at its end.
 *
 * A write refused for good (a constraint, a missing row) is logged and
 * forgotten, as it would have been without this file.
 *
 * One transaction per loop turn.  A write that goes straight to the store
 * opens a transaction (store_batch_begin) unless one is open; the writes
 * of the turn join it and one uv_prepare, active only while it is open,
 * commits it before the loop next waits (pending_commit commits it at
 * once: before a run is spawned, and before a reply that may report what
 * was written).  A copy of each write inside is kept until the commit:
 * when the commit fails, or a write inside fails for now (a full disk
 * rolls the transaction back), the copies join the queue in order, as
 * if each had been refused by itself, and the queue saves them one by
 * one.  A row written inside keeps the id the job was given: the id map
 * below also maps such an id (positive, lost with the rollback) to the
 * row's id once it is written again.
 *
 * A run is given its task's state when it is spawned: pending_state_read
 * reads it from the store and applies the task's state writes still
 * waiting here, so a run never misses what the runs before it wrote.
 *
 * Surviving a stop.  Memory does not outlive the daemon, and a stop (or a
 * crash, or a re-exec) while the store refuses writes would lose the
 * history and, worse, the fire times: the next start would take fires that
 * ran for missed ones and, with catchup "all", run them again.  So every
 * write kept here is also kept in the daemon's spill file, DB_PATH-spill
 * (spill.c), whose space is reserved at start while the disk has some: a
 * full disk cannot refuse it.  The log of the spill holds the runs rows'
 * writes in order; each task's next_fire and last_scheduled have a slot of
 * their own, rewritten in place, so the marks that decide catch-up always
 * fit, however long the outage.  The spill is synced on each retry and at
 * the stop, and emptied (one header write) when the episode ends.
 *
 * The next start, before anything reads the store (orphans, catch-up),
 * writes what the spill holds to the store (pending_replay), in order: the
 * runs rows first, then the marks, so catch-up starts after the last fire
 * that ran.  A replay may repeat writes that reached the store before a
 * crash: a replayed row already there is found (store_run_find_same) and
 * its later writes go to it, and a replayed mark never moves a task's
 * last_scheduled back.  When the store refuses the replay, the start fails
 * (as it would on the store itself) and the spill is kept for the next.
 *
 * Task-state writes are kept in memory only: a stop on a refusing store
 * loses them (the stop says how many).
 *
 * The rule that keeps fires exact whatever the store went through: a fire
 * runs only once its marks are in the store or in the spill (the return of
 * pending_task_fires; fires.c holds a fire back otherwise and records it
 * missed).  What neither the store nor the spill took (the log's reserve
 * used up on a disk with no room left) is lost at a stop, and the stop
 * names each such write in the log.
 */
#include "pending.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "lib/utf8.h"
#include "log/log.h"
#include "spill.h"
#include "time/clock.h"

/* Writes kept in memory at most; each holds at most one run's error,
 * result and output tail (a few tens of MB in all), and the whole outputs
 * have a budget of their own below. */
#define PENDING_MAX_WRITES 10000
/* Whole run outputs (up to logging.run_output_max each) kept in memory at
 * most; past it a finished run keeps only its tail, as a spilled one does,
 * so a long outage cannot grow the daemon by gigabytes. */
#define PENDING_OUTPUT_BUDGET ((size_t)64 << 20)
/* Retry delays: the first soon (a lock is often short), then doubling, so
 * a long outage costs an attempt every PENDING_RETRY_MAX_MS and the
 * history is saved at most that long after the store recovers. */
#define PENDING_RETRY_FIRST_MS 250
#define PENDING_RETRY_MAX_MS 2000
/* Writes saved per loop turn while catching up: the loop keeps answering. */
#define PENDING_FLUSH_BATCH 256
#define PENDING_WHAT_MAX 160
/* A stop names this many writes it loses, then counts the rest. */
#define PENDING_LOST_NAMED 20
#define PENDING_PATH_MAX 4096

enum pending_kind {
    PENDING_INSERT,
    PENDING_START,
    PENDING_FINISH,
    PENDING_FIRES,
    PENDING_STATE
};

/* One write.  Queued copies own their strings; a write built by a caller
 * for its first attempt borrows them. */
struct pending_write {
    struct pending_write *next;
    enum pending_kind kind;
    bool spilled;  /* also in the spill: a stop keeps it */
    bool replayed; /* from the spill: it may be in the store already */
    int64_t id;    /* the run's; a queued insert's provisional id */
    char *task;    /* its task (insert: run.task points here), fires, state */
    union {
        struct store_run run; /* insert */
        struct {
            int pid;
            double at;
        } start;
        struct store_run_outcome outcome; /* finish */
        struct {
            int64_t next_fire, last_scheduled;
        } fires;
        struct {
            char *key, *value_json;
        } state; /* value_json NULL: delete */
    } u;
};

/* A provisional id whose row was written, until the run's end is. */
struct id_map {
    struct id_map *next;
    int64_t provisional, real;
};

struct pending {
    struct store *store;
    struct spill *spill; /* NULL: writes kept in memory only */
    uv_timer_t timer;
    uv_prepare_t commit;                         /* active while `batch` is open */
    int open_handles;                            /* freed when both handles are closed */
    bool batch;                                  /* this writer's transaction is open */
    struct pending_write *done_head, *done_tail; /* copies of its writes */
    struct pending_write *head, *tail;
    size_t count;
    struct id_map *ids;
    int64_t last_provisional; /* 0, then -1, -2 … */
    uint64_t retry_ms;
    void (*closed)(void *data);
    void *closed_data;
    void (*on_episode)(void *data, bool began, const char *error, double since);
    void *episode_data;
    /* The episode: from the first write kept until the queue is empty. */
    char error[STORE_ERR_MAX]; /* the store's last refusal; "" = no episode */
    double since;
    size_t saved, lost;
    size_t output_bytes; /* of the whole outputs queued */
    bool output_cut;     /* PENDING_OUTPUT_BUDGET was hit this episode */
    bool overflowed;     /* the cap was hit */
    bool spill_failed;   /* the spill refused a write */
    int wal_blocker;     /* the WAL's blocking reader reported, 0 = none */
};

enum outcome {
    WRITTEN,
    RETRY,   /* refused for now: keep it */
    REFUSED, /* refused for good */
    LOST     /* its run's row never reached the store, or no memory to keep it */
};

/* ---- the id map --------------------------------------------------------- */

/* The row id of `id`: its mapping (a provisional id, or the id of a row
 * a failed batch lost), else itself when real, 0 when its row is unknown. */
static int64_t real_id(const struct pending *p, int64_t id)
{
    for (const struct id_map *m = p->ids; m; m = m->next)
        if (m->provisional == id)
            return m->real;
    return id > 0 ? id : 0;
}

static void map_add(struct pending *p, int64_t provisional, int64_t real)
{
    struct id_map *m = malloc(sizeof *m);

    if (!m) {
        log_error("store: out of memory: the end of run %lld (row %lld) will be lost",
                  (long long)provisional, (long long)real);
        return;
    }
    m->provisional = provisional;
    m->real = real;
    m->next = p->ids;
    p->ids = m;
}

static void map_remove(struct pending *p, int64_t provisional)
{
    for (struct id_map **link = &p->ids; *link; link = &(*link)->next) {
        if ((*link)->provisional == provisional) {
            struct id_map *m = *link;
            *link = m->next;
            free(m);
            return;
        }
    }
}

/* ---- writes ------------------------------------------------------------- */

static void write_free(struct pending_write *w)
{
    free(w->task);
    if (w->kind == PENDING_INSERT) {
        free((char *)w->u.run.error);
        free((char *)w->u.run.file_hash);
    } else if (w->kind == PENDING_FINISH) {
        free((char *)w->u.outcome.error);
        free((char *)w->u.outcome.result_json);
        free((char *)w->u.outcome.output_tail);
        free((char *)w->u.outcome.output);
    } else if (w->kind == PENDING_STATE) {
        free(w->u.state.key);
        free(w->u.state.value_json);
    }
    free(w);
}

/* strdup that leaves NULL alone and notes a failure in *ok. */
static char *dup_text(const char *s, bool *ok)
{
    char *copy;

    if (!s)
        return NULL;
    copy = strdup(s);
    if (!copy)
        *ok = false;
    return copy;
}

/* A copy owning its strings, or NULL when out of memory. */
static struct pending_write *write_copy(const struct pending_write *w)
{
    struct pending_write *c = malloc(sizeof *c);
    bool ok = true;

    if (!c)
        return NULL;
    *c = *w;
    c->next = NULL;
    c->task = dup_text(w->task, &ok);
    if (w->kind == PENDING_INSERT) {
        c->u.run.task = c->task;
        c->u.run.error = dup_text(w->u.run.error, &ok);
        c->u.run.file_hash = dup_text(w->u.run.file_hash, &ok);
    } else if (w->kind == PENDING_FINISH) {
        c->u.outcome.error = dup_text(w->u.outcome.error, &ok);
        c->u.outcome.result_json = dup_text(w->u.outcome.result_json, &ok);
        c->u.outcome.output_tail = dup_text(w->u.outcome.output_tail, &ok);
        c->u.outcome.output = dup_text(w->u.outcome.output, &ok);
    } else if (w->kind == PENDING_STATE) {
        c->u.state.key = dup_text(w->u.state.key, &ok);
        c->u.state.value_json = dup_text(w->u.state.value_json, &ok);
    }
    if (!ok) {
        write_free(c);
        return NULL;
    }
    return c;
}

static void describe(const struct pending_write *w, char *buf, size_t len)
{
    switch (w->kind) {
    case PENDING_INSERT:
        snprintf(buf, len, "the %s row of %s", store_status_name(w->u.run.status), w->task);
        break;
    case PENDING_START:
        snprintf(buf, len, "the start of run %lld of %s", (long long)w->id, w->task);
        break;
    case PENDING_FINISH:
        snprintf(buf, len, "the %s end of run %lld of %s",
                 store_status_name(w->u.outcome.status), (long long)w->id, w->task);
        break;
    case PENDING_FIRES:
        snprintf(buf, len, "the next fire of %s", w->task);
        break;
    case PENDING_STATE:
        snprintf(buf, len, "the state '%s' of %s", w->u.state.key, w->task);
        break;
    }
}

/* A `daemon` event: the store refused `what`. */
static void publish_store_error(const struct pending *p, const char *what)
{
    const char *error = store_error(p->store);

    events_publish(
        "daemon", "store_error",
        json_pack("{s:s, s:o}", "what", what, "error", utf8_json_string(error, strlen(error))));
}

static void report_refused(const struct pending *p, const struct pending_write *w)
{
    char what[PENDING_WHAT_MAX];

    describe(w, what, sizeof what);
    log_error("store: %s was refused: %s", what, store_error(p->store));
    publish_store_error(p, what);
}

/* A replayed row may have reached the store before the crash that kept
 * it in the spill: then its later writes go to that row. */
static int insert_row(struct pending *p, const struct pending_write *w, int64_t *row_id)
{
    int found = w->replayed ? store_run_find_same(p->store, &w->u.run, row_id) : 0;

    if (found != 0)
        return found < 0 ? -1 : 0;
    return store_run_insert(p->store, &w->u.run, row_id);
}

/* A replayed mark never moves last_scheduled back: the store may hold a
 * later one, written after the spill kept this. */
static int set_fires(struct pending *p, const struct pending_write *w)
{
    struct store *st = p->store;
    int64_t stored = 0;
    int known;

    if (w->replayed) {
        known = store_task_get_schedule_state(st, w->task, NULL, &stored, NULL);
        if (known <= 0 || stored > w->u.fires.last_scheduled)
            return known < 0 ? -1 : 0;
    }
    return store_task_set_next_fire(st, w->task, w->u.fires.next_fire) < 0 ||
                   store_task_set_last_scheduled(st, w->task, w->u.fires.last_scheduled) < 0
               ? -1
               : 0;
}

#define PENDING_MB (1024.0 * 1024.0)

/* A reader that holds every checkpoint back (store_wal.c) makes the WAL
 * grow until the disk is full: it is named once when a write finds it,
 * and its end once. */
static void report_wal(struct pending *p)
{
    struct store_wal wal;

    store_wal_state(p->store, &wal);
    if (wal.blocker_pid == p->wal_blocker)
        return;
    if (wal.blocker_pid)
        log_warn("store: process %d (%s) keeps a read transaction open on the database: no "
                 "checkpoint can finish, and the WAL (%.1f MB) grows with every write until it "
                 "ends",
                 wal.blocker_pid, wal.blocker, (double)wal.bytes / PENDING_MB);
    else
        log_info("store: checkpoints finish again (the WAL is %.1f MB)",
                 (double)wal.bytes / PENDING_MB);
    p->wal_blocker = wal.blocker_pid;
}

/* One write to the store; a new row's id in *row_id. */
static enum outcome attempt(struct pending *p, const struct pending_write *w, int64_t *row_id)
{
    struct store *st = p->store;
    int64_t id = real_id(p, w->id);
    int rc = -1;

    switch (w->kind) {
    case PENDING_INSERT:
        rc = insert_row(p, w, row_id);
        break;
    case PENDING_START:
        if (!id)
            return LOST;
        rc = store_run_start(st, id, w->u.start.pid, w->u.start.at);
        break;
    case PENDING_FINISH:
        if (!id)
            return LOST;
        rc = store_run_finish(st, id, &w->u.outcome);
        break;
    case PENDING_FIRES:
        rc = set_fires(p, w);
        break;
    case PENDING_STATE:
        rc = w->u.state.value_json
                 ? store_state_set(st, w->task, w->u.state.key, w->u.state.value_json)
                 : store_state_delete(st, w->task, w->u.state.key);
        break;
    }
    report_wal(p);
    if (rc < 0)
        return store_error_transient(st) ? RETRY : REFUSED;
    return WRITTEN;
}

/* The id map's share of a write that is done with (not RETRY). */
static void settle(struct pending *p, const struct pending_write *w, enum outcome o,
                   int64_t row_id)
{
    bool open_row = w->kind == PENDING_INSERT && (w->u.run.status == STORE_RUN_QUEUED ||
                                                  w->u.run.status == STORE_RUN_RUNNING);

    if (o == LOST)
        p->lost++;
    if (o == WRITTEN && open_row && w->id != 0)
        map_add(p, w->id, row_id);
    if (w->kind == PENDING_FINISH && w->id != 0)
        map_remove(p, w->id);
}

/* ---- the queue ---------------------------------------------------------- */

static struct pending_write *pop(struct pending *p)
{
    struct pending_write *w = p->head;

    p->head = w->next;
    if (!p->head)
        p->tail = NULL;
    p->count--;
    if (w->kind == PENDING_FINISH && w->u.outcome.output)
        p->output_bytes -= strlen(w->u.outcome.output);
    return w;
}

static void drop_oldest(struct pending *p)
{
    struct pending_write *w = pop(p);
    char what[PENDING_WHAT_MAX];

    if (!p->overflowed) {
        p->overflowed = true;
        describe(w, what, sizeof what);
        log_error("store: more than %d writes waiting; dropping the oldest, from %s on",
                  PENDING_MAX_WRITES, what);
    }
    settle(p, w, LOST, 0);
    write_free(w);
}

static void push(struct pending *p, struct pending_write *w)
{
    if (w->kind == PENDING_FINISH && w->u.outcome.output) {
        size_t n = strlen(w->u.outcome.output);
        if (p->output_bytes + n > PENDING_OUTPUT_BUDGET) {
            if (!p->output_cut) {
                p->output_cut = true;
                log_warn("store: more than %zu MiB of run output waiting; the runs that end "
                         "from now on keep only their output's tail until the store takes "
                         "writes again",
                         PENDING_OUTPUT_BUDGET >> 20);
            }
            free((char *)w->u.outcome.output);
            w->u.outcome.output = NULL;
        } else {
            p->output_bytes += n;
        }
    }
    if (p->tail)
        p->tail->next = w;
    else
        p->head = w;
    p->tail = w;
    p->count++;
}

/* A copy of `w` in the spill, so that a stop keeps it.  False when there
 * is no spill or it could not take the write (the first such failure of an
 * episode is logged: from then on a stop loses what is kept). */
static bool keep_on_disk(struct pending *p, const struct pending_write *w)
{
    struct spill *s = p->spill;
    int rc = -1;

    if (!s)
        return false;
    switch (w->kind) {
    case PENDING_INSERT:
        rc = spill_insert(s, w->id, &w->u.run);
        break;
    case PENDING_START:
        rc = spill_start(s, w->id, w->task, w->u.start.pid, w->u.start.at);
        break;
    case PENDING_FINISH:
        rc = spill_finish(s, w->id, w->task, &w->u.outcome);
        break;
    case PENDING_FIRES:
        rc = spill_marks(s, w->task, w->u.fires.next_fire, w->u.fires.last_scheduled);
        break;
    case PENDING_STATE:
        return false; /* kept in memory only (see the top of the file) */
    }
    if (rc != 0 && !p->spill_failed) {
        p->spill_failed = true;
        log_error("store: %s; the writes waiting from now on are kept in memory only, and a "
                  "stop before the store takes them loses them",
                  spill_error(s));
    }
    return rc == 0;
}

static void on_retry(uv_timer_t *timer);

/* The store refused the write `copy` (owned, now the queue's) for now:
 * keep it behind the others, and on disk; *kept says whether a stop would
 * keep it. */
static enum outcome enqueue_owned(struct pending *p, struct pending_write *copy, bool *kept)
{
    if (!p->head) {
        snprintf(p->error, sizeof p->error, "%s", store_error(p->store));
        p->since = clock_now();
        p->retry_ms = PENDING_RETRY_FIRST_MS;
        log_error("store: %s; keeping the run history in memory%s until it can be written",
                  p->error, p->spill ? " and in the spill file" : "");
        publish_store_error(p, "a write");
        uv_timer_start(&p->timer, on_retry, p->retry_ms, 0);
        if (p->on_episode)
            p->on_episode(p->episode_data, true, p->error, p->since);
    }
    *kept = copy->spilled = keep_on_disk(p, copy);
    push(p, copy);
    if (p->count > PENDING_MAX_WRITES)
        drop_oldest(p);
    return RETRY;
}

/* enqueue_owned of a copy of `w` (its strings borrowed). */
static enum outcome enqueue(struct pending *p, const struct pending_write *w, bool *kept)
{
    struct pending_write *copy = write_copy(w);

    *kept = false;
    if (!copy) {
        log_error("store: out of memory keeping a write the store refused: %s",
                  store_error(p->store));
        return LOST;
    }
    return enqueue_owned(p, copy, kept);
}

void pending_commit(struct pending *p)
{
    bool failed, kept;

    if (!p->batch)
        return;
    p->batch = false;
    uv_prepare_stop(&p->commit);
    failed = store_batch_end(p->store, 1) != 0;
    while (p->done_head) {
        struct pending_write *w = p->done_head;
        p->done_head = w->next;
        w->next = NULL;
        if (failed)
            (void)enqueue_owned(p, w, &kept);
        else
            write_free(w);
    }
    p->done_tail = NULL;
}

static void on_prepare(uv_prepare_t *handle)
{
    pending_commit(handle->data);
}

/* This turn's transaction, opened now when none is: -1 when the store
 * refuses it for now (the write then waits in the queue).  A transaction
 * someone else opened (a scan's, store_batch_begin) is joined and left to
 * its owner; a BEGIN refused for good leaves the write to commit alone. */
static int batch_open(struct pending *p)
{
    int began = store_batch_begin(p->store);

    if (began == 1) {
        p->batch = true;
        uv_prepare_start(&p->commit, on_prepare);
    }
    return began < 0 && store_error_transient(p->store) ? -1 : 0;
}

/* A write straight to the store, inside the turn's transaction, of which a
 * copy is kept until the commit (see the top of the file). */
static enum outcome attempt_batched(struct pending *p, const struct pending_write *w,
                                    int64_t *row_id)
{
    struct pending_write *copy;
    enum outcome o;

    if (!p->batch && batch_open(p) != 0)
        return RETRY;
    o = attempt(p, w, row_id);
    if (!p->batch)
        return o;
    /* A failed write may have rolled the whole transaction back (a full
     * disk does): the writes before it commit now, or wait ahead of it,
     * and none after it joins a transaction that is gone. */
    if (o != WRITTEN) {
        pending_commit(p);
        return o;
    }
    if (!(copy = write_copy(w))) {
        log_error("store: out of memory keeping a copy of a write until its commit; "
                  "committing now");
        pending_commit(p);
        return o;
    }
    if (w->kind == PENDING_INSERT)
        copy->id = *row_id; /* the id the job keeps, mapped should the row be written again */
    if (p->done_tail)
        p->done_tail->next = copy;
    else
        p->done_head = copy;
    p->done_tail = copy;
    return o;
}

/* Try `w` (its strings borrowed) at once unless others wait; keep it when
 * the store refuses it for now.  An insert kept gets a provisional id.
 * *durable: the write is in the store, or kept where a stop keeps it. */
static enum outcome submit(struct pending *p, struct pending_write *w, int64_t *row_id,
                           bool *durable)
{
    enum outcome o = p->head ? RETRY : attempt_batched(p, w, row_id);

    *durable = o == WRITTEN;
    if (o != RETRY) {
        settle(p, w, o, *row_id);
        return o;
    }
    if (w->kind == PENDING_INSERT)
        *row_id = w->id = --p->last_provisional;
    return enqueue(p, w, durable);
}

/* The spill's slots hold each task's latest marks even when the cap
 * dropped them from the queue: once the store is back, they are written
 * again, so no dropped mark leaves a task's fires to be run twice. */
static int restore_mark(void *ud, const char *task, int64_t next_fire, int64_t last_scheduled)
{
    struct pending *p = ud;
    struct pending_write w = {.kind = PENDING_FIRES,
                              .replayed = true,
                              .task = (char *)task,
                              .u.fires = {next_fire, last_scheduled}};

    if (set_fires(p, &w) != 0)
        log_error("store: the fire times of %s kept in %s could not be saved: %s", task,
                  spill_path(p->spill), store_error(p->store));
    return 0;
}

static void episode_end(struct pending *p)
{
    struct spill_reader marks_only = {.marks = restore_mark, .ud = p};

    log_info("store: writable again after %.0f s; %zu waiting write(s) saved",
             clock_now() - p->since, p->saved);
    if (p->lost > 0)
        log_warn("store: %zu write(s) lost (more than %d waited, or their run's row was lost)",
                 p->lost, PENDING_MAX_WRITES);
    if (p->spill && p->overflowed && spill_load(p->spill, &marks_only) != 0)
        log_error("store: %s", spill_error(p->spill));
    if (p->spill && spill_reset(p->spill) != 0)
        log_error("store: %s", spill_error(p->spill));
    /* The backlog grew the WAL: give its space back to the disk now. */
    if (store_checkpoint(p->store) != 0)
        log_warn("store: %s", store_error(p->store));
    if (p->on_episode)
        p->on_episode(p->episode_data, false, p->error, p->since);
    p->error[0] = '\0';
    p->saved = p->lost = 0;
    p->overflowed = p->spill_failed = p->output_cut = false;
}

/* Write up to `max` queued writes in order.  False when the store refused
 * one for now (it stays first). */
static bool flush(struct pending *p, size_t max)
{
    for (; p->head && max > 0; max--) {
        int64_t row_id = 0;
        enum outcome o = attempt(p, p->head, &row_id);
        struct pending_write *w;

        if (o == RETRY) {
            snprintf(p->error, sizeof p->error, "%s", store_error(p->store));
            return false;
        }
        w = pop(p);
        if (o == REFUSED)
            report_refused(p, w);
        p->saved += o == WRITTEN;
        settle(p, w, o, row_id);
        write_free(w);
    }
    return true;
}

void pending_on_episode(struct pending *p,
                        void (*fn)(void *data, bool began, const char *error, double since),
                        void *data)
{
    p->on_episode = fn;
    p->episode_data = data;
}

static void on_retry(uv_timer_t *timer)
{
    struct pending *p = timer->data;

    /* What the spill took since the last retry reaches the disk. */
    if (p->spill && spill_sync(p->spill) != 0 && !p->spill_failed) {
        p->spill_failed = true;
        log_error("store: %s", spill_error(p->spill));
    }
    if (!flush(p, PENDING_FLUSH_BATCH)) {
        p->retry_ms =
            p->retry_ms * 2 < PENDING_RETRY_MAX_MS ? p->retry_ms * 2 : PENDING_RETRY_MAX_MS;
        uv_timer_start(timer, on_retry, p->retry_ms, 0);
    } else if (p->head) {
        uv_timer_start(timer, on_retry, 0, 0); /* the next batch, after other events */
    } else {
        episode_end(p);
    }
}

static void free_queue(struct pending *p)
{
    while (p->head)
        write_free(pop(p));
    while (p->ids)
        map_remove(p, p->ids->provisional);
}

/* ---- the spill ---------------------------------------------------------- */

static int spill_path_of(const char *db_path, char *buf, size_t len)
{
    return snprintf(buf, len, "%s" SPILL_SUFFIX, db_path) < (int)len ? 0 : -1;
}

/* The spill for the store (NULL with a message when it cannot be had). */
static struct spill *open_spill(struct store *st, const char *db_path, char *err, size_t errlen)
{
    char path[PENDING_PATH_MAX], *owner = NULL;
    struct spill *s = NULL;
    bool foreign;

    if (spill_path_of(db_path, path, sizeof path) != 0)
        snprintf(err, errlen, "%s" SPILL_SUFFIX ": path too long", db_path);
    else if (store_identity(st, &owner) != 0)
        snprintf(err, errlen, "%s: %s", path, store_error(st));
    else if ((s = spill_open(path, owner, &foreign, err, errlen)) && foreign)
        log_warn("store: %s held writes of another database (%s was replaced); dropped", path,
                 db_path);
    free(owner);
    return s;
}

/* The replay's reader: each write joins the queue as it was kept. */
static int replay_keep(struct pending *p, const struct pending_write *w)
{
    struct pending_write *copy = write_copy(w);

    if (!copy)
        return -1;
    copy->spilled = copy->replayed = true;
    push(p, copy);
    return 0;
}

static int replay_insert(void *ud, int64_t id, const struct store_run *row)
{
    struct pending_write w = {
        .kind = PENDING_INSERT, .id = id, .task = (char *)row->task, .u.run = *row};

    return replay_keep(ud, &w);
}

static int replay_start(void *ud, int64_t id, const char *task, int pid, double at)
{
    struct pending_write w = {.kind = PENDING_START,
                              .id = id,
                              .task = (char *)task,
                              .u.start = {.pid = pid, .at = at}};

    return replay_keep(ud, &w);
}

static int replay_finish(void *ud, int64_t id, const char *task,
                         const struct store_run_outcome *o)
{
    struct pending_write w = {
        .kind = PENDING_FINISH, .id = id, .task = (char *)task, .u.outcome = *o};

    return replay_keep(ud, &w);
}

static int replay_marks(void *ud, const char *task, int64_t next_fire, int64_t last_scheduled)
{
    struct pending_write w = {
        .kind = PENDING_FIRES, .task = (char *)task, .u.fires = {next_fire, last_scheduled}};

    return replay_keep(ud, &w);
}

int pending_replay(struct store *store, const char *db_path, char *err, size_t errlen)
{
    struct pending p = {.store = store};
    struct spill_reader reader = {replay_insert, replay_start, replay_finish, replay_marks, &p};
    char path[PENDING_PATH_MAX];
    size_t count;
    int rc = -1;

    if (spill_path_of(db_path, path, sizeof path) == 0 && access(path, F_OK) != 0 &&
        errno == ENOENT)
        return 0; /* never spilled */
    if (!(p.spill = open_spill(store, db_path, err, errlen)))
        return -1;
    if (!spill_holds(p.spill)) {
        rc = 0;
        goto done;
    }
    if (spill_load(p.spill, &reader) != 0) {
        snprintf(err, errlen, "%s", spill_error(p.spill));
        goto done;
    }
    count = p.count;
    if (!flush(&p, SIZE_MAX)) {
        snprintf(err, errlen, "%s holds %zu write(s) of the run history the store refuses: %s",
                 spill_path(p.spill), p.count, p.error);
        goto done;
    }
    log_info("store: %zu write(s) kept in %s by the last stop written to the store", count,
             spill_path(p.spill));
    if (p.lost > 0)
        log_warn("store: %zu of them lost: the row of their run was not kept", p.lost);
    if (spill_reset(p.spill) != 0) /* the next start replays them again, harmlessly */
        log_error("store: %s", spill_error(p.spill));
    if (store_checkpoint(store) != 0)
        log_warn("store: %s", store_error(store));
    rc = 0;
done:
    free_queue(&p);
    spill_close(p.spill);
    return rc;
}

/* ---- the public face ---------------------------------------------------- */

static void free_on_close(uv_handle_t *handle)
{
    free(handle->data);
}

struct pending *pending_create(uv_loop_t *loop, struct store *store, const char *db_path)
{
    struct pending *p = calloc(1, sizeof *p);
    char err[STORE_ERR_MAX];

    if (!p)
        return NULL;
    if (uv_timer_init(loop, &p->timer) != 0) {
        free(p);
        return NULL;
    }
    p->timer.data = p;
    if (uv_prepare_init(loop, &p->commit) != 0) {
        uv_close((uv_handle_t *)&p->timer, free_on_close); /* p outlives the timer */
        return NULL;
    }
    p->commit.data = p;
    p->store = store;
    p->open_handles = 2;
    if (db_path && (!(p->spill = open_spill(store, db_path, err, sizeof err)) ||
                    spill_reserve(p->spill) != 0)) {
        log_warn(
            "store: %s; while the store refuses writes, fires wait for their fire times to "
            "be saved, and a stop loses the history kept in memory",
            p->spill ? spill_error(p->spill) : err);
        spill_close(p->spill);
        p->spill = NULL;
    }
    return p;
}

static void on_closed(uv_handle_t *handle)
{
    struct pending *p = handle->data;
    void (*closed)(void *data) = p->closed;
    void *data = p->closed_data;

    if (--p->open_handles > 0)
        return;
    free_queue(p);
    spill_close(p->spill);
    free(p);
    closed(data);
}

/* The stop: what waits is in the spill, for the next start, or lost, and
 * the log says which. */
static void report_kept(struct pending *p)
{
    char what[PENDING_WHAT_MAX];
    size_t kept = 0, lost = 0;

    if (p->spill && spill_sync(p->spill) != 0)
        log_error("store: %s", spill_error(p->spill));
    for (const struct pending_write *w = p->head; w; w = w->next) {
        if (w->spilled) {
            kept++;
        } else if (lost++ < PENDING_LOST_NAMED) {
            describe(w, what, sizeof what);
            log_error("store: lost with this stop: %s", what);
        }
    }
    if (kept > 0)
        log_warn(
            "store: %zu write(s) of the run history kept in %s (%s); the next start writes "
            "them to the store first",
            kept, spill_path(p->spill), p->error);
    if (lost > 0)
        log_error("store: %zu write(s) of the run history could not be saved%s: %s", lost,
                  lost > PENDING_LOST_NAMED ? " (the first ones named above)"
                                            : " (named above)",
                  p->error);
}

void pending_close(struct pending *p, void (*closed)(void *data), void *data)
{
    uv_timer_stop(&p->timer);
    pending_commit(p);
    if (p->head && flush(p, SIZE_MAX))
        episode_end(p);
    if (p->head)
        report_kept(p);
    p->closed = closed;
    p->closed_data = data;
    uv_close((uv_handle_t *)&p->timer, on_closed);
    uv_close((uv_handle_t *)&p->commit, on_closed);
}

int pending_run_insert(struct pending *p, const struct store_run *row, int64_t *id, char *err,
                       size_t errlen)
{
    struct pending_write w = {.kind = PENDING_INSERT, .task = (char *)row->task, .u.run = *row};
    bool durable;

    switch (submit(p, &w, id, &durable)) {
    case WRITTEN:
    case RETRY:
        return 0;
    case REFUSED:
        snprintf(err, errlen, "%s", store_error(p->store));
        return -1;
    case LOST:
        break;
    }
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* The writes with no answer for their caller: a refusal is reported here.
 * Whether the write is in the store or the spill. */
static bool submit_and_report(struct pending *p, struct pending_write *w)
{
    int64_t unused = 0;
    bool durable;

    if (submit(p, w, &unused, &durable) == REFUSED)
        report_refused(p, w);
    return durable;
}

void pending_run_start(struct pending *p, int64_t id, const char *task, int pid,
                       double started_at)
{
    struct pending_write w = {.kind = PENDING_START,
                              .id = id,
                              .task = (char *)task,
                              .u.start = {.pid = pid, .at = started_at}};

    submit_and_report(p, &w);
}

void pending_run_finish(struct pending *p, int64_t id, const char *task,
                        const struct store_run_outcome *o)
{
    struct pending_write w = {
        .kind = PENDING_FINISH, .id = id, .task = (char *)task, .u.outcome = *o};

    submit_and_report(p, &w);
}

int pending_task_fires(struct pending *p, const char *task, int64_t next_fire,
                       int64_t last_scheduled, char *err, size_t errlen)
{
    struct pending_write w = {
        .kind = PENDING_FIRES, .task = (char *)task, .u.fires = {next_fire, last_scheduled}};
    bool durable, slot;

    /* A slot taken now, while the disk has room, is there when it is full;
     * failing that, spill_marks fails below when the slot is needed. */
    slot = p->spill && spill_reserve_marks(p->spill, task) == 0;
    durable = submit_and_report(p, &w);
    /* Written inside the turn's transaction, the marks are on disk once it
     * commits or, should the commit fail, in their slot of the spill.  With
     * no slot only the commit can tell: it is done now. */
    if (durable && !slot && p->batch) {
        pending_commit(p);
        durable = !p->head; /* a failed commit queued its writes, these marks too */
    }
    if (durable)
        return 0;
    snprintf(err, errlen, "the store refuses writes (%s) and %s", store_error(p->store),
             !p->spill ? "no spill file could be set up at start"
                       : "the spill file could not keep them");
    return -1;
}

void pending_state_write(struct pending *p, const char *task, const char *key,
                         const char *value_json)
{
    struct pending_write w = {.kind = PENDING_STATE,
                              .task = (char *)task,
                              .u.state = {(char *)key, (char *)value_json}};

    submit_and_report(p, &w);
}

/* A row of the store into the object; a value that does not parse is left
 * out (the helper could not give it anyway). */
static int state_row(const char *key, const char *value_json, void *ud)
{
    json_t *value = json_loads(value_json, JSON_DECODE_ANY, NULL);

    if (value && json_object_set_new(ud, key, value) != 0)
        return 1; /* out of memory */
    return 0;
}

int pending_state_read(const struct pending *p, const char *task, json_t **state, char *err,
                       size_t errlen)
{
    json_t *obj = json_object();
    int rc;

    *state = NULL;
    if (!obj) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rc = store_state_all(p->store, task, state_row, obj);
    if (rc != 0) {
        snprintf(err, errlen, "%s", rc < 0 ? store_error(p->store) : "out of memory");
        json_decref(obj);
        return -1;
    }
    for (const struct pending_write *w = p->head; w && rc == 0; w = w->next) {
        if (w->kind != PENDING_STATE || strcmp(w->task, task) != 0)
            continue;
        if (w->u.state.value_json)
            rc = state_row(w->u.state.key, w->u.state.value_json, obj);
        else
            json_object_del(obj, w->u.state.key); /* not there is as good */
    }
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        json_decref(obj);
        return -1;
    }
    *state = obj;
    return 0;
}

json_t *pending_status_json(const struct pending *p)
{
    struct store_wal wal;
    json_t *doc;

    store_wal_state(p->store, &wal);
    if (!p->error[0] && !wal.blocker_pid)
        return json_null();
    doc = p->error[0]
              ? json_pack("{s:s, s:I, s:f, s:I}", "error", p->error, "pending",
                          (json_int_t)p->count, "since", p->since, "lost", (json_int_t)p->lost)
              : json_object();
    if (doc && wal.blocker_pid &&
        json_object_set_new(doc, "checkpoint_blocked_by",
                            json_pack("{s:i, s:s, s:f, s:I}", "pid", wal.blocker_pid, "command",
                                      wal.blocker, "since", wal.blocked_since, "wal_bytes",
                                      (json_int_t)wal.bytes)) != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}
