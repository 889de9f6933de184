/* test_executor.c — real runs through executor_start on a libuv loop.
 *
 * Each test copies a fixture of tests/fixtures/tasks/ into a temporary
 * project root, runs it with the real run program (TASKSCHED_TEST_PROGRAM,
 * default ./main, called as `main __run`) and checks the outcome and the
 * logs.  Run from the repository root.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "log/log.h"
#include "log/tasklog.h"
#include "run/executor.h"
#include "run/run_protocol.h"
#include "testing.h"
#include "time/clock.h"

#define FIXTURES "tests/fixtures/tasks"
#define PROGRAM_ENV "TASKSCHED_TEST_PROGRAM"
#ifdef __SANITIZE_ADDRESS__
#define RSS_GROWTH_MAX_KB (1024 * 1024) /* ASan's quarantine keeps freed lines */
#else
#define RSS_GROWTH_MAX_KB (32 * 1024) /* the daemon may not buffer 100 MB */
#endif
#define TAIL_MAX 4096

#define ROOT_TEMPLATE "/tmp/test-executor-XXXXXX"
#define NO_CONFIG "/nonexistent/config.yaml"
#define BROKEN_CONFIG "tests/fixtures/config/broken.yaml"
#define LATE_RESULT_RUN "tests/fixtures/late_result_run.sh"
#define CUE_POLLS 1000   /* of 10 ms, for a step of late_result_run.sh */
#define STALL_US 1500000 /* a busy loop: longer than EXECUTOR_DRAIN_MS */

static char program[PATH_MAX];
static char root[sizeof ROOT_TEMPLATE];
static char broken_config[PATH_MAX];   /* BROKEN_CONFIG, absolute */
static char late_result_run[PATH_MAX]; /* LATE_RESULT_RUN, absolute */
static struct config config;           /* the daemon's, in force */

/* A copy of what on_exit saw. */
struct outcome {
    char *status, *error, *result_json, *output_tail;
    int exit_code, signal;
    double started_at, finished_at;
    long peak_rss_kb, cpu_ms;
    int exits;             /* on_exit calls */
    int starts;            /* on_start calls */
    int log_lines;         /* on_output("log") calls */
    json_t *state;         /* the test's store of the task's state, which
                              * on_state changes as the daemon would */
    char changes[256];     /* on_state calls: "key" set, "-key" deleted */
    bool state_after_exit; /* an on_state call came after on_exit */
    bool stall;            /* take result_survives_a_stalled_loop's steps */
    struct run *run;       /* from on_start */
};

struct options {
    const char *name;        /* task name; default: the fixture's */
    json_t *state;           /* the task's state, given to the run and
                              * changed by it; NULL: empty */
    const char *state_error; /* instead of a state */
    double release_in;       /* seconds from now */
    int timeout;
    double stop_after;   /* > 0: executor_stop after this many seconds */
    bool broken_config;  /* config_path names BROKEN_CONFIG, not NO_CONFIG */
    const char *program; /* instead of the run program */
    bool stall;          /* see outcome.stall */
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void outcome_free(struct outcome *o)
{
    free(o->status);
    free(o->error);
    free(o->result_json);
    free(o->output_tail);
}

static void touch(const char *name)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", root, name);
    f = fopen(path, "w");
    CHECK(f && fclose(f) == 0, "creating %s: %s", path, strerror(errno));
}

static bool appears(const char *name)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s/%s", root, name);
    for (int i = 0; i < CUE_POLLS && access(path, F_OK) != 0; i++)
        usleep(10000);
    return access(path, F_OK) == 0;
}

/* The first step of a stall, on "started": a SIGCHLD now, and the
 * fixture's line on stdout, are polled in the same batch of events, and
 * libuv reaps its children at the end of such a batch. */
static void stall_started(struct outcome *o, struct run *run)
{
    o->run = run;
    CHECK_INT(raise(SIGCHLD), 0);
    touch("go1");
    CHECK(appears("echoed"), "the fixture wrote its line");
}

