/* test_task.c — task_load: good files become the right struct task, and
 * every class of bad file gives one clear "file:line: message".
 * Run from the repository root (tests/run.sh does): fixtures are read from
 * tests/fixtures/tasks/.
 */
#include <jansson.h>
#include <time.h>
#include <unistd.h>

#include "task/task.h"
#include "testing.h"

#define TEST_LIMIT_CPU_SECONDS 60 /* hang guard for the sandbox limit tests */
/* Cases that once hung inside one C call, where no CPU-time check after
 * the call can help: SIGALRM ends the binary, which tests/run.sh reports. */
#define TEST_HANG_SECONDS 60

#define GOOD "tests/fixtures/tasks/good/"
#define BAD "tests/fixtures/tasks/bad/"
#define MINIMAL_TAIL "  schedule = every(5).minutes,\n  run = function() end,\n}\n"

/* Loading `path` fails with exactly `want`. */
static void check_fails(const char *path, const char *want)
{
    struct task t;
    char err[TASK_ERR_MAX] = "";
    CHECK(task_load(path, NULL, NULL, 0, &t, err, sizeof err) < 0, "%s loaded", path);
    CHECK(t.name == NULL && t.schedules.items == NULL, "%s: task not zeroed", path);
    CHECK_STR(err, want);
}

/* Loading `source` (as file "x.lua") fails with exactly `want`. */
static void check_source_fails(const char *source, const char *want)
{
    struct task t;
    char err[TASK_ERR_MAX] = "";
    CHECK(task_load("x.lua", NULL, source, strlen(source), &t, err, sizeof err) < 0,
          "accepted:\n%s", source);
    CHECK_STR(err, want);
}

static void example_task_loads_with_defaults(void)
{
    struct task t;
    char err[TASK_ERR_MAX];
    int rc = task_load(GOOD "example_hello_world.lua", NULL, NULL, 0, &t, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc < 0)
        return;
    CHECK_STR(t.name, "example_hello_world");
    CHECK_STR(t.title, "Hello World Task");
    CHECK_STR(t.description, "A simple example task");
    CHECK_INT(t.timeout, 60);
    CHECK(t.enabled && t.has_run && t.command.count == 0, "enabled/run");
    CHECK_INT(t.schedules.count, 1);
    CHECK_STR(t.schedules.items[0].text, "every(10).minutes");
    CHECK_INT(t.retry_count, 0);
    CHECK_INT(t.retry_delay, 60);
    CHECK(t.retry_backoff == 1, "retry_backoff %g", t.retry_backoff);
    CHECK_INT(t.max_instances, 1);
    CHECK_INT(t.overlap, OVERLAP_SKIP);
    CHECK_INT(t.catchup, CATCHUP_ONCE);
    CHECK_INT(t.grace, -1);
    CHECK_INT(t.memory_limit_mb, 0);
    CHECK_STR(t.queue, TASK_DEFAULT_QUEUE);
    CHECK(!t.has_notify && t.cwd == NULL && t.user == NULL, "unset fields set");
    CHECK_INT(strlen(t.hash), 16);
    task_free(&t);
}

static void every_field_is_read(void)
{
    struct task t;
    char err[TASK_ERR_MAX];
    int rc = task_load(GOOD "all_fields.lua", "demo/all", NULL, 0, &t, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc < 0)
        return;
    CHECK_STR(t.name, "demo/all");
    CHECK(!t.enabled && !t.has_run, "enabled/run");
    CHECK_INT(t.schedules.count, 3);
    CHECK_STR(t.schedules.items[1].zone, "Europe/Berlin");
    CHECK_INT(t.schedules.items[1].at_hour, 2);
    CHECK_INT(t.schedules.items[2].jitter, 30);
    CHECK_INT(t.command.count, 2);
    CHECK_STR(t.command.items[0], "/bin/echo");
    CHECK_STR(json_string_value(json_array_get(t.args, 0)), "--fast");
    CHECK_INT(t.env_count, 2);
    CHECK_STR(t.cwd, "/tmp");
    CHECK_STR(t.user, "nobody");
    CHECK_INT(t.timeout, 0);
    CHECK_INT(t.retry_count, 3);
    CHECK_INT(t.retry_delay, 2); /* 1.5 s, rounded up */
    CHECK(t.retry_backoff == 2, "retry_backoff %g", t.retry_backoff);
    CHECK_INT(t.max_instances, 2);
    CHECK_INT(t.overlap, OVERLAP_QUEUE);
    CHECK_INT(t.catchup, CATCHUP_ALL);
    CHECK_INT(t.grace, 600);
    CHECK_INT(t.priority, -5);
    CHECK_STR(t.queue, "maint");
    CHECK_INT(t.memory_limit_mb, 256);
    CHECK_STR(t.dependencies.items[0], "lua-cjson >= 2.1");
    CHECK(t.has_notify && t.notify.on_failure && t.notify.on_recovery && !t.notify.on_success,
          "notify.on");
    CHECK_STR(t.notify.channels.items[0], "ops");
    CHECK_INT(t.tags.count, 2);
    task_free(&t);
}

