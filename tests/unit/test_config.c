/* test_config.c — config defaults, file values, errors with positions,
 * environment overrides, and a source's url as it is shown (no password). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "log/log.h"
#include "testing.h"

static char path[] = "/tmp/test_config_XXXXXX";

/* Write `text` to the temporary config file. */
static void write_config(const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "open %s", path);
    if (!f)
        return;
    fputs(text, f);
    CHECK(fclose(f) == 0, "close %s", path);
}

/* The error of loading `text`, "" when it loads. */
static const char *load_error(const char *text)
{
    static char err[CONFIG_ERR_MAX];
    struct config cfg;
    write_config(text);
    err[0] = '\0';
    if (config_load(path, &cfg, err, sizeof err) == 0)
        config_free(&cfg);
    return err;
}

/* The error text after the "path:" prefix. */
static const char *after_path(const char *err)
{
    size_t n = strlen(path);
    return strncmp(err, path, n) == 0 ? err + n : err;
}

static void missing_file_gives_defaults(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];
    CHECK(config_load("/nonexistent/config.yaml", &cfg, err, sizeof err) == 0, "load: %s", err);
    CHECK_INT(cfg.scheduler.max_concurrent, 4);
    CHECK_INT(cfg.scheduler.max_catchup, 100);
    CHECK_INT(cfg.scheduler.default_timeout, 300);
    CHECK_STR(cfg.database.path, "data/scheduler.db");
    CHECK_INT(cfg.database.retention_days, 90);
    CHECK_INT(cfg.logging.level, LOG_LEVEL_INFO);
    CHECK_INT(cfg.logging.max_size, 10 * 1024 * 1024);
    CHECK_INT(cfg.logging.run_output_max, 1024 * 1024);
    CHECK_STR(cfg.tasks.pattern, "*.lua");
    CHECK(cfg.tasks.reload_on_change, "reload_on_change defaults to true");
    CHECK_STR(cfg.dependencies.tree, "data/rocks");
    CHECK_INT(cfg.channel_count, 0);
    CHECK(cfg.origin[0] == NULL, "defaults have no origin");
    config_free(&cfg);
}

static void shipped_config_loads_with_default_values(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];
    CHECK(config_load("config/config.yaml", &cfg, err, sizeof err) == 0, "load: %s", err);
    CHECK_INT(cfg.scheduler.max_concurrent, 4);
    CHECK_INT(cfg.logging.max_size, 10 * 1024 * 1024);
    CHECK_INT(cfg.logging.run_output_max, 1024 * 1024);
    CHECK(config_channel_find(&cfg, "desktop") != NULL, "desktop channel");
    config_free(&cfg);
}

/* The settings `cfg` prints without their origin comments, up to the
 * notifications (which have no defaults); NULL when printing failed. */
static char *settings_text(const struct config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return NULL;
    int rc = config_print_effective(cfg, out);
    if (fclose(out) != 0 || rc != 0) {
        free(text);
        return NULL;
    }
    char *end = strstr(text, "\nnotifications:");
    if (end)
        end[1] = '\0';
    char *to = text;
    for (const char *from = text; *from;) {
        const char *eol = strchr(from, '\n');
        size_t n = eol ? (size_t)(eol - from) : strlen(from);
        const char *comment = strstr(from, " #");
        if (comment && comment < from + n)
            n = (size_t)(comment - from);
        while (n > 0 && from[n - 1] == ' ')
            n--;
        memmove(to, from, n);
        to += n;
        *to++ = '\n';
        from += eol ? (size_t)(eol - from) + 1 : strlen(from);
    }
    *to = '\0';
    return text;
}

/* config/config.yaml writes out every default: the table and the file
 * must not drift apart. */
static void shipped_config_states_every_default(void)
{
    struct config defaults, shipped;
    char err[CONFIG_ERR_MAX];
    CHECK(config_defaults(&defaults) == 0, "defaults");
    CHECK(config_load("config/config.yaml", &shipped, err, sizeof err) == 0, "load: %s", err);
    for (int i = 0; i < CONFIG_FIELD_COUNT; i++)
        CHECK(shipped.origin[i] != NULL, "setting %d is in config/config.yaml", i);
    char *want = settings_text(&defaults), *got = settings_text(&shipped);
    CHECK(want && got, "print");
    if (want && got)
        CHECK_STR(got, want);
    free(want);
    free(got);
    config_free(&shipped);
    config_free(&defaults);
}