/* The second, on that line: the run writes its result and exits while the
 * loop is busy for longer than the drain, so that the batch ends with its
 * exit taken and its result not yet polled — as a daemon's loop, under
 * load, takes the exit of one run with the exit reports of others. */
static void stall_until_exit(struct outcome *o)
{
    siginfo_t info;
    int rc;

    o->stall = false;
    touch("go2");
    while ((rc = waitid(P_PID, (id_t)executor_pid(o->run), &info, WEXITED | WNOWAIT)) != 0 &&
           errno == EINTR)
        ;
    CHECK(rc == 0, "waitid: %s", strerror(errno));
    usleep(STALL_US);
}

static void on_start(void *data, struct run *run, double started_at)
{
    struct outcome *o = data;

    (void)started_at;
    o->starts++;
    if (o->stall)
        stall_started(o, run);
}

static void on_output(void *data, const char *stream, const char *line, size_t len)
{
    struct outcome *o = data;

    if (strcmp(stream, "log") == 0)
        o->log_lines++;
    if (o->stall && o->run && strcmp(stream, "stdout") == 0 && len == 7 &&
        memcmp(line, "waiting", len) == 0)
        stall_until_exit(o);
}

static void on_state(void *data, const char *key, const char *value_json)
{
    struct outcome *o = data;
    size_t used = strlen(o->changes);

    o->state_after_exit |= o->exits > 0;
    snprintf(o->changes + used, sizeof o->changes - used, "%s%s%s", used ? " " : "",
             value_json ? "" : "-", key);
    if (!o->state)
        return;
    if (value_json)
        CHECK_INT(
            json_object_set_new(o->state, key, json_loads(value_json, JSON_DECODE_ANY, NULL)),
            0);
    else
        json_object_del(o->state, key);
}

static void on_exit_cb(void *data, const struct run_outcome *out)
{
    struct outcome *o = data;

    o->exits++;
    o->status = dup_or_null(store_status_name(out->status));
    o->error = dup_or_null(out->error);
    o->result_json = dup_or_null(out->result_json);
    o->output_tail = dup_or_null(out->output_tail);
    o->exit_code = out->exit_code;
    o->signal = out->signal;
    o->started_at = out->started_at;
    o->finished_at = out->finished_at;
    o->peak_rss_kb = out->peak_rss_kb;
    o->cpu_ms = out->cpu_ms;
}

static void on_stop_timer(uv_timer_t *timer)
{
    executor_stop(timer->data, "stopped by the test");
}

static int copy_file(const char *from, const char *to)
{
    char buf[8192];
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    size_t n;
    int rc = -1;

    if (!in || !out)
        goto done;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            goto done;
    rc = ferror(in) ? -1 : 0;
done:
    if (out && fclose(out) != 0)
        rc = -1;
    if (in)
        fclose(in);
    return rc;
}

