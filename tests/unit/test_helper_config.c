/* test_helper_config.c — the config helper: load, get, save, list, root.
 *
 * Reading tests use the fixtures in tests/fixtures/config (the root is
 * tests/fixtures); writing tests use a temporary root of their own.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "luatest.h"
#include "testing.h"

#define FIXTURE_ROOT "tests/fixtures"
#define STDERR_MAX 4096

static lua_State *L;
static char fixtures[PATH_MAX + sizeof FIXTURE_ROOT];
static char temp_root[] = "/tmp/test_helper_config.XXXXXX";
static char temp_config[sizeof "/tmp/test_helper_config.XXXXXX/config"];

static void use_root(const char *root)
{
    CHECK(setenv("TASKSCHED_ROOT", root, 1) == 0, "setenv");
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    CHECK(f != NULL, "cannot create %s", path);
    if (!f)
        return;
    fputs(text, f);
    CHECK(fclose(f) == 0, "cannot write %s", path);
    CHECK(chmod(path, mode) == 0, "chmod %s", path);
}

/* Runs `code` with stderr going to a file; copies what it wrote to out. */
static const char *eval_capturing_stderr(const char *code, char *out, size_t len)
{
    char path[] = "/tmp/test_helper_config.stderr.XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    const char *result;
    ssize_t n;

    CHECK(fd >= 0 && saved >= 0, "mkstemp/dup");
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    result = luatest_eval(L, code);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    n = pread(fd, out, len - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return result;
}

/* `code` raised an error whose message ends with `want`. */
#define CHECK_RAISES(code, want)                                  \
    do {                                                          \
        const char *got_ = luatest_eval(L, code);                 \
        size_t gl_ = strlen(got_), wl_ = strlen(want);            \
        CHECK(strncmp(got_, "error: ", 7) == 0 && gl_ >= wl_ &&   \
                  strcmp(got_ + gl_ - wl_, want) == 0,            \
              "got '%s', want an error ending '%s'", got_, want); \
    } while (0)

static void load_types_scalars_with_yaml_1_1_rules(void)
{
    use_root(fixtures);
    CHECK_STR(luatest_eval(L,
                           "local c = config.load('app'); "
                           "return c.name .. ' ' .. math.type(c.port) .. c.port .. ' ' "
                           ".. c.hex .. ' ' .. math.type(c.ratio) .. ' ' .. math.type(c.whole) "
                           ".. ' ' .. tostring(c.enabled) .. ' ' .. tostring(c.disabled) "
                           ".. ' ' .. type(c.quoted) .. c.quoted"),
              "backup integer8080 31 float float true false stringtrue");
}

static void load_maps_nulls_sequences_and_keys(void)
{
    use_root(fixtures);
    /* a null is no key in a mapping, json.null in a sequence */
    CHECK_STR(luatest_eval(L, "local c = config.load('app.yaml'); "
                              "return tostring(c.nothing) .. ' ' .. #c.items .. ' ' "
                              ".. tostring(c.items[2] == json.null) .. ' ' .. c.items[3]"),
              "nil 3 true three");
    CHECK_STR(luatest_eval(L,
                           "local c = config.load('app'); "
                           "return c.servers[1].host .. c.servers[1].port .. c.servers[2].host "
                           ".. ' ' .. c['8080'] .. ' ' .. c.nested.deeper.value"),
              "alpha22beta a number as a key found");
    CHECK_STR(luatest_eval(L,
                           "local c = config.load('app'); "
                           "return json.encode(c.empty_list) .. ' ' "
                           ".. tostring(getmetatable(c.items) == getmetatable(c.empty_list))"),
              "[] true");
}

static void load_resolves_anchors_aliases_and_merges(void)
{
    use_root(fixtures);
    CHECK_STR(luatest_eval(
                  L, "local c = config.load('app'); "
                     "return c.copy.retries .. ' ' .. c.job.retries .. ' ' .. c.job.timeout"),
              "3 3 60");
}

static void load_defaults_to_config_yaml(void)
{
    use_root(fixtures);
    CHECK_STR(luatest_eval(L, "return config.load().scheduler.timezone"), "UTC");
    CHECK_STR(luatest_eval(L, "return config.load('sub/nested.yml').deep"), "true");
}

static void load_missing_file_returns_nil_and_message(void)
{
    use_root(fixtures);
    CHECK_STR(
        luatest_eval(L, "local t, err = config.load('foo'); return tostring(t) .. ' ' .. err"),
        "nil config.load: config/foo.yaml: No such file or directory");
    CHECK_STR(luatest_eval(L, "return select(2, config.get('a', 'foo', 1))"),
              "config.get: config/foo.yaml: No such file or directory");
}

static void load_syntax_error_names_line_and_column(void)
{
    const char *got;

    use_root(fixtures);
    got = luatest_eval(
        L, "local t, err = config.load('broken'); return tostring(t) .. ' ' .. err");
    CHECK_STR(got, "nil config/broken.yaml:4:6: did not find expected ',' or ']' "
                   "(while parsing a flow sequence at line 3)");
}

static void get_walks_a_dotted_path(void)
{
    use_root(fixtures);
    CHECK_STR(luatest_eval(L, "return config.get('nested.deeper.value', 'app')"), "found");
    CHECK_STR(luatest_eval(L, "return config.get('job.timeout', 'app', 5)"), "60");
    CHECK_STR(luatest_eval(L, "return config.get('job.missing', 'app', 5)"), "5");
    CHECK_STR(luatest_eval(L, "return config.get('nothing', 'app', 'dflt')"), "dflt");
    CHECK_STR(luatest_eval(L, "return tostring(config.get('no.such.key', 'app'))"), "nil");
    CHECK_STR(luatest_eval(L, "return config.get('scheduler.max_concurrent')"), "2");
    CHECK_STR(luatest_eval(L, "return #config.get('servers', 'app')"), "2");
}

static void bad_arguments_raise(void)
{
    use_root(fixtures);
    CHECK_RAISES("return config.get()",
                 "bad argument #1 to 'get' (string expected, got no value)");
    CHECK_RAISES("return config.load({})",
                 "bad argument #1 to 'load' (string expected, got table)");
    CHECK_RAISES("return config.load('../secrets')",
                 "bad argument #1 to 'load' (name must be a relative path under config/)");
    CHECK_RAISES("return config.load('/etc/passwd')",
                 "bad argument #1 to 'load' (name must be a relative path under config/)");
    CHECK_RAISES("return config.get('a', 'sub/../../x')",
                 "bad argument #2 to 'get' (name must be a relative path under config/)");
    CHECK_RAISES("return config.save('x', 'out')",
                 "bad argument #1 to 'save' (table expected, got string)");
    CHECK_RAISES("return config.save({})",
                 "bad argument #2 to 'save' (string expected, got no value)");
    CHECK_RAISES("return config.save({f = print}, 'out')",
                 "config.save: cannot encode a function at key 'f'");
}

/* Names in temp_config, other than `keep`, e.g. a forgotten temporary. */
static int stray_files(const char *keep)
{
    DIR *d = opendir(temp_config);
    struct dirent *e;
    int stray = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        stray += e->d_name[0] != '.' && strcmp(e->d_name, keep) != 0;
    closedir(d);
    return stray;
}

static void save_round_trips_and_keeps_the_mode(void)
{
    char path[PATH_MAX + 16];
    struct stat before, after;

    use_root(temp_root);
    snprintf(path, sizeof path, "%s/out.yaml", temp_config);
    write_file(path, "old: 1\n", 0640);
    CHECK(stat(path, &before) == 0, "stat %s", path);
    CHECK_STR(luatest_eval(L, "return config.save({name = 'x', n = 3, f = 1.0, yes = 'true', "
                              "list = {1, 'two', json.null}, empty = json.decode('[]'), "
                              "map = {b = 2, a = 1}, off = false}, 'out')"),
              "true");
    CHECK(stat(path, &after) == 0, "stat %s", path);
    CHECK_INT(after.st_mode & 07777, 0640);
    /* a new inode: the file was replaced by a rename, not rewritten */
    CHECK(before.st_ino != after.st_ino, "inode %lu kept", (unsigned long)after.st_ino);
    CHECK_INT(stray_files("out.yaml"), 0);
    CHECK_STR(luatest_eval(L,
                           "local c = config.load('out'); "
                           "return c.name .. math.type(c.n) .. math.type(c.f) .. type(c.yes) "
                           ".. c.list[2] .. tostring(c.list[3] == json.null) .. #c.list "
                           ".. json.encode(c.empty) .. c.map.a .. c.map.b .. tostring(c.off)"),
              "xintegerfloatstringtwotrue3[]12false");
    CHECK_STR(luatest_eval(L, "return config.get('map.b', 'out')"), "2");
    CHECK(unlink(path) == 0, "unlink %s", path);
}

static void save_writes_sorted_keys_to_a_new_file(void)
{
    char path[PATH_MAX + 16], text[256] = "";
    struct stat sb;
    FILE *f;

    use_root(temp_root);
    snprintf(path, sizeof path, "%s/fresh.yaml", temp_config);
    CHECK_STR(
        luatest_eval(L, "return config.save({zeta = 1, alpha = 2, mid = 3}, 'fresh.yaml')"),
        "true");
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0600,
          "a new file is its writer's alone (0600), got %o", (unsigned)(sb.st_mode & 07777));
    f = fopen(path, "r");
    CHECK(f != NULL, "open %s", path);
    if (f) {
        text[fread(text, 1, sizeof text - 1, f)] = '\0';
        fclose(f);
    }
    CHECK(strstr(text, "alpha") && strstr(text, "alpha") < strstr(text, "mid") &&
              strstr(text, "mid") < strstr(text, "zeta"),
          "keys not sorted: %s", text);
    CHECK(unlink(path) == 0, "unlink %s", path);
}

