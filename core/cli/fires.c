/* fires.c — the next fire instants of a schedule, as a JSON array. */
#include "fires.h"

#include "time/instant_json.h"

json_t *fires_json(const struct schedule_set *set, int64_t from, const struct tz *zone,
                   long count)
{
    json_t *fires = json_array();
    int64_t at = from;

    for (long i = 0; fires && i < count; i++) {
        json_t *fire;
        at = schedule_set_next_fire(set, at, zone);
        if (at == SCHEDULE_NEVER)
            break;
        fire = json_object();
        if (!fire || instant_json_set(fire, "at", zone, (double)at) < 0) {
            json_decref(fire);
            fire = NULL;
        }
        if (json_array_append_new(fires, fire) < 0) { /* takes fire, even then */
            json_decref(fires);
            fires = NULL;
        }
    }
    return fires;
}
