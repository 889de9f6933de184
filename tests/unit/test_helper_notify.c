/* test_helper_notify.c — the notify helper and core/notify/notifier.c, against
 * local servers on 127.0.0.1: tests/fixtures/http_server.py (records every
 * request; GET /requests lists them) and tests/fixtures/smtp_server.py
 * (appends each message to a file).  Both are started here and killed at
 * the end; they also exit by themselves when our end of their stdin closes.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_server.h"
#include "helpers/helpers.h"
#include "luatest.h"
#include "notify/notifier.h"
#include "testing.h"

#define HTTP_SERVER "tests/fixtures/http_server.py"
#define SMTP_SERVER "tests/fixtures/smtp_server.py"
#define TEXT_MAX 4096

static lua_State *L;
static char root[] = "/tmp/test_helper_notify.XXXXXX";
static char config_dir[sizeof root + sizeof "/config"];
static char config_file[sizeof config_dir + sizeof "/config.yaml"];
static char mail_file[sizeof root + sizeof "/mail.jsonl"];
static struct fixture_server http, smtp;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    CHECK(f != NULL, "cannot create %s", path);
    if (!f)
        return;
    fputs(text, f);
    CHECK(fclose(f) == 0, "cannot write %s", path);
}

static void write_config(const char *text)
{
    write_file(config_file, text);
}

/* The channels every test can name. */
static void write_all_channels(void)
{
    char text[TEXT_MAX];
    int p = http.port;

    snprintf(
        text, sizeof text,
        "notifications:\n"
        "  hook: {type: webhook, url: 'http://127.0.0.1:%d/ok', headers: {X-Token: s3cret}}\n"
        "  push: {type: ntfy, url: 'http://127.0.0.1:%d/status/', topic: '200'}\n"
        "  chat: {type: slack, url: 'http://127.0.0.1:%d/ok'}\n"
        "  mail:\n"
        "    type: email\n"
        "    url: smtp://127.0.0.1:%d\n"
        "    from: Scheduler <sched@example.com>\n"
        "    to: [ops@example.com, me@example.com]\n"
        "  down: {type: webhook, url: 'http://127.0.0.1:%d/ok'}\n"
        "  broken: {type: webhook, url: 'http://127.0.0.1:%d/status/500'}\n"
        "  desk: {type: desktop}\n",
        p, p, p, smtp.port, fixture_unused_port(), p);
    write_config(text);
}

/* Lua: the last request the HTTP server received, as a table. */
#define LAST_REQUEST                                                 \
    "local function last() "                                         \
    "  local all = json.decode(http.get(base .. '/requests').body) " \
    "  return all[#all], #all "                                      \
    "end "

static void set_base(void)
{
    char code[128];

    snprintf(code, sizeof code, "base = 'http://127.0.0.1:%d'", http.port);
    luatest_eval(L, code);
}

static void webhook_posts_the_notification_as_json(void)
{
    write_all_channels();
    CHECK_STR(luatest_eval(L, "return notify.send{title = 'Backup', message = 'done', "
                              "urgency = 'critical', channels = {'hook'}}"),
              "true");
    CHECK_STR(luatest_eval(L, LAST_REQUEST
                           "local r = last(); local b = json.decode(r.body) "
                           "return r.method .. ' ' .. r.path .. ' ' .. r.headers['x-token'] "
                           ".. ' ' .. r.headers['content-type'] .. ' ' .. b.title .. '|' "
                           ".. b.message .. '|' .. b.urgency"),
              "POST /ok s3cret application/json Backup|done|critical");
}

static void ntfy_posts_the_message_with_title_and_priority(void)
{
    write_all_channels();
    CHECK_STR(luatest_eval(L, "return notify.send{title = 'Disk', message = 'almost full', "
                              "urgency = 'low', channels = {'push'}}"),
              "true");
    CHECK_STR(luatest_eval(L, LAST_REQUEST "local r = last() "
                                           "return r.path .. ' ' .. r.headers.title .. ' ' "
                                           ".. r.headers.priority .. ' ' .. r.body"),
              "/status/200 Disk 2 almost full");
}