static void save_into_a_missing_folder_returns_nil_and_message(void)
{
    const char *got;

    use_root(temp_root);
    got = luatest_eval(L, "local ok, err = config.save({a = 1}, 'nope/x'); "
                          "return tostring(ok) .. ' ' .. err");
    CHECK(strncmp(got, "nil config.save: ", strlen("nil config.save: ")) == 0 &&
              strstr(got, "No such file or directory"),
          "got '%s'", got);
}

static void list_names_yaml_files_sorted(void)
{
    use_root(fixtures);
    CHECK_STR(luatest_eval(L, "return table.concat(config.list(), ' ')"),
              "app.yaml broken.yaml config.yaml sub/nested.yml");
    use_root("/nonexistent-root");
    CHECK_STR(luatest_eval(L, "local t, err = config.list(); return tostring(t) .. ' ' .. err"),
              "nil config.list: config: No such file or directory");
}

static void root_comes_from_env_else_cwd(void)
{
    char cwd[PATH_MAX];

    use_root(fixtures);
    CHECK_STR(luatest_eval(L, "return config.root()"), fixtures);
    CHECK(unsetenv("TASKSCHED_ROOT") == 0, "unsetenv");
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    CHECK_STR(luatest_eval(L, "return config.root()"), cwd);
}

static void secrets_readable_by_others_warn(void)
{
    char path[PATH_MAX + 16], err[STDERR_MAX];

    use_root(temp_root);
    snprintf(path, sizeof path, "%s/secrets.yaml", temp_config);
    write_file(path, "token: abc\n", 0644);
    CHECK_STR(eval_capturing_stderr("return config.get('token', 'secrets')", err, sizeof err),
              "abc");
    CHECK(strstr(err, "config/secrets.yaml is readable by group and others (mode 0644)") !=
              NULL,
          "no warning in '%s'", err);
    CHECK(chmod(path, 0600) == 0, "chmod");
    CHECK_STR(eval_capturing_stderr("return config.load('secrets').token", err, sizeof err),
              "abc");
    CHECK_STR(err, "");
    CHECK(unlink(path) == 0, "unlink %s", path);
}

