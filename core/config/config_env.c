/* config_env.c — TASKSCHED_<SECTION>__<KEY>=value overrides.
 *
 * Only variables with a "__" after the prefix are overrides; others
 * (TASKSCHED_ROOT, say) may serve other purposes and are left alone.
 * Names are case-insensitive.  A value is read as plain YAML text and goes
 * through the same check as the file's, with the variable's name as its
 * origin.  TASKSCHED_NOTIFICATIONS__<CHANNEL>__<KEY> sets one scalar
 * setting of a channel (creating the channel), e.g. a webhook URL kept out
 * of the file; TASKSCHED_SCHEDULER__QUEUES__<NAME>__MAX_CONCURRENT bounds
 * one queue (config_queues.c).
 */
#include "config_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#define SEPARATOR "__"
#define PART_MAX 4 /* scheduler__queues__name__max_concurrent */
#define NAME_LEN 128

/* Split "SECTION__KEY[__MORE]" (the text before '=') into lower-case parts.
 * Returns the number of parts, or -1 when a part is empty or too long. */
static int split_name(const char *name, size_t len, char parts[PART_MAX][NAME_LEN])
{
    int count = 0;
    size_t start = 0;
    while (start <= len) {
        const char *sep = strstr(name + start, SEPARATOR);
        size_t end = sep && (size_t)(sep - name) < len ? (size_t)(sep - name) : len;
        if (count == PART_MAX || end == start || end - start >= NAME_LEN)
            return -1;
        for (size_t i = start; i < end; i++)
            parts[count][i - start] = (char)tolower((unsigned char)name[i]);
        parts[count][end - start] = '\0';
        count++;
        start = end + strlen(SEPARATOR);
    }
    return count;
}

static int apply_channel_setting(struct config *cfg, const char *var, const char *channel,
                                 const char *key, const char *value, char *err, size_t errlen)
{
    struct config_channel *ch = config_channel_ensure(cfg, channel, true);
    struct yamldoc_node *node = yamldoc_new_scalar(value, strlen(value), false);
    if (!ch || !node || yamldoc_set(ch->settings, key, node) != 0) {
        yamldoc_free(node);
        snprintf(err, errlen, "%s: out of memory", var);
        return -1;
    }
    return 0;
}

int config_env_apply_one(struct config *cfg, const char *name, const char *value,
                         const char *origin, char *err, size_t errlen)
{
    const char *rest = name + strlen(CONFIG_ENV_PREFIX);
    char parts[PART_MAX][NAME_LEN];

    if (!strstr(rest, SEPARATOR))
        return 0;
    int count = split_name(rest, strlen(rest), parts);
    bool channel = count == 3 && strcmp(parts[0], CONFIG_NOTIFICATIONS) == 0;
    bool queue = count == 4 && strcmp(parts[0], CONFIG_SCHEDULER) == 0 &&
                 strcmp(parts[1], CONFIG_QUEUES) == 0 &&
                 strcmp(parts[3], CONFIG_QUEUE_LIMIT) == 0;
    if (!channel && !queue && (count != 2 || strcmp(parts[0], CONFIG_NOTIFICATIONS) == 0)) {
        snprintf(
            err, errlen,
            "%s: expected %s<SECTION>__<KEY>, %s"
            "NOTIFICATIONS__<CHANNEL>__<KEY> or %sSCHEDULER__QUEUES__<NAME>__MAX_CONCURRENT",
            origin, CONFIG_ENV_PREFIX, CONFIG_ENV_PREFIX, CONFIG_ENV_PREFIX);
        return -1;
    }
    if (channel)
        return apply_channel_setting(cfg, origin, parts[1], parts[2], value, err, errlen);
    int index = queue ? 0 : config_field_find(parts[0], parts[1]);
    if (index < 0) {
        bool section_known = false;
        for (int i = 0; i < CONFIG_FIELD_COUNT; i++)
            section_known |= strcmp(config_fields[i].section, parts[0]) == 0;
        config_field_unknown(origin, section_known ? parts[0] : NULL,
                             section_known ? parts[1] : parts[0], err, errlen);
        return -1;
    }
    struct yamldoc_node *node = yamldoc_new_scalar(value, strlen(value), false);
    if (!node) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    int rc = queue ? config_queue_set(cfg, parts[2], true, node, origin, err, errlen)
                   : config_field_apply(cfg, index, node, origin, err, errlen);
    yamldoc_free(node);
    return rc;
}

/* One NAME=value of the environment; the variable is its own origin. */
static int apply_one(struct config *cfg, const char *entry, char *err, size_t errlen)
{
    const char *eq = strchr(entry, '=');
    char var[NAME_LEN * PART_MAX];

    if (!eq || (size_t)(eq - entry) >= sizeof var)
        return 0;
    snprintf(var, sizeof var, "%.*s", (int)(eq - entry), entry);
    return config_env_apply_one(cfg, var, eq + 1, var, err, errlen);
}

int config_env_apply(struct config *cfg, char *err, size_t errlen)
{
    size_t prefix_len = strlen(CONFIG_ENV_PREFIX);
    for (char **e = environ; *e; e++)
        if (strncmp(*e, CONFIG_ENV_PREFIX, prefix_len) == 0 &&
            apply_one(cfg, *e, err, errlen) != 0)
            return -1;
    return 0;
}