static void frontmatter_is_json_of_the_fields(void)
{
    struct task t;
    char err[TASK_ERR_MAX];
    json_t *doc;
    int rc = task_load(GOOD "all_fields.lua", NULL, NULL, 0, &t, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc < 0)
        return;
    doc = json_loads(t.frontmatter_json, 0, NULL);
    CHECK(doc != NULL, "not JSON: %s", t.frontmatter_json);
    CHECK_STR(json_string_value(json_object_get(doc, "title")), "All fields");
    CHECK_STR(json_string_value(json_array_get(json_object_get(doc, "schedule"), 0)),
              "every(5).minutes");
    CHECK_STR(json_string_value(json_object_get(json_object_get(doc, "env"), "LANG")), "C");
    CHECK_STR(json_string_value(json_object_get(doc, "overlap")), "queue");
    CHECK_STR(json_string_value(json_array_get(json_object_get(doc, "args"), 0)), "--fast");
    CHECK_INT(json_integer_value(json_object_get(doc, "grace")), 600);
    CHECK_STR(json_string_value(json_object_get(doc, "queue")), "maint");
    json_decref(doc);
    task_free(&t);
}

static void name_comes_from_the_path(void)
{
    struct task t;
    char err[TASK_ERR_MAX];
    int rc = task_load(GOOD "cameras/copy.lua", NULL, NULL, 0, &t, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc == 0) {
        CHECK_STR(t.name, "copy");
        CHECK_STR(t.title, "copy");
        CHECK_INT(t.schedules.items[0].weekday, 0);
        task_free(&t);
    }
}

