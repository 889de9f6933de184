/* config.c — reading config.yaml: defaults, then the file, then the
 * environment, each value checked by the field table (config_fields.c).
 */
#include "config_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WHERE_MAX 512

int config_defaults(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++)
        if (config_field_default(cfg, i) != 0) {
            config_free(cfg);
            return -1;
        }
    return 0;
}

void config_free(struct config *cfg)
{
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++) {
        free(cfg->origin[i]);
        if (config_fields[i].kind == CONFIG_FIELD_STRING)
            free(*(char **)((char *)cfg + config_fields[i].offset));
    }
    for (size_t i = 0; i < cfg->channel_count; i++) {
        free(cfg->channels[i].name);
        yamldoc_free(cfg->channels[i].settings);
    }
    free(cfg->channels);
    config_tokens_free(cfg);
    config_queues_free(cfg);
    config_sources_free(cfg);
    memset(cfg, 0, sizeof *cfg);
}

static void node_where(char *buf, size_t len, const char *file, const struct yamldoc_node *n)
{
    snprintf(buf, len, "%s:%d:%d", file, n->line, n->column);
}

static bool is_null(const struct yamldoc_node *n)
{
    return yamldoc_scalar_value(n).type == YAMLDOC_NULL;
}

/* Every key we look up by name must be a scalar. */
static int check_keys(const char *file, const struct yamldoc_node *map, char *err,
                      size_t errlen)
{
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_node *k = map->pairs[i].key;
        if (k->kind != YAMLDOC_SCALAR) {
            snprintf(err, errlen, "%s:%d:%d: expected a name as key, got a %s", file, k->line,
                     k->column, yamldoc_kind_name(k->kind));
            return -1;
        }
    }
    return 0;
}

static int apply_channels(struct config *cfg, const char *file, const struct yamldoc_node *map,
                          char *err, size_t errlen)
{
    char where[WHERE_MAX];
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_pair *p = &map->pairs[i];
        node_where(where, sizeof where, file, p->value);
        if (!is_null(p->value) && p->value->kind != YAMLDOC_MAPPING) {
            snprintf(err, errlen,
                     "%s: notifications.%s: expected a mapping "
                     "of settings, got a %s",
                     where, p->key->text, yamldoc_kind_name(p->value->kind));
            return -1;
        }
        struct config_channel *ch = config_channel_ensure(cfg, p->key->text, false);
        struct yamldoc_node *settings =
            p->value->kind == YAMLDOC_MAPPING ? yamldoc_clone(p->value) : NULL;
        if (!ch || (p->value->kind == YAMLDOC_MAPPING && !settings)) {
            snprintf(err, errlen, "%s: out of memory", where);
            return -1;
        }
        if (settings) {
            yamldoc_free(ch->settings);
            ch->settings = settings;
        }
    }
    return 0;
}

