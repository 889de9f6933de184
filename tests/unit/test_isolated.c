/* test_isolated.c — task files evaluated in a worker process: a task
 * crosses the pipe whole (task_wire.c), and a stuck or crashing evaluation
 * costs its one file and its timeout (isolated.c); a schedule expression
 * is evaluated there too and its schedules come back (isolated_eval_schedule).
 * Run from the repository root (tests/run.sh does).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "task/isolated.h"
#include "task/task.h"
#include "task/task_wire.h"
#include "testing.h"
#include "time/tz.h"

#define ALL_FIELDS "tests/fixtures/tasks/good/all_fields.lua"
#define TEST_TIMEOUT_MS 300
#define TEST_HANG_SECONDS 60 /* SIGALRM ends the binary if the worker is not killed */
#define GOOD_SOURCE "return { schedule = every(5).minutes, command = { 'true' } }\n"

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void wire_round_trip_keeps_every_field(void)
{
    struct task t, back;
    struct task_wire w = {0};
    struct task_wire_reader r;
    char err[TASK_ERR_MAX];
    int rc = task_load(ALL_FIELDS, "demo/all", NULL, 0, &t, err, sizeof err);

    CHECK(rc == 0, "%s", err);
    if (rc != 0)
        return;
    task_wire_put_task(&w, &t);
    CHECK(!w.failed, "out of memory");
    r = (struct task_wire_reader){w.data, w.data + w.len, false};
    CHECK(task_wire_get_task(&r, &back) == 0, "a task written is read back");
    CHECK(r.at == r.end, "%td bytes left over", r.end - r.at);
    /* The JSON is rebuilt from the fields received: any field lost shows. */
    CHECK_STR(back.frontmatter_json, t.frontmatter_json);
    CHECK_STR(back.name, "demo/all");
    CHECK_STR(back.path, ALL_FIELDS);
    CHECK_STR(back.hash, t.hash);
    CHECK(back.content_len == t.content_len &&
              memcmp(back.content, t.content, t.content_len) == 0,
          "content differs");
    CHECK(back.schedules.count == 3 && memcmp(back.schedules.items, t.schedules.items,
                                              3 * sizeof *t.schedules.items) == 0,
          "schedules differ");
    CHECK(back.retry_backoff == 2 && back.memory_limit_mb == 256 && back.priority == -5,
          "numbers differ");
    task_free(&back);
    task_free(&t);
    task_wire_free(&w);
}

