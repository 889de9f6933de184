/* test_helper_exec.c — the exec helper: argv, options, results, timeouts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "luatest.h"
#include "testing.h"

#define DEATH_WAIT_MS 2000 /* how long a killed grandchild may take to go */

static lua_State *L;

static void run_returns_output_and_code(void)
{
    CHECK_STR(luatest_eval(L, "local r = exec.run{'echo', 'hello', 'world'}; "
                              "return r.code .. '|' .. r.stdout .. '|' .. r.stderr .. '|' "
                              ".. tostring(r.signal) .. tostring(r.timed_out) "
                              ".. tostring(r.truncated) .. math.type(r.duration)"),
              "0|hello world\n||nilfalsefalsefloat");
    CHECK_STR(luatest_eval(L, "return exec.run{'sh', '-c', 'echo oops >&2; exit 3'}.code"),
              "3");
    CHECK_STR(luatest_eval(L, "return exec.run{'sh', '-c', 'echo oops >&2'}.stderr"), "oops\n");
}

static void arguments_are_not_split_by_a_shell(void)
{
    CHECK_STR(luatest_eval(L, "return exec.run{'printf', '[%s]', 'a b', '$HOME', '*'}.stdout"),
              "[a b][$HOME][*]");
}

static void killed_by_signal_reports_signal(void)
{
    CHECK_STR(luatest_eval(L, "local r = exec.run{'sh', '-c', 'kill -KILL $$'}; "
                              "return tostring(r.code) .. ' ' .. r.signal"),
              "nil 9");
}

static void stdin_is_fed_to_the_child(void)
{
    CHECK_STR(luatest_eval(L, "return exec.run{'cat', stdin = 'abc\\n'}.stdout"), "abc\n");
    CHECK_STR(luatest_eval(L, "return exec.run{'wc', '-c', stdin = ('x'):rep(3 << 20)}"
                              ".stdout:match('%d+')"),
              "3145728");
    /* A child that never reads its stdin must not kill us with SIGPIPE. */
    CHECK_STR(luatest_eval(L, "return exec.run{'true', stdin = ('x'):rep(3 << 20)}.code"), "0");
    CHECK_STR(luatest_eval(L, "return #exec.run{'cat'}.stdout"), "0");
}

static void env_merges_over_the_current_environment(void)
{
    CHECK(setenv("EXEC_TEST_KEPT", "kept", 1) == 0, "setenv");
    CHECK(setenv("EXEC_TEST_GONE", "gone", 1) == 0, "setenv");
    CHECK_STR(luatest_eval(L, "return exec.run{'sh', '-c', "
                              "'echo $EXEC_TEST_KEPT-$EXEC_TEST_NEW-${EXEC_TEST_GONE-unset}', "
                              "env = {EXEC_TEST_NEW = 'new', EXEC_TEST_GONE = false}}.stdout"),
              "kept-new-unset\n");
    CHECK_STR(luatest_eval(L, "return exec.run{'sh', '-c', 'echo $EXEC_TEST_KEPT', "
                              "env = {EXEC_TEST_KEPT = 'replaced'}}.stdout"),
              "replaced\n");
}

static void cwd_sets_the_working_directory(void)
{
    CHECK_STR(luatest_eval(L, "return exec.run{'pwd', cwd = '/'}.stdout"), "/\n");
    CHECK_STR(luatest_eval(L, "return select(2, exec.run{'pwd', cwd = '/no/such/dir'})"),
              "exec.run: /no/such/dir: No such file or directory");
}

static void missing_command_returns_nil_and_message(void)
{
    CHECK_STR(luatest_eval(L, "local r, err = exec.run{'no-such-command-xyz', 'x'}; "
                              "return tostring(r) .. ' ' .. err"),
              "nil exec.run: no-such-command-xyz: No such file or directory");
}

/* True once pid is gone or a zombie waiting for init. */
static int process_dead(long pid)
{
    char path[64], state = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    if (!(f = fopen(path, "r")))
        return 1;
    if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
        state = 0;
    fclose(f);
    return state == 'Z';
}

static void timeout_kills_the_whole_group(void)
{
    const struct timespec tick = {0, 10 * 1000 * 1000};
    const char *out;
    long grandchild;
    int waited = 0;

    out = luatest_eval(L,
                       "local r = exec.shell('sleep 30 & echo $!; sleep 30', {timeout = 0.5}); "
                       "assert(r.timed_out and r.signal == 15 and r.duration < 5, "
                       "        'not killed in time'); "
                       "return r.stdout");
    grandchild = atol(out);
    CHECK(grandchild > 0, "grandchild pid expected, got '%s'", out);
    while (grandchild > 0 && !process_dead(grandchild) && waited < DEATH_WAIT_MS) {
        nanosleep(&tick, NULL);
        waited += 10;
    }
    CHECK(grandchild > 0 && process_dead(grandchild), "grandchild %ld still alive", grandchild);
}

