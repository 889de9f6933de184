/* api_events.c — GET /api/v1/events: the daemon's events (engine/events.h)
 * as Server-Sent Events.
 *
 * Each client is a cursor into the engine's ring of the last EVENTS_RING
 * events, not a queue of its own: what it holds is the id of its next
 * event and the one event being written, so a client that reads slowly or
 * not at all costs the same few bytes as any other.  MHD asks for the
 * stream's bytes (a content reader) only when the socket can take them;
 * when the client has everything, its connection is suspended, and each
 * new event (or the heartbeat timer) resumes the suspended ones.  A client
 * whose next event has left the ring is closed, with a comment saying
 * why; reconnecting with Last-Event-ID then tells it what it missed.
 *
 * A resumed stream starts after `Last-Event-ID` (the header, or
 * ?last_event_id=): when that event is no longer kept (or is from an
 * earlier life of the daemon, whose ids start again at 1), the stream
 * begins with a `missed` event and then the oldest one kept.  An id that
 * is not a number is ignored (the stream starts with the next event).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <sys/socket.h>

#include "api_internal.h"
#include "engine/events.h"
#include "log/log.h"

#define HEARTBEAT_MS 15000
#define STREAM_BLOCK 4096 /* bytes MHD asks for at most at a time */
#define SEND_BUFFER 32768 /* bytes of the socket's send buffer */
#define CONTENT_TYPE "text/event-stream; charset=utf-8"

struct sse_client;

struct api_events {
    uv_timer_t heartbeat;
    struct sse_client *clients;
    void (*kick)(void *data); /* MHD must run to serve what was resumed */
    void *kick_data;
};

struct sse_client {
    struct api_events *hub;
    struct sse_client *prev, *next;
    struct MHD_Connection *conn;
    uint64_t next_id;     /* of the next event to send */
    int64_t asked;        /* ?last_event_id=, or -1 (read by make_stream) */
    int64_t missed_after; /* >= 0: first tell it events after this id are lost */
    bool heartbeat;       /* a heartbeat comment is due */
    bool suspended;       /* waiting for an event */
    bool ending;          /* after `text`, the stream ends */
    char *text;           /* what is being sent, from `off` */
    size_t len, off;
};

const struct api_param api_events_params[] = {
    {"last_event_id", API_PARAM_INT, 0, INT64_MAX, NULL},
    {NULL, 0, 0, 0, NULL},
};

static void wake(struct sse_client *c)
{
    if (!c->suspended)
        return;
    c->suspended = false;
    MHD_resume_connection(c->conn);
    c->hub->kick(c->hub->kick_data);
}

static void on_event(void *data, const struct event *ev)
{
    struct api_events *hub = data;

    (void)ev;
    for (struct sse_client *c = hub->clients; c; c = c->next)
        wake(c);
}

static void on_heartbeat(uv_timer_t *timer)
{
    struct api_events *hub = timer->data;

    for (struct sse_client *c = hub->clients; c; c = c->next) {
        c->heartbeat = true;
        wake(c);
    }
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
    hub->kick = kick;
    hub->kick_data = kick_data;
    uv_timer_init(loop, &hub->heartbeat);
    hub->heartbeat.data = hub;
    uv_timer_start(&hub->heartbeat, on_heartbeat, HEARTBEAT_MS, HEARTBEAT_MS);
    return hub;
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
    uv_close((uv_handle_t *)&hub->heartbeat, on_hub_closed);
}

void api_events_release(struct api_events *hub, struct MHD_Daemon *mhd)
{
    for (struct sse_client *c = hub->clients; c; c = c->next) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_DAEMON);
        if (info && info->daemon == mhd) {
            c->ending = true;
            wake(c);
        }
    }
}

/* Make `text` (taken; NULL: out of memory) the next thing sent: 0, or -1. */
static int set_text(struct sse_client *c, char *text, int len)
{
    free(c->text);
    c->text = len < 0 ? NULL : text;
    c->len = c->text ? (size_t)len : 0;
    c->off = 0;
    if (len < 0)
        free(text);
    return c->text ? 0 : -1;
}

