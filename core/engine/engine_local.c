/* engine_local.c — `main --task NAME` when no daemon runs: the same engine,
 * executor and store recording, in a private loop holding just that task.
 *
 * Its schedule is left alone (no next fire is computed or stored), so a
 * manual run between two daemon lives does not disturb the next start's
 * catch-up.  Ctrl-C (or SIGTERM) stops the run and records it as killed.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>

#include "config/config.h"
#include "config/logsetup.h"
#include "engine_internal.h"
#include "log/log.h"
#include "store/store.h"

struct local {
    const struct engine_client *client;
    struct engine *engine;
    uv_signal_t sigint, sigterm;
    bool succeeded;
};

static void local_output(void *data, const char *stream, const char *line, size_t len)
{
    struct local *l = data;

    if (l->client->on_output)
        l->client->on_output(l->client->data, stream, line, len);
}

static void local_closed(uv_handle_t *handle)
{
    (void)handle;
}

static void local_stopped(void *data)
{
    struct local *l = data;

    uv_close((uv_handle_t *)&l->sigint, local_closed);
    uv_close((uv_handle_t *)&l->sigterm, local_closed);
}

static void local_done(void *data, int64_t run_id, enum store_status status, int exit_code,
                       const char *error)
{
    struct local *l = data;

    l->succeeded = status == STORE_RUN_SUCCESS;
    if (l->client->on_done)
        l->client->on_done(l->client->data, run_id, status, exit_code, error);
    engine_shutdown(l->engine, local_stopped, l);
}

static void local_signal(uv_signal_t *handle, int signum)
{
    struct local *l = handle->data;

    dispatch_stop_all(l->engine, signum == SIGINT ? "interrupted (Ctrl-C)" : "terminated");
}

int engine_run_local(const struct engine_local_options *opt, const char *name,
                     const struct engine_client *client, char *err, size_t errlen)
{
    char db_path[PATH_MAX];
    struct engine_options eopt = {0};
    struct engine_client inner = {local_output, local_done, NULL};
    struct local l = {client, NULL, {0}, {0}, false};
    struct store *store = NULL;
    int64_t run_id;
    uv_loop_t loop;
    int rc = -1;

    if (config_resolve_path(opt->root, opt->config->database.path, db_path, sizeof db_path) !=
        0) {
        snprintf(err, errlen, "database.path: path too long");
        return -1;
    }
    /* No daemon is the one writer of logs/ now: this process is.  Scheduler
     * lines reach the terminal only with --verbose; the task's own lines and
     * output are streamed by the client. */
    if (logsetup_open(opt->config, opt->root, opt->verbose, opt->verbose, err, errlen) != 0)
        return -1;
    if (uv_loop_init(&loop) != 0) {
        snprintf(err, errlen, "cannot create an event loop");
        goto close_logs;
    }
    store = store_open(db_path, err, errlen);
    if (!store)
        goto close_loop;
    eopt.root = opt->root;
    eopt.config_path = opt->config_path;
    eopt.include_examples = opt->include_examples;
    eopt.wait_for_store = true; /* a one-shot run may wait for another writer */
    l.engine = engine_create(&loop, opt->config, store, &eopt, err, errlen);
    if (!l.engine)
        goto close_store;
    uv_signal_init(&loop, &l.sigint);
    uv_signal_init(&loop, &l.sigterm);
    l.sigint.data = l.sigterm.data = &l;
    inner.data = &l;
    if (entries_add_one(l.engine, name, err, errlen) != 0 ||
        engine_run_now(l.engine, name, "manual", &inner, &run_id, err, errlen) < 0) {
        engine_shutdown(l.engine, local_stopped, &l);
    } else {
        uv_signal_start(&l.sigint, local_signal, SIGINT);
        uv_signal_start(&l.sigterm, local_signal, SIGTERM);
        rc = 1;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    if (rc == 1 && l.succeeded)
        rc = 0;
    engine_free(l.engine);
close_store:
    store_close(store);
close_loop:
    if (uv_loop_close(&loop) != 0)
        log_error("the run's event loop still has open handles");
close_logs:
    logsetup_close();
    return rc;
}
