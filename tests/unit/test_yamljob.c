/* test_yamljob.c — YAML job files into validated tasks (task/yamljob.h):
 * the native fields, every APScheduler trigger field and what it means,
 * the bodies, anchors and merge keys, each list entry's own hash, and each
 * class of error with its file:line:column. */
#include <stdlib.h>
#include <string.h>

#include "task/task.h"
#include "task/yamljob.h"
#include "testing.h"

#define JOBS_PATH "/srv/project/tasks/jobs.yaml"

static char err[TASK_ERR_MAX];

/* Load the job `name` of a file JOBS_PATH holding `yaml`. */
static int load(const char *name, const char *yaml, struct task *t)
{
    err[0] = '\0';
    return task_load(JOBS_PATH, name, yaml, strlen(yaml), t, err, sizeof err);
}

/* The value of the variable `name` in t's env, or NULL. */
static const char *env_value(const struct task *t, const char *name)
{
    for (size_t i = 0; i < t->env_count; i++)
        if (strcmp(t->env[i].name, name) == 0)
            return t->env[i].value;
    return NULL;
}

/* The schedule expression a one-job file with this trigger becomes (""
 * when it does not load, with the reason in err). */
static const char *trigger_text(const char *trigger, struct task *t)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "trigger: %s\ncommand: [/bin/true]\n", trigger);
    if (load("jobs", yaml, t) < 0)
        return "";
    return t->schedules.items[0].text;
}

