/* config.h — config/config.yaml read into plain C data (DESIGN.md, Config).
 *
 * config_load fills a struct config in three layers: built-in defaults, then
 * the YAML file (a missing file is not an error), then environment
 * variables TASKSCHED_<SECTION>__<KEY>=value (double underscore = nesting,
 * section and key case-insensitive; TASKSCHED_NOTIFICATIONS__<CHANNEL>__<KEY>
 * sets one setting of a channel).  An environment value is typed like YAML
 * text and checked like the field it replaces.
 *
 * Errors name where the value came from:
 *   "config/config.yaml:12:3: unknown key 'max_concurent' in section
 *    'scheduler' (did you mean 'max_concurrent'?)"
 *   "TASKSCHED_SCHEDULER__MAX_CONCURRENT: scheduler.max_concurrent:
 *    expected an integer >= 1, got 'many'"
 *
 * Paths (database.path, tasks.directory, dependencies.tree) are kept as
 * written, relative to the project root; config_resolve_path() joins them.
 * A reload builds a fresh struct and swaps it in only when config_load
 * succeeded, so the last good config stays in force.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/yamldoc.h"
#include "log/log.h"

#define CONFIG_ERR_MAX 512
#define CONFIG_ENV_PREFIX "TASKSCHED_"
#define CONFIG_FIELD_COUNT 41 /* scalar settings outside notifications */

enum config_log_format { CONFIG_LOG_TEXT, CONFIG_LOG_JSON };
enum config_channel_type {
    CONFIG_CHANNEL_WEBHOOK,
    CONFIG_CHANNEL_NTFY,
    CONFIG_CHANNEL_SLACK,
    CONFIG_CHANNEL_EMAIL,
    CONFIG_CHANNEL_DESKTOP
};

/* One named notification channel.  `settings` is the channel's mapping as
 * written (url, topic, to, from, headers, …, and type), owned by the
 * channel; read scalars with config_channel_get, nested values (headers,
 * a list of recipients) with yamldoc_get(settings, …). */
struct config_channel {
    char *name;
    enum config_channel_type type;
    struct yamldoc_node *settings;
};

/* An API token's role: each allows what the ones below it do. */
enum config_api_role { CONFIG_ROLE_READ, CONFIG_ROLE_OPERATE, CONFIG_ROLE_ADMIN };

/* One entry of api.tokens: the token itself is never in the config, only
 * its SHA-256 (64 hex digits) or the path of a file that holds it
 * (relative to the project root, read by the API when it listens). */
struct config_api_token {
    char *name;
    enum config_api_role role;
    char *sha256; /* lower-case hex, or NULL when `file` is set */
    char *file;   /* or NULL */
    char *where;  /* "file:line:column" of the entry, for messages */
};

/* The columns of a source's table, in this order (config_sources.c names
 * their defaults: the Action Scheduler's). */
enum config_source_column {
    SOURCE_COL_NAME,
    SOURCE_COL_COMMAND,
    SOURCE_COL_CRON,
    SOURCE_COL_MERGE_MISSED,
    SOURCE_COL_ACTUALITY_TIME,
    SOURCE_COL_ENABLED, /* this one and those below may be absent from the table */
    SOURCE_COL_TIMEZONE,
    SOURCE_COL_TIMEOUT,
    SOURCE_COL_COUNT
};
#define SOURCE_COL_REQUIRED SOURCE_COL_ENABLED /* columns before it must exist */

/* One entry of `sources:` (config_sources.c): a database table of actions,
 * each row a task SOURCE/NAME (source/rowsource.h reads it). */
struct config_source {
    char *name;    /* [A-Za-z0-9_.-], the first part of its tasks' names */
    char *url;     /* "sqlite:PATH" (relative to the root) or "postgresql://…" */
    char *table;   /* default "action" */
    double poll;   /* seconds between reads, default 15 */
    char *handler; /* a task name, or NULL: the command runs under /bin/sh -c */
    char *columns[SOURCE_COL_COUNT]; /* the column names */
    bool merge_missed;               /* defaults.merge_missed: a NULL merge_missed */
    long long actuality_time;        /* defaults.actuality_time: s, negative = unlimited */
    char *where;                     /* "file:line:column" of the entry, for messages */
};