static void slack_posts_text_with_escaped_markup(void)
{
    write_all_channels();
    CHECK_STR(luatest_eval(L, "return notify.send{title = 'Sync <a&b>', message = 'ok', "
                              "channels = {'chat'}}"),
              "true");
    CHECK_STR(luatest_eval(L, LAST_REQUEST "return json.decode(last().body).text"),
              "*Sync &lt;a&amp;b&gt;*\nok");
}

static void email_is_sent_over_smtp(void)
{
    write_all_channels();
    CHECK_STR(luatest_eval(L, "return notify.send{title = 'Nightly report', "
                              "message = 'line 1\\n.line 2', channels = {'mail'}}"),
              "true");
    CHECK_STR(luatest_eval(
                  L, "local f = assert(io.open(mail_file)) "
                     "local line; for l in f:lines() do line = l end f:close() "
                     "local m = json.decode(line) "
                     "local function has(s) return m.data:find(s, 1, true) and 'y' or 'n' end "
                     "return m.mail_from .. ' ' .. table.concat(m.rcpt_to, ',') .. ' ' "
                     ".. has('Subject: Nightly report\\r\\n') .. (m.data:sub(1, 6) == 'Date: ' "
                     "and 'y' or 'n') "
                     ".. has('From: Scheduler <sched@example.com>\\r\\n') "
                     ".. has('To: ops@example.com, me@example.com\\r\\n') "
                     ".. has('Message-ID: <') .. has('\\r\\n\\r\\nline 1\\r\\n.line 2\\r\\n')"),
              "<sched@example.com> <ops@example.com>,<me@example.com> yyyyyy");
}

static void email_subject_is_encoded_when_not_ascii(void)
{
    write_all_channels();
    CHECK_STR(luatest_eval(L, "return notify.send{title = 'Sauvegarde réussie', "
                              "message = 'é', channels = {'mail'}}"),
              "true");
    CHECK_STR(luatest_eval(L, "local f = assert(io.open(mail_file)) "
                              "local line; for l in f:lines() do line = l end f:close() "
                              "return json.decode(line).data:match('Subject: ([^\\r]*)')"),
              "=?UTF-8?B?U2F1dmVnYXJkZSByw6l1c3NpZQ==?=");
}

static void failing_channel_is_reported_and_others_still_sent(void)
{
    write_all_channels();
    CHECK_STR(
        luatest_eval(
            L, LAST_REQUEST
            "local ok, err = notify.send{title = 'partial', message = 'm', "
            "  channels = {'down', 'hook'}} "
            "local r = last() "
            "return tostring(ok) .. ' | ' .. err:gsub('port %d+ after %d+', 'port P after N') "
            ".. ' | ' .. json.decode(r.body).title"),
        "nil | notify.send: down: Failed to connect to 127.0.0.1 port P after N ms: "
        "Couldn't connect to server | partial");
}

static void http_error_status_fails_after_one_retry(void)
{
    write_all_channels();
    CHECK_STR(luatest_eval(L, LAST_REQUEST
                           "local _, before = last() "
                           "local ok, err = notify.send{message = 'm', channels = {'broken'}} "
                           "local _, after = last() "
                           "return tostring(ok) .. ' ' .. err .. ' ' .. (after - before - 1)"),
              "nil notify.send: broken: HTTP 500 2");
}

static void unknown_channel_returns_nil_and_message(void)
{
    write_all_channels();
    CHECK_STR(luatest_eval(L, "local ok, err = notify.send{message = 'm', channels = {'nope'}} "
                              "return tostring(ok) .. ' ' .. err"),
              "nil notify.send: nope: no such channel in notifications");
}

static void desktop_without_a_session_bus_does_not_fail(void)
{
    char err[NOTIFIER_ERR_MAX] = "";

    write_all_channels();
    CHECK(unsetenv("DBUS_SESSION_BUS_ADDRESS") == 0, "unsetenv");
    CHECK(setenv("XDG_RUNTIME_DIR", root, 1) == 0, "setenv"); /* no bus socket there */
    CHECK_STR(
        luatest_eval(L, "return notify.send{message = 'm', channels = {'desk', 'desktop'}}"),
        "true");
    /* no channel configured: the desktop */
    write_config("scheduler: {max_concurrent: 2}\n");
    CHECK_STR(luatest_eval(L, "return notify.send{message = 'nowhere'}"), "true");
    CHECK_INT(notifier_send_from(config_file,
                                 &(struct notification){.message = "m", .duration = -1}, err,
                                 sizeof err),
              0);
}

