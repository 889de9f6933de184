/* api_events.c — GET /api/v1/events: the daemon's events (engine/events.h)
 * as Server-Sent Events.
 *
 * Each client is a stream (api_stream.h) whose source is a cursor into
 * the engine's ring of the last EVENTS_RING events, not a queue of its
 * own: what it holds is the id of its next event and the one event being
 * written, so a client that reads slowly or not at all costs the same few
 * bytes as any other.  Each new event (or the heartbeat timer) wakes the
 * waiting clients; the timer runs only while a client is connected, so an
 * idle daemon without one never wakes for it.  A client whose next event
 * has left the ring is closed, with a comment saying why; reconnecting
 * with Last-Event-ID then tells it what it missed.
 *
 * A resumed stream starts after `Last-Event-ID` (the header, or
 * ?last_event_id=): when that event is no longer kept (or is from an
 * earlier life of the daemon, whose ids start again at 1), the stream
 * begins with a `missed` event and then the oldest one kept.  An id that
 * is not a number is ignored (the stream starts with the next event).
 *
 * The hub also keeps the list of followed run logs (api_runs.c), woken by
 * the engine's output watch (engine_watch_output) for their run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_internal.h"
#include "api_stream.h"
#include "engine/engine.h"
#include "engine/events.h"

#define HEARTBEAT_MS 15000
#define CONTENT_TYPE "text/event-stream; charset=utf-8"

struct api_events {
    uv_timer_t heartbeat;
    struct api_stream_list streams; /* the event streams */
    struct api_stream_list logs;    /* followed run logs, by run id */
    struct engine *engine;          /* watched once a log is followed */
};

struct sse_client {
    struct api_events *hub;
    uint64_t next_id;     /* of the next event to send */
    int64_t asked;        /* ?last_event_id=, or -1 (read by make_stream) */
    int64_t missed_after; /* >= 0: first tell it events after this id are lost */
    bool greeted;         /* the first comment went */
    bool heartbeat;       /* a heartbeat comment is due */
};

const struct api_param api_events_params[] = {
    {"last_event_id", API_PARAM_INT, 0, INT64_MAX, NULL},
    {NULL, 0, 0, 0, NULL},
};

static void on_event(void *data, const struct event *ev)
{
    struct api_events *hub = data;

    (void)ev;
    for (struct api_stream *s = hub->streams.first; s; s = s->next)
        api_stream_wake(s);
}

static void on_heartbeat(uv_timer_t *timer)
{
    struct api_events *hub = timer->data;

    if (!hub->streams.first)
        uv_timer_stop(timer);
    for (struct api_stream *s = hub->streams.first; s; s = s->next) {
        ((struct sse_client *)s->data)->heartbeat = true;
        api_stream_wake(s);
    }
}

/* The engine's news of a run's output: its followers read on. */
static void on_output(void *data, int64_t run_id)
{
    struct api_events *hub = data;

    api_stream_wake_topic(&hub->logs, run_id);
}

struct api_events *api_events_create(uv_loop_t *loop, void (*kick)(void *data), void *kick_data,
                                     char *err, size_t errlen)
{
    struct api_events *hub = calloc(1, sizeof *hub);

    if (!hub || events_subscribe(on_event, hub) != 0) {
        snprintf(err, errlen, "api: %s", hub ? "too many event subscribers" : "out of memory");
        free(hub);
        return NULL;
    }
    hub->streams = hub->logs = (struct api_stream_list){NULL, kick, kick_data};
    uv_timer_init(loop, &hub->heartbeat);
    hub->heartbeat.data = hub;
    return hub;
}

struct api_stream_list *api_events_logs(struct api_events *hub, struct engine *engine)
{
    if (!hub->engine) {
        hub->engine = engine;
        engine_watch_output(engine, on_output, hub);
    }
    return &hub->logs;
}

static void on_hub_closed(uv_handle_t *handle)
{
    free(handle->data);
}

