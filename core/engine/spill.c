/* spill.c — the spill file: the store writes pending.c keeps, on disk.
 *
 * The disk that refuses the store is usually the one this file is on, so
 * its space is taken while there is space: spill_reserve allocates (with
 * posix_fallocate) a slot for every task the engine persists fires of and
 * SPILL_LOG_RESERVE bytes of log, and writing into space already allocated
 * needs no new block.  The file is only ever written in place:
 *
 *   header  SPILL_HEADER_SIZE bytes: magic, the owner (the database's
 *           identity), the generation, the number of slots, a checksum
 *   slots   SPILL_SLOT_SIZE each, one per task: its latest next_fire and
 *           last_scheduled, rewritten in place, so however many fires wait
 *           a task's marks take one slot
 *   log     the runs rows' writes (insert, start, end), appended in order,
 *           each with its length, the generation and a checksum
 *
 * When the store has everything, spill_reset increments the generation
 * (one header write): every slot and record of an older generation is
 * dead, and the next records overwrite them.  A slot is live when its
 * checksum holds and it carries the header's generation; a record, when
 * it also carries the generation and its checksum holds, which covers the
 * checksum of the record before it (as SQLite's WAL frames do): so the log
 * ends before a record torn by a crash, and an older record that a new one
 * happens to end next to can never look like its successor.  A slot is
 * 256 bytes, aligned, so the disk writes it whole.  The number of slots
 * grows (a new layout, doubling) only while the file holds nothing.
 *
 * Integers and doubles are in the machine's own byte order: the file
 * lives and dies beside one database on one machine.
 */
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SPILL_MAGIC "TSSPILL1"
#define SPILL_MAGIC_LEN 8
#define SPILL_MODE 0600
#define SPILL_HEADER_SIZE 512
#define SPILL_SLOT_SIZE 256 /* divides a 512-byte sector: written whole */
#define SPILL_SLOTS_MIN 64
/* Log space reserved at start: some thousands of small rows, or a hundred
 * runs with full output tails.  When it is used up the log grows by
 * SPILL_LOG_GROW while the disk has room. */
#define SPILL_LOG_RESERVE (512 << 10)
#define SPILL_LOG_GROW (256 << 10)
#define SPILL_RECORD_MAX (4u << 20) /* a run's result is at most 1 MB */
#define SPILL_RECORD_ALIGN 8
#define SPILL_OWNER_MAX 64
#define SPILL_BUCKETS 1024
#define SPILL_NS 1000000000ull
#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME 1099511628211ull

enum spill_kind { SPILL_INSERT = 1, SPILL_START, SPILL_FINISH };

struct spill_header {
    char magic[SPILL_MAGIC_LEN];
    uint64_t sum; /* FNV-1a of the header with sum = 0 */
    uint64_t generation;
    uint32_t slots;
    uint32_t unused;
    char owner[SPILL_OWNER_MAX];
};
_Static_assert(sizeof(struct spill_header) <= SPILL_HEADER_SIZE, "the header fits");

struct spill_slot { /* a slot's head; the task's name follows */
    uint64_t sum;   /* of the slot with sum = 0 */
    uint64_t generation;
    int64_t next_fire, last_scheduled;
    uint32_t name_len;
    uint32_t unused;
};
#define SPILL_NAME_MAX (SPILL_SLOT_SIZE - sizeof(struct spill_slot))

struct spill_record { /* a record's head; `len` bytes follow */
    uint64_t sum;     /* of the previous sum, the head with sum = 0, the bytes */
    uint64_t generation;
    uint32_t len;
    uint32_t unused;
};

struct spill_name {
    struct spill_name *next;
    uint32_t slot;
    char name[];
};

struct spill {
    int fd;
    char *path;
    struct spill_header head;
    off_t size;     /* bytes allocated */
    off_t log_end;  /* where the next record goes */
    uint64_t chain; /* the last record's sum (or the generation's seed) */
    uint32_t used_slots;
    bool holds, dirty; /* live content; written since the last sync */
    bool log_closed;   /* an append failed: none until the reset */
    struct spill_name *names[SPILL_BUCKETS];
    char err[SPILL_ERR_MAX];
};

