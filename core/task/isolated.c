/* isolated.c — load task files in a worker process that is killed when
 * one of them takes too long (isolated.h).
 *
 * The worker is a fork, so it has the jobs (and any content read for
 * them) without copying.  It writes one message per job, in job order:
 * the length of the rest (uint64_t), the job's index (uint64_t), then 1
 * and the task (task_wire.h) or 0 and the error string.  The parent
 * decodes each as it comes and restarts its clock on every job done.
 */
#include "isolated.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "task_wire.h"
#include "time/clock.h"

_Static_assert(ISOLATED_TIMEOUT_MS >= 2 * SANDBOX_TIME_LIMIT_MS,
               "a file the sandbox stops itself must not meet the worker's timeout");

#define ISOLATED_READ_CHUNK 65536
#define ISOLATED_WHY_MAX 128

struct worker {
    pid_t pid;
    int fd;              /* the read end of its pipe */
    struct task_wire in; /* bytes received */
    size_t used;         /* bytes of `in` decoded */
};

enum outcome {
    ALL_DONE,  /* every job has its result */
    TIMED_OUT, /* the job due did not finish in time */
    ENDED,     /* the worker closed its pipe before the job due */
    MALFORMED  /* it wrote what is not a result */
};

/* ---- in the worker ------------------------------------------------------ */

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Evaluate jobs[from..count) and write each result; never returns. */
static void worker_main(struct isolated_job *jobs, size_t from, size_t count,
                        isolated_eval *eval, int fd, const sigset_t *mask, pid_t parent)
{
    /* The daemon's signal handlers write into its event loop's pipe, which
     * this process shares: a signal sent here must not reach that loop. */
    for (int sig = 1; sig < NSIG; sig++)
        (void)signal(sig, SIG_DFL); /* SIGKILL and the like refuse: fine */
    if (pthread_sigmask(SIG_SETMASK, mask, NULL) != 0 ||
        prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(1);
    sandbox_reuse(true); /* one Lua state for the batch, fresh globals per file */
    for (size_t i = from; i < count; i++) {
        struct isolated_job *job = &jobs[i];
        struct task_wire w = {0};
        uint64_t len = 0, index = i;
        unsigned char ok = eval(job) == 0;

        task_wire_put(&w, &len, sizeof len); /* filled in below */
        task_wire_put(&w, &index, sizeof index);
        task_wire_put(&w, &ok, sizeof ok);
        if (ok)
            task_wire_put_task(&w, &job->task);
        else
            task_wire_put_string(&w, job->err);
        if (w.failed)
            _exit(1);
        len = w.len - sizeof len;
        memcpy(w.data, &len, sizeof len);
        if (write_all(fd, w.data, w.len) != 0)
            _exit(1);
        task_wire_free(&w);
        if (ok)
            task_free(&job->task);
    }
    _exit(0);
}

/* ---- in the caller ------------------------------------------------------ */

static int worker_start(struct worker *w, struct isolated_job *jobs, size_t from, size_t count,
                        isolated_eval *eval, char *why, size_t whylen)
{
    pid_t parent = getpid();
    sigset_t all, old;
    int fds[2], saved;

    memset(w, 0, sizeof *w);
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return -1;
    }
    /* No handler of ours may run in the child before it resets them. */
    sigfillset(&all);
    if (pthread_sigmask(SIG_SETMASK, &all, &old) != 0) {
        snprintf(why, whylen, "cannot block signals");
        (void)close(fds[0]);
        (void)close(fds[1]);
        return -1;
    }
    w->pid = fork();
    if (w->pid == 0) {
        (void)close(fds[0]);
        worker_main(jobs, from, count, eval, fds[1], &old, parent);
    }
    saved = errno;
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    (void)close(fds[1]);
    if (w->pid < 0) {
        (void)close(fds[0]);
        snprintf(why, whylen, "fork: %s", strerror(saved));
        return -1;
    }
    w->fd = fds[0];
    return 0;
}

/* Close the pipe and reap the worker, killing it first unless it is
 * known to be ending (it closed the pipe: its last act).  How it ended,
 * as words for a message, into why. */
static void worker_stop(struct worker *w, bool ending, char *why, size_t whylen)
{
    int status = 0;
    pid_t got;

    (void)close(w->fd);
    task_wire_free(&w->in);
    if (!ending)
        (void)kill(w->pid, SIGKILL);
    do
        got = waitpid(w->pid, &status, 0);
    while (got < 0 && errno == EINTR);
    if (got != w->pid)
        snprintf(why, whylen, "could not be waited for: %s", strerror(errno));
    else if (WIFSIGNALED(status))
        snprintf(why, whylen, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, whylen, "exited with status %d", WEXITSTATUS(status));
}

/* Decode the complete messages received, each the result of jobs[*next].
 * False on one that is not. */