/* Run fixture `file` once; the outcome lands in *o. */
static void run_fixture(const char *file, const struct options *opt, struct outcome *o)
{
    char src[PATH_MAX], dst[PATH_MAX], name[PATH_MAX], err[TASK_ERR_MAX];
    struct executor_callbacks cb = {on_start, on_output, on_state, on_exit_cb, NULL};
    json_t *empty = json_object();
    struct task task;
    uv_loop_t loop;
    uv_timer_t stop_timer;
    struct run *run;

    memset(o, 0, sizeof *o);
    o->stall = opt->stall;
    o->state = opt->state_error ? NULL : opt->state ? opt->state : empty;
    snprintf(src, sizeof src, "%s/%s", FIXTURES, file);
    snprintf(dst, sizeof dst, "%s/tasks/%s", root, file);
    snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 4), file);
    CHECK(copy_file(src, dst) == 0, "copy %s", src);
    if (task_load(dst, opt->name ? opt->name : name, NULL, 0, &task, err, sizeof err) != 0) {
        CHECK(0, "task_load: %s", err);
        json_decref(empty);
        return;
    }
    struct run_spec spec = {
        .program = opt->program ? opt->program : program,
        .task = &task,
        .root = root,
        .state = o->state,
        .state_error = opt->state_error,
        .config_path = opt->broken_config ? broken_config : NO_CONFIG,
        .config = &config,
        .run_id = 7,
        .attempt = 1,
        .trigger = "manual",
        .release_at = clock_now() + opt->release_in,
        .timeout = opt->timeout,
        .kill_grace = 1,
        .stream_output = true,
    };
    CHECK_INT(uv_loop_init(&loop), 0);
    run = executor_start(&loop, &spec, &cb, o, err, sizeof err);
    task_free(&task);
    CHECK(run != NULL, "executor_start: %s", err);
    if (run && opt->stop_after > 0) {
        CHECK_INT(uv_timer_init(&loop, &stop_timer), 0);
        stop_timer.data = run;
        CHECK_INT(
            uv_timer_start(&stop_timer, on_stop_timer, (uint64_t)(opt->stop_after * 1000), 0),
            0);
        uv_unref((uv_handle_t *)&stop_timer); /* the run alone keeps the loop going */
    }
    CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
    if (run && opt->stop_after > 0) {
        uv_close((uv_handle_t *)&stop_timer, NULL);
        CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
    }
    CHECK_INT(uv_loop_close(&loop), 0);
    CHECK_INT(o->exits, run ? 1 : 0);
    CHECK(!o->state_after_exit, "a state change reported after the run's end");
    json_decref(empty);
    o->state = NULL; /* the empty one is gone; the caller's is the caller's */
}