static void desktop_with_a_bus_runs_notify_send(void)
{
    char bin[sizeof root + sizeof "/bin"], script[sizeof bin + sizeof "/notify-send"];
    char args[sizeof root + sizeof "/args"], path[PATH_MAX + sizeof bin], text[TEXT_MAX];
    const char *old_path = getenv("PATH");
    FILE *f;

    snprintf(bin, sizeof bin, "%s/bin", root);
    snprintf(script, sizeof script, "%s/notify-send", bin);
    snprintf(args, sizeof args, "%s/args", root);
    snprintf(text, sizeof text, "#!/bin/sh\nprintf '%%s|' \"$@\" > '%s'\n", args);
    CHECK(mkdir(bin, 0755) == 0, "mkdir %s", bin);
    write_file(script, text);
    CHECK(chmod(script, 0755) == 0, "chmod");
    snprintf(path, sizeof path, "%s:%s", bin, old_path ? old_path : "/usr/bin:/bin");
    CHECK(setenv("PATH", path, 1) == 0 &&
              setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/x", 1) == 0,
          "setenv");
    write_all_channels();
    CHECK_STR(luatest_eval(L, "return notify.send{title = 'T', message = 'hello', "
                              "urgency = 'low', channels = {'desk'}}"),
              "true");
    text[0] = '\0';
    if ((f = fopen(args, "r"))) {
        text[fread(text, 1, sizeof text - 1, f)] = '\0';
        fclose(f);
    }
    CHECK_STR(text, "--app-name=task-scheduler|--urgency=low|--|T|hello|");
    CHECK(setenv("PATH", old_path ? old_path : "/usr/bin:/bin", 1) == 0, "setenv");
    CHECK(unsetenv("DBUS_SESSION_BUS_ADDRESS") == 0, "unsetenv");
    unlink(args);
    unlink(script);
    rmdir(bin);
}

static void without_channels_every_configured_channel_is_used(void)
{
    char text[TEXT_MAX];

    snprintf(text, sizeof text,
             "notifications:\n"
             "  one: {type: webhook, url: 'http://127.0.0.1:%d/ok'}\n"
             "  two: {type: slack, url: 'http://127.0.0.1:%d/ok'}\n",
             http.port, http.port);
    write_config(text);
    CHECK_STR(luatest_eval(L, LAST_REQUEST
                           "local _, before = last() "
                           "local ok = notify.send{title = 'all', message = 'm'} "
                           "local r, after = last() "
                           "return tostring(ok) .. ' ' .. (after - before - 1) .. ' ' "
                           ".. json.decode(r.body).text"),
              "true 2 *all*\nm");
}

static void a_broken_config_returns_nil_and_message(void)
{
    write_config("notifications:\n  x: {type: pager}\n");
    CHECK_STR(luatest_eval(L, "local ok, err = notify.send{message = 'm'} "
                              "return tostring(ok) .. ' ' .. err:gsub('^.*/config/', '')"),
              "nil config.yaml:2:6: notifications.x.type: expected one of webhook, ntfy, "
              "slack, email, desktop, got 'pager'");
}

static void bad_arguments_raise(void)
{
    const char *got;

    got = luatest_eval(L, "return notify.send()");
    CHECK(strstr(got, "bad argument #1 to 'send' (table expected, got no value)"), "got '%s'",
          got);
    got = luatest_eval(L, "return notify.send{title = 't'}");
    CHECK(strstr(got, "bad argument #1 to 'send' (field 'message' expected)"), "got '%s'", got);
    got = luatest_eval(L, "return notify.send{message = 'm', urgency = 'loud'}");
    CHECK(strstr(got, "(field 'urgency': low, normal or critical expected, got 'loud')"),
          "got '%s'", got);
    got = luatest_eval(L, "return notify.send{message = 'm', channels = {1}}");
    CHECK(strstr(got, "(field 'channels' must be a list of names)"), "got '%s'", got);
    got = luatest_eval(L, "return notify.send{message = 'm', channels = 'hook'}");
    CHECK(strstr(got, "(field 'channels': table expected, got string)"), "got '%s'", got);
}

