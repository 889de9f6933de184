/* test_spill.c — the spill file keeps what it was given across a close, in
 * order, each task's latest marks in one slot; it forgets on reset, ends
 * its log before a torn record, drops another database's content, and once
 * out of room keeps the oldest writes and still takes marks.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/spill.h"
#include "testing.h"

#define OWNER "0123456789abcdef"
#define QUEUED_AT 1700000000.25
#define MANY_TASKS 300
#define GROWN_SLOTS 512
#define BIG_TEXT (64 << 10)
#define APPENDS_MAX 1000

static char dir[] = "/tmp/test_spill_XXXXXX";
static char path[256];

/* What a load handed back, as one line per write. */
struct seen {
    char text[8192];
    int writes, marks;
};

static void note(struct seen *s, const char *line)
{
    size_t len = strlen(s->text);

    snprintf(s->text + len, sizeof s->text - len, "%s\n", line);
}

static int seen_insert(void *ud, int64_t id, const struct store_run *row)
{
    struct seen *s = ud;
    char line[256];

    snprintf(line, sizeof line, "insert %lld %s %s %lld %.2f %s attempt=%d error=%s",
             (long long)id, row->task, store_status_name(row->status),
             (long long)row->scheduled_for, row->queued_at, store_trigger_name(row->trigger),
             row->attempt,
             row->error ? (strlen(row->error) > 20 ? "long" : row->error) : "null");
    s->writes++;
    note(s, line);
    return 0;
}

static int seen_start(void *ud, int64_t id, const char *task, int pid, double at)
{
    struct seen *s = ud;
    char line[256];

    snprintf(line, sizeof line, "start %lld %s %d %.2f", (long long)id, task, pid, at);
    s->writes++;
    note(s, line);
    return 0;
}

static int seen_finish(void *ud, int64_t id, const char *task,
                       const struct store_run_outcome *o)
{
    struct seen *s = ud;
    char line[256];

    snprintf(line, sizeof line, "finish %lld %s %s exit=%d tail=%s output=%s result=%s",
             (long long)id, task, store_status_name(o->status),
             o->has_exit_code ? o->exit_code : -1, o->output_tail ? o->output_tail : "null",
             o->output ? o->output : "null", o->result_json ? o->result_json : "null");
    s->writes++;
    note(s, line);
    return 0;
}

static int seen_marks(void *ud, const char *task, int64_t next_fire, int64_t last_scheduled)
{
    struct seen *s = ud;
    char line[256];

    snprintf(line, sizeof line, "marks %s %lld %lld", task, (long long)next_fire,
             (long long)last_scheduled);
    s->marks++;
    if (s->marks <= 3)
        note(s, line);
    return 0;
}

static struct spill *open_as(const char *owner, bool *foreign)
{
    char err[SPILL_ERR_MAX];
    struct spill *s = spill_open(path, owner, foreign, err, sizeof err);

    CHECK(s != NULL, "open: %s", err);
    return s;
}

static void load(struct spill *s, struct seen *seen)
{
    struct spill_reader r = {seen_insert, seen_start, seen_finish, seen_marks, seen};

    memset(seen, 0, sizeof *seen);
    CHECK_INT(spill_load(s, &r), 0);
}

static void start_afresh(void)
{
    unlink(path);
}