static int apply_section(struct config *cfg, const char *file, const char *section,
                         const struct yamldoc_node *map, char *err, size_t errlen)
{
    char where[WHERE_MAX];
    for (size_t i = 0; i < map->count; i++) {
        const struct yamldoc_pair *p = &map->pairs[i];
        if (strcmp(section, CONFIG_API) == 0 && strcmp(p->key->text, CONFIG_API_TOKENS) == 0) {
            if (config_tokens_apply(cfg, file, p->value, err, errlen) != 0)
                return -1;
            continue;
        }
        if (strcmp(section, CONFIG_SCHEDULER) == 0 &&
            strcmp(p->key->text, CONFIG_QUEUES) == 0) {
            if (config_queues_apply(cfg, file, p->value, err, errlen) != 0)
                return -1;
            continue;
        }
        node_where(where, sizeof where, file, p->key);
        int index = config_field_find(section, p->key->text);
        if (index < 0) {
            config_field_unknown(where, section, p->key->text, err, errlen);
            return -1;
        }
        node_where(where, sizeof where, file, p->value);
        if (config_field_apply(cfg, index, p->value, where, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static int apply_file(struct config *cfg, const char *file, const struct yamldoc_node *root,
                      char *err, size_t errlen)
{
    char where[WHERE_MAX];
    if (is_null(root))
        return 0;
    if (root->kind != YAMLDOC_MAPPING) {
        node_where(where, sizeof where, file, root);
        snprintf(err, errlen, "%s: expected a mapping of sections, got a %s", where,
                 yamldoc_kind_name(root->kind));
        return -1;
    }
    for (size_t i = 0; i < root->count; i++) {
        const struct yamldoc_pair *p = &root->pairs[i];
        const char *section = p->key->text;
        node_where(where, sizeof where, file, p->key);
        if (!config_field_section_known(section)) {
            config_field_unknown(where, NULL, section, err, errlen);
            return -1;
        }
        if (strcmp(section, CONFIG_SOURCES) == 0) {
            if (config_sources_apply(cfg, file, p->value, err, errlen) != 0)
                return -1;
            continue;
        }
        if (is_null(p->value))
            continue;
        if (p->value->kind != YAMLDOC_MAPPING) {
            node_where(where, sizeof where, file, p->value);
            snprintf(err, errlen, "%s: %s: expected a mapping, got a %s", where, section,
                     yamldoc_kind_name(p->value->kind));
            return -1;
        }
        if (check_keys(file, p->value, err, errlen) != 0)
            return -1;
        int rc = strcmp(section, CONFIG_NOTIFICATIONS) == 0
                     ? apply_channels(cfg, file, p->value, err, errlen)
                     : apply_section(cfg, file, section, p->value, err, errlen);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* api.tls_cert and api.tls_key serve HTTPS together: one without the
 * other is refused where it was set, not taken for plain HTTP. */
static int check_tls(const struct config *cfg, char *err, size_t errlen)
{
    bool cert = cfg->api.tls_cert[0] != '\0', key = cfg->api.tls_key[0] != '\0';
    const char *set = cert ? "tls_cert" : "tls_key", *unset = cert ? "tls_key" : "tls_cert";

    if (cert == key)
        return 0;
    snprintf(err, errlen, "%s: api.%s is set but api.%s is not: HTTPS needs both (or neither)",
             config_origin(cfg, "api", set), set, unset);
    return -1;
}

int config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
    return config_load_root(NULL, path, cfg, err, errlen);
}

int config_load_root(const char *project, const char *path, struct config *cfg, char *err,
                     size_t errlen)
{
    struct yamldoc_node *root = NULL;
    char dotenv[PATH_MAX];
    struct stat sb;

    if (config_defaults(cfg) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (stat(path, &sb) == 0) {
        root = yamldoc_load_file(path, err, errlen);
        if (!root ||
            (root->kind == YAMLDOC_MAPPING && check_keys(path, root, err, errlen) != 0) ||
            apply_file(cfg, path, root, err, errlen) != 0)
            goto fail;
    } else if (errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (project && config_resolve_path(project, CONFIG_DOTENV, dotenv, sizeof dotenv) != 0) {
        snprintf(err, errlen, "%s/%s: path too long", project, CONFIG_DOTENV);
        goto fail;
    }
    if ((project && config_dotenv_apply(cfg, dotenv, err, errlen) != 0) ||
        config_env_apply(cfg, err, errlen) != 0 ||
        config_channels_check(cfg, path, err, errlen) != 0 || check_tls(cfg, err, errlen) != 0)
        goto fail;
    yamldoc_free(root);
    return 0;
fail:
    yamldoc_free(root);
    config_free(cfg);
    return -1;
}

const char *config_origin(const struct config *cfg, const char *section, const char *key)
{
    int index = config_field_find(section, key);

    return index >= 0 && cfg->origin[index] ? cfg->origin[index] : "the default";
}

int config_resolve_path(const char *root, const char *rel, char *buf, size_t len)
{
    int n =
        rel[0] == '/' ? snprintf(buf, len, "%s", rel) : snprintf(buf, len, "%s/%s", root, rel);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}