/* A record being built; the head's room comes first. */
struct spill_buf {
    unsigned char *data;
    size_t len, cap;
    bool failed;
};

/* A record being read. */
struct spill_cursor {
    const unsigned char *p;
    size_t left;
    bool bad;
};

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static int fail(struct spill *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s: %s", s->path, what, strerror(errno));
    return -1;
}

static int out_of_memory(struct spill *s)
{
    snprintf(s->err, sizeof s->err, "%s: out of memory", s->path);
    return -1;
}

static off_t log_start(const struct spill *s)
{
    return SPILL_HEADER_SIZE + (off_t)s->head.slots * SPILL_SLOT_SIZE;
}

/* Make sure [0, size) is allocated. */
static int allocate(struct spill *s, off_t size)
{
    int rc;

    if (size <= s->size)
        return 0;
    rc = posix_fallocate(s->fd, 0, size);
    if (rc != 0) {
        errno = rc;
        return fail(s, "cannot reserve space");
    }
    s->size = size;
    return 0;
}

static int write_all(struct spill *s, const void *data, size_t len, off_t at, const char *what)
{
    ssize_t n = pwrite(s->fd, data, len, at);

    if (n != (ssize_t)len) {
        if (n >= 0)
            errno = ENOSPC;
        return fail(s, what);
    }
    s->dirty = true;
    return 0;
}

/* 1 when all `len` bytes were read, 0 at the end of the file, -1. */
static int read_all(struct spill *s, void *data, size_t len, off_t at)
{
    ssize_t n = pread(s->fd, data, len, at);

    if (n < 0)
        return fail(s, "cannot read");
    return n == (ssize_t)len;
}

static int write_header(struct spill *s, const struct spill_header *h)
{
    unsigned char block[SPILL_HEADER_SIZE] = {0};
    struct spill_header copy = *h;

    copy.sum = 0;
    copy.sum = fnv(FNV_OFFSET, &copy, sizeof copy);
    memcpy(block, &copy, sizeof copy);
    return write_all(s, block, sizeof block, 0, "cannot write the header");
}

/* The header on disk, when it is one. */
static bool read_header(struct spill *s, struct spill_header *h)
{
    struct spill_header zeroed;

    if (read_all(s, &zeroed, sizeof zeroed, 0) != 1 ||
        memcmp(zeroed.magic, SPILL_MAGIC, SPILL_MAGIC_LEN) != 0 || zeroed.slots == 0)
        return false;
    *h = zeroed;
    zeroed.sum = 0;
    return fnv(FNV_OFFSET, &zeroed, sizeof zeroed) == h->sum;
}

/* ---- task names to slots ------------------------------------------------ */

static struct spill_name **bucket(struct spill *s, const char *name)
{
    return &s->names[fnv(FNV_OFFSET, name, strlen(name)) % SPILL_BUCKETS];
}

static struct spill_name *find_name(struct spill *s, const char *name)
{
    for (struct spill_name *n = *bucket(s, name); n; n = n->next)
        if (strcmp(n->name, name) == 0)
            return n;
    return NULL;
}

static struct spill_name *add_name(struct spill *s, const char *name, uint32_t slot)
{
    size_t len = strlen(name) + 1;
    struct spill_name *n = malloc(sizeof *n + len);
    struct spill_name **b = bucket(s, name);

    if (!n) {
        out_of_memory(s);
        return NULL;
    }
    n->slot = slot;
    memcpy(n->name, name, len);
    n->next = *b;
    *b = n;
    if (slot >= s->used_slots)
        s->used_slots = slot + 1;
    return n;
}

static void forget_names(struct spill *s)
{
    for (size_t i = 0; i < SPILL_BUCKETS; i++) {
        while (s->names[i]) {
            struct spill_name *n = s->names[i];
            s->names[i] = n->next;
            free(n);
        }
    }
    s->used_slots = 0;
}

/* ---- slots -------------------------------------------------------------- */