#define CONFIG_SOURCE_TYPE "sql"   /* `type:`, the only one */
#define CONFIG_SOURCE_URL_MAX 2048 /* a url as config_source_url_shown shows it */

/* The key of `columns:` for `col` ("name", "actuality_time"…), which is
 * also the column's default name (config_sources.c). */
const char *config_source_column_key(enum config_source_column col);

/* `url` with its password hidden (user:***@, password=***), into buf
 * (config_source_view.c).  0, or -1 when it does not fit. */
int config_source_url_shown(const char *url, char *buf, size_t len);

/* { "name", "type", "url" (shown), "table", "poll" (s), "handler" (or
 * null), "columns": {key: column}, "defaults": {"merge_missed",
 * "actuality_time"} }: for config --effective.  NULL when out of memory. */
json_t *config_source_json(const struct config_source *s);

/* One entry of scheduler.queues (config_queues.c): the bound of the runs
 * of one pool, on top of scheduler.max_concurrent. */
struct config_queue {
    char *name;         /* a task's `queue` (lib/plainname.h) */
    int max_concurrent; /* >= 1 */
    char *where;        /* "file:line:column" of the value, or the variable's name */
};

/* The settings; their bounds and defaults are in the field table
 * (config_fields.c), which `main config --effective` prints. */
struct config {
    struct {
        char *timezone;       /* "" = the system's zone */
        int max_concurrent;   /* runs at once */
        int max_catchup;      /* missed fires run per task with catchup="all" */
        int kill_grace;       /* s between SIGTERM and SIGKILL */
        int shutdown_timeout; /* s to wait for runs at stop */
        int default_timeout;  /* s, a task's timeout when unset; 0 = none */
        int max_memory_usage; /* MB: the daemon's own RSS limit (selfrestart.h); 0 = off */
        bool strict_modes;    /* check data/ and logs/ at start (daemon/strictmodes.h) */
        bool fork_server;     /* runs forked by the fork server (run/forkserver.h) */
        struct config_queue *queues; /* scheduler.queues, in the file's order */
        size_t queue_count;
    } scheduler;
    struct {
        char *path;              /* the SQLite file */
        int retention_days;      /* runs older than this are deleted; 0 = keep all */
        int64_t backup_interval; /* s between online backups; 0 = off */
        int backup_keep;         /* backups kept */
    } database;
    struct {
        enum log_level level;
        enum config_log_format format;
        int64_t max_size;       /* bytes before a log file rotates */
        int retention;          /* days old files are kept; 0 = forever */
        int rotation;           /* rotated files kept per log */
        int64_t run_output_max; /* bytes of a run's output kept with it in the store */
    } logging;
    struct {
        char *directory; /* where task files live */
        char *pattern;   /* glob for task files */
        bool reload_on_change;
        bool include_example_tasks;
        char *func_handler; /* the task that runs YAML jobs with a Python `func`;
                             * "" = none (task/yamljob.h) */
    } tasks;
    struct {
        char *server; /* LuaRocks server; "" = luarocks' default */
        char *tree;   /* where rocks are installed */
    } dependencies;

    struct {
        char *listen;             /* "HOST:PORT" (lib/hostport.h); "" = no API */
        int max_connections;      /* connections served at once */
        int connection_timeout;   /* s a connection may stay silent */
        int64_t max_request_size; /* bytes of a request body */
        bool metrics_public;      /* GET /metrics answers without a token */
        char *tls_cert, *tls_key; /* PEM files (relative to the root): HTTPS; both "" = HTTP */
        struct config_api_token *tokens;
        size_t token_count;
    } api;