/* Counted from midnight 1970-01-01 when no start_date says otherwise. */
static void interval_units_become_every_of_the_largest_dividing_unit(void)
{
    static const char *const cases[][2] = {
        {"{type: interval, minutes: 5}", "every(5).minutes:anchor(\"1970-01-01\")"},
        {"{type: interval, hours: 1, minutes: 30}", "every(90).minutes:anchor(\"1970-01-01\")"},
        {"{type: interval, weeks: 2}", "every(2).weeks:anchor(\"1970-01-01\")"},
        {"{type: interval, days: 1}", "every(1).days:anchor(\"1970-01-01\")"},
        {"{type: interval, days: 1, seconds: 1}",
         "every(86401).seconds:anchor(\"1970-01-01\")"},
        {"{type: interval, hours: 2}", "every(2).hours:anchor(\"1970-01-01\")"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct task t;
        CHECK_STR(trigger_text(cases[i][0], &t), cases[i][1]);
        if (err[0])
            printf("#   %s: %s\n", cases[i][0], err);
        task_free(&t);
    }
}

static void interval_dates_zone_and_jitter_become_modifiers(void)
{
    struct task t;
    const struct schedule *s;

    CHECK_STR(trigger_text("{type: interval, seconds: 30, start_date: '2026-01-01 10:00', "
                           "end_date: '2027-01-01', jitter: 5, timezone: Europe/Berlin}",
                           &t),
              "every(30).seconds:tz(\"Europe/Berlin\"):anchor(\"2026-01-01 10:00\")"
              ":till(\"2027-01-01\"):jitter(5)");
    s = t.schedules.count ? &t.schedules.items[0] : NULL;
    CHECK(s && s->has_anchor && !s->has_from && s->has_till && s->jitter == 5 &&
              strcmp(s->zone, "Europe/Berlin") == 0,
          "anchor, till, jitter 5 and the zone set");
    CHECK_INT(s ? s->anchor.year : 0, 2026);
    CHECK_INT(s ? s->anchor.hour : 0, 10);
    CHECK_INT(s ? s->till.year : 0, 2027);
    task_free(&t);
}

/* The first fire after 2026-01-01T00:00:00Z, in UTC. */
static const char *first_fire(const struct task *t, char buf[TZ_ISO_MAX])
{
    char why[SCHEDULE_ERR_MAX];
    const struct tz *utc = tz_get("UTC", why, sizeof why);
    int64_t next;

    if (!utc || t->schedules.count == 0)
        return "";
    next = schedule_set_next_fire(&t->schedules, 1767225600, utc);
    if (next == SCHEDULE_NEVER)
        return "never";
    tz_format_iso(utc, next, buf, TZ_ISO_MAX);
    return buf;
}

/* The fields go to cron{...} as written, with APScheduler's meaning. */
static void cron_fields_keep_apschedulers_meaning(void)
{
    static const char *const cases[][3] = {
        /* the compat fixture's daily_backup */
        {"{type: cron, day_of_week: mon-sun, hour: '2', minute: '30'}",
         "cron{day_of_week = \"mon-sun\", hour = \"2\", minute = \"30\"}",
         "2026-01-01T02:30:00+00:00"},
        {"{type: cron, second: '*/20'}", "cron{second = \"*/20\"}",
         "2026-01-01T00:00:20+00:00"},
        {"{type: cron, day_of_week: mon-fri}", "cron{day_of_week = \"mon-fri\"}",
         "2026-01-02T00:00:00+00:00"},
        {"{type: cron, day_of_week: '5,6', hour: 9}",
         "cron{day_of_week = \"5,6\", hour = \"9\"}", "2026-01-03T09:00:00+00:00"},
        {"{type: cron, month: '6', day: '1'}", "cron{month = \"6\", day = \"1\"}",
         "2026-06-01T00:00:00+00:00"},
        {"{type: cron, month: '1-3', minute: '15'}", "cron{month = \"1-3\", minute = \"15\"}",
         "2026-01-01T00:15:00+00:00"},
        {"{type: cron, day: last, hour: 23}", "cron{day = \"last\", hour = \"23\"}",
         "2026-01-31T23:00:00+00:00"},
        {"{type: cron, day: 2nd fri}", "cron{day = \"2nd fri\"}", "2026-01-09T00:00:00+00:00"},
        {"{type: cron, day: '1', day_of_week: fri}", "cron{day = \"1\", day_of_week = \"fri\"}",
         "2026-05-01T00:00:00+00:00"},
        {"{type: cron, year: 2027, week: 3}", "cron{year = \"2027\", week = \"3\"}",
         "2027-01-18T00:00:00+00:00"},
        {"{type: cron, year: '2020'}", "cron{year = \"2020\"}", "never"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct task t;
        char buf[TZ_ISO_MAX];
        CHECK_STR(trigger_text(cases[i][0], &t), cases[i][1]);
        if (err[0])
            printf("#   %s: %s\n", cases[i][0], err);
        CHECK_STR(first_fire(&t, buf), cases[i][2]);
        task_free(&t);
    }
}

static void cron_dates_zone_and_jitter_become_modifiers(void)
{
    struct task t;

    CHECK_STR(trigger_text("{type: cron, hour: 3, timezone: UTC, start_date: '2026-02-01', "
                           "end_date: '2050-05-05', jitter: 60}",
                           &t),
              "cron{hour = \"3\"}:tz(\"UTC\"):from(\"2026-02-01\"):till(\"2050-05-05\")"
              ":jitter(60)");
    CHECK_INT(t.schedules.count ? t.schedules.items[0].jitter : 0, 60);
    task_free(&t);
}

static void date_trigger_is_once(void)
{
    struct task t;

    CHECK_STR(trigger_text("{type: date, run_date: '2030-05-01 09:30:00', timezone: UTC}", &t),
              "once(\"2030-05-01 09:30:00\"):tz(\"UTC\")");
    CHECK(t.schedules.count && t.schedules.items[0].kind == SCHEDULE_ONCE, "a once() schedule");
    task_free(&t);
}

/* A bad value is refused at its field, a combination no date has at the
 * trigger. */
static void bad_trigger_fields_are_refused_at_their_position(void)
{
    static const char *const cases[][2] = {
        {"{type: cron, day: '6th mon'}",
         "jobs.yaml:1:28: field 'trigger.day': '6th mon' is not a day, 'last' or 'xth y'"},
        {"{type: cron, week: '54'}",
         "jobs.yaml:1:29: field 'trigger.week': 54 is out of range 1-53"},
        {"{type: cron, year: '1969'}",
         "jobs.yaml:1:29: field 'trigger.year': 1969 is out of range 1970-9999"},
        {"{type: cron, day_of_week: fri-mon}",
         "jobs.yaml:1:36: field 'trigger.day_of_week': range fri-mon is backwards"},
        {"{type: cron, hour: '1;minute=5'}", "jobs.yaml:1:29: field 'trigger.hour': "
                                             "'1;minute=5' has a ';' or '='"},
        {"{type: cron, day: '31', month: '2'}",
         "jobs.yaml:1:10: field 'trigger': cron 'month=2; day=31' never fires"},
        {"{type: cron}", "jobs.yaml:1:10: field 'trigger': a cron trigger needs at least one"},
        {"{type: cron, minuts: 5}", "jobs.yaml:1:23: unknown field 'trigger.minuts' of a "
                                    "trigger of type cron (did you mean "
                                    "'minute'?)"},
        {"{type: interval, minutes: 5, jiter: 1}",
         "jobs.yaml:1:39: unknown field 'trigger.jiter' of a trigger of type interval (did you "
         "mean "
         "'jitter'?)"},
        {"{type: interval, minutes: -1}",
         "jobs.yaml:1:36: field 'trigger.minutes': expected a whole number >= 0"},
        {"{type: interval}", "jobs.yaml:1:10: field 'trigger': an interval trigger needs"},
        {"{type: date}", "jobs.yaml:1:10: field 'trigger': a date trigger needs 'run_date'"},
        {"{type: weekly}", "jobs.yaml:1:17: field 'trigger.type': expected \"interval\""},
        {"{type: date, run_date: 'tomorrow'}", "jobs.yaml:1:10: field 'schedule': "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct task t;
        trigger_text(cases[i][0], &t);
        CHECK(strstr(err, cases[i][1]) != NULL, "%s: got '%s', want '%s'", cases[i][0], err,
              cases[i][1]);
        task_free(&t);
    }
}

static void apscheduler_fields_map_onto_task_fields(void)
{
    struct task t;
    int rc = load("jobs/backup",
                  "- id: backup\n"
                  "  func: ./backup.sh\n"
                  "  description: Nightly\n"
                  "  is_enabled: false\n"
                  "  args: [--full]\n"
                  "  kwargs: {target: /mnt, level: 3}\n"
                  "  trigger: {type: cron, hour: 2}\n"
                  "  max_instances: 2\n"
                  "  misfire_grace_time: 300\n"
                  "  coalesce: false\n"
                  "  replace_existing: true\n",
                  &t);

    CHECK(rc == 0, "loads: %s", err);
    if (rc != 0)
        return;
    CHECK_STR(t.name, "jobs/backup");
    CHECK_STR(t.id, "backup");
    CHECK_STR(t.description, "Nightly");
    CHECK(!t.enabled, "is_enabled false disables it");
    CHECK_INT(t.command.count, 1);
    CHECK_STR(t.command.items[0], "/srv/project/tasks/./backup.sh");
    CHECK_STR(json_string_value(json_array_get(t.args, 0)), "--full");
    CHECK_INT(t.env_count, 2);
    CHECK_STR(env_value(&t, "target"), "/mnt");
    CHECK_STR(env_value(&t, "level"), "3");
    CHECK_INT(t.max_instances, 2);
    CHECK_INT(t.grace, 300);
    CHECK_INT(t.catchup, CATCHUP_ALL);
    CHECK_INT(t.line, 1);
    task_free(&t);
    CHECK(load("jobs", "coalesce: true\nschedule: every(1).minutes\nshell: 'true'\n", &t) == 0,
          "%s", err);
    CHECK_INT(t.catchup, CATCHUP_ONCE);
    task_free(&t);
}

static void native_fields_and_bodies(void)
{
    struct task t;
    int rc = load("one",
                  "title: One\n"
                  "schedule: [every(10).seconds, '0 9 * * MON']\n"
                  "shell: echo \"$GREETING\"\n"
                  "env: {GREETING: hello, PORT: 8080}\n"
                  "timeout: 30\n"
                  "tags: [a, b]\n"
                  "queue: maint.nightly\n"
                  "notify: {on: [failure], channels: [ops]}\n",
                  &t);

    CHECK(rc == 0, "loads: %s", err);
    if (rc != 0)
        return;
    CHECK_STR(t.title, "One");
    CHECK_INT(t.schedules.count, 2);
    CHECK_STR(t.schedules.items[1].text, "0 9 * * MON");
    CHECK_INT(t.command.count, 3);
    CHECK_STR(t.command.items[0], "/bin/sh");
    CHECK_STR(t.command.items[1], "-c");
    CHECK_STR(t.command.items[2], "echo \"$GREETING\"");
    CHECK_STR(env_value(&t, "PORT"), "8080");
    CHECK_INT(t.timeout, 30);
    CHECK_INT(t.tags.count, 2);
    CHECK_STR(t.queue, "maint.nightly");
    CHECK(t.has_notify && t.notify.on_failure, "notify read");
    task_free(&t);
    CHECK(load("x", "schedule: every(1).minutes\ncommand: [/bin/echo, hi]\n", &t) == 0, "%s",
          err);
    CHECK_STR(t.command.items[1], "hi");
    CHECK_STR(t.queue, TASK_DEFAULT_QUEUE);
    task_free(&t);
    CHECK(load("x", "schedule: every(1).minutes\nscript: /opt/run.sh\n", &t) == 0, "%s", err);
    CHECK_STR(t.command.items[0], "/opt/run.sh");
    task_free(&t);
}

static void anchors_and_merge_keys_work(void)
{
    const char *yaml = "- &base\n"
                       "  id: a\n"
                       "  schedule: every(1).minutes\n"
                       "  command: [/bin/true]\n"
                       "  timeout: 7\n"
                       "- <<: *base\n"
                       "  id: b\n"
                       "  timeout: 9\n"
                       "- <<: *base\n"
                       "  id: c\n";
    struct task t;

    CHECK(load("jobs/b", yaml, &t) == 0, "%s", err);
    CHECK_STR(t.id, "b");
    CHECK_INT(t.timeout, 9);
    task_free(&t);
    CHECK(load("jobs/c", yaml, &t) == 0, "%s", err);
    CHECK_INT(t.timeout, 7);
    CHECK_STR(t.schedules.items[0].text, "every(1).minutes");
    task_free(&t);
}

/* Each entry has its own hash: an edit of one leaves the others' alone,
 * and task_load gives the task the hash the entries said. */
static void each_list_entry_has_its_own_hash(void)
{
    const char *v1 = "- id: a\n  schedule: every(1).minutes\n  command: [/bin/true]\n"
                     "- id: b\n  schedule: every(2).minutes\n  command: [/bin/true]\n";
    const char *v2 = "- id: a\n  schedule: every(1).minutes\n  command: [/bin/date]\n"
                     "- id: b\n  schedule: every(2).minutes\n  command: [/bin/true]\n";
    struct yamljob_entry *e1 = NULL, *e2 = NULL;
    size_t n1 = 0, n2 = 0;
    struct task t;

    CHECK(yamljob_entries(JOBS_PATH, "jobs", v1, strlen(v1), NULL, &e1, &n1, err, sizeof err) ==
              0,
          "%s", err);
    CHECK(yamljob_entries(JOBS_PATH, "jobs", v2, strlen(v2), NULL, &e2, &n2, err, sizeof err) ==
              0,
          "%s", err);
    CHECK_INT(n1, 2);
    CHECK_INT(n2, 2);
    if (n1 == 2 && n2 == 2) {
        CHECK_STR(e1[0].name, "jobs/a");
        CHECK_STR(e1[1].name, "jobs/b");
        CHECK(strcmp(e1[0].hash, e2[0].hash) != 0, "the edited entry's hash changes");
        CHECK_STR(e1[1].hash, e2[1].hash);
        CHECK(load("jobs/b", v1, &t) == 0, "%s", err);
        CHECK_STR(t.hash, e1[1].hash);
        task_free(&t);
    }
    yamljob_entries_free(e1, n1);
    yamljob_entries_free(e2, n2);
}

static void entries_without_or_with_a_repeated_id_are_broken(void)
{
    const char *yaml = "- schedule: every(1).minutes\n"
                       "- id: x\n"
                       "- id: x\n";
    struct yamljob_entry *e = NULL;
    size_t n = 0;

    CHECK(yamljob_entries(JOBS_PATH, "jobs", yaml, strlen(yaml), NULL, &e, &n, err,
                          sizeof err) == 0,
          "%s", err);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(e[0].name, "jobs/1");
        CHECK(e[0].error &&
                  strstr(e[0].error, "jobs.yaml:1:3: entry 1 of the list has no 'id'"),
              "got %s", e[0].error ? e[0].error : "(none)");
        CHECK(e[1].error &&
                  strstr(e[1].error, "jobs.yaml:2:3: id 'x' is given again at line 3"),
              "got %s", e[1].error ? e[1].error : "(none)");
    }
    yamljob_entries_free(e, n);
}

#define HANDLER_PATH "/srv/project/tasks/ops/func_handler.lua"
#define PYTHON_JOBS                                   \
    "- id: check\n"                                   \
    "  func: 'modules.monitoring.check_api_status'\n" \
    "  trigger: {type: interval, minutes: 5}\n"       \
    "  args: [1, two]\n"                              \
    "  kwargs: {api_endpoint: 'http://127.0.0.1:8000/', retries: 3}\n"

#define HANDLER_CODE \
    "return { schedule = every().day, run = function(ctx) return ctx.args end }\n"

static const struct yamljob_handler handler = {
    .path = HANDLER_PATH,
    .name_len = 16, /* ops/func_handler */
    .content = HANDLER_CODE,
    .content_len = sizeof HANDLER_CODE - 1,
};

/* The handler's content joined to the file and split again gives both
 * back; a plain YAML file, or one whose last line only looks like the
 * trailer, has no handler. */
static void handler_content_joins_and_splits(void)
{
    struct yamljob_handler got;
    size_t yaml_len, len;
    char *joined = NULL;
    const char *fake = "schedule: every(1).minutes\n#yamljob-handler 3 4 1 x.lua";

    CHECK(yamljob_handler_join(PYTHON_JOBS, strlen(PYTHON_JOBS), &handler, &joined, &len) == 0,
          "joined");
    CHECK(joined && yamljob_handler_split(joined, len, &yaml_len, &got), "split");
    if (joined && got.path) {
        CHECK_INT(yaml_len, strlen(PYTHON_JOBS));
        CHECK_STR(got.path, HANDLER_PATH);
        CHECK_INT(got.name_len, handler.name_len);
        CHECK_INT(got.content_len, handler.content_len);
        CHECK(memcmp(got.content, handler.content, handler.content_len) == 0, "the code");
    }
    free(joined);
    CHECK(!yamljob_handler_split(PYTHON_JOBS, strlen(PYTHON_JOBS), &yaml_len, &got), "plain");
    CHECK_INT(yaml_len, strlen(PYTHON_JOBS));
    CHECK(!yamljob_handler_split(fake, strlen(fake), &yaml_len, &got), "forged trailer");
    {
        /* lengths past the content, or adding up past it, or no path */
        static const char *const bad[] = {
            "a: 1\nreturn {}\n\n#yamljob-handler 18446744073709551615 10 1 /t/x.lua",
            "a: 1\nreturn {}\n\n#yamljob-handler 5 18446744073709551615 1 /t/x.lua",
            "a: 1\nreturn {}\n\n#yamljob-handler 5 10 99 /t/x.lua",
            "a: 1\nreturn {}\n\n#yamljob-handler 5 10 1 ",
            "a: 1\nreturn {}\n\n#yamljob-handler 5 10",
        };
        const char *good = "a: 1\nreturn {}\n\n#yamljob-handler 5 10 1 /t/x.lua";
        CHECK(yamljob_handler_split(good, strlen(good), &yaml_len, &got) && yaml_len == 5 &&
                  got.content_len == 10 && strcmp(got.path, "/t/x.lua") == 0,
              "the one each bad one differs from splits");
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            CHECK(!yamljob_handler_split(bad[i], strlen(bad[i]), &yaml_len, &got),
                  "refused: %s", bad[i]);
    }
}

/* A Python `func` with the handler: the handler's run, ctx.args = { func,
 * args, kwargs } (kwargs typed, no environment), the handler in the hash. */
static void python_func_runs_the_handler(void)
{
    struct yamljob_entry *e = NULL;
    size_t n = 0, len;
    char *joined = NULL, hash[TASK_HASH_HEX] = "";
    struct task t;
    char *args;

    CHECK(yamljob_entries(JOBS_PATH, "jobs", PYTHON_JOBS, strlen(PYTHON_JOBS), &handler, &e, &n,
                          err, sizeof err) == 0,
          "%s", err);
    CHECK(n == 1 && e[0].handler && !e[0].error, "the entry is run by the handler");
    CHECK(yamljob_handler_join(PYTHON_JOBS, strlen(PYTHON_JOBS), &handler, &joined, &len) == 0,
          "joined");
    err[0] = '\0';
    if (n == 1 && joined &&
        task_load(JOBS_PATH, "jobs/check", joined, len, &t, err, sizeof err) == 0) {
        CHECK(t.has_run && t.command.count == 0, "runs the handler's run");
        CHECK_INT(t.env_count, 0);
        args = json_dumps(t.args, JSON_COMPACT | JSON_SORT_KEYS);
        CHECK_STR(args,
                  "{\"args\":[1,\"two\"],\"func\":\"modules.monitoring.check_api_status\","
                  "\"kwargs\":{\"api_endpoint\":\"http://127.0.0.1:8000/\",\"retries\":3}}");
        free(args);
        CHECK_STR(t.hash, e[0].hash);
        memcpy(hash, t.hash, sizeof hash);
        task_free(&t);
    } else {
        CHECK(0, "loads: %s", err);
    }
    yamljob_entries_free(e, n);
    /* Another handler is another version of the job. */
    {
        struct yamljob_handler other = handler;
        struct yamljob_entry *e2 = NULL;
        size_t n2 = 0;
        other.content = "return { schedule = every().day, run = function() end }\n";
        other.content_len = strlen(other.content);
        CHECK(yamljob_entries(JOBS_PATH, "jobs", PYTHON_JOBS, strlen(PYTHON_JOBS), &other, &e2,
                              &n2, err, sizeof err) == 0,
              "%s", err);
        CHECK(n2 == 1 && hash[0] && strcmp(e2[0].hash, hash) != 0, "the hash follows it");
        yamljob_entries_free(e2, n2);
    }
    free(joined);
}

/* Without a handler the hint says how to give one; a handler that cannot
 * be read, or has no run, breaks the entry at its `func`. */
static void python_func_without_a_usable_handler_is_broken(void)
{
    struct yamljob_handler unreadable = {.path = HANDLER_PATH, .error = "cannot open: gone"};
    struct yamljob_handler no_run = handler;
    struct yamljob_entry *e = NULL;
    size_t n = 0, len;
    char *joined = NULL;
    struct task t;

    CHECK(load("jobs/check", PYTHON_JOBS, &t) < 0, "loads without a handler");
    CHECK(strstr(err, "jobs.yaml:2:9: field 'func': 'modules.monitoring.check_api_status' is "
                      "a Python function path") &&
              strstr(err, "tasks.func_handler in config.yaml"),
          "got %s", err);
    CHECK(yamljob_entries(JOBS_PATH, "jobs", PYTHON_JOBS, strlen(PYTHON_JOBS), &unreadable, &e,
                          &n, err, sizeof err) == 0,
          "%s", err);
    CHECK(n == 1 && e[0].error && !e[0].handler &&
              strstr(e[0].error, "jobs.yaml:2:9: field 'func': the handler task "
                                 "(tasks.func_handler): cannot open: gone"),
          "got %s", n == 1 && e[0].error ? e[0].error : "(none)");
    yamljob_entries_free(e, n);
    no_run.content = "return { schedule = every().day, command = { '/bin/true' } }\n";
    no_run.content_len = strlen(no_run.content);
    CHECK(yamljob_handler_join(PYTHON_JOBS, strlen(PYTHON_JOBS), &no_run, &joined, &len) == 0,
          "joined");
    CHECK(joined && task_load(JOBS_PATH, "jobs/check", joined, len, &t, err, sizeof err) < 0,
          "loads with a handler without run");
    CHECK(strstr(err, "jobs.yaml:2:9: field 'func': the handler task " HANDLER_PATH
                      " has no run function"),
          "got %s", err);
    free(joined);
}

static void errors_name_file_line_column(void)
{
    static const char *const cases[][2] = {
        {"schedule: every(1).minutes\ncommand: [/bin/true]\ntimout: 5\n",
         "jobs.yaml:3:1: unknown field 'timout' (did you mean 'timeout'?)"},
        {"schedule: every(1).minutes\ncommand: [/bin/true]\ntimeout: soon\n",
         "jobs.yaml:3:10: field 'timeout': expected a number"},
        {"schedule: every(0).minutes\ncommand: [/bin/true]\n",
         "jobs.yaml:1:11: field 'schedule': every(n)"},
        {"schedule: [every(1).minutes, every(1).fortnights]\ncommand: [/bin/true]\n",
         "jobs.yaml:1:11: field 'schedule': every(1).fortnights: unknown unit"},
        {"command: [/bin/true]\n", "jobs.yaml:1:1: missing field 'schedule'"},
        {"schedule: every(1).minutes\n", "jobs.yaml:1:1: missing the body"},
        {"schedule: every(1).minutes\nshell: 'true'\nscript: /x\n",
         "jobs.yaml:3:9: give one of 'command', 'shell', 'script' or 'func', not both"},
        {"schedule: every(1).minutes\ncommand: [/bin/true]\nrun: x\n",
         "jobs.yaml:3:1: field 'run': a YAML job holds no Lua code"},
        {"schedule: every(1).minutes\nfunc: app.tasks.check\n",
         "jobs.yaml:2:7: field 'func': 'app.tasks.check' is a Python function path"},
        {"schedule: every(1).minutes\ntrigger: {type: date, run_date: '2030-01-01'}\n"
         "command: [/bin/true]\n",
         "jobs.yaml:2:10: give either 'schedule' or 'trigger', not both"},
        {"schedule: every(1).minutes\ncommand: [/bin/true]\ncoalesce: maybe\n",
         "jobs.yaml:3:11: field 'coalesce': expected true"},
        {"schedule: every(1).minutes\ncommand: [/bin/true]\nkwargs: {a: [1]}\n",
         "jobs.yaml:3:13: field 'kwargs': 'a' is a sequence"},
        {"schedule: every(1).minutes\ncommand: [/bin/true]\nargs: {a: 1}\n",
         "jobs.yaml:3:7: field 'args': a command takes a list of strings"},
        {"schedule: every(1).minutes\ncommand: [/bin/true\n", "jobs.yaml:3:1: "},
        {"42\n", "jobs.yaml:1:1: a YAML job file holds one job"},
        {"schedule: every(1).minutes\ncommand: [/bin/true]\nqueue: 'a b'\n",
         "jobs.yaml:3:8: field 'queue': expected a plain name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct task t;
        int rc = load("jobs", cases[i][0], &t);
        CHECK(rc < 0 && strstr(err, cases[i][1]) != NULL, "case %zu: got '%s', want '%s'", i,
              err, cases[i][1]);
        if (rc == 0)
            task_free(&t);
    }
}

static void source_is_yaml_with_its_line(void)
{
    json_t *src = task_source_json(JOBS_PATH, 4), *lua = task_source_json("/t/a.lua", 0);
    char *text = json_dumps(src, JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *lua_text = json_dumps(lua, JSON_COMPACT | JSON_PRESERVE_ORDER);

    CHECK_STR(text, "{\"type\":\"yaml\",\"path\":\"" JOBS_PATH "\",\"line\":4}");
    CHECK_STR(lua_text, "{\"type\":\"file\",\"path\":\"/t/a.lua\",\"line\":null}");
    free(text);
    free(lua_text);
    json_decref(src);
    json_decref(lua);
}

int main(void)
{
    RUN(interval_units_become_every_of_the_largest_dividing_unit);
    RUN(interval_dates_zone_and_jitter_become_modifiers);
    RUN(cron_fields_keep_apschedulers_meaning);
    RUN(cron_dates_zone_and_jitter_become_modifiers);
    RUN(date_trigger_is_once);
    RUN(bad_trigger_fields_are_refused_at_their_position);
    RUN(apscheduler_fields_map_onto_task_fields);
    RUN(native_fields_and_bodies);
    RUN(anchors_and_merge_keys_work);
    RUN(each_list_entry_has_its_own_hash);
    RUN(entries_without_or_with_a_repeated_id_are_broken);
    RUN(handler_content_joins_and_splits);
    RUN(python_func_runs_the_handler);
    RUN(python_func_without_a_usable_handler_is_broken);
    RUN(errors_name_file_line_column);
    RUN(source_is_yaml_with_its_line);
    TESTING_EXIT();
}
