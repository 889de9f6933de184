/* alerts.c — send a task's notifications through `main __notify` (see
 * alerts.h; alerts_rules.c decides what they say).  Each notification is
 * one child with a pipe on its stdin: the JSON is written, the pipe
 * closed, and the child's exit logged. */
#include "alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "notifier.h"

#define ALERT_HANDLES 2 /* the process and its stdin pipe */

struct alert_child {
    uv_process_t process;
    uv_pipe_t input;
    uv_write_t write;
    char *json;
    char *task;
    int open_handles;
    bool ok; /* the child exited 0 */
    alerts_done_fn *done;
    void *done_data;
};

static void on_closed(uv_handle_t *handle)
{
    struct alert_child *a = handle->data;

    if (--a->open_handles > 0)
        return;
    if (a->done)
        a->done(a->done_data, a->ok);
    free(a->json);
    free(a->task);
    free(a);
}

static void on_written(uv_write_t *req, int status)
{
    struct alert_child *a = req->data;

    if (status < 0)
        log_warn("%s: cannot hand over its notification: %s", a->task, uv_strerror(status));
    uv_close((uv_handle_t *)&a->input, on_closed);
}

static void on_process_exit(uv_process_t *process, int64_t status, int signal)
{
    struct alert_child *a = process->data;

    a->ok = status == 0 && signal == 0;
    if (!a->ok)
        log_warn("%s: notification not sent (exit %lld, signal %d)", a->task, (long long)status,
                 signal);
    uv_close((uv_handle_t *)process, on_closed);
}

static void spawn(uv_loop_t *loop, const char *program, struct alert_child *a)
{
    char *args[] = {(char *)program, ALERTS_COMMAND, NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&a->input},
        {.flags = UV_IGNORE},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
    };
    uv_process_options_t options = {
        .exit_cb = on_process_exit,
        .file = program,
        .args = args,
        .stdio_count = 3,
        .stdio = stdio,
    };
    uv_buf_t buf = uv_buf_init(a->json, (unsigned)strlen(a->json));
    int rc;

    uv_pipe_init(loop, &a->input, 0);
    a->input.data = a->process.data = a->write.data = a;
    a->open_handles = ALERT_HANDLES;
    rc = uv_spawn(loop, &a->process, &options);
    if (rc != 0) {
        /* uv_spawn initialised the handle even though it failed. */
        log_warn("%s: cannot start the notifier: %s", a->task, uv_strerror(rc));
        uv_close((uv_handle_t *)&a->process, on_closed);
        uv_close((uv_handle_t *)&a->input, on_closed);
        return;
    }
    rc = uv_write(&a->write, (uv_stream_t *)&a->input, &buf, 1, on_written);
    if (rc != 0) {
        log_warn("%s: cannot hand over its notification: %s", a->task, uv_strerror(rc));
        uv_close((uv_handle_t *)&a->input, on_closed);
    }
}

void alerts_spawn(uv_loop_t *loop, const char *program, char *json, const char *label,
                  alerts_done_fn *done, void *data)
{
    struct alert_child *a = calloc(1, sizeof *a);

    if (!a || !(a->task = strdup(label))) {
        log_error("%s: out of memory for its notification", label);
        free(a);
        free(json);
        if (done)
            done(data, false);
        return;
    }
    a->json = json;
    a->done = done;
    a->done_data = data;
    spawn(loop, program, a);
}

void alerts_send(const struct alerts_env *env, const struct notification *n)
{
    const char *label = n->task ? n->task : "daemon";
    char *json = notifier_encode(n, env->config_path);

    if (!json) {
        log_error("%s: out of memory for its notification", label);
        return;
    }
    alerts_spawn(env->loop, env->program, json, label, NULL, NULL);
}

bool alerts_run_ended(const struct alerts_env *env, const struct task *task,
                      struct alert_streak *streak, const struct alert_run *run)
{
    struct alert_message m;
    struct notification n = {0};
    bool changed;

    if (!task->has_notify)
        return false;
    if (alerts_decide(&task->notify, task->title, streak, run, env->zone, &m, &changed) != 0) {
        log_error("%s: out of memory for its notification", task->name);
        return false;
    }
    if (m.event == ALERT_NONE)
        return changed;
    n.title = m.title;
    n.message = m.message;
    n.urgency = m.event == ALERT_FAILURE || m.event == ALERT_ATTEMPT_FAILURE ? NOTIFIER_CRITICAL
                                                                             : NOTIFIER_NORMAL;
    n.channels =
        task->notify.channels.count ? (const char *const *)task->notify.channels.items : NULL;
    n.channel_count = task->notify.channels.count;
    n.task = task->name;
    n.status = store_status_name(run->status);
    n.duration = run->duration;
    n.error = run->error;
    n.event = alerts_event_name(m.event);
    n.run_id = run->run_id;
    n.attempt = run->attempt;
    n.attempts = run->attempts;
    n.suppressed = m.suppressed;
    alerts_send(env, &n);
    free(m.message);
    return changed;
}
