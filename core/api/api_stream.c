/* api_stream.c — responses written while they last (api_stream.h): the
 * event stream and followed run logs share this one content reader, its
 * suspending and resuming, and its bound on what a stream holds.
 */
#include "api_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <sys/socket.h>

#include "log/log.h"

#define STREAM_BLOCK 4096 /* bytes MHD asks for at most at a time */
#define SEND_BUFFER 32768 /* bytes of the socket's send buffer */

void api_stream_wake(struct api_stream *s)
{
    if (!s->suspended)
        return;
    s->suspended = false;
    MHD_resume_connection(s->conn);
    s->list->kick(s->list->kick_data);
}

void api_stream_wake_topic(struct api_stream_list *list, int64_t topic)
{
    for (struct api_stream *s = list->first; s; s = s->next)
        if (s->topic == topic)
            api_stream_wake(s);
}

void api_stream_release(struct api_stream_list *list, struct MHD_Daemon *mhd)
{
    for (struct api_stream *s = list->first; s; s = s->next) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_DAEMON);
        if (info && info->daemon == mhd) {
            s->ending = true;
            api_stream_wake(s);
        }
    }
}

int api_stream_text(struct api_stream *s, char *text, int len)
{
    free(s->text);
    s->text = len < 0 ? NULL : text;
    s->len = s->text ? (size_t)len : 0;
    s->off = 0;
    if (len < 0)
        free(text);
    return s->text ? 0 : -1;
}

int api_stream_copy(struct api_stream *s, const char *text, size_t len)
{
    char *copy = len <= INT32_MAX ? malloc(len ? len : 1) : NULL;

    if (copy)
        memcpy(copy, text, len);
    return api_stream_text(s, copy, copy ? (int)len : -1);
}

void api_stream_end(struct api_stream *s)
{
    s->ending = true;
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct api_stream *s = cls;
    size_t written = 0;

    (void)pos;
    for (;;) {
        if (s->off < s->len) {
            size_t n = s->len - s->off < max - written ? s->len - s->off : max - written;
            memcpy(buf + written, s->text + s->off, n);
            s->off += n;
            written += n;
            if (written == max)
                return (ssize_t)written;
            continue;
        }
        if (s->ending)
            return written ? (ssize_t)written : MHD_CONTENT_READER_END_OF_STREAM;
        switch (s->source->next(s, s->data)) {
        case 1:
            continue;
        case -1:
            log_error("api: out of memory writing the %s; closing it", s->source->what);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (written)
            return (ssize_t)written;
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        return 0;
    }
}

static void free_stream(void *cls)
{
    struct api_stream *s = cls;

    if (s->prev)
        s->prev->next = s->next;
    else
        s->list->first = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (s->source->free)
        s->source->free(s->data);
    free(s->text);
    free(s);
}

/* The kernel would grow the socket's send buffer to megabytes for a
 * client that does not read: a fixed one keeps what it holds for a stream
 * small, and the stream's source decides what a client that fell behind
 * gets (the event stream closes it, a log waits for it).  A failure only
 * loses that bound. */
static void limit_send_buffer(struct MHD_Connection *conn, const char *what)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int size = SEND_BUFFER;

    if (!info || setsockopt(info->connect_fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0)
        log_debug("api: the %s's send buffer keeps the kernel's size", what);
}

struct MHD_Response *api_stream_open(struct api_stream_list *list, struct MHD_Connection *conn,
                                     const char *content_type,
                                     const struct api_stream_source *source, void *data,
                                     int64_t topic)
{
    struct api_stream *s = calloc(1, sizeof *s);
    struct MHD_Response *resp;

    if (!s) {
        log_error("api: out of memory opening the %s", source->what);
        if (source->free)
            source->free(data);
        return NULL;
    }
    *s = (struct api_stream){
        .list = list, .conn = conn, .source = source, .data = data, .topic = topic};
    limit_send_buffer(conn, source->what);
    s->next = list->first;
    if (s->next)
        s->next->prev = s;
    list->first = s;
    if (!(resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, read_stream,
                                                   s, free_stream))) {
        log_error("api: out of memory opening the %s", source->what);
        free_stream(s);
        return NULL;
    }
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type) != MHD_YES) {
        log_error("api: out of memory opening the %s", source->what);
        MHD_destroy_response(resp); /* frees the stream */
        return NULL;
    }
    return resp;
}