    /* The daemon's own alerts (engine/alert_*.c); a task's `alerts` field
     * overrides failure_streak and late_after. */
    struct {
        int failure_streak;     /* final failures in a row that open `failing` */
        int64_t late_after;     /* s after its instant a fire not started is `late` */
        int long_factor;        /* × the p95 of recent successes: `long_running` */
        int64_t long_min;       /* s a run must pass before it is `long_running` */
        int flap_limit;         /* opens and resolves an hour before `flapping` */
        char *channels;         /* notification channels, comma-separated; "" = none */
        char *heartbeat_url;    /* POSTed every heartbeat_interval s (pings.h); "" = off */
        int heartbeat_interval; /* s */
    } alerts;

    struct config_channel *channels;
    size_t channel_count;

    struct config_source *sources; /* `sources:`, in the file's order */
    size_t source_count;

    /* Where each setting came from, in config_print_effective's order:
     * NULL = default, else "file:line:column" or the environment variable's
     * name.  Owned. */
    char *origin[CONFIG_FIELD_COUNT];
};

/* Fill `cfg` from defaults, the file at `path`, and the environment.
 * 0, or -1 with a message in err; on failure `cfg` holds nothing to free
 * (config_free is still safe).  `cfg` need not be initialised. */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);

/* The same with the project root's .env between the file and the
 * environment (environment > .env > config.yaml; config_dotenv.c): what
 * the CLI and the daemon load.  `root` NULL: no .env. */
int config_load_root(const char *root, const char *path, struct config *cfg, char *err,
                     size_t errlen);

#define CONFIG_DOTENV ".env"
#define CONFIG_DOTENV_MAX (64u << 10)
#define CONFIG_DOTENV_MAX_TEXT "64 KiB"
#define CONFIG_DOTENV_ERR_MAX 512

/* Called for each KEY=VALUE of a .env text, in order, with its line: 0 to
 * go on, or -1 with a message in why (which stops the parse). */
typedef int config_dotenv_pair(void *data, int line, const char *key, const char *value,
                               char *why, size_t whylen);

/* Parse a .env text (`name` in messages): blank lines, # comments,
 * [export ]KEY=VALUE with 'literal', "escaped" (\n \t \" \\) or bare
 * values (a " #" ends them).  0, or -1 with "name:line: why". */
int config_dotenv_parse(const char *name, const char *text, config_dotenv_pair *each,
                        void *data, char *why, size_t whylen);

/* Only the defaults (no file, no environment); never fails but on OOM
 * (-1). */
int config_defaults(struct config *cfg);

void config_free(struct config *cfg);

/* The channel called `name`, or NULL. */
const struct config_channel *config_channel_find(const struct config *cfg, const char *name);

/* The entry of scheduler.queues called `name`, or NULL: that queue has no
 * bound of its own. */
const struct config_queue *config_queue_find(const struct config *cfg, const char *name);

/* A scalar setting of a channel ("url", "topic"…) as text, or NULL when
 * absent or not a scalar. */
const char *config_channel_get(const struct config_channel *ch, const char *key);

/* Where section.key got its value ("file:line:column", a variable's
 * name), or "the default" — for messages about a setting's value. */
const char *config_origin(const struct config *cfg, const char *section, const char *key);

/* "read", "operate", "admin". */
const char *config_api_role_name(enum config_api_role role);

/* "webhook" …, for messages. */
const char *config_channel_type_name(enum config_channel_type type);

/* Print the effective config as YAML, each value followed by a comment
 * saying where it came from (`# default`, `# config/config.yaml:5:3`,
 * `# env TASKSCHED_LOGGING__LEVEL`).  For `main config --effective`.
 * 0, or -1 when writing failed. */
int config_print_effective(const struct config *cfg, FILE *out);

/* The same settings as JSON (config_json.c): an object per section, the
 * channels under "notifications", and "origin": {"section.key": "default"
 * | "env NAME" | "file:line:column"}.  New reference, NULL out of memory. */
json_t *config_effective_json(const struct config *cfg);

/* Join a config path to the project root: an absolute `rel` is copied as
 * is, else "root/rel".  0, or -1 when it does not fit in `len`. */
int config_resolve_path(const char *root, const char *rel, char *buf, size_t len);

#endif
