/* instant_json.c — instants as NAME (ISO-8601) + NAME_epoch (see
 * instant_json.h). */
#include "instant_json.h"

#include <math.h>
#include <stdio.h>

#define INSTANT_JSON_KEY_MAX 128
/* 9999-12-31T23:59:59Z: beyond it an instant is a "never" marker. */
#define INSTANT_JSON_LAST 253402300799.0

static int epoch_key(const char *name, char *key, size_t len)
{
    int n = snprintf(key, len, "%s" INSTANT_JSON_EPOCH_SUFFIX, name);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

int instant_json_set(json_t *obj, const char *name, const struct tz *zone, double t)
{
    char key[INSTANT_JSON_KEY_MAX], iso[TZ_ISO_MAX];
    json_t *text, *epoch;

    if (epoch_key(name, key, sizeof key) < 0)
        return -1;
    if (!isfinite(t) || t <= 0 || t > INSTANT_JSON_LAST) {
        text = json_null();
        epoch = json_null();
    } else {
        tz_format_iso(zone, (int64_t)floor(t), iso, sizeof iso);
        text = json_string(iso);
        epoch = t == floor(t) ? json_integer((json_int_t)t) : json_real(t);
    }
    if (json_object_set_new(obj, name, text) < 0) {
        json_decref(epoch);
        return -1;
    }
    return json_object_set_new(obj, key, epoch);
}

double instant_json_get(const json_t *obj, const char *name)
{
    char key[INSTANT_JSON_KEY_MAX];

    if (epoch_key(name, key, sizeof key) < 0)
        return 0;
    return json_number_value(json_object_get(obj, key));
}