/* Slot `i` when live: its marks and name (NUL-terminated) in *slot_buf. */
static bool read_slot(struct spill *s, uint32_t i, unsigned char *slot_buf)
{
    struct spill_slot head;
    uint64_t sum;

    if (read_all(s, slot_buf, SPILL_SLOT_SIZE,
                 SPILL_HEADER_SIZE + (off_t)i * SPILL_SLOT_SIZE) != 1)
        return false;
    memcpy(&head, slot_buf, sizeof head);
    if (head.generation != s->head.generation || head.name_len == 0 ||
        head.name_len >= SPILL_NAME_MAX)
        return false;
    sum = head.sum;
    memset(slot_buf, 0, sizeof head.sum);
    if (fnv(FNV_OFFSET, slot_buf, SPILL_SLOT_SIZE) != sum)
        return false;
    slot_buf[sizeof head + head.name_len] = '\0';
    return true;
}

/* Rebuild the name map from the live slots (a file that holds marks). */
static int scan_slots(struct spill *s)
{
    unsigned char slot[SPILL_SLOT_SIZE];

    for (uint32_t i = 0; i < s->head.slots; i++) {
        if (!read_slot(s, i, slot))
            continue;
        if (!add_name(s, (const char *)slot + sizeof(struct spill_slot), i))
            return -1;
        s->holds = true;
    }
    return 0;
}

/* ---- the log ------------------------------------------------------------ */

/* Where a record's checksum starts: the one before it. */
static uint64_t chained(uint64_t previous)
{
    return fnv(FNV_OFFSET, &previous, sizeof previous);
}

/* The log of a new generation starts empty. */
static void empty_log(struct spill *s)
{
    s->log_end = log_start(s);
    s->chain = s->head.generation;
}

static size_t record_size(size_t len)
{
    size_t total = sizeof(struct spill_record) + len;

    return (total + SPILL_RECORD_ALIGN - 1) / SPILL_RECORD_ALIGN * SPILL_RECORD_ALIGN;
}

/* Call fn for each live record, in order; leaves log_end after the last.
 * 0, or -1 (a read error, or fn's -1). */
static int walk_log(struct spill *s,
                    int (*fn)(struct spill *s, struct spill_cursor *c, void *ud), void *ud)
{
    off_t at = log_start(s);
    uint64_t chain = s->head.generation;
    unsigned char *data = NULL;
    int rc = 0;

    for (;;) {
        struct spill_record head;
        struct spill_cursor c;
        uint64_t sum;
        unsigned char *grown;

        if ((rc = read_all(s, &head, sizeof head, at)) != 1 ||
            head.generation != s->head.generation || head.len > SPILL_RECORD_MAX)
            break;
        if (!(grown = realloc(data, head.len ? head.len : 1))) {
            rc = out_of_memory(s);
            break;
        }
        data = grown;
        if ((rc = read_all(s, data, head.len, at + (off_t)sizeof head)) != 1)
            break;
        sum = head.sum;
        head.sum = 0;
        if (fnv(fnv(chained(chain), &head, sizeof head), data, head.len) != sum)
            break;
        chain = sum;
        c = (struct spill_cursor){data, head.len, false};
        if (fn && fn(s, &c, ud) != 0) {
            rc = -1;
            break;
        }
        at += (off_t)record_size(head.len);
        s->holds = true;
    }
    free(data);
    s->log_end = at;
    s->chain = chain;
    return rc < 0 ? -1 : 0;
}

static void put(struct spill_buf *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u8(struct spill_buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, sizeof c);
}

static void put_i32(struct spill_buf *b, int32_t v)
{
    put(b, &v, sizeof v);
}
static void put_i64(struct spill_buf *b, int64_t v)
{
    put(b, &v, sizeof v);
}
static void put_f64(struct spill_buf *b, double v)
{
    put(b, &v, sizeof v);
}

/* A string with its NUL, after its length; 0 for NULL. */
static void put_str(struct spill_buf *b, const char *text)
{
    uint32_t n = text ? (uint32_t)strlen(text) + 1 : 0;

    put(b, &n, sizeof n);
    if (text)
        put(b, text, n);
}