void api_events_free(struct api_events *hub)
{
    if (!hub)
        return;
    events_unsubscribe(on_event, hub);
    if (hub->engine)
        engine_watch_output(hub->engine, NULL, NULL);
    uv_close((uv_handle_t *)&hub->heartbeat, on_hub_closed);
}

void api_events_release(struct api_events *hub, struct MHD_Daemon *mhd)
{
    api_stream_release(&hub->streams, mhd);
    api_stream_release(&hub->logs, mhd);
}

static int format_event(struct api_stream *s, const struct event *ev)
{
    char *json = json_dumps(ev->data, JSON_COMPACT), *text = NULL;
    int len = -1;

    if (json)
        len =
            asprintf(&text, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", ev->id, ev->kind, json);
    free(json);
    return api_stream_text(s, text, len);
}

static int send_comment(struct api_stream *s, const char *text)
{
    return api_stream_copy(s, text, strlen(text)) == 0 ? 1 : -1;
}

/* The next piece of the stream (api_stream_source.next). */
static int next_text(struct api_stream *s, void *data)
{
    struct sse_client *c = data;
    char *text = NULL;
    const struct event *ev;

    if (!c->greeted) { /* a first comment, so that the client sees the stream open at once */
        c->greeted = true;
        return send_comment(s, ": connected\n\n");
    }
    if (c->missed_after >= 0) {
        int len = asprintf(&text,
                           "event: missed\ndata: {\"type\":\"missed\",\"after\":%" PRId64
                           ",\"first\":%" PRIu64 "}\n\n",
                           c->missed_after, events_first());
        c->missed_after = -1;
        return api_stream_text(s, text, len) == 0 ? 1 : -1;
    }
    if (c->next_id < events_first()) {
        int len = asprintf(&text,
                           ": closed: this client fell more than %d events behind; "
                           "reconnect with Last-Event-ID\n\n",
                           EVENTS_RING);
        api_stream_end(s);
        return api_stream_text(s, text, len) == 0 ? 1 : -1;
    }
    if ((ev = events_get(c->next_id))) {
        c->next_id++;
        return format_event(s, ev) == 0 ? 1 : -1;
    }
    if (c->heartbeat) {
        c->heartbeat = false;
        return send_comment(s, ": heartbeat\n\n");
    }
    return 0;
}

static const struct api_stream_source sse_source = {next_text, free, "event stream"};

/* Where a stream resumed after `last` begins. */
static void start_after(struct sse_client *c, uint64_t last)
{
    if (last + 1 >= events_first() && last + 1 <= events_next()) {
        c->next_id = last + 1;
        return;
    }
    c->missed_after = (int64_t)last;
    c->next_id = events_first();
}

/* The id of Last-Event-ID, or -1 when there is none that is a number. */
static int64_t header_id(struct MHD_Connection *conn)
{
    const char *text = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
    char *end;
    long long n;

    if (!text)
        return -1;
    errno = 0;
    n = strtoll(text, &end, 10);
    return errno || end == text || *end || n < 0 ? -1 : (int64_t)n;
}

static struct MHD_Response *make_stream(void *data, struct MHD_Connection *conn)
{
    struct sse_client *c = data;
    int64_t last = c->asked >= 0 ? c->asked : header_id(conn);

    if (last >= 0)
        start_after(c, (uint64_t)last);
    else
        c->next_id = events_next();
    if (!uv_is_active((uv_handle_t *)&c->hub->heartbeat))
        uv_timer_start(&c->hub->heartbeat, on_heartbeat, HEARTBEAT_MS, HEARTBEAT_MS);
    return api_stream_open(&c->hub->streams, conn, CONTENT_TYPE, &sse_source, c, 0);
}

void api_get_events(struct api_call *call)
{
    const struct api_query_value *last = api_query_get(&call->query, "last_event_id");
    struct sse_client *c = calloc(1, sizeof *c);

    if (!c) {
        api_reply_problem(call, 500, NULL, "out of memory opening an event stream");
        return;
    }
    c->hub = call->ctx->events;
    c->asked = last ? last->number : -1;
    c->missed_after = -1;
    call->reply.status = 200;
    call->reply.custom = (struct api_custom){make_stream, c};
}