static void full_file_sets_every_section(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];
    write_config("scheduler:\n  timezone: Europe/Berlin\n  max_concurrent: 8\n"
                 "database:\n  path: /var/lib/ts.db\n  backup_interval: 1h30m\n"
                 "logging:\n  level: debug\n  format: json\n  max_size: 512KB\n"
                 "  run_output_max: 64KB\n"
                 "tasks:\n  directory: jobs\n  include_example_tasks: yes\n"
                 "notifications:\n  ops:\n    type: webhook\n    url: http://x/\n"
                 "    headers: {X-Token: abc}\n"
                 "dependencies:\n  tree: rocks\n");
    CHECK(config_load(path, &cfg, err, sizeof err) == 0, "load: %s", err);
    CHECK_STR(cfg.scheduler.timezone, "Europe/Berlin");
    CHECK_INT(cfg.scheduler.max_concurrent, 8);
    CHECK_INT(cfg.database.backup_interval, 5400);
    CHECK_INT(cfg.logging.level, LOG_LEVEL_DEBUG);
    CHECK_INT(cfg.logging.format, CONFIG_LOG_JSON);
    CHECK_INT(cfg.logging.max_size, 512 * 1024);
    CHECK_INT(cfg.logging.run_output_max, 64 * 1024);
    CHECK_STR(cfg.tasks.directory, "jobs");
    CHECK(cfg.tasks.include_example_tasks, "yes is true");
    const struct config_channel *ops = config_channel_find(&cfg, "ops");
    CHECK(ops && ops->type == CONFIG_CHANNEL_WEBHOOK, "ops is a webhook");
    if (ops) {
        CHECK_STR(config_channel_get(ops, "url"), "http://x/");
        CHECK_STR(yamldoc_path(ops->settings, "headers.X-Token")->text, "abc");
    }
    char want[CONFIG_ERR_MAX];
    snprintf(want, sizeof want, "%s:3:19", path);
    CHECK_STR(cfg.origin[1], want);
    config_free(&cfg);
}

static void unknown_key_is_reported_with_line_and_suggestion(void)
{
    CHECK_STR(after_path(load_error("scheduler:\n  max_concurent: 3\n")),
              ":2:3: unknown key 'max_concurent' in section 'scheduler' "
              "(did you mean 'max_concurrent'?)");
    CHECK_STR(after_path(load_error("schedular: {}\n")),
              ":1:1: unknown section 'schedular' (did you mean 'scheduler'?)");
}

static void wrong_type_is_reported_with_line(void)
{
    CHECK_STR(after_path(load_error("scheduler:\n  max_concurrent: many\n")),
              ":2:19: scheduler.max_concurrent: expected an integer >= 1, "
              "got 'many'");
    CHECK_STR(after_path(load_error("logging:\n  level: loud\n")),
              ":2:10: logging.level: expected one of debug, info, warn, "
              "error, got 'loud'");
    CHECK_STR(after_path(load_error("tasks:\n  directory: [a]\n")),
              ":2:14: tasks.directory: expected a string, got a sequence");
}

static void channel_without_required_setting_is_refused(void)
{
    CHECK_STR(after_path(load_error("notifications:\n  ops:\n"
                                    "    type: ntfy\n")),
              ":3:5: notifications.ops: a ntfy channel needs 'topic'");
}

static void environment_overrides_file_and_is_typed(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];
    write_config("logging:\n  level: warn\n");
    setenv("TASKSCHED_LOGGING__LEVEL", "debug", 1);
    setenv("tasksched_ignored", "x", 1);
    setenv("TASKSCHED_Scheduler__Max_Concurrent", "12", 1);
    setenv("TASKSCHED_NOTIFICATIONS__PAGER__TYPE", "ntfy", 1);
    setenv("TASKSCHED_NOTIFICATIONS__PAGER__TOPIC", "alerts", 1);
    CHECK(config_load(path, &cfg, err, sizeof err) == 0, "load: %s", err);
    CHECK_INT(cfg.logging.level, LOG_LEVEL_DEBUG);
    CHECK_INT(cfg.scheduler.max_concurrent, 12);
    const struct config_channel *pager = config_channel_find(&cfg, "pager");
    CHECK(pager && pager->type == CONFIG_CHANNEL_NTFY, "pager from env");
    CHECK_STR(cfg.origin[13], "TASKSCHED_LOGGING__LEVEL");
    config_free(&cfg);
    unsetenv("TASKSCHED_LOGGING__LEVEL");
    unsetenv("tasksched_ignored");
    unsetenv("TASKSCHED_Scheduler__Max_Concurrent");
    unsetenv("TASKSCHED_NOTIFICATIONS__PAGER__TYPE");
    unsetenv("TASKSCHED_NOTIFICATIONS__PAGER__TOPIC");
}