static void get(struct spill_cursor *c, void *out, size_t n)
{
    if (c->bad || c->left < n) {
        c->bad = true;
        memset(out, 0, n);
        return;
    }
    memcpy(out, c->p, n);
    c->p += n;
    c->left -= n;
}

static unsigned get_u8(struct spill_cursor *c)
{
    unsigned char v;
    get(c, &v, sizeof v);
    return v;
}

static int32_t get_i32(struct spill_cursor *c)
{
    int32_t v;
    get(c, &v, sizeof v);
    return v;
}
static int64_t get_i64(struct spill_cursor *c)
{
    int64_t v;
    get(c, &v, sizeof v);
    return v;
}
static double get_f64(struct spill_cursor *c)
{
    double v;
    get(c, &v, sizeof v);
    return v;
}

/* Points into the record (valid while it is). */
static const char *get_str(struct spill_cursor *c)
{
    uint32_t n;
    const char *text;

    get(c, &n, sizeof n);
    if (c->bad || n == 0)
        return NULL;
    if (c->left < n || c->p[n - 1] != '\0') {
        c->bad = true;
        return NULL;
    }
    text = (const char *)c->p;
    c->p += n;
    c->left -= n;
    return text;
}

static void begin(struct spill_buf *b, enum spill_kind kind, int64_t id, const char *task)
{
    struct spill_record room = {0};

    put(b, &room, sizeof room);
    put_u8(b, kind);
    put_i64(b, id);
    put_str(b, task);
}

/* Append the record built in `b` (freed here). */
static int append(struct spill *s, struct spill_buf *b)
{
    struct spill_record head = {0};
    size_t len = b->len - sizeof head, total = record_size(len);
    off_t end = s->log_end + (off_t)total;
    int rc = -1;

    if (s->log_closed) {
        snprintf(s->err, sizeof s->err, "%s: full since an earlier write", s->path);
        goto done;
    }
    if (b->failed) {
        out_of_memory(s);
        goto close_log;
    }
    if (end > s->size && allocate(s, end + SPILL_LOG_GROW) != 0 && allocate(s, end) != 0)
        goto close_log;
    head.generation = s->head.generation;
    head.len = (uint32_t)len;
    memcpy(b->data, &head, sizeof head);
    head.sum = fnv(chained(s->chain), b->data, b->len);
    memcpy(b->data, &head, sizeof head);
    if (write_all(s, b->data, b->len, s->log_end, "cannot append") != 0)
        goto close_log;
    s->log_end = end;
    s->chain = head.sum;
    s->holds = true;
    rc = 0;
    goto done;
close_log:
    s->log_closed = true;
done:
    free(b->data);
    return rc;
}

/* ---- the public face ---------------------------------------------------- */

/* A generation no earlier file used: the clock in ns. */
static uint64_t fresh_generation(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * SPILL_NS + (uint64_t)ts.tv_nsec;
}

/* Start the file over for `owner`: a new generation kills what it held. */
static int start_over(struct spill *s, const char *owner, uint32_t slots)
{
    struct spill_header h = {0};

    memcpy(h.magic, SPILL_MAGIC, SPILL_MAGIC_LEN);
    h.generation = fresh_generation();
    h.slots = slots;
    snprintf(h.owner, sizeof h.owner, "%s", owner);
    if (write_header(s, &h) != 0)
        return -1;
    s->head = h;
    empty_log(s);
    return 0;
}

struct spill *spill_open(const char *path, const char *owner, bool *foreign, char *err,
                         size_t errlen)
{
    struct spill *s = calloc(1, sizeof *s);
    struct stat st;
    bool ours;

    *foreign = false;
    if (!s || !(s->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(s);
        return NULL;
    }
    s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, SPILL_MODE);
    if (s->fd < 0 || fstat(s->fd, &st) != 0) {
        fail(s, "cannot open");
        goto fail;
    }
    s->size = st.st_size;
    if (read_header(s, &s->head)) {
        ours = strncmp(s->head.owner, owner, sizeof s->head.owner) == 0;
        if (scan_slots(s) != 0 || walk_log(s, NULL, NULL) != 0)
            goto fail;
        if (ours)
            return s;
        *foreign = s->holds;
    }
    /* New, torn or another database's: nothing of it is ours. */
    forget_names(s);
    s->holds = false;
    if (start_over(s, owner,
                   s->head.slots > SPILL_SLOTS_MIN ? s->head.slots : SPILL_SLOTS_MIN) != 0)
        goto fail;
    return s;
fail:
    snprintf(err, errlen, "%s", s->err);
    spill_close(s);
    return NULL;
}

