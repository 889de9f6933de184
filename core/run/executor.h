/* executor.h — one run as one child process, followed from spawn to exit.
 *
 * The daemon (and `main --task` without a daemon) hands a run to the
 * executor; the executor starts the run process in its own session (forked
 * by the fork server when one runs, forkserver.h, else `main __run`
 * exec'd),
 * sends it the validated task content and the run's context over a
 * socketpair (fd 3), and then reads three streams until the child is gone:
 * stdout and stderr (task output, to the task's log and a bounded tail) and
 * fd 3 (structured messages: log lines, state changes and the result).  It
 * enforces the timeout (SIGTERM to the session, SIGKILL after kill_grace)
 * and reports one outcome through on_exit.
 *
 * A run is *prepared* ahead of its instant: the child loads its task and
 * sleeps until `release_at`, so run() starts on the instant itself.
 */
#ifndef EXECUTOR_H
#define EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>
#include <uv.h>

#include "store/store.h"
#include "task/task.h"

struct config;
struct run; /* opaque, owned by the executor until on_exit returns */

struct run_spec {
    const char *program;         /* this program's path (the daemon: /proc/self/exe) */
    const struct task *task;     /* borrowed during executor_start only */
    const char *root;            /* project root (absolute) */
    const json_t *state;         /* the task's state (object key -> value) for
                              * the state helper, borrowed; or NULL and */
    const char *state_error;     /* why it could not be read */
    const char *config_path;     /* for the config helper (absolute) */
    const struct config *config; /* in force: the run's rocks tree comes
                              * from it, so the run never reads the file */
    int64_t run_id;
    int attempt;                   /* 1 for the first */
    const char *trigger;           /* "schedule" | "catchup" | "retry" | "manual" | "api" */
    int64_t scheduled_for;         /* the fire instant (unix s); 0 for manual runs */
    double release_at;             /* wall instant to call run(); <= now means at once */
    int timeout;                   /* effective seconds; 0 = no limit */
    int kill_grace;                /* seconds between SIGTERM and SIGKILL */
    bool has_last;                 /* the task ran before: */
    enum store_status last_status; /* that run's final status */
    double last_finished_at;       /* 0 when none */
    bool stream_output;            /* also pass output lines to on_output */
    size_t output_max;             /* bytes of output and log lines kept (run_outcome.output) */
};

/* What a finished run reports.  Strings are owned by the executor and valid
 * only during the on_exit call. */
struct run_outcome {
    enum store_status status; /* success, failed, timeout, killed, or skipped:
                               * cancelled before its release (executor_stop) */
    int exit_code;            /* -1 when ended by a signal */
    int signal;               /* 0 when it exited */
    double started_at;        /* wall instant run() began (0 if it never did) */
    double finished_at;
    const char *error;       /* message and traceback, or NULL */
    const char *result_json; /* run()'s return value as JSON, or NULL */
    long peak_rss_kb;        /* -1 when unknown */
    long cpu_ms;             /* -1 when unknown */
    const char *output_tail; /* last bytes of stdout+stderr, or "" */
    const char *output;      /* stdout, stderr (each line after "[stderr] ") and log
                              * lines as they came, up to
                              * output_max bytes, then "… (N bytes cut)"; never NULL */
};

struct executor_callbacks {
    /* run() was released (the child said so); may be NULL. */
    void (*on_start)(void *data, struct run *run, double started_at);
    /* One line of output or of the task's log, when stream_output is set;
     * `stream` is "stdout", "stderr" or "log"; may be NULL. */
    void (*on_output)(void *data, const char *stream, const char *line, size_t len);
    /* The run changed its task's state: `key` set to `value_json` (JSON
     * text), or deleted when value_json is NULL.  Called in the order the
     * run made the changes, all before on_exit; the caller saves them (the
     * daemon is the one writer of the store).  May be NULL. */
    void (*on_state)(void *data, const char *key, const char *value_json);
    /* The run is over; the struct run is freed right after this returns. */
    void (*on_exit)(void *data, const struct run_outcome *outcome);
    /* The kept output grew (executor_output has more); may be NULL. */
    void (*on_kept)(void *data);
};

/* Spawn the run.  NULL with a message in err when the process could not be
 * started (nothing to clean up then). */
struct run *executor_start(uv_loop_t *loop, const struct run_spec *spec,
                           const struct executor_callbacks *cb, void *data, char *err,
                           size_t errlen);

/* Stop a run: before its release it is cancelled at once (status
 * skipped: run() never began); after, SIGTERM to its session then SIGKILL
 * after kill_grace (status killed).  `reason` goes into the outcome's
 * error. */
void executor_stop(struct run *run, const char *reason);

pid_t executor_pid(const struct run *run);
int64_t executor_run_id(const struct run *run);
bool executor_released(const struct run *run);

/* The output kept so far (stdout, stderr and log lines as they came, as
 * run_outcome.output will have them): *len bytes, up to the last whole
 * UTF-8 character, so always the start of the final output.  Valid until
 * the loop turns. */
const char *executor_output(const struct run *run, size_t *len);

/* Processes (threads) a run may add to those its user has when it starts:
 * its RLIMIT_NPROC (proclimit.h).  Linux does not hold root to it, so it
 * contains the runs of tasks with `user =` and of a daemon not run as root. */
#define EXECUTOR_MAX_PROCESSES 256

#endif
