/* config_internal.h — what the files of config/ share; not for the rest of
 * the program.
 *
 * Every scalar setting is one row of config_fields (config_fields.c): where
 * it lives in struct config, how its text is checked, and its default.  The
 * defaults, the file, the environment and the printer all walk that one
 * table, so a new setting is one line there.
 */
#ifndef CONFIG_INTERNAL_H
#define CONFIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define CONFIG_NOTIFICATIONS "notifications"
#define CONFIG_API "api"
#define CONFIG_API_TOKENS "tokens" /* api.tokens: a list, not a field */
#define CONFIG_SCHEDULER "scheduler"
#define CONFIG_QUEUES "queues"              /* scheduler.queues: a mapping, not a field */
#define CONFIG_QUEUE_LIMIT "max_concurrent" /* a queue's one setting */
#define CONFIG_SOURCES "sources"            /* a list of tables of actions, not a section */

enum config_field_kind {
    CONFIG_FIELD_STRING,   /* char *, any scalar's text */
    CONFIG_FIELD_INT,      /* int >= min */
    CONFIG_FIELD_BOOL,     /* bool */
    CONFIG_FIELD_ENUM,     /* int index into names */
    CONFIG_FIELD_SIZE,     /* int64_t bytes: 1048576 or "10MB" */
    CONFIG_FIELD_DURATION, /* int64_t seconds: 86400 or "1d", "1h30m" */
};

struct config_field {
    const char *section, *key;
    enum config_field_kind kind;
    size_t offset;            /* in struct config */
    int min;                  /* CONFIG_FIELD_INT */
    const char *const *names; /* CONFIG_FIELD_ENUM, NULL-terminated */
    const char *default_text; /* CONFIG_FIELD_STRING */
    int64_t default_number;   /* the others: a bool's 0/1, an enum's index */
    /* CONFIG_FIELD_STRING: what else a value must be (like Redis's
     * is_valid_fn), or NULL: 0, or -1 with why not in err. */
    int (*valid)(const char *text, char *err, size_t errlen);
};

extern const struct config_field config_fields[CONFIG_FIELD_COUNT];

/* The row for section.key (exact, lower case), or -1. */
int config_field_find(const char *section, const char *key);

/* Whether `name` (exact, lower case) is a section of the file,
 * notifications included. */
bool config_field_section_known(const char *name);

/* Store the default of field `index` in cfg; 0, or -1 on OOM. */
int config_field_default(struct config *cfg, int index);

/* Check `value` against field `index` and store it in cfg, remembering
 * `where` ("file:line:col" or a variable name) as its origin.  0, or -1
 * with "where: section.key: expected …, got '…'" in err. */
int config_field_apply(struct config *cfg, int index, const struct yamldoc_node *value,
                       const char *where, char *err, size_t errlen);

/* "unknown key 'x' in section 's' (did you mean 'y'?)" — the suggestion
 * only when a known name is close.  `section` NULL: an unknown section. */
void config_field_unknown(const char *where, const char *section, const char *name, char *err,
                          size_t errlen);

/* The channel called `name` (case-insensitive when `fold`), created with
 * an empty settings mapping when missing; NULL on OOM. */
struct config_channel *config_channel_ensure(struct config *cfg, const char *name, bool fold);

/* After file and environment: every channel has a known type and the
 * settings its type needs.  `file` names the config file in messages. */
int config_channels_check(struct config *cfg, const char *file, char *err, size_t errlen);

/* api.tokens from the file's list (config_tokens.c), replacing any
 * earlier ones; `file` names the config file in messages.  0, or -1 with
 * "file:line:col: api.tokens[i]…: …" in err. */
int config_tokens_apply(struct config *cfg, const char *file, const struct yamldoc_node *list,
                        char *err, size_t errlen);
void config_tokens_free(struct config *cfg);

/* scheduler.queues from the file's mapping (config_queues.c), replacing
 * any earlier ones.  0, or -1 with "file:line:col: scheduler.queues…: …". */
int config_queues_apply(struct config *cfg, const char *file, const struct yamldoc_node *map,
                        char *err, size_t errlen);
/* Set queue `name`'s max_concurrent to `value` (a scalar), with `where` as
 * its origin; `fold`: the name is matched ignoring case (a variable's).
 * 0, or -1 with "where: scheduler.queues…: …". */
int config_queue_set(struct config *cfg, const char *name, bool fold,
                     const struct yamldoc_node *value, const char *where, char *err,
                     size_t errlen);
void config_queues_free(struct config *cfg);

/* `sources:` from the file's list (config_sources.c), replacing any
 * earlier ones.  0, or -1 with "file:line:col: sources[i]…: …" in err. */
int config_sources_apply(struct config *cfg, const char *file, const struct yamldoc_node *list,
                         char *err, size_t errlen);
void config_sources_free(struct config *cfg);

/* A duration ("15s", "1m30s", "20"): true with the seconds in *out. */
bool config_parse_duration(const char *text, int64_t *out);

/* Apply the environment overrides (config_env.c). */
int config_env_apply(struct config *cfg, char *err, size_t errlen);

/* One override NAME (TASKSCHED_SECTION__KEY, else ignored) = value, with
 * `origin` (the variable's name, or ".env"'s "path:line") in messages and
 * config --effective.  0, or -1 with a message. */
int config_env_apply_one(struct config *cfg, const char *name, const char *value,
                         const char *origin, char *err, size_t errlen);

/* config_dotenv.c: the overrides of the .env file at `path` (a missing
 * file is none), each with origin "path:line".  0, or -1 with
 * "path:line: why". */
int config_dotenv_apply(struct config *cfg, const char *path, char *err, size_t errlen);

#endif