void spill_close(struct spill *s)
{
    if (!s)
        return;
    forget_names(s);
    if (s->fd >= 0)
        close(s->fd); /* read or synced already: nothing to report */
    free(s->path);
    free(s);
}

const char *spill_path(const struct spill *s)
{
    return s->path;
}

const char *spill_error(const struct spill *s)
{
    return s->err;
}

bool spill_holds(const struct spill *s)
{
    return s->holds;
}

int spill_reserve(struct spill *s)
{
    return allocate(s, log_start(s) + SPILL_LOG_RESERVE);
}

static int load_record(struct spill *s, struct spill_cursor *c, void *ud)
{
    const struct spill_reader *r = ud;
    enum spill_kind kind = (enum spill_kind)get_u8(c);
    int64_t id = get_i64(c);
    const char *task = get_str(c);
    struct store_run row = {.task = task};
    struct store_run_outcome o = {0};
    int pid;
    double at;

    switch (kind) {
    case SPILL_INSERT:
        row.trigger = (enum store_trigger)get_u8(c);
        row.scheduled_for = get_i64(c);
        row.queued_at = get_f64(c);
        row.started_at = get_f64(c);
        row.status = (enum store_status)get_u8(c);
        row.attempt = get_i32(c);
        row.error = get_str(c);
        row.file_hash = get_str(c);
        row.pid = get_i32(c);
        if (c->bad || !task || row.trigger > STORE_TRIGGER_API ||
            row.status > STORE_RUN_INTERRUPTED)
            break;
        return r->insert(r->ud, id, &row) == 0 ? 0 : out_of_memory(s);
    case SPILL_START:
        pid = get_i32(c);
        at = get_f64(c);
        if (c->bad)
            break;
        return r->start(r->ud, id, task, pid, at) == 0 ? 0 : out_of_memory(s);
    case SPILL_FINISH:
        o.status = (enum store_status)get_u8(c);
        o.finished_at = get_f64(c);
        o.has_exit_code = get_u8(c) != 0;
        o.exit_code = get_i32(c);
        o.signal = get_i32(c);
        o.error = get_str(c);
        o.result_json = get_str(c);
        o.output_tail = get_str(c);
        o.peak_rss_kb = get_i64(c);
        o.cpu_ms = get_i64(c);
        if (c->bad || o.status > STORE_RUN_INTERRUPTED)
            break;
        return r->finish(r->ud, id, task, &o) == 0 ? 0 : out_of_memory(s);
    }
    snprintf(s->err, sizeof s->err, "%s: a record that does not parse", s->path);
    return -1;
}

int spill_load(struct spill *s, const struct spill_reader *r)
{
    unsigned char slot[SPILL_SLOT_SIZE];
    struct spill_slot head;

    if (r->insert && walk_log(s, load_record, (void *)r) != 0)
        return -1;
    for (uint32_t i = 0; i < s->used_slots; i++) {
        if (!read_slot(s, i, slot))
            continue;
        memcpy(&head, slot, sizeof head);
        if (r->marks(r->ud, (const char *)slot + sizeof head, head.next_fire,
                     head.last_scheduled) != 0)
            return out_of_memory(s);
    }
    return 0;
}

/* More slots: only while nothing is held, as the log moves. */
static int grow_slots(struct spill *s)
{
    uint32_t slots = s->head.slots * 2;
    struct spill_header h = s->head;

    if (s->holds) {
        snprintf(s->err, sizeof s->err, "%s: no free slot (%u) while it holds writes", s->path,
                 s->head.slots);
        return -1;
    }
    h.slots = slots;
    h.generation++;
    if (allocate(s, SPILL_HEADER_SIZE + (off_t)slots * SPILL_SLOT_SIZE + SPILL_LOG_RESERVE) !=
            0 ||
        write_header(s, &h) != 0)
        return -1;
    s->head = h;
    empty_log(s);
    return 0;
}