static char *read_file(const char *rel)
{
    char path[PATH_MAX];
    FILE *f;
    char *text = NULL;
    size_t len = 0;

    snprintf(path, sizeof path, "%s/%s", root, rel);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (getdelim(&text, &len, '\0', f) < 0) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

static bool file_contains(const char *rel, const char *needle)
{
    char *text = read_file(rel);
    bool found = text && strstr(text, needle);

    free(text);
    return found;
}

static void run_returns_json_on_success(void)
{
    struct outcome o;

    run_fixture("run_success.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "success");
    CHECK_STR(o.result_json, "{\"answer\":42,\"attempt\":1,\"trigger\":\"manual\"}");
    CHECK(o.error == NULL, "error: %s", o.error);
    CHECK_INT(o.exit_code, 0);
    CHECK_INT(o.starts, 1);
    CHECK(o.started_at > 0 && o.finished_at >= o.started_at, "started %f finished %f",
          o.started_at, o.finished_at);
    CHECK(o.peak_rss_kb > 0 && o.cpu_ms >= 0, "rss %ld cpu %ld", o.peak_rss_kb, o.cpu_ms);
    CHECK_STR(o.output_tail, "hello from run_success\n");
    CHECK(file_contains("logs/tasks/run_success.log", "[Success] hello from run_success"),
          "output line in the task's log");
    outcome_free(&o);
}

static void run_error_has_file_line_and_traceback(void)
{
    struct outcome o;

    run_fixture("run_error.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "failed");
    CHECK(o.error && strstr(o.error, "tasks/run_error.lua:3: boom"), "error: %s", o.error);
    CHECK(o.error && strstr(o.error, "stack traceback:") &&
              strstr(o.error, "tasks/run_error.lua:8"),
          "traceback: %s", o.error);
    CHECK_INT(o.exit_code, 1);
    CHECK(o.result_json == NULL, "result %s", o.result_json);
    outcome_free(&o);
}

/* The tree comes in the request, from the config in force: a broken edit
 * of config.yaml does not fail the run. */
static void rocks_tree_comes_from_the_request(void)
{
    struct outcome o;
    char want[PATH_MAX + 64];

    snprintf(want, sizeof want, "\"%s/data/rocks/share/lua/5.4/?.lua\"", root);
    run_fixture("run_rocks_tree.lua", &(struct options){.broken_config = true}, &o);
    CHECK_STR(o.status, "success");
    CHECK(o.error == NULL, "error: %s", o.error);
    CHECK_STR(o.result_json, want);
    outcome_free(&o);
}

static void command_task_reports_its_exit_code(void)
{
    struct outcome o;

    run_fixture("run_command.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "failed");
    CHECK_INT(o.exit_code, 7);
    CHECK(o.error && strstr(o.error, "code 7"), "error: %s", o.error);
    CHECK_STR(o.output_tail, "from-command\n");
    outcome_free(&o);
}

static void run_gets_args_as_written(void)
{
    struct outcome o;

    run_fixture("run_args.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "success");
    CHECK(o.error == NULL, "error: %s", o.error);
    CHECK_STR(o.result_json,
              "{\"dry\":false,\"keep\":3,\"second\":\"b\",\"src\":\"/data/in\"}");
    outcome_free(&o);
}

static void command_gets_args_after_its_own(void)
{
    struct outcome o;

    run_fixture("run_command_args.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "success");
    CHECK_STR(o.output_tail, "first|second one\n");
    outcome_free(&o);
}

/* Gone, or a zombie waiting for init: either way no longer running. */
static bool process_gone(pid_t pid)
{
    char path[64], state = 0;
    FILE *f;

    if (kill(pid, 0) != 0 && errno == ESRCH)
        return true;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return true;
    if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
        state = 0;
    fclose(f);
    return state == 'Z' || state == 'X';
}

/* The fixture wrote its grandchild's pid to ROOT/grandchild.pid. */
static void check_grandchild_gone(void)
{
    char *pidtext = read_file("grandchild.pid");
    pid_t pid = pidtext ? (pid_t)atoi(pidtext) : 0;

    CHECK(pid > 0, "the fixture wrote the grandchild's pid");
    for (int i = 0; pid > 0 && i < 100 && !process_gone(pid); i++)
        usleep(10000);
    CHECK(pid > 0 && process_gone(pid), "grandchild %d still runs", (int)pid);
    if (pid > 0 && !process_gone(pid))
        kill(pid, SIGKILL);
    free(pidtext);
}

static void timeout_kills_run_and_grandchild(void)
{
    struct outcome o;
    double t0 = clock_monotonic();

    run_fixture("run_timeout.lua", &(struct options){.timeout = 1}, &o);
    CHECK_STR(o.status, "timeout");
    CHECK(o.error && strstr(o.error, "timed out"), "error: %s", o.error);
    CHECK(clock_monotonic() - t0 < 10, "took %.1f s", clock_monotonic() - t0);
    check_grandchild_gone();
    outcome_free(&o);
}

static void finished_run_takes_its_grandchildren(void)
{
    struct outcome o;

    run_fixture("run_background.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "success");
    check_grandchild_gone();
    outcome_free(&o);
}

static void finished_run_takes_exec_grandchildren(void)
{
    struct outcome o;

    run_fixture("run_exec_background.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "success");
    check_grandchild_gone();
    outcome_free(&o);
}

static void run_has_its_own_process_limit(void)
{
    struct outcome o;
    long soft = -1, hard = -1;

    run_fixture("run_nproc.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "success");
    CHECK(o.result_json &&
              sscanf(o.result_json, "{\"hard\":%ld,\"soft\":%ld}", &hard, &soft) == 2,
          "a finite limit, got %s", o.result_json);
    /* Other users' cap counts what they already run (proclimit.h). */
    CHECK(hard > 0 && soft <= hard && (getuid() != 0 || hard <= EXECUTOR_MAX_PROCESSES),
          "soft %ld <= hard %ld, <= %d as root", soft, hard, EXECUTOR_MAX_PROCESSES);
    outcome_free(&o);
}

static void release_at_delays_run(void)
{
    struct outcome o;
    double before = clock_now(), release = before + 0.3;

    run_fixture("run_release.lua", &(struct options){.release_in = 0.3}, &o);
    CHECK_STR(o.status, "success");
    CHECK(o.started_at >= release - 0.005, "started %.4f before release %.4f", o.started_at,
          release);
    /* "On the release, not at spawn": a bound for loaded and sanitizer
     * runs, not a speed target (make bench-compare measures lateness). */
    CHECK(o.started_at < release + 1.0, "started %.4f s late", o.started_at - release);
    outcome_free(&o);
}

static void stop_before_release_cancels(void)
{
    struct outcome o;
    double t0 = clock_monotonic();

    run_fixture("run_release.lua", &(struct options){.release_in = 5, .stop_after = 0.1}, &o);
    CHECK_STR(o.status, "skipped"); /* cancelled: run() never began */
    CHECK_STR(o.error, "stopped by the test");
    CHECK(o.started_at == 0, "started at %f", o.started_at);
    CHECK_INT(o.starts, 0);
    CHECK(clock_monotonic() - t0 < 3, "took %.1f s", clock_monotonic() - t0);
    outcome_free(&o);
}

/* A result the run wrote before its exit is kept however late the loop
 * polls it: the drain's deadline reads what the streams still hold before
 * it closes them. */
static void result_survives_a_stalled_loop(void)
{
    struct outcome o;

    run_fixture("run_success.lua", &(struct options){.program = late_result_run, .stall = true},
                &o);
    CHECK(!o.stall, "the stall took place");
    CHECK_STR(o.status, "success");
    CHECK(o.error == NULL, "error: %s", o.error);
    CHECK_STR(o.result_json, "\"kept\"");
    CHECK_INT(o.exit_code, 0);
    outcome_free(&o);
}

static void stop_after_release_kills(void)
{
    struct outcome o;

    run_fixture("run_timeout.lua", &(struct options){.stop_after = 0.3}, &o);
    CHECK_STR(o.status, "killed");
    CHECK_STR(o.error, "stopped by the test");
    outcome_free(&o);
}

static long peak_rss_kb(void)
{
    struct rusage ru;

    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static void huge_output_keeps_daemon_bounded(void)
{
    struct outcome o;
    long before = peak_rss_kb();
    size_t len;

    run_fixture("run_output.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "success");
    CHECK(peak_rss_kb() - before < RSS_GROWTH_MAX_KB, "daemon grew by %ld kB",
          peak_rss_kb() - before);
    len = o.output_tail ? strlen(o.output_tail) : 0;
    CHECK(len > 0 && len <= TAIL_MAX, "tail of %zu bytes", len);
    CHECK(len >= 8 && strcmp(o.output_tail + len - 8, "the end\n") == 0, "tail ends: %s",
          o.output_tail && len > 16 ? o.output_tail + len - 16 : o.output_tail);
    outcome_free(&o);
}

/* A line too long for the log is cut there, and says so. */
static void long_output_line_is_marked_cut(void)
{
    struct outcome o;

    run_fixture("run_long_line.lua", &(struct options){.name = "long_line"}, &o);
    CHECK_STR(o.status, "success");
    CHECK(file_contains("logs/tasks/long_line.log", "[line cut: 1032192 more bytes]"),
          "the cut is marked with what was dropped");
    CHECK(file_contains("logs/tasks/long_line.log", "next line"), "the next line is whole");
    outcome_free(&o);
}

static void os_exit_fails_with_its_code(void)
{
    struct outcome o;

    run_fixture("run_exit.lua", &(struct options){0}, &o);
    CHECK_STR(o.status, "failed");
    CHECK_INT(o.exit_code, 3);
    CHECK(o.error && strstr(o.error, "without a result"), "error: %s", o.error);
    CHECK_INT(o.starts, 1);
    outcome_free(&o);
}

static void log_lines_reach_task_logs(void)
{
    struct outcome o;

    run_fixture("run_log.lua", &(struct options){.name = "cameras/logger"}, &o);
    CHECK_STR(o.status, "success");
    CHECK(file_contains("logs/tasks.log", "INFO [Logger] hello from the log helper run=7"),
          "line in tasks.log");
    CHECK(file_contains("logs/tasks/cameras/logger.log", "hello from the log helper"),
          "line in the task's own log");
    CHECK(!file_contains("logs/tasks.log", "below the level"), "debug line filtered");
    CHECK(file_contains("logs/errors.log", "ERROR [Logger] something broke"),
          "error line in errors.log");
    CHECK(!file_contains("logs/errors.log", "hello from"), "info line kept out of errors.log");
    CHECK_INT(o.log_lines, 2);
    outcome_free(&o);
}

/* The run reports each change; what the daemon saves (here: the test)
 * is what the next run of the task is given. */
static void state_survives_between_runs(void)
{
    json_t *store = json_object();
    struct outcome o;

    run_fixture("run_state_set.lua", &(struct options){.name = "stateful", .state = store}, &o);
    CHECK_STR(o.status, "success");
    CHECK(o.error == NULL, "error: %s", o.error);
    CHECK_STR(o.changes, "counter gone -gone");
    outcome_free(&o);
    run_fixture("run_state_get.lua", &(struct options){.name = "stateful", .state = store}, &o);
    CHECK_STR(o.status, "success");
    CHECK_STR(o.result_json, "{\"keys\":[\"a\",\"b\"],\"n\":5}");
    CHECK(o.error == NULL, "error: %s", o.error);
    CHECK_STR(o.changes, "");
    outcome_free(&o);
    run_fixture("run_state_get.lua", &(struct options){.name = "other"}, &o);
    CHECK_STR(o.status, "failed"); /* another task sees no "counter" */
    outcome_free(&o);
    json_decref(store);
}

/* Within a run, get and all see the run's own set and delete at once;
 * changes over the protocol's bounds are refused and leave the view as it
 * was. */
static void state_view_within_a_run(void)
{
    json_t *store = json_pack("{s:s}", "seed", "from the request");
    struct outcome o;

    run_fixture("run_state_view.lua", &(struct options){.state = store}, &o);
    CHECK_STR(o.status, "success");
    CHECK(o.error == NULL, "error: %s", o.error);
    CHECK_STR(o.result_json, "[\"part1\",\"part2\",\"part3\",\"part4\",\"seed\"]");
    CHECK_STR(o.changes, "a -a part1 part2 part3 part4");
    CHECK_INT(json_object_size(store), 5);
    outcome_free(&o);
    json_decref(store);
}

static void state_unavailable_says_why(void)
{
    struct outcome o;

    run_fixture("run_state_get.lua", &(struct options){.state_error = "disk on fire"}, &o);
    CHECK_STR(o.status, "failed");
    CHECK(o.error && strstr(o.error, "state unavailable: disk on fire"), "error: %s", o.error);
    outcome_free(&o);
}

/* ---- the run protocol's state parts, without a run ---------------------- */

/* Send with `send` on one end of a pipe; decode what arrives on the other. */
static int one_message(int (*send)(int fd, const char *key, const json_t *value),
                       const char *key, const json_t *value, struct run_message *msg,
                       json_t **doc)
{
    char line[4096], err[256];
    int fds[2], rc;
    ssize_t n;

    *doc = NULL;
    if (pipe(fds) != 0)
        return -1;
    rc = send(fds[1], key, value);
    close(fds[1]);
    n = read(fds[0], line, sizeof line);
    close(fds[0]);
    if (rc != 0)
        return rc;
    if (n <= 0 || line[n - 1] != '\n')
        return -1;
    return run_protocol_decode(line, (size_t)n - 1, msg, doc, err, sizeof err);
}

static void protocol_state_message(void)
{
    json_t *value = json_pack("{s:i}", "n", 5), *null = json_null(), *doc;
    struct run_message msg;

    CHECK_INT(one_message(run_protocol_send_state, "counter", value, &msg, &doc), 0);
    CHECK_INT(msg.type, RUN_MESSAGE_STATE);
    CHECK_STR(msg.key, "counter");
    CHECK(msg.value && json_equal(msg.value, value), "the value comes back");
    json_decref(doc);
    /* null is a value; a missing value is a delete */
    CHECK_INT(one_message(run_protocol_send_state, "k", null, &msg, &doc), 0);
    CHECK(msg.value && json_is_null(msg.value), "null stays a value");
    json_decref(doc);
    CHECK_INT(one_message(run_protocol_send_state, "gone", NULL, &msg, &doc), 0);
    CHECK_INT(msg.type, RUN_MESSAGE_STATE);
    CHECK_STR(msg.key, "gone");
    CHECK(msg.value == NULL, "a delete has no value");
    json_decref(doc);
    json_decref(value);
    json_decref(null);
}

static void protocol_state_message_bounded(void)
{
    char *big = calloc(1, RUN_PROTOCOL_MESSAGE_MAX + 1);
    json_t *value = NULL;
    int fds[2];
    char byte;

    CHECK(big != NULL, "memory");
    if (!big)
        return;
    memset(big, 'x', RUN_PROTOCOL_MESSAGE_MAX);
    value = json_string(big);
    CHECK_INT(pipe(fds), 0);
    CHECK_INT(run_protocol_send_state(fds[1], "huge", value), 1);
    close(fds[1]);
    CHECK_INT(read(fds[0], &byte, 1), 0); /* nothing was sent */
    close(fds[0]);
    /* a key that is not UTF-8 cannot be encoded */
    CHECK_INT(run_protocol_send_state(-1, "\xff", value), -1);
    json_decref(value);
    free(big);
}

/* encode_request, then recv_request of the bytes, as the run reads them. */
static int request_round_trip(const struct run_request *in, struct run_request *out,
                              json_t **doc, char *err, size_t errlen)
{
    size_t len;
    char *line = run_protocol_encode_request(in, &len, err, errlen);
    int fds[2], rc = -1;

    *doc = NULL;
    if (!line)
        return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) {
        if (write(fds[1], line, len) == (ssize_t)len && shutdown(fds[1], SHUT_WR) == 0)
            rc = run_protocol_recv_request(fds[0], out, doc, err, errlen);
        close(fds[0]);
        close(fds[1]);
    }
    free(line);
    return rc;
}

static void protocol_request_carries_state_and_user(void)
{
    json_t *args = json_array(), *state = json_pack("{s:i, s:[s]}", "n", 5, "tags", "a"), *doc;
    struct run_request in =
                           {
                               .task = "t",
                               .path = "/r/tasks/t.lua",
                               .title = "T",
                               .content = "return {}",
                               .content_len = 9,
                               .hash = "0",
                               .run_id = 1,
                               .attempt = 1,
                               .trigger = "manual",
                               .args = args,
                               .root = "/r",
                               .config_path = "/r/config/config.yaml",
                               .rocks_tree = "/r/data/rocks",
                               .user = "backup",
                               .uid = 998,
                               .gid = 997,
                               .state = state,
                               .log_level = LOG_LEVEL_INFO,
                           },
                       out;
    char err[256];
    char *big = calloc(1, RUN_PROTOCOL_STATE_MAX + 1);

    CHECK_INT(request_round_trip(&in, &out, &doc, err, sizeof err), 0);
    CHECK(out.state && json_equal(out.state, state), "the state comes back");
    CHECK(out.state_error == NULL, "state_error %s", out.state_error);
    CHECK_STR(out.user, "backup");
    CHECK(out.uid == 998 && out.gid == 997, "uid %d gid %d", (int)out.uid, (int)out.gid);
    json_decref(doc);

    /* without a user, and with the reason instead of a state */
    in.user = NULL;
    in.state = NULL;
    in.state_error = "disk on fire";
    CHECK_INT(request_round_trip(&in, &out, &doc, err, sizeof err), 0);
    CHECK(out.user == NULL && out.state == NULL, "no user, no state");
    CHECK_STR(out.state_error, "disk on fire");
    json_decref(doc);

    /* a state over the bound travels as its error */
    CHECK(big != NULL, "memory");
    if (big) {
        memset(big, 'x', RUN_PROTOCOL_STATE_MAX);
        in.state = state;
        in.state_error = NULL;
        CHECK_INT(json_object_set_new(state, "big", json_string(big)), 0);
        CHECK_INT(request_round_trip(&in, &out, &doc, err, sizeof err), 0);
        CHECK(out.state == NULL && out.state_error &&
                  strstr(out.state_error, "the task's state is"),
              "state_error: %s", out.state_error);
        json_decref(doc);
    }
    free(big);
    json_decref(state);
    json_decref(args);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void)
{
    const char *prog = getenv(PROGRAM_ENV);
    char err[256], dir[PATH_MAX];
    struct log_options tl = {.level = LOG_LEVEL_INFO, .max_size = 1 << 20, .keep = 1};

    if (!realpath(prog ? prog : "./main", program)) {
        printf("# no run program %s (set %s): %s\n", prog ? prog : "./main", PROGRAM_ENV,
               strerror(errno));
        return -1;
    }
    memcpy(root, ROOT_TEMPLATE, sizeof root);
    if (!mkdtemp(root))
        return -1;
    snprintf(dir, sizeof dir, "%s/tasks", root);
    if (mkdir(dir, 0755) != 0)
        return -1;
    if (!realpath(BROKEN_CONFIG, broken_config) ||
        !realpath(LATE_RESULT_RUN, late_result_run) || config_defaults(&config) != 0)
        return -1;
    snprintf(dir, sizeof dir, "%s/logs", root);
    tl.logs_dir = dir;
    if (tasklog_open(&tl, err, sizeof err) != 0) {
        printf("# tasklog_open: %s\n", err);
        return -1;
    }
    return 0;
}

int main(void)
{
    signal(SIGPIPE,
           SIG_IGN); /* as the daemon does: a dead run's pipe is an error, not a signal */
    if (clock_init(NULL, 0) != 0 || setup() != 0) {
        printf("not ok - setup\n");
        return 1;
    }
    RUN(run_returns_json_on_success);
    RUN(run_error_has_file_line_and_traceback);
    RUN(rocks_tree_comes_from_the_request);
    RUN(command_task_reports_its_exit_code);
    RUN(run_gets_args_as_written);
    RUN(command_gets_args_after_its_own);
    RUN(timeout_kills_run_and_grandchild);
    RUN(finished_run_takes_its_grandchildren);
    RUN(finished_run_takes_exec_grandchildren);
    RUN(run_has_its_own_process_limit);
    RUN(release_at_delays_run);
    RUN(stop_before_release_cancels);
    RUN(stop_after_release_kills);
    RUN(result_survives_a_stalled_loop);
    RUN(huge_output_keeps_daemon_bounded);
    RUN(long_output_line_is_marked_cut);
    RUN(os_exit_fails_with_its_code);
    RUN(log_lines_reach_task_logs);
    RUN(state_survives_between_runs);
    RUN(state_view_within_a_run);
    RUN(state_unavailable_says_why);
    RUN(protocol_state_message);
    RUN(protocol_state_message_bounded);
    RUN(protocol_request_carries_state_and_user);
    tasklog_close();
    config_free(&config);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    TESTING_EXIT();
}
