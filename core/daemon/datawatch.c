/* datawatch.c — a watch on the project root for data/ (see datawatch.h). */
#include "datawatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct datawatch {
    uv_fs_event_t event;
    void (*on_change)(void *data);
    void *data;
};

static void on_event(uv_fs_event_t *event, const char *filename, int events, int status)
{
    struct datawatch *w = event->data;

    (void)events;
    /* A NULL name (the kernel's queue overflowed) may hide data/'s. */
    if (status == 0 && (!filename || strcmp(filename, DATAWATCH_NAME) == 0))
        w->on_change(w->data);
}

static void on_closed(uv_handle_t *handle)
{
    free(handle->data);
}

struct datawatch *datawatch_start(uv_loop_t *loop, const char *root,
                                  void (*on_change)(void *data), void *data, char *err,
                                  size_t errlen)
{
    struct datawatch *w = calloc(1, sizeof *w);
    int rc;

    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->on_change = on_change;
    w->data = data;
    w->event.data = w;
    if ((rc = uv_fs_event_init(loop, &w->event)) != 0) {
        snprintf(err, errlen, "%s: %s", root, uv_strerror(rc));
        free(w);
        return NULL;
    }
    if ((rc = uv_fs_event_start(&w->event, on_event, root, 0)) != 0) {
        snprintf(err, errlen, "%s: %s", root, uv_strerror(rc));
        datawatch_stop(w);
        return NULL;
    }
    return w;
}

void datawatch_stop(struct datawatch *w)
{
    if (w)
        uv_close((uv_handle_t *)&w->event, on_closed);
}
