/* events.h — what happened in the daemon, as a numbered stream: runs
 * (queued, started, finished), tasks (added, changed, removed, broken,
 * paused, resumed), alerts (opened, bumped, resolved: engine/alert.c) and
 * the daemon itself (config reloaded, store error, stopping).
 *
 * The engine and the daemon publish at the points where they log the
 * change; readers (the API's event stream and its metrics) subscribe.
 * Nothing here knows HTTP.  The last EVENTS_RING events are kept, each
 * with an id one above the last (from 1 at the daemon's start), so a
 * reader that fell behind, or reconnects, takes up where it stopped as
 * long as its next event is still kept.  One stream per process, on the
 * loop's thread.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <jansson.h>
#include <stdint.h>

#define EVENTS_RING 1024
#define EVENTS_SUBSCRIBERS_MAX 4

struct event {
    uint64_t id;
    const char *kind; /* "run" | "task" | "alert" | "daemon" */
    json_t *data;     /* { "type": what happened, "time": epoch seconds, … } */
};

/* Publish one event of `kind`: `type` and the time are added to `data`,
 * which is taken (NULL, from a failed json_pack, publishes the event
 * without its details). */
void events_publish(const char *kind, const char *type, json_t *data);

/* The kept event of that id, or NULL when it is no longer (or not yet)
 * kept.  Valid until the next events_publish. */
const struct event *events_get(uint64_t id);

/* The id of the oldest kept event (events_next() when none is). */
uint64_t events_first(void);

/* The id the next event will have. */
uint64_t events_next(void);

/* Call fn(data, event) after each event is published.  -1 when
 * EVENTS_SUBSCRIBERS_MAX are already subscribed. */
int events_subscribe(void (*fn)(void *data, const struct event *ev), void *data);
void events_unsubscribe(void (*fn)(void *data, const struct event *ev), void *data);

/* Forget every kept event (the daemon's end). */
void events_clear(void);

#endif
