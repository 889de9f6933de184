/* events.c — the ring of the last events and their subscribers
 * (events.h). */
#include "events.h"

#include <stddef.h>

#include "log/log.h"
#include "time/clock.h"

static struct event ring[EVENTS_RING];
static uint64_t next_id = 1;

static struct {
    void (*fn)(void *data, const struct event *ev);
    void *data;
} subscribers[EVENTS_SUBSCRIBERS_MAX];

void events_publish(const char *kind, const char *type, json_t *data)
{
    struct event *ev = &ring[next_id % EVENTS_RING];

    if (!data || json_object_set_new(data, "type", json_string(type)) != 0 ||
        json_object_set_new(data, "time", json_real(clock_now())) != 0) {
        log_warn("events: out of memory: the %s %s event goes without its details", kind, type);
        json_decref(data);
        data = json_object();
    }
    json_decref(ev->data);
    ev->id = next_id++;
    ev->kind = kind;
    ev->data = data;
    for (size_t i = 0; i < EVENTS_SUBSCRIBERS_MAX; i++)
        if (subscribers[i].fn)
            subscribers[i].fn(subscribers[i].data, ev);
}

uint64_t events_next(void)
{
    return next_id;
}

uint64_t events_first(void)
{
    return next_id > EVENTS_RING ? next_id - EVENTS_RING : 1;
}

const struct event *events_get(uint64_t id)
{
    if (id < events_first() || id >= next_id)
        return NULL;
    return &ring[id % EVENTS_RING];
}

int events_subscribe(void (*fn)(void *data, const struct event *ev), void *data)
{
    for (size_t i = 0; i < EVENTS_SUBSCRIBERS_MAX; i++)
        if (!subscribers[i].fn) {
            subscribers[i].fn = fn;
            subscribers[i].data = data;
            return 0;
        }
    return -1;
}

void events_unsubscribe(void (*fn)(void *data, const struct event *ev), void *data)
{
    for (size_t i = 0; i < EVENTS_SUBSCRIBERS_MAX; i++)
        if (subscribers[i].fn == fn && subscribers[i].data == data)
            subscribers[i].fn = NULL;
}

void events_clear(void)
{
    for (size_t i = 0; i < EVENTS_RING; i++) {
        json_decref(ring[i].data);
        ring[i].data = NULL;
    }
}
