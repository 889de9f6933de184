/* test_sourcejob.c — a row of a table of actions as its task
 * (source/sourcejob.h): each row is built from text as a reader hands it
 * (action_row_set), made into task code by sourcejob_make and loaded by
 * task_load as discovery would.  The optional columns map to catchup,
 * grace, enabled, the schedule's zone and timeout; NULL takes the
 * source's defaults; a bad value is an error naming the row and the
 * column; a row without a handler is a command under /bin/sh -c with
 * ACTION_NAME and ACTION_SOURCE, one with a handler gets ctx.args. */
#include <stdlib.h>
#include <string.h>

#include "schedule/schedule.h"
#include "source/rowsource.h"
#include "source/sourcejob.h"
#include "task/task.h"
#include "testing.h"
#include "time/tz.h"

#define JAN_1_2026 1767225600 /* 2026-01-01T00:00:00Z */
#define DAY 86400

static char err[TASK_ERR_MAX];

/* Source "acts" on table "action" with the default column names and the
 * given defaults. */
static struct config_source source(bool merge_missed, long long actuality_time)
{
    struct config_source s = {.name = "acts",
                              .url = "sqlite:data/actions.db",
                              .table = "action",
                              .poll = 15,
                              .merge_missed = merge_missed,
                              .actuality_time = actuality_time};

    for (int col = 0; col < SOURCE_COL_COUNT; col++)
        s.columns[col] = (char *)config_source_column_key(col);
    return s;
}

/* Row 3 from its values as text (NULL: SQL NULL), in column order. */
static void make_row(struct action_row *row, const char *const values[SOURCE_COL_COUNT])
{
    action_row_init(row, 3);
    for (int col = 0; col < SOURCE_COL_COUNT; col++)
        CHECK(action_row_set(row, (enum config_source_column)col, values[col],
                             values[col] ? strlen(values[col]) : 0) == 0,
              "action_row_set ran out of memory");
}

/* The row as its task: 0 with *t loaded, or -1 with the row's error (or
 * the loader's) in err. */
static int load_row(const struct config_source *s, const char *const values[SOURCE_COL_COUNT],
                    const struct sourcejob_handler *handler, struct task *t)
{
    struct action_row row;
    struct discovery_extra x;
    int rc = -1;

    memset(t, 0, sizeof *t);
    err[0] = '\0';
    make_row(&row, values);
    if (sourcejob_make(s, &row, 0, handler, &x) != 0) {
        snprintf(err, sizeof err, "sourcejob_make ran out of memory");
    } else if (x.error) {
        snprintf(err, sizeof err, "%s", x.error);
    } else {
        CHECK_STR(x.name, "acts/x");
        CHECK_STR(x.path, "sql:acts/action");
        CHECK_INT(x.line, 3);
        rc = task_load(x.path, x.name, x.content, x.content_len, t, err, sizeof err);
    }
    sourcejob_free(&x);
    action_row_clear(&row);
    return rc;
}

/* A row "x" running `true` every minute, with the optional columns as given. */
#define ROW(merge, actuality, enabled, timezone, timeout)                                   \
    (const char *const[SOURCE_COL_COUNT])                                                   \
    {                                                                                       \
        "x", "echo hi", "* * * * *", (merge), (actuality), (enabled), (timezone), (timeout) \
    }

static const char *env_value(const struct task *t, const char *name)
{
    for (size_t i = 0; i < t->env_count; i++)
        if (strcmp(t->env[i].name, name) == 0)
            return t->env[i].value;
    return NULL;
}

static void null_columns_take_the_defaults(void)
{
    struct config_source s = source(true, 600);
    struct task t;

    CHECK(load_row(&s, ROW(NULL, NULL, NULL, NULL, NULL), NULL, &t) == 0, "%s", err);
    CHECK_STR(t.title, "x");
    CHECK_INT(t.catchup, CATCHUP_ONCE);
    CHECK_INT(t.grace, 600);
    CHECK(t.enabled, "a NULL enabled disables");
    CHECK_INT(t.timeout, -1); /* the config's default */
    CHECK_INT(t.schedules.count, 1);
    task_free(&t);

    s = source(false, -1);
    CHECK(load_row(&s, ROW(NULL, NULL, NULL, NULL, NULL), NULL, &t) == 0, "%s", err);
    CHECK_INT(t.catchup, CATCHUP_ALL);
    CHECK_INT(t.grace, -1);
    task_free(&t);
}

