/* store_wal.c — the WAL kept small: checkpoints as it grows, and the
 * process that holds them back.
 *
 * In WAL mode every commit appends its pages to scheduler.db-wal, and only
 * a checkpoint copies them into the database and lets the WAL start over.
 * SQLite's own automatic checkpoint waits for 1000 pages (4 MB) and never
 * makes the file smaller, so on a small disk the WAL alone fills it, and a
 * reader that keeps a transaction open (a sqlite3 shell left inside BEGIN)
 * holds every checkpoint back: the WAL grows by every commit, and stays
 * that large after the reader is gone.  So, on every connection the store
 * opens:
 *
 *  - the WAL hook checkpoints each time STORE_WAL_CHECKPOINT_FRAMES more
 *    pages were appended since the last try, in TRUNCATE mode (the pages
 *    are copied, then the file is cut to nothing) and without waiting: the
 *    busy handler is off for it, and a writer or reader in the way only
 *    means the next try, so a commit never waits for a checkpoint;
 *  - journal_size_limit caps what a WAL started over by anyone else keeps;
 *  - a checkpoint that could not finish looks for the reader in its way.
 *    A reader holds a read lock on one of the read-mark bytes of the
 *    -shm file (https://www.sqlite.org/walformat.html, "the WAL-index
 *    locks"), and /proc/locks names the process: one found at two tries
 *    in a row (not a run's read of a few milliseconds) is the blocker
 *    that store_wal_state reports, until a checkpoint finishes again.
 */
#include "store_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "time/clock.h"

/* About 512 KB of 4 KB pages: the WAL's usual high-water mark. */
#define STORE_WAL_CHECKPOINT_FRAMES 128
#define STORE_JOURNAL_LIMIT_SQL "PRAGMA journal_size_limit = 1048576"
/* The read-mark locks: bytes 120 + 3 .. 120 + 7 of the -shm file. */
#define STORE_SHM_READ_LOCK_FIRST 123
#define STORE_SHM_READ_LOCK_LAST 127
#define STORE_PROC_LOCKS "/proc/locks"
#define STORE_LOCKS_LINE_MAX 256
#define STORE_PROC_PATH_MAX 64
#define STORE_PATH_MAX 4096

static void file_name(const struct store *st, const char *suffix, char *buf, size_t len)
{
    const char *db = sqlite3_db_filename(st->db, "main");

    snprintf(buf, len, "%s%s", db ? db : "", suffix);
}

/* Another process holding a WAL read lock on the store: its pid, or 0. */
static int find_reader(const struct store *st)
{
    char path[STORE_PATH_MAX], line[STORE_LOCKS_LINE_MAX], kind[16], mode[16];
    unsigned int maj, min;
    unsigned long ino;
    long long start;
    struct stat shm;
    int pid, found = 0;
    FILE *locks;

    file_name(st, "-shm", path, sizeof path);
    if (stat(path, &shm) != 0 || !(locks = fopen(STORE_PROC_LOCKS, "re")))
        return 0;
    /* "12: POSIX  ADVISORY  READ 4242 fe:00:1234 123 123"; waiting locks
     * ("12: -> POSIX …") do not parse. */
    while (!found && fgets(line, sizeof line, locks)) {
        if (sscanf(line, "%*d: %15s %*s %15s %d %x:%x:%lu %lld", kind, mode, &pid, &maj, &min,
                   &ino, &start) == 7 &&
            strcmp(kind, "POSIX") == 0 && strcmp(mode, "READ") == 0 && pid != getpid() &&
            maj == major(shm.st_dev) && min == minor(shm.st_dev) && ino == shm.st_ino &&
            start >= STORE_SHM_READ_LOCK_FIRST && start <= STORE_SHM_READ_LOCK_LAST)
            found = pid;
    }
    fclose(locks); /* read only: nothing to report */
    return found;
}

/* The process's command line, spaces for NULs, or "?". */
static void command_of(int pid, char *buf, size_t len)
{
    char path[STORE_PROC_PATH_MAX];
    size_t n = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    if ((f = fopen(path, "re"))) {
        n = fread(buf, 1, len - 1, f);
        fclose(f);
    }
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    if (n == 0)
        snprintf(buf, len, "?");
}

/* A checkpoint left frames behind: who is in the way? */
static void note_blocked(struct store *st)
{
    int pid = find_reader(st);

    if (pid == 0 || pid != st->wal_suspect) {
        st->wal_suspect = pid; /* seen once: maybe a short read */
        return;
    }
    if (pid != st->wal.blocker_pid) {
        st->wal.blocker_pid = pid;
        st->wal.blocked_since = clock_now();
        command_of(pid, st->wal.blocker, sizeof st->wal.blocker);
    }
}

static int64_t wal_bytes(const struct store *st)
{
    char path[STORE_PATH_MAX];
    struct stat sb;

    file_name(st, "-wal", path, sizeof path);
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* TRUNCATE without waiting.  0 when the WAL was emptied. */
static int checkpoint(struct store *st)
{
    int frames = -1, copied = -1, rc;

    sqlite3_busy_timeout(st->db, 0);
    rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &frames, &copied);
    sqlite3_busy_timeout(st->db, st->busy_ms);
    if (rc == SQLITE_OK && frames == 0) {
        st->wal.blocker_pid = st->wal_suspect = 0;
        st->wal_next_try = STORE_WAL_CHECKPOINT_FRAMES;
        return 0;
    }
    note_blocked(st);
    st->wal_next_try = (frames > 0 ? frames : st->wal_frames) + STORE_WAL_CHECKPOINT_FRAMES;
    return -1;
}

/* After each commit, with the WAL's size in pages.  Always SQLITE_OK: the
 * commit is done whatever becomes of the checkpoint. */
static int on_commit(void *data, sqlite3 *db, const char *name, int frames)
{
    struct store *st = data;

    (void)db;
    (void)name;
    if (frames < st->wal_frames) {
        /* Another connection's checkpoint started it over: none is held
         * back any more. */
        st->wal_next_try = STORE_WAL_CHECKPOINT_FRAMES;
        st->wal.blocker_pid = st->wal_suspect = 0;
    }
    st->wal_frames = frames;
    if (frames >= st->wal_next_try)
        checkpoint(st);
    return SQLITE_OK;
}

int store_wal_setup(struct store *st)
{
    st->wal_next_try = STORE_WAL_CHECKPOINT_FRAMES;
    if (sqlite3_exec(st->db, STORE_JOURNAL_LIMIT_SQL, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(st->err, sizeof st->err, "set the journal size limit: %s",
                 sqlite3_errmsg(st->db));
        return -1;
    }
    sqlite3_wal_hook(st->db, on_commit, st);
    return 0;
}

int store_checkpoint(struct store *st)
{
    if (checkpoint(st) == 0)
        return 0;
    snprintf(st->err, sizeof st->err, "checkpoint: %s",
             st->wal.blocker_pid ? "a reader holds it back" : sqlite3_errmsg(st->db));
    return -1;
}

void store_wal_state(const struct store *st, struct store_wal *out)
{
    *out = st->wal;
    out->bytes = wal_bytes(st);
}