static void keeps_writes_in_order_and_latest_marks(void)
{
    struct store_run row = {.task = "a",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .scheduled_for = 1700000000,
                            .queued_at = QUEUED_AT,
                            .status = STORE_RUN_QUEUED,
                            .attempt = 1};
    struct store_run_outcome end = {.status = STORE_RUN_SUCCESS,
                                    .finished_at = QUEUED_AT + 2,
                                    .has_exit_code = true,
                                    .exit_code = 0,
                                    .output_tail = "out",
                                    .output = "all out", /* not spilled */
                                    .result_json = "{\"n\":1}"};
    struct spill *s;
    struct seen seen;
    bool foreign;

    start_afresh();
    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    CHECK(!spill_holds(s), "a new file holds nothing");
    CHECK_INT(spill_reserve(s), 0);
    CHECK_INT(spill_marks(s, "a", 10, 5), 0);
    CHECK_INT(spill_insert(s, -1, &row), 0);
    CHECK_INT(spill_start(s, -1, "a", 42, QUEUED_AT + 1), 0);
    CHECK_INT(spill_marks(s, "b", 20, 15), 0);
    CHECK_INT(spill_finish(s, -1, "a", &end), 0);
    CHECK_INT(spill_marks(s, "a", 11, 10), 0);
    CHECK_INT(spill_sync(s), 0);
    spill_close(s);

    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    CHECK(!foreign, "its own file is not foreign");
    CHECK(spill_holds(s), "the reopened file holds the writes");
    load(s, &seen);
    CHECK_STR(seen.text,
              "insert -1 a queued 1700000000 1700000000.25 schedule attempt=1 error=null\n"
              "start -1 a 42 1700000001.25\n"
              "finish -1 a success exit=0 tail=out output=null result={\"n\":1}\n"
              "marks a 11 10\n"
              "marks b 20 15\n");

    CHECK_INT(spill_reset(s), 0);
    CHECK(!spill_holds(s), "nothing held after the reset");
    spill_close(s);
    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    load(s, &seen);
    CHECK_STR(seen.text, "");
    /* After a reset new writes start the log again. */
    CHECK_INT(spill_start(s, 7, "c", 1, 2), 0);
    spill_close(s);
    s = open_as(OWNER, &foreign);
    if (s)
        load(s, &seen);
    CHECK_STR(seen.text, "start 7 c 1 2.00\n");
    spill_close(s);
}

/* The offset of `text` in the file (the first occurrence). */
static long offset_of(const char *text)
{
    FILE *f = fopen(path, "rb");
    static char data[1 << 20];
    size_t n = f ? fread(data, 1, sizeof data, f) : 0;

    if (f)
        fclose(f);
    for (size_t i = 0; i + strlen(text) <= n; i++)
        if (memcmp(data + i, text, strlen(text)) == 0)
            return (long)i;
    return -1;
}

static void a_torn_record_ends_the_log(void)
{
    struct spill *s;
    struct seen seen;
    bool foreign;
    FILE *f;
    long at;

    start_afresh();
    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    CHECK_INT(spill_reserve(s), 0);
    CHECK_INT(spill_start(s, 1, "first", 1, 1), 0);
    CHECK_INT(spill_start(s, 2, "second", 2, 2), 0);
    CHECK_INT(spill_start(s, 3, "third", 3, 3), 0);
    spill_close(s);
    at = offset_of("second");
    CHECK(at > 0, "the second record in the file");
    f = fopen(path, "r+b");
    CHECK(f && fseek(f, at, SEEK_SET) == 0 && fputc('X', f) == 'X' && fclose(f) == 0,
          "damage the second record");
    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    load(s, &seen);
    CHECK_STR(seen.text, "start 1 first 1 1.00\n");
    /* The next write goes where the torn one was. */
    CHECK_INT(spill_start(s, 4, "fourth", 4, 4), 0);
    spill_close(s);
    s = open_as(OWNER, &foreign);
    if (s)
        load(s, &seen);
    CHECK_STR(seen.text, "start 1 first 1 1.00\nstart 4 fourth 4 4.00\n");
    spill_close(s);
}

static void another_databases_file_is_dropped(void)
{
    struct spill *s;
    struct seen seen;
    bool foreign;

    start_afresh();
    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    CHECK_INT(spill_marks(s, "a", 1, 1), 0);
    spill_close(s);
    s = open_as("another", &foreign);
    if (!s)
        return;
    CHECK(foreign, "the other owner's writes reported dropped");
    CHECK(!spill_holds(s), "nothing of the other owner held");
    load(s, &seen);
    CHECK_STR(seen.text, "");
    spill_close(s);
    s = open_as("another", &foreign);
    CHECK(s && !foreign, "now its own");
    spill_close(s);
}

