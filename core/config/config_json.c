/* config_json.c — the effective config as JSON, for `config --effective
 * --json`.
 *
 * The same settings as config_print.c's YAML, one object per section
 * (values typed: numbers, booleans, strings), the channels as written
 * under "notifications", the SQL sources under "sources" (their urls
 * without a password), and "origin" mapping each "section.key" to where
 * its value came from ("default", "file:line:column" or "env NAME").
 */
#include "config_internal.h"
#include "lib/yamldoc_json.h"

#include <jansson.h>
#include <string.h>

#define CONFIG_JSON_KEY_MAX 128 /* "section.key" */

static json_t *field_value(const struct config *cfg, const struct config_field *f)
{
    const void *slot = (const char *)cfg + f->offset;

    switch (f->kind) {
    case CONFIG_FIELD_STRING:
        return json_string(*(char *const *)slot);
    case CONFIG_FIELD_INT:
        return json_integer(*(const int *)slot);
    case CONFIG_FIELD_BOOL:
        return json_boolean(*(const bool *)slot);
    case CONFIG_FIELD_ENUM:
        return json_string(f->names[*(const int *)slot]);
    case CONFIG_FIELD_SIZE:
    case CONFIG_FIELD_DURATION:
        return json_integer(*(const int64_t *)slot);
    }
    return NULL;
}

/* "default", "env NAME" or "file:line:column": as the YAML's comments. */
static json_t *field_origin(const char *origin)
{
    if (!origin)
        return json_string("default");
    if (strncmp(origin, CONFIG_ENV_PREFIX, strlen(CONFIG_ENV_PREFIX)) == 0)
        return json_sprintf("env %s", origin);
    return json_string(origin);
}

static int add_fields(json_t *doc, json_t *origins, const struct config *cfg)
{
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++) {
        const struct config_field *f = &config_fields[i];
        char key[CONFIG_JSON_KEY_MAX];
        json_t *section = json_object_get(doc, f->section);

        if (!section && json_object_set_new(doc, f->section, section = json_object()) < 0)
            return -1;
        snprintf(key, sizeof key, "%s.%s", f->section, f->key);
        if (json_object_set_new(section, f->key, field_value(cfg, f)) < 0 ||
            json_object_set_new(origins, key, field_origin(cfg->origin[i])) < 0)
            return -1;
    }
    return 0;
}

/* `sources:` as config_source_json shows each. */
static json_t *sources_json(const struct config *cfg)
{
    json_t *list = json_array();

    for (size_t i = 0; list && i < cfg->source_count; i++)
        if (json_array_append_new(list, config_source_json(&cfg->sources[i])) < 0) {
            json_decref(list);
            return NULL;
        }
    return list;
}

/* scheduler.queues: { NAME: { "max_concurrent": N } }, with their origins
 * as "scheduler.queues.NAME.max_concurrent". */
static int add_queues(json_t *doc, json_t *origins, const struct config *cfg)
{
    json_t *queues = json_object();

    if (json_object_set_new(json_object_get(doc, CONFIG_SCHEDULER), CONFIG_QUEUES, queues) < 0)
        return -1;
    for (size_t i = 0; i < cfg->scheduler.queue_count; i++) {
        const struct config_queue *q = &cfg->scheduler.queues[i];
        char key[CONFIG_JSON_KEY_MAX];

        snprintf(key, sizeof key, "%s.%s.%s.%s", CONFIG_SCHEDULER, CONFIG_QUEUES, q->name,
                 CONFIG_QUEUE_LIMIT);
        if (json_object_set_new(queues, q->name,
                                json_pack("{s:i}", CONFIG_QUEUE_LIMIT, q->max_concurrent)) <
                0 ||
            json_object_set_new(origins, key, field_origin(q->where)) < 0)
            return -1;
    }
    return 0;
}

json_t *config_effective_json(const struct config *cfg)
{
    json_t *doc = json_object(), *origins = json_object(), *channels = json_object();

    if (!doc || !origins || !channels || add_fields(doc, origins, cfg) < 0 ||
        add_queues(doc, origins, cfg) < 0)
        goto fail;
    for (size_t i = 0; i < cfg->channel_count; i++)
        if (json_object_set_new(channels, cfg->channels[i].name,
                                yamldoc_to_json(cfg->channels[i].settings)) < 0)
            goto fail;
    if (json_object_set_new(doc, CONFIG_NOTIFICATIONS, channels) < 0) {
        channels = NULL;
        goto fail;
    }
    if (json_object_set_new(doc, CONFIG_SOURCES, sources_json(cfg)) < 0)
        goto fail;
    if (json_object_set_new(doc, "origin", origins) < 0) {
        origins = NULL;
        goto fail;
    }
    return doc;
fail:
    json_decref(channels);
    json_decref(origins);
    json_decref(doc);
    return NULL;
}