/* Runs notifier_child_main in a child process, as `main __notify` does,
 * with `input` as its stdin; returns its exit status. */
static int run_child_main(const char *input)
{
    char path[sizeof root + sizeof "/stdin.json"];
    int status = -1;
    pid_t pid;

    snprintf(path, sizeof path, "%s/stdin.json", root);
    write_file(path, input);
    if ((pid = fork()) == 0) {
        int fd = open(path, O_RDONLY);

        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
            _exit(127);
        _exit(notifier_child_main());
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork/waitpid");
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void child_main_sends_a_json_notification(void)
{
    const char *const channels[] = {"hook"};
    struct notification n = {
        .title = "Task failed",
        .message = "backup failed",
        .urgency = NOTIFIER_CRITICAL,
        .channels = channels,
        .channel_count = 1,
        .task = "backup",
        .status = "failed",
        .duration = 1.5,
        .error = "boom",
    };
    char *json;

    write_all_channels();
    json = notifier_encode(&n, config_file);
    CHECK(json != NULL, "notifier_encode");
    CHECK_INT(run_child_main(json ? json : ""), 0);
    free(json);
    CHECK_STR(luatest_eval(L, LAST_REQUEST
                           "local b = json.decode(last().body) "
                           "return b.title .. '|' .. b.task .. '|' .. b.status .. '|' "
                           ".. b.duration .. '|' .. b.error .. '|' .. b.urgency"),
              "Task failed|backup|failed|1.5|boom|critical");
    CHECK_INT(run_child_main("{not json"), 1);
    CHECK_INT(run_child_main("{\"message\": \"m\", \"urgency\": \"loud\"}"), 1);
}

int main(void)
{
    char *http_argv[] = {"/usr/bin/python3", HTTP_SERVER, NULL};
    char *smtp_argv[] = {"/usr/bin/python3", SMTP_SERVER, mail_file, NULL};
    char code[TEXT_MAX];

    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(root))
        return 1;
    snprintf(config_dir, sizeof config_dir, "%s/config", root);
    snprintf(config_file, sizeof config_file, "%s/config.yaml", config_dir);
    snprintf(mail_file, sizeof mail_file, "%s/mail.jsonl", root);
    if (mkdir(config_dir, 0755) != 0 || setenv("TASKSCHED_ROOT", root, 1) != 0)
        return 1;
    if (fixture_server_start(&http, http_argv) != 0 ||
        fixture_server_start(&smtp, smtp_argv) != 0) {
        printf("not ok - fixture servers did not start\n");
        fixture_server_stop(&http);
        fixture_server_stop(&smtp);
        return 1;
    }
    L = luatest_open("notify", luaopen_notify);
    luaL_requiref(L, "json", luaopen_json, 1);
    luaL_requiref(L, "http", luaopen_http, 1);
    lua_pop(L, 2);
    set_base();
    snprintf(code, sizeof code, "mail_file = '%s'", mail_file);
    luatest_eval(L, code);

    RUN(webhook_posts_the_notification_as_json);
    RUN(ntfy_posts_the_message_with_title_and_priority);
    RUN(slack_posts_text_with_escaped_markup);
    RUN(email_is_sent_over_smtp);
    RUN(email_subject_is_encoded_when_not_ascii);
    RUN(failing_channel_is_reported_and_others_still_sent);
    RUN(http_error_status_fails_after_one_retry);
    RUN(unknown_channel_returns_nil_and_message);
    RUN(desktop_without_a_session_bus_does_not_fail);
    RUN(desktop_with_a_bus_runs_notify_send);
    RUN(without_channels_every_configured_channel_is_used);
    RUN(a_broken_config_returns_nil_and_message);
    RUN(bad_arguments_raise);
    RUN(child_main_sends_a_json_notification);

    lua_close(L);
    fixture_server_stop(&http);
    fixture_server_stop(&smtp);
    unlink(mail_file);
    unlink(config_file);
    rmdir(config_dir);
    rmdir(root);
    TESTING_EXIT();
}