static struct spill_name *slot_of(struct spill *s, const char *task)
{
    struct spill_name *n = find_name(s, task);

    if (n)
        return n;
    if (strlen(task) >= SPILL_NAME_MAX) {
        snprintf(s->err, sizeof s->err, "%s: the task name is too long for a slot", s->path);
        return NULL;
    }
    if (s->used_slots == s->head.slots && grow_slots(s) != 0)
        return NULL;
    return add_name(s, task, s->used_slots);
}

int spill_reserve_marks(struct spill *s, const char *task)
{
    return slot_of(s, task) ? 0 : -1;
}

int spill_marks(struct spill *s, const char *task, int64_t next_fire, int64_t last_scheduled)
{
    struct spill_name *n = slot_of(s, task);
    unsigned char slot[SPILL_SLOT_SIZE] = {0};
    struct spill_slot head = {
        .generation = s->head.generation,
        .next_fire = next_fire,
        .last_scheduled = last_scheduled,
        .name_len = (uint32_t)(n ? strlen(task) : 0),
    };
    off_t at;

    if (!n)
        return -1;
    at = SPILL_HEADER_SIZE + (off_t)n->slot * SPILL_SLOT_SIZE;
    if (allocate(s, at + SPILL_SLOT_SIZE) != 0)
        return -1;
    memcpy(slot, &head, sizeof head);
    memcpy(slot + sizeof head, task, head.name_len);
    head.sum = fnv(FNV_OFFSET, slot, sizeof slot);
    memcpy(slot, &head.sum, sizeof head.sum);
    if (write_all(s, slot, sizeof slot, at, "cannot write a task's marks") != 0)
        return -1;
    s->holds = true;
    return 0;
}

int spill_insert(struct spill *s, int64_t id, const struct store_run *row)
{
    struct spill_buf b = {0};

    begin(&b, SPILL_INSERT, id, row->task);
    put_u8(&b, row->trigger);
    put_i64(&b, row->scheduled_for);
    put_f64(&b, row->queued_at);
    put_f64(&b, row->started_at);
    put_u8(&b, row->status);
    put_i32(&b, row->attempt);
    put_str(&b, row->error);
    put_str(&b, row->file_hash);
    put_i32(&b, row->pid);
    return append(s, &b);
}

int spill_start(struct spill *s, int64_t id, const char *task, int pid, double at)
{
    struct spill_buf b = {0};

    begin(&b, SPILL_START, id, task);
    put_i32(&b, pid);
    put_f64(&b, at);
    return append(s, &b);
}

int spill_finish(struct spill *s, int64_t id, const char *task,
                 const struct store_run_outcome *o)
{
    struct spill_buf b = {0};

    begin(&b, SPILL_FINISH, id, task);
    put_u8(&b, o->status);
    put_f64(&b, o->finished_at);
    put_u8(&b, o->has_exit_code);
    put_i32(&b, o->exit_code);
    put_i32(&b, o->signal);
    put_str(&b, o->error);
    put_str(&b, o->result_json);
    put_str(&b, o->output_tail);
    put_i64(&b, o->peak_rss_kb);
    put_i64(&b, o->cpu_ms);
    /* Not the run's whole output (o->output): up to logging.run_output_max
     * a run, it would eat the reserve a full disk leaves for the history.
     * A finish kept over a restart has its tail; the task's log file has
     * the rest. */
    return append(s, &b);
}

int spill_reset(struct spill *s)
{
    struct spill_header h = s->head;

    s->log_closed = false;
    if (!s->holds)
        return 0;
    h.generation++;
    if (write_header(s, &h) != 0)
        return -1;
    s->head = h;
    empty_log(s);
    s->holds = false;
    return spill_sync(s);
}

int spill_sync(struct spill *s)
{
    if (!s->dirty)
        return 0;
    if (fdatasync(s->fd) != 0)
        return fail(s, "cannot sync");
    s->dirty = false;
    return 0;
}