/* Every cut of the bytes is refused, never read past. */
static void wire_refuses_truncated_bytes(void)
{
    struct task t, back;
    struct task_wire w = {0};
    char err[TASK_ERR_MAX];
    int accepted = 0;

    if (task_load(ALL_FIELDS, NULL, NULL, 0, &t, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
        return;
    }
    task_wire_put_task(&w, &t);
    for (size_t len = 0; len < w.len; len++) {
        char *copy = malloc(len ? len : 1); /* exactly len bytes, for ASan */
        struct task_wire_reader r;
        if (copy == NULL)
            break;
        memcpy(copy, w.data, len);
        r = (struct task_wire_reader){copy, copy + len, false};
        if (task_wire_get_task(&r, &back) == 0) {
            accepted++;
            task_free(&back);
        }
        free(copy);
    }
    CHECK_INT(accepted, 0);
    task_free(&t);
    task_wire_free(&w);
}

/* Stands for a top level the sandbox cannot stop, by the job's name. */
static int misbehave(struct isolated_job *job)
{
    if (strcmp(job->name, "stuck") == 0)
        for (;;)
            pause();
    if (strcmp(job->name, "crash") == 0)
        raise(SIGKILL);
    return task_load(job->path, job->name, job->content, job->content_len, &job->task, job->err,
                     sizeof job->err);
}

static void set_job(struct isolated_job *job, const char *name, const char *source)
{
    memset(job, 0, sizeof *job);
    job->path = name;
    job->name = name;
    job->content = source;
    job->content_len = strlen(source);
}

static void a_stuck_or_crashing_file_costs_only_itself(void)
{
    struct isolated_job jobs[5];
    struct timespec start;
    double took;

    set_job(&jobs[0], "good", GOOD_SOURCE);
    set_job(&jobs[1], "stuck", GOOD_SOURCE);
    set_job(&jobs[2], "broken", "error('boom')\n");
    set_job(&jobs[3], "crash", GOOD_SOURCE);
    set_job(&jobs[4], "last", GOOD_SOURCE);
    clock_gettime(CLOCK_MONOTONIC, &start);
    alarm(TEST_HANG_SECONDS);
    isolated_run(jobs, 5, misbehave, TEST_TIMEOUT_MS);
    alarm(0);
    took = seconds_since(&start);
    CHECK(jobs[0].loaded && jobs[4].loaded, "the good files load");
    CHECK_STR(jobs[1].err, "stuck: evaluation took longer than 0.3 s");
    CHECK_STR(jobs[2].err, "broken:1: boom");
    CHECK_STR(jobs[3].err, "crash: evaluation failed: the worker was killed by signal 9");
    for (int i = 0; i < 5; i++) {
        CHECK(jobs[i].judged, "job %d has a verdict", i);
        if (jobs[i].loaded)
            task_free(&jobs[i].task);
    }
    CHECK(took >= 0.3 && took < 3, "took %.2f s, want the one timeout", took);
}

/* A folder of stuck files costs seconds, not one timeout each. */
static void later_stuck_files_get_a_tenth(void)
{
    struct isolated_job jobs[ISOLATED_FULL_TIMEOUTS + 3];
    size_t count = sizeof jobs / sizeof jobs[0];
    char want[TASK_ERR_MAX];

    for (size_t i = 0; i < count; i++)
        set_job(&jobs[i], i + 1 < count ? "stuck" : "good", GOOD_SOURCE);
    alarm(TEST_HANG_SECONDS);
    isolated_run(jobs, count, misbehave, TEST_TIMEOUT_MS);
    alarm(0);
    for (size_t i = 0; i + 1 < count; i++) {
        snprintf(want, sizeof want, "stuck: evaluation took longer than %g s",
                 (i < ISOLATED_FULL_TIMEOUTS ? TEST_TIMEOUT_MS
                                             : TEST_TIMEOUT_MS / ISOLATED_LATE_DIVISOR) /
                     1000.0);
        CHECK_STR(jobs[i].err, want);
    }
    CHECK(jobs[count - 1].loaded, "the good file after them loads: %s", jobs[count - 1].err);
    if (jobs[count - 1].loaded)
        task_free(&jobs[count - 1].task);
}

/* The three files of the hardening issue, through the real loader: the
 * sandbox itself stops them, long before the worker's timeout. */
static void the_issue_files_fail_promptly(void)
{
    static const char *const sources[] = {
        "local s = string.rep('', math.maxinteger)\n",
        "table.move({}, 1, math.maxinteger, 1)\n",
        "setmetatable({}, { __gc = function() while true do end end })\n",
    };
    struct isolated_job jobs[4];
    struct timespec start;

    for (int i = 0; i < 3; i++)
        set_job(&jobs[i], "x.lua", sources[i]);
    set_job(&jobs[3], "ok.lua", GOOD_SOURCE);
    clock_gettime(CLOCK_MONOTONIC, &start);
    alarm(TEST_HANG_SECONDS);
    isolated_load(jobs, 4);
    alarm(0);
    CHECK_STR(
        jobs[0].err,
        "x.lua:1: instruction limit exceeded (string.rep needs 9223372036854775807 steps)");
    CHECK_STR(
        jobs[1].err,
        "x.lua:1: instruction limit exceeded (table.move needs 9223372036854775807 steps)");
    CHECK_STR(jobs[2].err, "x.lua:1: setmetatable: __gc metamethods are not allowed at the top "
                           "level (finalizers run outside the sandbox's limits)");
    CHECK(jobs[3].loaded, "%s", jobs[3].err);
    if (jobs[3].loaded)
        task_free(&jobs[3].task);
    CHECK(seconds_since(&start) < ISOLATED_TIMEOUT_MS / 1000.0, "took %.2f s",
          seconds_since(&start));
}

static void an_empty_batch_forks_nothing(void)
{
    isolated_load(NULL, 0);
    CHECK(1, "returns");
}

static void a_schedule_expression_comes_back_from_the_worker(void)
{
    struct schedule_set set;
    char err[TASK_ERR_MAX];

    CHECK_INT(isolated_eval_schedule("{ every(5).minutes, cron('0 9 * * MON') }", &set, err,
                                     sizeof err),
              0);
    CHECK_INT(set.count, 2);
    if (set.count == 2) {
        CHECK_STR(set.items[0].text, "every(5).minutes");
        CHECK_INT(schedule_set_next_fire(&set, 0, tz_get("UTC", err, sizeof err)), 300);
    }
    schedule_set_free(&set);
    CHECK_INT(isolated_eval_schedule("0 9 * * MON-FRI", &set, err, sizeof err), 0);
    CHECK_INT(set.count, 1);
    schedule_set_free(&set);
}

static void a_bad_schedule_expression_is_its_dsl_error(void)
{
    struct schedule_set set;
    char err[TASK_ERR_MAX] = "";

    CHECK_INT(isolated_eval_schedule("every(0).minutes", &set, err, sizeof err), -1);
    CHECK(strstr(err, "every(n): expected an integer >= 1, got 0") != NULL, "got '%s'", err);
    CHECK_INT(set.count, 0);
    CHECK_INT(
        isolated_eval_schedule("(function() while true do end end)()", &set, err, sizeof err),
        -1);
    CHECK(err[0] != '\0', "an endless expression is stopped with a message");
}

/* One worker evaluates a batch in one Lua state (sandbox_reuse): what a
 * file changes, the garbage it leaves and a limit it hits are not there for
 * the file after it. */
static void files_of_a_batch_see_nothing_of_each_other(void)
{
    static const char *const sources[] = {
        /* changes what the sandbox offers */
        "string.rep = nil; getmetatable('').__index = {}; every = nil; _G.pairs = nil\n"
        "getmetatable(log).__index = function() return 1 end; rawset(math, 'pi', 3)\n"
        "return { schedule = cron('* * * * *'), command = { 'true' } }\n",
        /* finds it all as a fresh state has it */
        "assert(('x'):rep(2) == 'xx' and string.rep('a', 2) == 'aa' and pairs)\n"
        "assert(math.pi > 3.14 and type(log.info) == 'function' and not pcall(log.info))\n"
        "return { schedule = every(5).minutes, command = { 'true' } }\n",
        /* leaves 6 MiB of garbage, and more of building it */
        "local s = ('x'):rep(6 << 20); s = nil\n" GOOD_SOURCE,
        /* needs as much of its own: the garbage before does not count */
        "local s = ('y'):rep(6 << 20)\n" GOOD_SOURCE,
        /* trips the instruction limit */
        "while true do end\n",
        /* a state that tripped is not the next file's */
        GOOD_SOURCE,
    };
    enum { COUNT = sizeof sources / sizeof *sources };
    struct isolated_job jobs[COUNT];
    bool want_loaded[COUNT] = {true, true, true, true, false, true};

    memset(jobs, 0, sizeof jobs);
    for (size_t i = 0; i < COUNT; i++)
        jobs[i] = (struct isolated_job){
            .path = "batch.lua",
            .name = "batch",
            .content = sources[i],
            .content_len = strlen(sources[i]),
        };
    isolated_load(jobs, COUNT);
    for (size_t i = 0; i < COUNT; i++) {
        CHECK(jobs[i].loaded == want_loaded[i], "file %zu: loaded %d, want %d (%s)", i,
              jobs[i].loaded, want_loaded[i], jobs[i].err);
        if (jobs[i].loaded)
            task_free(&jobs[i].task);
    }
    CHECK(strstr(jobs[4].err, "instruction limit") != NULL, "file 4: %s", jobs[4].err);
}

int main(void)
{
    RUN(wire_round_trip_keeps_every_field);
    RUN(wire_refuses_truncated_bytes);
    RUN(a_stuck_or_crashing_file_costs_only_itself);
    RUN(later_stuck_files_get_a_tenth);
    RUN(the_issue_files_fail_promptly);
    RUN(an_empty_batch_forks_nothing);
    RUN(a_schedule_expression_comes_back_from_the_worker);
    RUN(a_bad_schedule_expression_is_its_dsl_error);
    RUN(files_of_a_batch_see_nothing_of_each_other);
    TESTING_EXIT();
}