static int set_copy(struct sse_client *c, const char *text)
{
    char *copy = strdup(text);

    return set_text(c, copy, copy ? (int)strlen(copy) : -1);
}

static int format_event(struct sse_client *c, const struct event *ev)
{
    char *json = json_dumps(ev->data, JSON_COMPACT), *text = NULL;
    int len = -1;

    if (json)
        len =
            asprintf(&text, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", ev->id, ev->kind, json);
    free(json);
    return set_text(c, text, len);
}

/* The next piece of the stream into c->text: 1 when there is one, 0 when
 * the client has everything, -1 out of memory. */
static int next_text(struct sse_client *c)
{
    char *text = NULL;
    const struct event *ev;

    if (c->missed_after >= 0) {
        int len = asprintf(&text,
                           "event: missed\ndata: {\"type\":\"missed\",\"after\":%" PRId64
                           ",\"first\":%" PRIu64 "}\n\n",
                           c->missed_after, events_first());
        c->missed_after = -1;
        return set_text(c, text, len) == 0 ? 1 : -1;
    }
    if (c->next_id < events_first()) {
        int len = asprintf(&text,
                           ": closed: this client fell more than %d events behind; "
                           "reconnect with Last-Event-ID\n\n",
                           EVENTS_RING);
        c->ending = true;
        return set_text(c, text, len) == 0 ? 1 : -1;
    }
    if ((ev = events_get(c->next_id))) {
        c->next_id++;
        return format_event(c, ev) == 0 ? 1 : -1;
    }
    if (c->heartbeat) {
        c->heartbeat = false;
        return set_copy(c, ": heartbeat\n\n") == 0 ? 1 : -1;
    }
    return 0;
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sse_client *c = cls;
    size_t written = 0;

    (void)pos;
    for (;;) {
        if (c->off < c->len) {
            size_t n = c->len - c->off < max - written ? c->len - c->off : max - written;
            memcpy(buf + written, c->text + c->off, n);
            c->off += n;
            written += n;
            if (written == max)
                return (ssize_t)written;
            continue;
        }
        if (c->ending)
            return written ? (ssize_t)written : MHD_CONTENT_READER_END_OF_STREAM;
        switch (next_text(c)) {
        case 1:
            continue;
        case -1:
            log_error("api: out of memory writing the event stream; closing it");
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (written)
            return (ssize_t)written;
        c->suspended = true;
        MHD_suspend_connection(c->conn);
        return 0;
    }
}

static void free_client(void *cls)
{
    struct sse_client *c = cls;

    if (c->prev)
        c->prev->next = c->next;
    else
        c->hub->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->text);
    free(c);
}

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

/* The kernel would grow the socket's send buffer to megabytes for a
 * client that does not read: a fixed one keeps what it holds for a stream
 * small, and a client that stops reading falls behind in the ring (and is
 * closed) instead.  A failure only loses that bound. */
static void limit_send_buffer(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int size = SEND_BUFFER;

    if (!info || setsockopt(info->connect_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0)
        log_debug("api: the event stream's send buffer keeps the kernel's size");
}

static struct MHD_Response *make_stream(void *data, struct MHD_Connection *conn)
{
    struct sse_client *c = data;
    struct MHD_Response *resp;
    int64_t last = c->asked >= 0 ? c->asked : header_id(conn);

    c->conn = conn;
    limit_send_buffer(conn);
    if (last >= 0)
        start_after(c, (uint64_t)last);
    else
        c->next_id = events_next();
    c->next = c->hub->clients;
    if (c->next)
        c->next->prev = c;
    c->hub->clients = c;
    /* A first comment, so that the client sees the stream open at once. */
    if (set_copy(c, ": connected\n\n") != 0 ||
        !(resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, read_stream,
                                                   c, free_client))) {
        log_error("api: out of memory opening an event stream");
        free_client(c);
        return NULL;
    }
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE) != MHD_YES) {
        log_error("api: out of memory opening an event stream");
        MHD_destroy_response(resp); /* frees the client */
        return NULL;
    }
    return resp;
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