static void invalid_environment_value_names_the_variable(void)
{
    setenv("TASKSCHED_SCHEDULER__KILL_GRACE", "soon", 1);
    CHECK_STR(load_error(""), "TASKSCHED_SCHEDULER__KILL_GRACE: "
                              "scheduler.kill_grace: expected an integer >= 0, got 'soon'");
    unsetenv("TASKSCHED_SCHEDULER__KILL_GRACE");
    setenv("TASKSCHED_LOGGING__LEVLE", "debug", 1);
    CHECK_STR(load_error(""), "TASKSCHED_LOGGING__LEVLE: unknown key 'levle' "
                              "in section 'logging' (did you mean 'level'?)");
    unsetenv("TASKSCHED_LOGGING__LEVLE");
}

/* A misspelt zone would move every schedule: it is refused where it is
 * written, with the zone meant. */
static void unknown_time_zone_is_refused_with_suggestion(void)
{
    CHECK_STR(after_path(load_error("scheduler:\n  timezone: Asia/Tokio\n")),
              ":2:13: scheduler.timezone: unknown time zone 'Asia/Tokio' "
              "(did you mean 'Asia/Tokyo'?)");
    CHECK_STR(after_path(load_error("scheduler:\n  timezone: Nowhere/Atall\n")),
              ":2:13: scheduler.timezone: unknown time zone 'Nowhere/Atall' "
              "(/usr/share/zoneinfo/Nowhere/Atall: No such file or directory)");
    CHECK_STR(after_path(load_error("scheduler:\n  timezone: ../../etc/passwd\n")),
              ":2:13: scheduler.timezone: bad time zone name '../../etc/passwd'");
    CHECK_STR(load_error("scheduler:\n  timezone: Europe/Berlin\n"), "");
    CHECK_STR(load_error("scheduler:\n  timezone: \"\"\n"), "");
    setenv("TASKSCHED_SCHEDULER__TIMEZONE", "Europe/Berln", 1);
    CHECK_STR(load_error(""),
              "TASKSCHED_SCHEDULER__TIMEZONE: scheduler.timezone: "
              "unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?)");
    unsetenv("TASKSCHED_SCHEDULER__TIMEZONE");
}

static void func_handler_is_a_task_name(void)
{
    CHECK_STR(load_error("tasks:\n  func_handler: ops/func_handler\n"), "");
    CHECK_STR(load_error("tasks:\n  func_handler: \"\"\n"), "");
    CHECK_STR(after_path(load_error("tasks:\n  func_handler: handler.lua\n")),
              ":2:17: tasks.func_handler: expected a task's name (its path under the tasks "
              "folder without .lua), got 'handler.lua'");
    CHECK_STR(after_path(load_error("tasks:\n  func_handler: ../outside\n")),
              ":2:17: tasks.func_handler: expected a task's name (its path under the tasks "
              "folder without .lua), got '../outside'");
}

static void effective_config_names_origins(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX], *text = NULL;
    size_t len = 0;
    write_config("scheduler:\n  max_catchup: 7\n");
    setenv("TASKSCHED_TASKS__PATTERN", "*.task.lua", 1);
    CHECK(config_load(path, &cfg, err, sizeof err) == 0, "load: %s", err);
    unsetenv("TASKSCHED_TASKS__PATTERN");
    FILE *out = open_memstream(&text, &len);
    CHECK(config_print_effective(&cfg, out) == 0, "print");
    CHECK(fclose(out) == 0, "close");
    CHECK(strstr(text, "max_catchup: 7") != NULL, "%s", text);
    CHECK(strstr(text, ":2:16") != NULL, "file origin in %s", text);
    CHECK(strstr(text, "pattern: \"*.task.lua\"") != NULL, "%s", text);
    CHECK(strstr(text, "# env TASKSCHED_TASKS__PATTERN") != NULL, "%s", text);
    CHECK(strstr(text, "max_concurrent: 4") != NULL, "%s", text);
    free(text);
    config_free(&cfg);
}

