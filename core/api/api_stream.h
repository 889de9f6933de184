/* api_stream.h — a response that is written while it lasts (the event
 * stream, a followed run log), served from the loop without a thread.
 *
 * A stream is a source (what to send next) and the one piece of text
 * being sent.  MHD asks for bytes (a content reader) only when the socket
 * can take them; when the source has nothing more for now, the connection
 * is suspended until api_stream_wake, so a client that reads slowly or
 * not at all holds one piece, never a queue, and never blocks the loop.
 * A stream's list is what the server walks to wake or end its streams;
 * the stream leaves it, and its source's data is freed, when MHD is done
 * with the connection (the client went away, or the stream ended).
 */
#ifndef API_STREAM_H
#define API_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Daemon;
struct MHD_Response;
struct api_stream;

struct api_stream_source {
    /* The next piece: 1 after api_stream_text or api_stream_end, 0 when
     * there is nothing for now (the stream waits for api_stream_wake), -1
     * out of memory (the connection is closed). */
    int (*next)(struct api_stream *s, void *data);
    void (*free)(void *data); /* the stream's end; may be NULL */
    const char *what;         /* for the log: "event stream" */
};

/* Every open stream of one kind; kick(kick_data) after a stream was
 * resumed must make MHD run soon (MHD does not notice a resume made
 * outside its own run in the external epoll mode). */
struct api_stream_list {
    struct api_stream *first;
    void (*kick)(void *data);
    void *kick_data;
};

struct api_stream {
    struct api_stream_list *list;
    struct api_stream *prev, *next;
    struct MHD_Connection *conn;
    const struct api_stream_source *source;
    void *data;
    int64_t topic; /* what it waits for (api_stream_wake_topic), or 0 */
    bool suspended, ending;
    char *text; /* what is being sent, from `off` */
    size_t len, off;
};

/* The response for `conn` streaming from `source` with `data` (taken:
 * freed with the stream, or here on failure), with that Content-Type;
 * NULL (out of memory) closes the connection. */
struct MHD_Response *api_stream_open(struct api_stream_list *list, struct MHD_Connection *conn,
                                     const char *content_type,
                                     const struct api_stream_source *source, void *data,
                                     int64_t topic);

/* Make `text` (malloc'd, taken; NULL with len < 0: out of memory) the
 * next piece sent: 0, or -1. */
int api_stream_text(struct api_stream *s, char *text, int len);
int api_stream_copy(struct api_stream *s, const char *text, size_t len);

/* After the piece being sent (if any), the stream ends. */
void api_stream_end(struct api_stream *s);

/* The source may have more: resume a waiting stream. */
void api_stream_wake(struct api_stream *s);

/* Wake the streams of `list` waiting for `topic`. */
void api_stream_wake_topic(struct api_stream_list *list, int64_t topic);

/* End the streams of `mhd`'s connections (before MHD_stop_daemon, which
 * cannot stop a suspended connection). */
void api_stream_release(struct api_stream_list *list, struct MHD_Daemon *mhd);

#endif