int main(void)
{
    char cwd[PATH_MAX];

    if (!getcwd(cwd, sizeof cwd) || !mkdtemp(temp_root))
        return 1;
    snprintf(fixtures, sizeof fixtures, "%s/" FIXTURE_ROOT, cwd);
    snprintf(temp_config, sizeof temp_config, "%s/config", temp_root);
    if (mkdir(temp_config, 0755) != 0)
        return 1;
    L = luatest_open("config", luaopen_config);
    luaL_requiref(L, "json", luaopen_json, 1);
    lua_pop(L, 1);

    RUN(load_types_scalars_with_yaml_1_1_rules);
    RUN(load_maps_nulls_sequences_and_keys);
    RUN(load_resolves_anchors_aliases_and_merges);
    RUN(load_defaults_to_config_yaml);
    RUN(load_missing_file_returns_nil_and_message);
    RUN(load_syntax_error_names_line_and_column);
    RUN(get_walks_a_dotted_path);
    RUN(bad_arguments_raise);
    RUN(save_round_trips_and_keeps_the_mode);
    RUN(save_writes_sorted_keys_to_a_new_file);
    RUN(save_into_a_missing_folder_returns_nil_and_message);
    RUN(list_names_yaml_files_sorted);
    RUN(root_comes_from_env_else_cwd);
    RUN(secrets_readable_by_others_warn);

    lua_close(L);
    remove(temp_config);
    remove(temp_root);
    TESTING_EXIT();
}
