/* calendar.c — the next fire instants of a schedule (calendar.h). */
#include "calendar.h"

#include <stdio.h>

#include "isolated.h"
#include "time/instant_json.h"

json_t *calendar_fires(const struct schedule_set *set, int64_t from, const struct tz *zone,
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

/* What `main check` says of each schedule of the set; NULL out of memory. */
static json_t *calendar_warnings(const struct schedule_set *set, int64_t from,
                                 const struct tz *zone)
{
    json_t *warnings = json_array();
    char warning[SCHEDULE_WORDS_MAX];

    for (size_t i = 0; warnings && i < set->count; i++) {
        if (!schedule_warning(&set->items[i], from, zone, warning, sizeof warning))
            continue;
        if (json_array_append_new(warnings, json_string(warning)) < 0) {
            json_decref(warnings);
            warnings = NULL;
        }
    }
    return warnings;
}

int calendar_set(const struct schedule_set *set, int64_t from, const struct tz *zone,
                 long count, json_t **fires, json_t **warnings, char *err, size_t errlen)
{
    *fires = calendar_fires(set, from, zone, count);
    *warnings = calendar_warnings(set, from, zone);
    if (*fires && *warnings)
        return 0;
    json_decref(*fires);
    json_decref(*warnings);
    *fires = *warnings = NULL;
    snprintf(err, errlen, "out of memory");
    return -2;
}

int calendar_expr(const char *expr, int64_t from, const struct tz *zone, long count,
                  json_t **fires, json_t **warnings, char *err, size_t errlen)
{
    struct schedule_set set;
    int rc;

    *fires = *warnings = NULL;
    if ((rc = isolated_eval_schedule(expr, &set, err, errlen)) < 0)
        return rc;
    rc = calendar_set(&set, from, zone, count, fires, warnings, err, errlen);
    schedule_set_free(&set);
    return rc;
}