static void relative_paths_resolve_against_the_root(void)
{
    char buf[64];
    CHECK(config_resolve_path("/srv/ts", "data/x.db", buf, sizeof buf) == 0, "fits");
    CHECK_STR(buf, "/srv/ts/data/x.db");
    CHECK(config_resolve_path("/srv/ts", "/abs.db", buf, sizeof buf) == 0, "fits");
    CHECK_STR(buf, "/abs.db");
    CHECK(config_resolve_path("/srv", "a", buf, 4) == -1, "too long");
}

static void api_defaults_listen_on_loopback(void)
{
    struct config cfg;
    CHECK(config_defaults(&cfg) == 0, "defaults");
    CHECK_STR(cfg.api.listen, "127.0.0.1:8421");
    CHECK_INT(cfg.api.max_connections, 256);
    CHECK_INT(cfg.api.connection_timeout, 30);
    CHECK_INT(cfg.api.max_request_size, 1024 * 1024);
    CHECK(!cfg.api.metrics_public, "metrics need a token by default");
    CHECK_INT(cfg.api.token_count, 0);
    config_free(&cfg);
}

static void api_section_is_read(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX];
    write_config("api:\n"
                 "  listen: \"[::1]:9000\"\n"
                 "  max_request_size: 4KB\n"
                 "  metrics_public: true\n"
                 "  tokens:\n"
                 "    - { name: ci, role: operate, sha256: "
                 "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08 }\n"
                 "    - name: grafana\n"
                 "      role: read\n"
                 "      file: config/grafana.token\n");
    CHECK(config_load(path, &cfg, err, sizeof err) == 0, "load: %s", err);
    CHECK_STR(cfg.api.listen, "[::1]:9000");
    CHECK_INT(cfg.api.max_request_size, 4096);
    CHECK(cfg.api.metrics_public, "metrics_public read");
    CHECK_INT(cfg.api.token_count, 2);
    if (cfg.api.token_count == 2) {
        CHECK_STR(cfg.api.tokens[0].name, "ci");
        CHECK_INT(cfg.api.tokens[0].role, CONFIG_ROLE_OPERATE);
        CHECK_STR(cfg.api.tokens[0].sha256,
                  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        CHECK(cfg.api.tokens[0].file == NULL, "no file");
        CHECK_STR(cfg.api.tokens[1].file, "config/grafana.token");
        CHECK_INT(cfg.api.tokens[1].role, CONFIG_ROLE_READ);
        CHECK_STR(after_path(cfg.api.tokens[1].where), ":7:7");
    }
    config_free(&cfg);
    write_config("api:\n  listen: \"\"\n");
    CHECK(config_load(path, &cfg, err, sizeof err) == 0, "load: %s", err);
    CHECK_STR(cfg.api.listen, "");
    config_free(&cfg);
}

static void api_mistakes_are_reported_with_line(void)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"api:\n  listen: localhost:80\n", ":2:11: api.listen: expected HOST:PORT"},
        {"api:\n  listen: 127.0.0.1\n", ":2:11: api.listen: expected HOST:PORT"},
        {"api:\n  listen: 127.0.0.1:70000\n", ":2:11: api.listen: expected HOST:PORT"},
        {"api:\n  listen: \"[::1]\"\n", ":2:11: api.listen: expected HOST:PORT"},
        {"api:\n  max_connections: 0\n",
         ":2:20: api.max_connections: expected an integer >= 1"},
        {"api:\n  metrics_public: yes please\n",
         ":2:19: api.metrics_public: expected true or false"},
        {"api:\n  tls_cert: c.pem\n",
         ":2:13: api.tls_cert is set but api.tls_key is not: HTTPS needs both (or neither)"},
        {"api:\n  tls_key: k.pem\n",
         ":2:12: api.tls_key is set but api.tls_cert is not: HTTPS needs both (or neither)"},
        {"api:\n  token: []\n", ":2:3: unknown key 'token' in section 'api' (did you mean "
                                "'tokens'?)"},
        {"api:\n  tokens: { a: 1 }\n", ":2:11: api.tokens: expected a list"},
        {"api:\n  tokens:\n    - x\n", ":3:7: api.tokens[0]: expected a mapping"},
        {"api:\n  tokens:\n    - { name: a, role: root, sha256: x }\n",
         ":3:24: api.tokens[0].role: expected one of read, operate, admin, got 'root'"},
        {"api:\n  tokens:\n    - { name: a, role: read, sha256: abc }\n",
         ":3:38: api.tokens[0].sha256: expected the token's SHA-256"},
        {"api:\n  tokens:\n    - { name: a, role: read }\n",
         ":3:7: api.tokens[0]: needs a name, a role and either sha256 or file"},
        {"api:\n  tokens:\n    - { name: a, role: read, file: f, sha256: "
         "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 }\n",
         ":3:7: api.tokens[0]: needs a name, a role and either sha256 or file"},
        {"api:\n  tokens:\n    - { name: a, role: read, token: s3cret }\n",
         ":3:30: api.tokens[0]: unknown key 'token'"},
        {"api:\n  tokens:\n    - { name: a, role: read, file: f }\n"
         "    - { name: a, role: read, file: g }\n",
         ":4:15: api.tokens[1].name: 'a' is already the name of "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *err = after_path(load_error(cases[i].text));
        CHECK(strncmp(err, cases[i].error, strlen(cases[i].error)) == 0, "case %zu: got '%s'",
              i, err);
    }
}

