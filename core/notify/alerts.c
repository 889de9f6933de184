/* alerts.c — send a task's notifications through `main __notify` (see
 * alerts.h).  Each notification is one child with a pipe on its stdin: the
 * JSON is written, the pipe closed, and the child's exit logged. */
#include "alerts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "notifier.h"

#define ALERT_HANDLES 2 /* the process and its stdin pipe */
#define ALERT_TITLE_MAX 256

struct alert {
    uv_process_t process;
    uv_pipe_t input;
    uv_write_t write;
    char *json;
    char *task;
    int open_handles;
};

static void on_closed(uv_handle_t *handle)
{
    struct alert *a = handle->data;

    if (--a->open_handles > 0)
        return;
    free(a->json);
    free(a->task);
    free(a);
}

static void on_written(uv_write_t *req, int status)
{
    struct alert *a = req->data;

    if (status < 0)
        log_warn("%s: cannot hand over its notification: %s", a->task, uv_strerror(status));
    uv_close((uv_handle_t *)&a->input, on_closed);
}

static void on_process_exit(uv_process_t *process, int64_t status, int signal)
{
    struct alert *a = process->data;

    if (status != 0 || signal != 0)
        log_warn("%s: notification not sent (exit %lld, signal %d)", a->task, (long long)status,
                 signal);
    uv_close((uv_handle_t *)process, on_closed);
}

static bool wanted(const struct task_notify *rules, const struct alert_run *run)
{
    bool success = run->status == STORE_RUN_SUCCESS;
    bool failure = store_status_failed(run->status);
    bool recovery = success && run->has_previous && run->previous != STORE_RUN_SUCCESS;

    return (failure && rules->on_failure) || (success && rules->on_success) ||
           (recovery && rules->on_recovery);
}

static void spawn(uv_loop_t *loop, const char *program, struct alert *a)
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

void alerts_run_ended(uv_loop_t *loop, const char *program, const char *config_path,
                      const struct task *task, const struct alert_run *run)
{
    char title[ALERT_TITLE_MAX];
    struct notification n = {0};
    struct alert *a;
    bool failure;

    if (!task->has_notify || !wanted(&task->notify, run))
        return;
    failure = store_status_failed(run->status); /* else a success: wanted() */
    snprintf(title, sizeof title, "%s: %s", task->title,
             failure ? store_status_name(run->status)
             : run->has_previous && run->previous != STORE_RUN_SUCCESS ? "recovered"
                                                                       : "success");
    n.title = title;
    n.message = run->error ? run->error : title;
    n.urgency = failure ? NOTIFIER_CRITICAL : NOTIFIER_NORMAL;
    n.channels =
        task->notify.channels.count ? (const char *const *)task->notify.channels.items : NULL;
    n.channel_count = task->notify.channels.count;
    n.task = task->name;
    n.status = store_status_name(run->status);
    n.duration = run->duration;
    n.error = run->error;
    a = calloc(1, sizeof *a);
    if (!a || !(a->json = notifier_encode(&n, config_path)) ||
        !(a->task = strdup(task->name))) {
        log_error("%s: out of memory for its notification", task->name);
        if (a) {
            free(a->json);
            free(a);
        }
        return;
    }
    spawn(loop, program, a);
}