static void slots_grow_while_empty_only(void)
{
    char name[32];
    struct spill *s;
    struct seen seen;
    bool foreign;
    int i;

    start_afresh();
    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    for (i = 0; i < MANY_TASKS; i++) {
        snprintf(name, sizeof name, "task%d", i);
        CHECK_INT(spill_reserve_marks(s, name), 0);
    }
    for (i = 0; i < MANY_TASKS; i++) {
        snprintf(name, sizeof name, "task%d", i);
        CHECK_INT(spill_marks(s, name, i, i), 0);
    }
    /* Holding marks, the slots (doubled from 64 to 512) cannot move: the
     * names beyond them get none, and the marks held stay whole. */
    for (i = 0; i < MANY_TASKS; i++) {
        snprintf(name, sizeof name, "more%d", i);
        if (spill_reserve_marks(s, name) != 0)
            break;
    }
    CHECK_INT(i, GROWN_SLOTS - MANY_TASKS);
    spill_close(s);
    s = open_as(OWNER, &foreign);
    if (!s)
        return;
    load(s, &seen);
    CHECK_INT(seen.marks, MANY_TASKS);
    spill_close(s);
}

static void out_of_room_keeps_the_oldest_writes_and_marks(void)
{
    char *big = malloc(BIG_TEXT);
    struct store_run row = {.task = "a",
                            .trigger = STORE_TRIGGER_SCHEDULE,
                            .queued_at = QUEUED_AT,
                            .status = STORE_RUN_SKIPPED,
                            .attempt = 1};
    struct rlimit old, cap;
    struct spill *s;
    struct seen seen;
    struct stat st;
    bool foreign;
    int kept = 0;

    start_afresh();
    s = open_as(OWNER, &foreign);
    if (!s || !big)
        goto done;
    memset(big, 'e', BIG_TEXT - 1);
    big[BIG_TEXT - 1] = '\0';
    row.error = big;
    CHECK_INT(spill_reserve(s), 0);
    CHECK(stat(path, &st) == 0, "stat the spill");
    /* No byte beyond the reserve: as on a full disk. */
    signal(SIGXFSZ, SIG_IGN);
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0, "getrlimit");
    cap = old;
    cap.rlim_cur = (rlim_t)st.st_size;
    CHECK(setrlimit(RLIMIT_FSIZE, &cap) == 0, "setrlimit");
    while (kept < APPENDS_MAX && spill_insert(s, -1 - kept, &row) == 0)
        kept++;
    CHECK(kept > 0 && kept < APPENDS_MAX,
          "the reserve took some big writes, then refused, got %d", kept);
    row.error = "small";
    CHECK(spill_insert(s, -9999, &row) != 0,
          "no write after a refused one: the log stays a prefix");
    CHECK_INT(spill_marks(s, "a", 5, 4), 0);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0, "setrlimit back");
    spill_close(s);
    s = open_as(OWNER, &foreign);
    if (!s)
        goto done;
    load(s, &seen);
    CHECK_INT(seen.writes, kept);
    CHECK_INT(seen.marks, 1);
    spill_close(s);
done:
    free(big);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/scheduler.db" SPILL_SUFFIX, dir);
    RUN(keeps_writes_in_order_and_latest_marks);
    RUN(a_torn_record_ends_the_log);
    RUN(another_databases_file_is_dropped);
    RUN(slots_grow_while_empty_only);
    RUN(out_of_room_keeps_the_oldest_writes_and_marks);
    unlink(path);
    if (rmdir(dir) != 0)
        printf("# could not remove %s\n", dir);
    TESTING_EXIT();
}