static void source_urls_are_shown_without_a_password(void)
{
    static const char *const cases[][2] = {
        {"sqlite:data/actions.db", "sqlite:data/actions.db"},
        {"postgresql://host/db", "postgresql://host/db"},
        {"postgresql://user@host/db", "postgresql://user@host/db"},
        {"postgresql://user:secret@host:5432/db", "postgresql://user:***@host:5432/db"},
        {"postgresql://user:se@cret@host/db", "postgresql://user:***@host/db"},
        {"postgresql://user@host/db?password=secret&sslmode=require",
         "postgresql://user@host/db?password=***&sslmode=require"},
        {"postgresql://u:a@host/db?sslmode=require&password=b#frag",
         "postgresql://u:***@host/db?sslmode=require&password=***#frag"},
        {"postgresql://host/db?mypassword=x", "postgresql://host/db?mypassword=x"},
        {"postgresql://host/a@b:c", "postgresql://host/a@b:c"}, /* '@' past the authority */
    };
    char buf[CONFIG_SOURCE_URL_MAX];

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(config_source_url_shown(cases[i][0], buf, sizeof buf) == 0, "%s does not fit",
              cases[i][0]);
        CHECK_STR(buf, cases[i][1]);
    }
    CHECK(config_source_url_shown("postgresql://u:p@h/db", buf, 10) < 0,
          "a url longer than its buffer fits");
}

static void queues_are_read_printed_and_overridden(void)
{
    struct config cfg;
    char err[CONFIG_ERR_MAX], *text = NULL;
    size_t len = 0;
    const struct config_queue *maint;
    json_t *doc;

    write_config("scheduler:\n  queues:\n    maint: { max_concurrent: 1 }\n"
                 "    Bulk.io: { max_concurrent: 3 }\n");
    setenv("TASKSCHED_SCHEDULER__QUEUES__BULK.IO__MAX_CONCURRENT", "5", 1);
    setenv("TASKSCHED_SCHEDULER__QUEUES__NEW__MAX_CONCURRENT", "2", 1);
    CHECK(config_load(path, &cfg, err, sizeof err) == 0, "load: %s", err);
    unsetenv("TASKSCHED_SCHEDULER__QUEUES__BULK.IO__MAX_CONCURRENT");
    unsetenv("TASKSCHED_SCHEDULER__QUEUES__NEW__MAX_CONCURRENT");
    CHECK_INT(cfg.scheduler.queue_count, 3);
    maint = config_queue_find(&cfg, "maint");
    CHECK(maint && maint->max_concurrent == 1, "maint bounded to 1");
    if (maint)
        CHECK_STR(after_path(maint->where), ":3:30");
    CHECK(config_queue_find(&cfg, "Bulk.io") &&
              config_queue_find(&cfg, "Bulk.io")->max_concurrent == 5,
          "the variable overrides the file's queue, its name folded");
    CHECK(config_queue_find(&cfg, "new") && config_queue_find(&cfg, "new")->max_concurrent == 2,
          "a variable adds a queue");
    CHECK(config_queue_find(&cfg, "default") == NULL, "an unconfigured queue has no entry");
    FILE *out = open_memstream(&text, &len);
    CHECK(config_print_effective(&cfg, out) == 0, "print");
    CHECK(fclose(out) == 0, "close");
    CHECK(strstr(text, "  queues:\n    maint: { max_concurrent: 1 }") != NULL, "%s", text);
    CHECK(strstr(text, "# env TASKSCHED_SCHEDULER__QUEUES__NEW__MAX_CONCURRENT") != NULL, "%s",
          text);
    free(text);
    doc = config_effective_json(&cfg);
    CHECK_INT(json_integer_value(json_object_get(
                  json_object_get(json_object_get(json_object_get(doc, "scheduler"), "queues"),
                                  "maint"),
                  "max_concurrent")),
              1);
    CHECK(json_object_get(json_object_get(doc, "origin"),
                          "scheduler.queues.maint.max_concurrent") != NULL,
          "the queue's origin");
    json_decref(doc);
    config_free(&cfg);
}

