/* config_channels.c — the `notifications` section: named channels.
 *
 * A channel's settings stay a YAML mapping because each type wants its own
 * (headers for a webhook, a list of recipients for email); we check only
 * that the type is known and that the settings it cannot work without are
 * there.  Other keys are the notify helper's business, so they are not
 * reported as unknown.
 */
#include "config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TYPE_KEY "type"
#define REQUIRED_MAX 3

struct channel_kind {
    const char *name;
    const char *required[REQUIRED_MAX + 1]; /* NULL-terminated */
};

/* Indexed by enum config_channel_type. */
static const struct channel_kind kinds[] = {
    [CONFIG_CHANNEL_WEBHOOK] = {"webhook", {"url", NULL}},
    [CONFIG_CHANNEL_NTFY] = {"ntfy", {"topic", NULL}},
    [CONFIG_CHANNEL_SLACK] = {"slack", {"url", NULL}},
    [CONFIG_CHANNEL_EMAIL] = {"email", {"url", "from", "to", NULL}},
    [CONFIG_CHANNEL_DESKTOP] = {"desktop", {NULL}},
};

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

const char *config_channel_type_name(enum config_channel_type type)
{
    return (size_t)type < KIND_COUNT ? kinds[type].name : "?";
}

const struct config_channel *config_channel_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->channel_count; i++)
        if (strcmp(cfg->channels[i].name, name) == 0)
            return &cfg->channels[i];
    return NULL;
}

const char *config_channel_get(const struct config_channel *ch, const char *key)
{
    const struct yamldoc_node *n = yamldoc_get(ch->settings, key);
    return n && n->kind == YAMLDOC_SCALAR ? n->text : NULL;
}

struct config_channel *config_channel_ensure(struct config *cfg, const char *name, bool fold)
{
    for (size_t i = 0; i < cfg->channel_count; i++) {
        const char *have = cfg->channels[i].name;
        if (fold ? strcasecmp(have, name) == 0 : strcmp(have, name) == 0)
            return &cfg->channels[i];
    }
    struct config_channel *grown =
        realloc(cfg->channels, (cfg->channel_count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    cfg->channels = grown;
    struct config_channel *ch = &grown[cfg->channel_count];
    ch->name = strdup(name);
    ch->settings = yamldoc_new_mapping();
    ch->type = CONFIG_CHANNEL_WEBHOOK;
    if (!ch->name || !ch->settings) {
        free(ch->name);
        yamldoc_free(ch->settings);
        return NULL;
    }
    cfg->channel_count++;
    return ch;
}

/* Where a channel was defined: its mapping in the file, or (built from
 * variables only) the environment. */
static void channel_where(const struct config_channel *ch, const char *file, char *buf,
                          size_t len)
{
    if (ch->settings->line > 0)
        snprintf(buf, len, "%s:%d:%d", file, ch->settings->line, ch->settings->column);
    else
        snprintf(buf, len, "%sNOTIFICATIONS__%s__*", CONFIG_ENV_PREFIX, ch->name);
}

static int check_channel(struct config_channel *ch, const char *file, char *err, size_t errlen)
{
    char where[CONFIG_ERR_MAX];
    channel_where(ch, file, where, sizeof where);
    const char *type = config_channel_get(ch, TYPE_KEY);
    if (!type) {
        snprintf(err, errlen,
                 "%s: notifications.%s: missing 'type' (one of "
                 "webhook, ntfy, slack, email, desktop)",
                 where, ch->name);
        return -1;
    }
    size_t k = 0;
    while (k < KIND_COUNT && strcasecmp(kinds[k].name, type) != 0)
        k++;
    if (k == KIND_COUNT) {
        snprintf(err, errlen,
                 "%s: notifications.%s.type: expected one of "
                 "webhook, ntfy, slack, email, desktop, got '%s'",
                 where, ch->name, type);
        return -1;
    }
    ch->type = (enum config_channel_type)k;
    for (const char *const *req = kinds[k].required; *req; req++) {
        if (!yamldoc_get(ch->settings, *req)) {
            snprintf(err, errlen,
                     "%s: notifications.%s: a %s channel needs "
                     "'%s'",
                     where, ch->name, kinds[k].name, *req);
            return -1;
        }
    }
    return 0;
}

int config_channels_check(struct config *cfg, const char *file, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->channel_count; i++)
        if (check_channel(&cfg->channels[i], file, err, errlen) != 0)
            return -1;
    return 0;
}