static void given_content_is_validated_and_hashed(void)
{
    static const char source[] = "return {\n" MINIMAL_TAIL;
    struct task t;
    char err[TASK_ERR_MAX], hash[TASK_HASH_HEX];
    int rc = task_load("no/such/file.lua", "n", source, strlen(source), &t, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    task_hash(source, strlen(source), hash);
    if (rc == 0) {
        CHECK_STR(t.hash, hash);
        CHECK_STR(t.content, source);
        task_free(&t);
    }
    task_hash("", 0, hash);
    CHECK_STR(hash, "cbf29ce484222325"); /* FNV-1a offset basis */
    task_hash("a", 1, hash);
    CHECK_STR(hash, "af63dc4c8601ec8c");
}

static void each_bad_file_class_names_file_and_line(void)
{
    check_fails(BAD "syntax_error.lua",
                BAD "syntax_error.lua:3: '}' expected (to close '{' at line 1) near 'run'");
    check_fails(BAD "runtime_error.lua",
                BAD "runtime_error.lua:2: attempt to index a nil value (local 'settings')");
    check_fails(BAD "missing_schedule.lua",
                BAD "missing_schedule.lua:1: missing field 'schedule'");
    check_fails(BAD "both_run_command.lua",
                BAD "both_run_command.lua:4: give either 'run' or 'command', not both");
    check_fails(BAD "neither_run_command.lua", BAD
                "neither_run_command.lua:1: missing 'run' (a function) or 'command' (a list "
                "of strings)");
    check_fails(BAD "bad_time.lua",
                BAD "bad_time.lua:2: at(\"25:00\"): bad time '25:00': hour must be 00-23");
    check_fails(BAD "unknown_field.lua",
                BAD "unknown_field.lua:3: unknown field 'timout' (did you mean 'timeout'?)");
    check_fails(BAD "wrong_type.lua",
                BAD "wrong_type.lua:3: field 'timeout': expected a number >= 0, got string");
    check_fails(BAD "not_a_table.lua",
                BAD "not_a_table.lua:2: a task file must return a table, got number");
    check_fails("tests/fixtures/tasks/missing.lua",
                "tests/fixtures/tasks/missing.lua: cannot open: No such file or directory");
}

/* Messages of the C parsers are theirs; the position and prefix are ours. */
static void zone_and_cron_errors_point_at_the_call(void)
{
    struct task t;
    char err[TASK_ERR_MAX];
    static const char *const prefixes[] = {
        BAD "unknown_zone.lua:2: tz(\"Mars/Olympus\"): ",
        BAD "bad_cron.lua:2: cron(\"61 * * * *\"): ",
    };
    static const char *const paths[] = {BAD "unknown_zone.lua", BAD "bad_cron.lua"};
    for (size_t i = 0; i < 2; i++) {
        CHECK(task_load(paths[i], NULL, NULL, 0, &t, err, sizeof err) < 0, "%s loaded",
              paths[i]);
        CHECK(strncmp(err, prefixes[i], strlen(prefixes[i])) == 0, "got '%s'", err);
    }
}

static void each_field_checks_its_type(void)
{
    static const struct {
        const char *line, *want;
    } cases[] = {
        {"title = 1,", "field 'title': expected a string, got number"},
        {"description = {},", "field 'description': expected a string, got table"},
        {"enabled = 1,", "field 'enabled': expected a boolean, got number"},
        {"args = \"--fast\",", "field 'args': expected a table, got string"},
        {"env = { 1 },",
         "field 'env': expected NAME = \"value\" strings, got a number key with "
         "a number value"},
        {"cwd = true,", "field 'cwd': expected a string, got boolean"},
        {"user = 5,", "field 'user': expected a string, got number"},
        {"timeout = -1,", "field 'timeout': expected a number >= 0, got -1"},
        {"retry_count = 1.5,", "field 'retry_count': expected an integer >= 0, got 1.5"},
        {"retry_delay = \"1m\",", "field 'retry_delay': expected a number >= 0, got string"},
        {"retry_backoff = 0.5,", "field 'retry_backoff': expected a number >= 1, got 0.5"},
        {"max_instances = 0,", "field 'max_instances': expected an integer >= 1, got 0"},
        {"overlap = \"never\",",
         "field 'overlap': expected \"skip\" or \"queue\", got \"never\""},
        {"catchup = 1,", "field 'catchup': expected \"once\", \"all\" or \"skip\", got 1"},
        {"grace = false,", "field 'grace': expected a number >= 0, got boolean"},
        {"priority = \"high\",", "field 'priority': expected an integer, got string"},
        {"queue = 1,", "field 'queue': expected a string, got number"},
        {"queue = \"night shift\",",
         "field 'queue': expected a plain name (letters, digits, '_', '-', '.', a letter or "
         "digit first, at most 64 characters), got \"night shift\""},
        {"memory_limit = -5,", "field 'memory_limit': expected an integer >= 0, got -5"},
        {"dependencies = \"x\",",
         "field 'dependencies': expected a list of strings, got string"},
        {"notify = { on = { \"always\" } },",
         "field 'notify': on: item 1: expected \"failure\", "
         "\"recovery\", \"success\" or \"attempt_failure\", got \"always\""},
        {"notify = { chanels = {} },", "field 'notify': unknown key: expected \"on\" or "
                                       "\"channels\", got \"chanels\""},
        {"tags = { x = 1 },", "field 'tags': expected a list of strings, got table"},
        {"alerts = true,", "field 'alerts': expected false or a table { late_after = s, "
                           "failure_streak = n }, got boolean"},
        {"alerts = { late = 5 },", "field 'alerts': unknown key: expected \"late_after\" or "
                                   "\"failure_streak\", got \"late\""},
        {"alerts = { failure_streak = 1.5 },",
         "field 'alerts': failure_streak: expected an integer >= 1, got 1.5"},
        {"alerts = { late_after = 0 },",
         "field 'alerts': late_after: expected a number >= 1, got 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char source[512], want[512];
        snprintf(source, sizeof source, "return {\n  %s\n" MINIMAL_TAIL, cases[i].line);
        snprintf(want, sizeof want, "x.lua:2: %s", cases[i].want);
        check_source_fails(source, want);
    }
    check_source_fails("return {\n  command = {},\n  schedule = every().day,\n}\n",
                       "x.lua:2: field 'command': expected a non-empty list of strings "
                       "(program, arguments...)");
    check_source_fails("return {\n  run = 5,\n  schedule = every().day,\n}\n",
                       "x.lua:2: field 'run': expected a function, got number");
    check_source_fails(
        "return {\n  schedule = \"daily\",\n  run = function() end,\n}\n",
        "x.lua:2: field 'schedule': expected a schedule, got the string \"daily\" "
        "(a string is a cron line such as \"*/5 * * * *\")");
    check_source_fails("return {\n  schedule = \"* * * *\",\n  run = function() end,\n}\n",
                       "x.lua:2: field 'schedule': \"* * * *\": cron '* * * *' has 4 fields; "
                       "expected 5 (minute hour day-of-month month day-of-week) or 6 with "
                       "seconds first");
}

/* The `args` of a task loaded from `source` (as file "x.lua") is `want`
 * as compact JSON with sorted keys. */
static void check_args(const char *source, const char *want)
{
    struct task t;
    char err[TASK_ERR_MAX] = "";
    char *text = NULL;

    if (task_load("x.lua", NULL, source, strlen(source), &t, err, sizeof err) < 0) {
        CHECK(0, "%s: %s", source, err);
        return;
    }
    text = json_dumps(t.args, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text, want);
    free(text);
    task_free(&t);
}

/* A run gets `args` as written (any table JSON can hold); a command gets
 * a list of strings after its own arguments, and nothing else. */
static void args_is_any_json_table(void)
{
    clock_t start = clock();

    check_args("return {\n  args = { src = \"/data\", keep = 3, tags = { \"a\" }, dry = false "
               "},\n" MINIMAL_TAIL,
               "{\"dry\":false,\"keep\":3,\"src\":\"/data\",\"tags\":[\"a\"]}");
    check_args("return {\n" MINIMAL_TAIL, "[]");
    check_args(
        "return {\n  args = {},\n  schedule = every().day,\n  command = { \"true\" },\n}\n",
        "[]");
    check_args("return {\n  args = { \"-v\", \"x\" },\n  schedule = every().day,\n"
               "  command = { \"ls\" },\n}\n",
               "[\"-v\",\"x\"]");
    check_source_fails("return {\n  schedule = every().day,\n  command = { \"cp\" },\n"
                       "  args = { src = \"a\" },\n}\n",
                       "x.lua:4: field 'args': a command takes a list of strings, got a table "
                       "with named keys");
    check_source_fails("return {\n  schedule = every().day,\n  command = { \"cp\" },\n"
                       "  args = { \"a\", 2 },\n}\n",
                       "x.lua:4: field 'args': a command takes a list of strings, item 2 is "
                       "not a string");
    check_source_fails("return {\n  args = { f = print },\n" MINIMAL_TAIL,
                       "x.lua:2: field 'args': cannot encode a function at key 'f'");
    check_source_fails("local a = {}\na.self = a\nreturn {\n  args = a,\n" MINIMAL_TAIL,
                       "x.lua:4: field 'args': cycle detected at key 'self'");
    check_source_fails(
        "local s = (\"x\"):rep(4096)\n"
        "return {\n  args = { s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s },\n" MINIMAL_TAIL,
        "x.lua:3: field 'args': larger than 65536 bytes as JSON at key '[16]'");
    /* Sixty levels of one table shared twice stand for 2^60 values. */
    static const char shared[] = "local a = { \"x\" }\nfor i = 1, 60 do a = { a, a } end\n"
                                 "return {\n  args = a,\n" MINIMAL_TAIL;
    struct task t;
    char err[TASK_ERR_MAX] = "";
    CHECK(task_load("x.lua", NULL, shared, strlen(shared), &t, err, sizeof err) < 0 &&
              strstr(err, "x.lua:4: field 'args': larger than 65536 bytes as JSON at key"),
          "got '%s'", err);
    CHECK((double)(clock() - start) / CLOCKS_PER_SEC < TEST_LIMIT_CPU_SECONDS,
          "args checks took too long");
}

static void unknown_fields_are_reported_first_in_source_order(void)
{
    check_source_fails("return {\n  titel = 'a',\n  zzz = 1,\n" MINIMAL_TAIL,
                       "x.lua:2: unknown field 'titel' (did you mean 'title'?)");
    check_source_fails("return {\n  colour = 'red',\n" MINIMAL_TAIL,
                       "x.lua:2: unknown field 'colour'");
    check_source_fails("return { 'loose',\n" MINIMAL_TAIL,
                       "x.lua:1: unexpected entry [1] in the task table (fields have names)");
}

/* A field's line is that of its key in the returned table, whatever
 * nested tables, run() bodies, strings and comments say before it. */
static void field_lines_skip_what_is_not_the_returned_table(void)
{
    static const struct {
        const char *source, *want;
    } cases[] = {
        {"local defaults = { timeout = 5 }\nreturn {\n  timeout = \"x\",\n" MINIMAL_TAIL,
         "x.lua:3: field 'timeout': expected a number >= 0, got string"},
        {"return {\n  description = [[\ntimeout = 1\n]],\n  title = [==[ ]] timeout = 2 ]==],\n"
         "  timeout = \"x\",\n" MINIMAL_TAIL,
         "x.lua:6: field 'timeout': expected a number >= 0, got string"},
        {"return {\n  -- timeout = 1\n  --[[\n  timeout = 2\n  ]] --[==[\n ]] timeout = 3 "
         "]==]\n"
         "  timeout = \"x\",\n" MINIMAL_TAIL,
         "x.lua:7: field 'timeout': expected a number >= 0, got string"},
        {"return {\n  title = \"say \\\"timeout = 1\\\"\",\n"
         "  description = 'it\\'s { timeout = 2',\n  timeout = \"x\",\n" MINIMAL_TAIL,
         "x.lua:4: field 'timeout': expected a number >= 0, got string"},
        {"return {\n  run = function()\n    local t = { timeout = 1 }\n    timeout = 2\n"
         "    if t then return { timeout = 3 } end\n  end,\n  schedule = every().day,\n"
         "  timeout = \"x\",\n}\n",
         "x.lua:8: field 'timeout': expected a number >= 0, got string"},
        {"return {\n  enabled = timeout == nil,\n  timeout = \"x\",\n" MINIMAL_TAIL,
         "x.lua:3: field 'timeout': expected a number >= 0, got string"},
        {"return {\n  env = { colour = \"red\" },\n  zzz = 1,\n  colour = 1,\n" MINIMAL_TAIL,
         "x.lua:3: unknown field 'zzz'"},
        {"local function helper()\nreturn 1\nend\n--[[\nreturn\n]]\nreturn {\n"
         "  run = function() end,\n}\n",
         "x.lua:7: missing field 'schedule'"},
        /* No table constructor after the `return`: the `return` it is. */
        {"local t = { timeout = \"x\", schedule = every().day, run = function() end }\n"
         "return t\n",
         "x.lua:2: field 'timeout': expected a number >= 0, got string"},
    };
    check_fails(BAD "nested_key.lua",
                BAD "nested_key.lua:5: field 'timeout': expected a number >= 0, got string");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_source_fails(cases[i].source, cases[i].want);
}

/* Each case must fail quickly and say why, not hang or grow. */
static void hostile_top_levels_are_stopped(void)
{
    clock_t start = clock();
    check_fails(BAD "endless_loop.lua", BAD
                "endless_loop.lua:2: instruction limit exceeded (an endless loop at the top "
                "level?)");
    check_fails(BAD "pcall_swallow.lua", BAD
                "pcall_swallow.lua:3: instruction limit exceeded (an endless loop at the top "
                "level?)");
    check_fails(BAD "endless_memory.lua",
                BAD "endless_memory.lua:2: memory limit of 16 MiB exceeded");
    /* A guard against hanging, not a speed target: about 0.5 s natively,
     * many times that under ASan on a loaded machine. */
    CHECK((double)(clock() - start) / CLOCKS_PER_SEC < TEST_LIMIT_CPU_SECONDS,
          "limits took too long");
}

/* Found by tests/fuzz/fuzz_task.c: few instructions that each copy a lot
 * ran for seconds (a megabyte per instruction: for hours) within both the
 * instruction limit and the memory cap. */
static void allocation_loops_are_stopped(void)
{
    clock_t start = clock();
    check_source_fails("local t = {}\n"
                       "while true do t[#t + 2] = string.rep(\"x\", 65536) .. #t end\n",
                       "x.lua:2: allocation limit of 64 MiB in total exceeded (a loop building "
                       "strings at the top level?)");
    check_source_fails("return {\n"
                       "  title = (function() while true do local s = ('x'):rep(4e6) end "
                       "end)(),\n" MINIMAL_TAIL,
                       "x.lua:2: allocation limit of 64 MiB in total exceeded (a loop building "
                       "strings at the top level?)");
    /* A guard against hanging, not a speed target: about 0.5 s natively,
     * many times that under ASan on a loaded machine. */
    CHECK((double)(clock() - start) / CLOCKS_PER_SEC < TEST_LIMIT_CPU_SECONDS,
          "limits took too long");
}

static void pcall_cannot_swallow_the_memory_cap(void)
{
    check_source_fails("for i = 1, 3 do\n"
                       "  pcall(function() local t = {} while true do t[#t + 1] = {} end end)\n"
                       "end\n"
                       "return { schedule = every().day, run = function() end }\n",
                       "x.lua:2: memory limit of 16 MiB exceeded");
}

static void effects_are_refused_at_the_top_level(void)
{
    check_fails(BAD "io_open.lua", BAD "io_open.lua:1: io.open is only available inside run()");
    check_fails(BAD "os_execute.lua",
                BAD "os_execute.lua:1: os.execute is only available inside run()");
    check_fails(BAD "require_call.lua",
                BAD "require_call.lua:1: require is only available inside run()");
    check_fails(BAD "log_at_top.lua",
                BAD "log_at_top.lua:1: log.info is only available inside run()");
    check_source_fails("load('return 1')\n", "x.lua:1: load is only available inside run()");
    check_source_fails("local f = dofile\nf('/etc/passwd')\n",
                       "x.lua:2: dofile is only available inside run()");
    check_source_fails("return { schedule = every().day, run = function() end,\n"
                       "  title = string.format('%d', debug.getinfo(1).currentline) }\n",
                       "x.lua:2: debug.getinfo is only available inside run()");
}

/* Pattern matching backtracks inside one C call, beyond any hook. */
static void pattern_matching_is_refused_at_the_top_level(void)
{
    check_source_fails("local s = ('a'):rep(3000):find('.-.-.-.-x')\n",
                       "x.lua:1: string.find is only available inside run()");
    check_source_fails("local n = 0\nfor w in string.gmatch('a b', '%a') do n = n + 1 end\n",
                       "x.lua:2: string.gmatch is only available inside run()");
}

/* The same helpers are fine inside run(), which the loader never calls. */
static void run_body_is_not_executed(void)
{
    static const char source[] = "return {\n  schedule = every().day,\n"
                                 "  run = function() os.exit(1) end,\n}\n";
    struct task t;
    char err[TASK_ERR_MAX];
    int rc = task_load("x.lua", NULL, source, strlen(source), &t, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc == 0)
        task_free(&t);
}

static void errors_without_position_get_the_line(void)
{
    check_source_fails("\nerror('plain', 0)\n", "x.lua:2: plain");
    check_source_fails("error({})\n", "x.lua:1: (error object is a table value)");
    check_source_fails("error('two\\nlines')\n", "x.lua:1: two lines");
}

static void long_paths_are_not_abbreviated(void)
{
    static const char path[] = "a/very/long/path/that/lua/would/abbreviate/in/its/messages/"
                               "because/it/is/longer/than/sixty/characters/task.lua";
    struct task t;
    char want[TASK_ERR_MAX], err[TASK_ERR_MAX];
    snprintf(want, sizeof want, "%s:1: boom", path);
    CHECK(task_load(path, NULL, "error('boom')", 13, &t, err, sizeof err) < 0, "loaded");
    CHECK_STR(err, want);
}

/* check_source_fails, with the binary ended by SIGALRM if the load hangs. */
static void check_source_fails_promptly(const char *source, const char *want)
{
    alarm(TEST_HANG_SECONDS);
    check_source_fails(source, want);
    alarm(0);
}

/* `source` loads, and its title is `want` (library results unchanged). */
static void check_title(const char *source, const char *want)
{
    struct task t;
    char err[TASK_ERR_MAX] = "";
    int rc = task_load("x.lua", NULL, source, strlen(source), &t, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc == 0) {
        CHECK_STR(t.title, want);
        task_free(&t);
    }
}

/* The three one-line files of the hardening issue, and the siblings found
 * auditing string, table, math and utf8: each C loop that no argument
 * size bounds is paid for from the instruction budget before it starts. */
static void library_loops_pay_for_their_steps(void)
{
    check_source_fails_promptly("local s = string.rep(\"\", math.maxinteger)\n",
                                "x.lua:1: instruction limit exceeded (string.rep needs "
                                "9223372036854775807 steps)");
    check_source_fails_promptly("local s = ('x'):rep(0) .. string.rep('', 1e15, '')\n",
                                "x.lua:1: instruction limit exceeded (string.rep needs "
                                "1000000000000000 steps)");
    check_source_fails_promptly("table.move({}, 1, math.maxinteger, 1)\n",
                                "x.lua:1: instruction limit exceeded (table.move needs "
                                "9223372036854775807 steps)");
    check_source_fails_promptly("table.move('abc', 1, math.maxinteger, 1, {})\n",
                                "x.lua:1: instruction limit exceeded (table.move needs "
                                "9223372036854775807 steps)");
    check_source_fails_promptly("local t = setmetatable({}, { __index = table.concat })\n"
                                "table.concat(t, '', 1, math.maxinteger)\n",
                                "x.lua:2: instruction limit exceeded (table.concat needs "
                                "9223372036854775807 steps)");
    check_source_fails_promptly("local t = setmetatable({}, { __index = rawlen,\n"
                                "  __len = function() return math.maxinteger end })\n"
                                "table.concat(t)\n",
                                "x.lua:3: instruction limit exceeded (table.concat needs "
                                "9223372036854775807 steps)");
    check_source_fails_promptly("table.unpack({}, math.mininteger, math.maxinteger)\n",
                                "x.lua:1: instruction limit exceeded (table.unpack needs "
                                "18446744073709551615 steps)");
    check_source_fails_promptly(
        "local huge = { __len = function() return math.maxinteger - 1 end }\n"
        "table.insert(setmetatable({}, huge), 1, 0)\n",
        "x.lua:2: instruction limit exceeded (table.insert needs "
        "9223372036854775806 steps)");
    check_source_fails_promptly(
        "local huge = { __len = function() return math.maxinteger end }\n"
        "table.remove(setmetatable({}, huge), 1)\n",
        "x.lua:2: instruction limit exceeded (table.remove needs "
        "9223372036854775807 steps)");
    check_source_fails_promptly("local huge = { __len = function() return 2^31 - 2 end }\n"
                                "table.sort(setmetatable({}, huge), math.type)\n",
                                "x.lua:2: instruction limit exceeded (table.sort needs "
                                "66571993026 steps)");
    /* What a declarative top level does with them still works. */
    check_title(
        "local t = { 'b', 'c' }\ntable.insert(t, 1, 'a')\ntable.insert(t, 'd')\n"
        "table.remove(t, 2)\ntable.sort(t, function(x, y) return x > y end)\n"
        "return { title = table.concat(t, ',') .. string.rep('', 5) .. ('ab'):rep(2, '-')"
        " .. select('#', table.unpack(t)) .. #table.move(t, 1, 3, 2, {}),\n" MINIMAL_TAIL,
        "d,c,aab-ab34");
    /* Bad arguments still get the library's own message. */
    check_source_fails_promptly("table.move({}, 'x', 2, 1)\n",
                                "x.lua:1: bad argument #2 to 'move' (number expected, got "
                                "string)");
    check_source_fails_promptly("table.concat({ {} })\n",
                                "x.lua:1: invalid value (table) at index 1 in table for "
                                "'concat'");
}

/* Lua runs finalizers with hooks off, also in lua_close. */
static void finalizers_are_refused(void)
{
    check_source_fails_promptly(
        "setmetatable({}, { __gc = function() while true do end end })\n",
        "x.lua:1: setmetatable: __gc metamethods are not allowed at the "
        "top level (finalizers run outside the sandbox's limits)");
    check_source_fails_promptly(
        "local mt = { __gc = true }\nlocal t = setmetatable({}, mt)\n"
        "mt.__gc = function() while true do end end\n",
        "x.lua:2: setmetatable: __gc metamethods are not allowed at the "
        "top level (finalizers run outside the sandbox's limits)");
    /* A __gc added after setmetatable marks nothing: it never runs. */
    check_source_fails_promptly(
        "local mt = {}\nlocal t = setmetatable({}, mt)\n"
        "rawset(mt, '__gc', function() while true do end end)\nt = nil\n",
        "x.lua:1: a task file must return a table, got nil");
    /* __close runs under the hook, even after a limit tripped. */
    check_source_fails_promptly(
        "local x <close> = setmetatable({}, { __close = function()\n"
        "  while true do end end })\n",
        "x.lua:2: instruction limit exceeded (an endless loop at the top "
        "level?)");
    check_source_fails_promptly(
        "local x <close> = setmetatable({}, { __close = function()\n"
        "  while true do end end })\nwhile true do end\n",
        "x.lua:3: instruction limit exceeded (an endless loop at the top "
        "level?)");
}

/* The limit's error is raised inside the count hook, where Lua runs the
 * message handler with hooks off: the handler must not run then. */
static void xpcall_handlers_cannot_escape_the_limits(void)
{
    check_source_fails_promptly(
        "xpcall(function() while true do end end,\n"
        "       function() while true do end end)\n",
        "x.lua:1: instruction limit exceeded (an endless loop at the top "
        "level?)");
    check_title(
        "local ok, msg = xpcall(error, function(m) return 'handled ' .. m end, 'e', 0)\n"
        "return { title = msg,\n" MINIMAL_TAIL,
        "handled e");
}

/* Instructions that each scan megabytes stay within the instruction and
 * allocation budgets for hours; the clock stops them. */
static void slow_instructions_meet_the_time_limit(void)
{
    struct timespec start, end;
    static const char *const sources[] = {
        "local a, b = ('a'):rep(3 << 20), ('a'):rep(3 << 20) .. ''\n"
        "for i = 1, 1e6 do local _ = a == b end\n",
        "local s = ('1'):rep(6 << 20)\nfor i = 1, 1e6 do tonumber(s) end\n",
        "local s = ('\\x80'):rep(6 << 20)\nlocal next_char = utf8.codes('')\n"
        "for i = 1, 1e6 do next_char(s, 0) end\n",
    };
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        double took;
        clock_gettime(CLOCK_MONOTONIC, &start);
        check_source_fails_promptly(
            sources[i], i == 0   ? "x.lua:2: CPU time limit of 1 s exceeded "
                                   "(slow work at the top level?)"
                        : i == 1 ? "x.lua:2: CPU time limit of 1 s exceeded (slow work "
                                   "at the top level?)"
                                 : "x.lua:3: CPU time limit of 1 s exceeded (slow work "
                                   "at the top level?)");
        clock_gettime(CLOCK_MONOTONIC, &end);
        took =
            (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
        CHECK(took < TEST_LIMIT_CPU_SECONDS, "case %zu took %.1f s", i, took);
    }
}

/* The reader runs in C, beyond the hook: finding where an unknown field
 * is written must not cost one scan of the file per key. */
static void many_unknown_keys_are_located_in_one_pass(void)
{
    static const char head[] = "local t = {}\nfor i = 1, 60000 do t['k' .. i] = 1 end\n"
                               "local pad = [[";
    static const char tail[] = "]]\nreturn t\n";
    static const char want[] = "x.lua:4: unknown field 'k";
    size_t pad = 900000, len = sizeof head - 1 + pad + sizeof tail - 1;
    char *source = malloc(len + 1), err[TASK_ERR_MAX] = "";
    struct task t;

    CHECK(source != NULL, "out of memory");
    if (source == NULL)
        return;
    memcpy(source, head, sizeof head - 1);
    for (size_t i = 0; i < pad; i++)
        source[sizeof head - 1 + i] = "x = 1 "[i % 6];
    memcpy(source + sizeof head - 1 + pad, tail, sizeof tail);
    alarm(TEST_HANG_SECONDS);
    CHECK(task_load("x.lua", NULL, source, len, &t, err, sizeof err) < 0, "loaded");
    alarm(0);
    CHECK(strncmp(err, want, sizeof want - 1) == 0, "got '%s', want '%s...'", err, want);
    free(source);
}

static void free_is_safe_on_a_zeroed_task(void)
{
    struct task t;
    memset(&t, 0, sizeof t);
    task_free(&t);
    task_free(&t);
    CHECK(t.name == NULL, "not zeroed");
}

int main(void)
{
    RUN(example_task_loads_with_defaults);
    RUN(every_field_is_read);
    RUN(frontmatter_is_json_of_the_fields);
    RUN(name_comes_from_the_path);
    RUN(given_content_is_validated_and_hashed);
    RUN(each_bad_file_class_names_file_and_line);
    RUN(zone_and_cron_errors_point_at_the_call);
    RUN(each_field_checks_its_type);
    RUN(args_is_any_json_table);
    RUN(unknown_fields_are_reported_first_in_source_order);
    RUN(field_lines_skip_what_is_not_the_returned_table);
    RUN(hostile_top_levels_are_stopped);
    RUN(allocation_loops_are_stopped);
    RUN(pattern_matching_is_refused_at_the_top_level);
    RUN(pcall_cannot_swallow_the_memory_cap);
    RUN(effects_are_refused_at_the_top_level);
    RUN(run_body_is_not_executed);
    RUN(errors_without_position_get_the_line);
    RUN(long_paths_are_not_abbreviated);
    RUN(library_loops_pay_for_their_steps);
    RUN(finalizers_are_refused);
    RUN(xpcall_handlers_cannot_escape_the_limits);
    RUN(slow_instructions_meet_the_time_limit);
    RUN(many_unknown_keys_are_located_in_one_pass);
    RUN(free_is_safe_on_a_zeroed_task);
    TESTING_EXIT();
}