static void queue_mistakes_are_reported_with_line(void)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"scheduler:\n  queue: {}\n", ":2:3: unknown key 'queue' in section 'scheduler' "
                                      "(did you mean 'queues'?)"},
        {"scheduler:\n  queues: [maint]\n", ":2:11: scheduler.queues: expected a mapping"},
        {"scheduler:\n  queues:\n    maint: 1\n",
         ":3:12: scheduler.queues.maint: expected a mapping { max_concurrent: N }, got a "
         "scalar"},
        {"scheduler:\n  queues:\n    maint: { max_concurent: 1 }\n",
         ":3:14: scheduler.queues.maint: unknown key 'max_concurent' (did you mean "
         "'max_concurrent'?)"},
        {"scheduler:\n  queues:\n    maint: {}\n",
         ":3:12: scheduler.queues.maint: needs max_concurrent"},
        {"scheduler:\n  queues:\n    maint: { max_concurrent: 0 }\n",
         ":3:30: scheduler.queues.maint.max_concurrent: expected an integer >= 1, got '0'"},
        {"scheduler:\n  queues:\n    maint: { max_concurrent: [1] }\n",
         ":3:30: scheduler.queues.maint.max_concurrent: expected an integer >= 1, got a "
         "sequence"},
        {"scheduler:\n  queues:\n    night shift: { max_concurrent: 1 }\n",
         ":3:5: scheduler.queues: expected a plain name (letters, digits"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *err = after_path(load_error(cases[i].text));
        CHECK(strncmp(err, cases[i].error, strlen(cases[i].error)) == 0, "case %zu: got '%s'",
              i, err);
    }
    setenv("TASKSCHED_SCHEDULER__QUEUES__MAINT__MAX_CONCURRENT", "none", 1);
    CHECK_STR(load_error(""), "TASKSCHED_SCHEDULER__QUEUES__MAINT__MAX_CONCURRENT: "
                              "scheduler.queues.maint.max_concurrent: expected an integer >= "
                              "1, got 'none'");
    unsetenv("TASKSCHED_SCHEDULER__QUEUES__MAINT__MAX_CONCURRENT");
}

int main(void)
{
    int fd = mkstemp(path);
    if (fd < 0 || close(fd) != 0)
        return 1;
    RUN(missing_file_gives_defaults);
    RUN(shipped_config_loads_with_default_values);
    RUN(shipped_config_states_every_default);
    RUN(full_file_sets_every_section);
    RUN(unknown_key_is_reported_with_line_and_suggestion);
    RUN(wrong_type_is_reported_with_line);
    RUN(channel_without_required_setting_is_refused);
    RUN(environment_overrides_file_and_is_typed);
    RUN(invalid_environment_value_names_the_variable);
    RUN(unknown_time_zone_is_refused_with_suggestion);
    RUN(func_handler_is_a_task_name);
    RUN(effective_config_names_origins);
    RUN(relative_paths_resolve_against_the_root);
    RUN(api_defaults_listen_on_loopback);
    RUN(api_section_is_read);
    RUN(api_mistakes_are_reported_with_line);
    RUN(source_urls_are_shown_without_a_password);
    RUN(queues_are_read_printed_and_overridden);
    RUN(queue_mistakes_are_reported_with_line);
    unlink(path);
    TESTING_EXIT();
}