static bool take_results(struct worker *w, struct isolated_job *jobs, size_t count,
                         size_t *next)
{
    for (;;) {
        size_t avail = w->in.len - w->used;
        struct task_wire_reader r;
        struct isolated_job *job;
        uint64_t len, index;
        unsigned char ok;
        char *msg = NULL;

        if (avail < sizeof len)
            break;
        memcpy(&len, w->in.data + w->used, sizeof len);
        if (len > avail - sizeof len)
            break; /* the rest is on its way */
        r.at = w->in.data + w->used + sizeof len;
        r.end = r.at + len;
        r.failed = false;
        w->used += sizeof len + (size_t)len;
        if (*next >= count || !task_wire_get(&r, &index, sizeof index) || index != *next ||
            !task_wire_get(&r, &ok, sizeof ok) || ok > 1)
            return false;
        job = &jobs[*next];
        if (ok ? task_wire_get_task(&r, &job->task) < 0
               : !task_wire_get_string(&r, &msg) || msg == NULL)
            return false;
        if (r.at != r.end) {
            if (ok)
                task_free(&job->task);
            free(msg);
            return false;
        }
        if (msg)
            snprintf(job->err, sizeof job->err, "%s", msg);
        free(msg);
        job->loaded = ok;
        job->judged = true;
        (*next)++;
    }
    if (w->used == w->in.len)
        w->in.len = w->used = 0;
    return true;
}

/* Take results from w until every job has one, or the job due has not
 * finished within timeout_ms of the one before. */
static enum outcome collect(struct worker *w, struct isolated_job *jobs, size_t count,
                            size_t *next, int timeout_ms)
{
    double deadline = clock_monotonic() + timeout_ms / 1000.0;

    while (*next < count) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        char chunk[ISOLATED_READ_CHUNK];
        double left = deadline - clock_monotonic();
        size_t before = *next;
        ssize_t got;
        int ready;

        if (left <= 0)
            return TIMED_OUT;
        ready = poll(&p, 1, (int)ceil(left * 1000.0));
        if (ready < 0 && errno != EINTR)
            return ENDED;
        if (ready <= 0)
            continue;
        got = read(w->fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return ENDED;
        task_wire_put(&w->in, chunk, (size_t)got);
        if (w->in.failed || !take_results(w, jobs, count, next))
            return MALFORMED;
        if (*next != before)
            deadline = clock_monotonic() + timeout_ms / 1000.0;
    }
    return ALL_DONE;
}

void isolated_run(struct isolated_job *jobs, size_t count, isolated_eval *eval, int timeout_ms)
{
    size_t next = 0;
    int stuck = 0;

    for (size_t i = 0; i < count; i++) {
        jobs[i].loaded = jobs[i].judged = false;
        jobs[i].err[0] = '\0';
    }
    while (next < count) {
        int limit =
            stuck < ISOLATED_FULL_TIMEOUTS ? timeout_ms : timeout_ms / ISOLATED_LATE_DIVISOR;
        char why[ISOLATED_WHY_MAX];
        struct isolated_job *job;
        struct worker w;
        enum outcome outcome;

        if (worker_start(&w, jobs, next, count, eval, why, sizeof why) != 0) {
            for (; next < count; next++)
                snprintf(jobs[next].err, sizeof jobs[next].err, "%s: cannot evaluate: %s",
                         jobs[next].path, why);
            return;
        }
        outcome = collect(&w, jobs, count, &next, limit);
        worker_stop(&w, outcome == ENDED, why, sizeof why);
        if (outcome == ALL_DONE)
            return;
        job = &jobs[next++];
        if (outcome == TIMED_OUT) {
            stuck++;
            snprintf(job->err, sizeof job->err, "%s: evaluation took longer than %g s",
                     job->path, limit / 1000.0);
        } else {
            snprintf(job->err, sizeof job->err, "%s: evaluation failed: the worker %s",
                     job->path, outcome == MALFORMED ? "wrote a malformed result" : why);
        }
        job->judged = true;
    }
}

static int load_job(struct isolated_job *job)
{
    return task_load(job->path, job->name, job->content, job->content_len, &job->task, job->err,
                     sizeof job->err);
}

void isolated_load(struct isolated_job *jobs, size_t count)
{
    isolated_run(jobs, count, load_job, ISOLATED_TIMEOUT_MS);
}

/* The schedule comes back in a task that has nothing else: the wire
 * carries tasks, and a task's fields but its schedules are cheap to send
 * empty (task_wire_get_task wants name, path, title and description; the
 * content, the expression itself, is copied, never NULL). */
static int eval_schedule(struct isolated_job *job)
{
    struct task *t = &job->task;

    memset(t, 0, sizeof *t);
    if (sandbox_eval_schedule(job->content, &t->schedules, job->err, sizeof job->err) < 0)
        return -1;
    t->content = strndup(job->content, job->content_len);
    t->content_len = job->content_len;
    t->name = strdup(job->name);
    t->path = strdup(job->path);
    t->title = strdup("");
    t->description = strdup("");
    t->args = json_array();
    if (!t->content || !t->name || !t->path || !t->title || !t->description || !t->args) {
        task_free(t); /* the worker's: a 1-byte allocation fails only under a ulimit */
        snprintf(job->err, sizeof job->err, "out of memory");
        return -1;
    }
    return 0;
}

int isolated_eval_schedule(const char *expr, struct schedule_set *out, char *err, size_t errlen)
{
    struct isolated_job job = {
        .path = "schedule",
        .name = "schedule",
        .content = expr,
        .content_len = strlen(expr),
    };

    memset(out, 0, sizeof *out);
    isolated_run(&job, 1, eval_schedule, ISOLATED_TIMEOUT_MS);
    if (!job.loaded) {
        snprintf(err, errlen, "%s", job.err);
        return job.judged ? -1 : -2;
    }
    *out = job.task.schedules;
    job.task.schedules = (struct schedule_set){0};
    task_free(&job.task);
    return 0;
}