static void merge_missed_is_catchup(void)
{
    static const struct {
        bool source_default;
        const char *value;
        enum task_catchup want;
    } cases[] = {
        {false, "1", CATCHUP_ONCE}, {false, "true", CATCHUP_ONCE}, {false, "t", CATCHUP_ONCE},
        {true, "0", CATCHUP_ALL},   {true, "FALSE", CATCHUP_ALL},  {true, "no", CATCHUP_ALL},
        {false, NULL, CATCHUP_ALL}, {true, NULL, CATCHUP_ONCE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config_source s = source(cases[i].source_default, 600);
        struct task t;
        CHECK(load_row(&s, ROW(cases[i].value, NULL, NULL, NULL, NULL), NULL, &t) == 0, "%s",
              err);
        CHECK(t.catchup == cases[i].want, "merge_missed %s (default %d): catchup %d, want %d",
              cases[i].value ? cases[i].value : "NULL", cases[i].source_default, t.catchup,
              cases[i].want);
        task_free(&t);
    }
}

static void actuality_time_is_grace(void)
{
    static const struct {
        long long source_default;
        const char *value;
        long long want;
    } cases[] = {
        {600, "300", 300}, {600, "0", 0}, {600, "-1", -1}, {600, NULL, 600}, {-1, NULL, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config_source s = source(true, cases[i].source_default);
        struct task t;
        CHECK(load_row(&s, ROW(NULL, cases[i].value, NULL, NULL, NULL), NULL, &t) == 0, "%s",
              err);
        CHECK(t.grace == cases[i].want,
              "actuality_time %s (default %lld): grace %lld, want %lld",
              cases[i].value ? cases[i].value : "NULL", cases[i].source_default,
              (long long)t.grace, cases[i].want);
        task_free(&t);
    }
}

static void enabled_column(void)
{
    struct config_source s = source(true, 600);
    struct task t;

    CHECK(load_row(&s, ROW(NULL, NULL, "0", NULL, NULL), NULL, &t) == 0, "%s", err);
    CHECK(!t.enabled, "enabled 0 is enabled");
    task_free(&t);
    CHECK(load_row(&s, ROW(NULL, NULL, "off", NULL, NULL), NULL, &t) == 0, "%s", err);
    CHECK(!t.enabled, "enabled off is enabled");
    task_free(&t);
    CHECK(load_row(&s, ROW(NULL, NULL, "1", NULL, NULL), NULL, &t) == 0, "%s", err);
    CHECK(t.enabled, "enabled 1 is disabled");
    task_free(&t);
}

static void timezone_column_is_the_schedules_zone(void)
{
    struct config_source s = source(true, 600);
    const struct tz *utc = tz_get("UTC", err, sizeof err);
    const char *aps[SOURCE_COL_COUNT] = {
        "x",
        "true",
        "{\"format\": \"apscheduler\", \"params\": {\"hour\": 9, \"minute\": 0}}",
        NULL,
        NULL,
        NULL,
        "Asia/Tokyo",
        NULL};
    const char *cron9[SOURCE_COL_COUNT] = {"x",  "true", "0 9 * * *",  NULL,
                                           NULL, NULL,   "Asia/Tokyo", NULL};
    struct task t;

    /* 09:00 in Tokyo is 00:00 UTC */
    CHECK(load_row(&s, cron9, NULL, &t) == 0, "%s", err);
    CHECK_INT(schedule_set_next_fire(&t.schedules, JAN_1_2026 + 1, utc), JAN_1_2026 + DAY);
    task_free(&t);
    /* the APScheduler form takes the row's zone when its params name none */
    CHECK(load_row(&s, aps, NULL, &t) == 0, "%s", err);
    CHECK_INT(schedule_set_next_fire(&t.schedules, JAN_1_2026 + 1, utc), JAN_1_2026 + DAY);
    task_free(&t);
}

static void timeout_column(void)
{
    struct config_source s = source(true, 600);
    struct task t;

    CHECK(load_row(&s, ROW(NULL, NULL, NULL, NULL, "30"), NULL, &t) == 0, "%s", err);
    CHECK_INT(t.timeout, 30);
    task_free(&t);
    CHECK(load_row(&s, ROW(NULL, NULL, NULL, NULL, "0"), NULL, &t) == 0, "%s", err);
    CHECK_INT(t.timeout, 0); /* no limit */
    task_free(&t);
}

static void command_row_runs_under_sh_with_its_names(void)
{
    struct config_source s = source(true, 600);
    struct task t;

    CHECK(load_row(&s, ROW(NULL, NULL, NULL, NULL, NULL), NULL, &t) == 0, "%s", err);
    CHECK(!t.has_run, "a row without a handler has a run function");
    CHECK_INT(t.command.count, 3);
    if (t.command.count == 3) {
        CHECK_STR(t.command.items[0], "/bin/sh");
        CHECK_STR(t.command.items[1], "-c");
        CHECK_STR(t.command.items[2], "echo hi");
    }
    CHECK_STR(env_value(&t, "ACTION_NAME"), "x");
    CHECK_STR(env_value(&t, "ACTION_SOURCE"), "acts");
    CHECK(json_array_size(t.args) == 0, "a command row has args: more argv");
    task_free(&t);
}

static void handler_row_gets_its_args(void)
{
    static const char code[] = "return { schedule = every(1).days, enabled = false,\n"
                               "  run = function(ctx) end }\n";
    struct sourcejob_handler h = {"tasks/h.lua", code, sizeof code - 1, NULL};
    struct config_source s = source(true, 600);
    struct task t;

    CHECK(load_row(&s, ROW(NULL, NULL, NULL, NULL, NULL), &h, &t) == 0, "%s", err);
    CHECK(t.has_run, "a handler row has no run function");
    CHECK_STR(json_string_value(json_object_get(t.args, "command")), "echo hi");
    CHECK_STR(json_string_value(json_object_get(t.args, "action")), "x");
    CHECK_STR(json_string_value(json_object_get(t.args, "source")), "acts");
    CHECK(t.enabled, "the handler's own enabled = false reached the row");
    task_free(&t);

    h = (struct sourcejob_handler){"tasks/h.lua", NULL, 0, "handler task 'h': no such file"};
    CHECK(load_row(&s, ROW(NULL, NULL, NULL, NULL, NULL), &h, &t) < 0,
          "loaded without handler");
    CHECK_STR(err, "acts/x (row 3): handler task 'h': no such file");
}

/* err starts "acts/x (row 3): column 'COLUMN': " */
static void check_names_the_column(const char *column, const char *value)
{
    char want[128];

    snprintf(want, sizeof want, "acts/x (row 3): column '%s': ", column);
    CHECK(strncmp(err, want, strlen(want)) == 0, "%s '%s': got \"%s\", want \"%s…\"", column,
          value, err, want);
}

static void bad_values_name_the_row_and_the_column(void)
{
    struct config_source s = source(true, 600);
    struct task t;
    static const struct {
        int col;
        const char *value;
    } cases[] = {
        {SOURCE_COL_MERGE_MISSED, "maybe"},
        {SOURCE_COL_ACTUALITY_TIME, "soon"},
        {SOURCE_COL_ACTUALITY_TIME, "1.5"},
        {SOURCE_COL_ACTUALITY_TIME, "99999999999999999999"},
        {SOURCE_COL_ENABLED, "2"},
        {SOURCE_COL_TIMEOUT, "10s"},
        {SOURCE_COL_TIMEZONE, "Mars/Olympus_Mons"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *values[SOURCE_COL_COUNT] = {"x", "true", "* * * * *"};
        values[cases[i].col] = cases[i].value;
        CHECK(load_row(&s, values, NULL, &t) < 0, "column %s '%s' loaded",
              config_source_column_key(cases[i].col), cases[i].value);
        check_names_the_column(config_source_column_key(cases[i].col), cases[i].value);
        if (!err[0])
            task_free(&t);
    }
}

static void bad_required_columns_name_the_row_and_the_column(void)
{
    struct config_source s = source(true, 600);
    struct task t;
    const char *empty_command[SOURCE_COL_COUNT] = {"x", "", "* * * * *"};
    const char *empty_cron[SOURCE_COL_COUNT] = {"x", "true", NULL};
    const char *bad_aps[SOURCE_COL_COUNT] = {
        "x", "true", "{\"format\": \"apscheduler\", \"params\": {\"secnd\": 1}}"};
    const char *no_field[SOURCE_COL_COUNT] = {
        "x", "true",
        "{\"format\": \"apscheduler\", \"params\": {\"end_date\": \"2050-01-01\"}}"};
    const char *not_json[SOURCE_COL_COUNT] = {"x", "true", "{format: apscheduler"};
    const char *not_aps[SOURCE_COL_COUNT] = {"x", "true", "{\"format\": \"cron\"}"};
    char huge[ROWSOURCE_FIELD_MAX + 2];
    const char *too_long[SOURCE_COL_COUNT] = {"x", huge, "* * * * *"};

    CHECK(load_row(&s, empty_command, NULL, &t) < 0, "an empty command loaded");
    check_names_the_column("command", "");
    CHECK(load_row(&s, empty_cron, NULL, &t) < 0, "a NULL cron loaded");
    check_names_the_column("cron", "NULL");
    CHECK(load_row(&s, bad_aps, NULL, &t) < 0, "an unknown trigger field loaded");
    check_names_the_column("cron", bad_aps[2]);
    CHECK(strstr(err, "'params.secnd'") && !strstr(err, "trigger."),
          "the params' key is not named: %s", err);
    CHECK(load_row(&s, no_field, NULL, &t) < 0, "a cron trigger without a time field loaded");
    check_names_the_column("cron", no_field[2]);
    CHECK(strstr(err, "field 'params': ") != NULL, "the params' key is not named: %s", err);
    CHECK(load_row(&s, not_json, NULL, &t) < 0, "a JSON error loaded");
    check_names_the_column("cron", not_json[2]);
    CHECK(load_row(&s, not_aps, NULL, &t) < 0, "another JSON format loaded");
    check_names_the_column("cron", not_aps[2]);
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    CHECK(load_row(&s, too_long, NULL, &t) < 0, "a command over 64 KiB loaded");
    check_names_the_column("command", "(64 KiB + 1)");
}

static void names_that_are_no_task_name(void)
{
    struct config_source s = source(true, 600);
    struct action_row row;
    struct discovery_extra x;
    static const char *const bad[] = {NULL, "", "a/b", "..", "tab\there"};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *values[SOURCE_COL_COUNT] = {bad[i], "true", "* * * * *"};
        make_row(&row, values);
        CHECK(sourcejob_make(&s, &row, 0, NULL, &x) == 0, "out of memory");
        CHECK_STR(x.name, "acts/row-3");
        CHECK(x.error && strstr(x.error, "acts/row-3 (row 3): column 'name': "),
              "name '%s': got %s", bad[i] ? bad[i] : "NULL", x.error ? x.error : "no error");
        sourcejob_free(&x);
        action_row_clear(&row);
    }
    {
        const char *values[SOURCE_COL_COUNT] = {"x", "true", "* * * * *"};
        make_row(&row, values);
        CHECK(sourcejob_make(&s, &row, 2, NULL, &x) == 0, "out of memory");
        CHECK_STR(x.error, "acts/x (row 3): column 'name': 'x' is the name of row 2 too");
        sourcejob_free(&x);
        action_row_clear(&row);
    }
}

int main(void)
{
    RUN(null_columns_take_the_defaults);
    RUN(merge_missed_is_catchup);
    RUN(actuality_time_is_grace);
    RUN(enabled_column);
    RUN(timezone_column_is_the_schedules_zone);
    RUN(timeout_column);
    RUN(command_row_runs_under_sh_with_its_names);
    RUN(handler_row_gets_its_args);
    RUN(bad_values_name_the_row_and_the_column);
    RUN(bad_required_columns_name_the_row_and_the_column);
    RUN(names_that_are_no_task_name);
    tz_cache_clear();
    TESTING_EXIT();
}