static void timeout_escalates_to_sigkill(void)
{
    CHECK_STR(luatest_eval(L, "local r = exec.shell(\"trap '' TERM; echo ready; sleep 30\", "
                              "{timeout = 0.3}); "
                              "return r.stdout .. r.signal .. tostring(r.timed_out)"),
              "ready\n9true");
}

static void output_is_capped_and_flagged(void)
{
    CHECK_STR(luatest_eval(L,
                           "local r = exec.run{'head', '-c', '200000', '/dev/zero', "
                           "max_output = 1000}; "
                           "return #r.stdout .. ' ' .. tostring(r.truncated) .. ' ' .. r.code"),
              "1000 true 0");
    CHECK_STR(luatest_eval(L, "local r = exec.run{'head', '-c', '200000', '/dev/zero'}; "
                              "return #r.stdout .. ' ' .. tostring(r.truncated)"),
              "200000 false");
}

static void shell_runs_a_command_line(void)
{
    CHECK_STR(luatest_eval(L, "return exec.shell('echo $((1 + 2)) | tr 3 4').stdout"), "4\n");
    CHECK_STR(luatest_eval(L, "return exec.shell('cat', {stdin = 'in'}).stdout"), "in");
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

static void script_runs_by_its_shebang(void)
{
    char dir[] = "/tmp/test_exec_XXXXXX", code[512], py[64], sh[64], plain[64];

    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(py, sizeof py, "%s/hello.py", dir);
    snprintf(sh, sizeof sh, "%s/hello.sh", dir);
    snprintf(plain, sizeof plain, "%s/plain.txt", dir);
    write_file(py, "#!/usr/bin/env python3\nimport sys\nprint('py', sys.argv[1:])\n", 0644);
    write_file(sh, "#!/bin/sh\necho sh \"$@\"\n", 0755);
    write_file(plain, "echo no shebang\n", 0644);

    snprintf(code, sizeof code, "return exec.script('%s', {'a', 'b c'}).stdout", py);
    CHECK_STR(luatest_eval(L, code), "py ['a', 'b c']\n");
    snprintf(code, sizeof code, "return exec.script('%s', {'x'}, {cwd = '/'}).stdout", sh);
    CHECK_STR(luatest_eval(L, code), "sh x\n");
    snprintf(code, sizeof code, "return select(2, exec.script('%s'))", plain);
    CHECK(strstr(luatest_eval(L, code), "not executable and no #! line") != NULL,
          "non-executable file without #! is refused");
    CHECK_STR(luatest_eval(L, "return select(2, exec.script('/no/such.py'))"),
              "exec.script: /no/such.py: No such file or directory");
    unlink(py);
    unlink(sh);
    unlink(plain);
    rmdir(dir);
}

static void bad_arguments_raise(void)
{
    CHECK_STR(luatest_eval(L, "exec.run()"),
              "error: [string \"exec.run()\"]:1: "
              "bad argument #1 to 'run' (table expected, got no value)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(exec.run, {}))"),
              "bad argument #1 to 'exec.run' (command expected)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(exec.run, {'echo', 5}))"),
              "bad argument #1 to 'exec.run' (element 2: string expected, got number)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(exec.run, {'echo', timeout = 'x'}))"),
              "bad argument #1 to 'exec.run' (field 'timeout': number expected, got string)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(exec.run, {'echo', env = {A = 1}}))"),
              "bad argument #1 to 'exec.run' (field 'env': value of 'A': "
              "string or false expected, got number)");
    CHECK_STR(luatest_eval(L, "return select(2, pcall(exec.shell, 'true', 5))"),
              "bad argument #2 to 'exec.shell' (table expected, got number)");
}

int main(void)
{
    L = luatest_open("exec", luaopen_exec);
    RUN(run_returns_output_and_code);
    RUN(arguments_are_not_split_by_a_shell);
    RUN(killed_by_signal_reports_signal);
    RUN(stdin_is_fed_to_the_child);
    RUN(env_merges_over_the_current_environment);
    RUN(cwd_sets_the_working_directory);
    RUN(missing_command_returns_nil_and_message);
    RUN(timeout_kills_the_whole_group);
    RUN(timeout_escalates_to_sigkill);
    RUN(output_is_capped_and_flagged);
    RUN(shell_runs_a_command_line);
    RUN(script_runs_by_its_shebang);
    RUN(bad_arguments_raise);
    lua_close(L);
    TESTING_EXIT();
}
