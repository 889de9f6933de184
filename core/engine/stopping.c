/* stopping.c — the engine's last steps after engine_shutdown(): once no
 * job is left (each was recorded, or is waiting in pending.c), its timers
 * close and the store's pending writes are reported, and only then is the
 * caller's `done` called.  Dispatch calls in here as each job ends.
 */
#include "engine_internal.h"
#include "source/source.h"

static void handle_closed(void *data)
{
    struct engine *e = data;

    if (--e->open_handles == 0 && e->on_stopped)
        e->on_stopped(e->stopped_data);
}

static void on_handle_closed(uv_handle_t *handle)
{
    handle_closed(handle->data);
}

void stopping_check(struct engine *e)
{
    if (!e->stopping || e->job_count > 0 || uv_is_closing((uv_handle_t *)&e->timer))
        return;
    uv_close((uv_handle_t *)&e->timer, on_handle_closed);
    uv_close((uv_handle_t *)&e->pump_timer, on_handle_closed);
    uv_close((uv_handle_t *)&e->shutdown_timer, on_handle_closed);
    sources_close(e->sources, handle_closed, e);
    /* Every job is recorded: what the store still refuses is reported. */
    pending_close(e->pending, handle_closed, e);
}
