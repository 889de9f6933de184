/* test_logfile.c — log files: rotation, reopen, retention, line format. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "log/logfile.h"
#include "testing.h"

#define DIR_TEMPLATE "/tmp/test-logfile-XXXXXX"
#define SECONDS_PER_DAY 86400

static char dir[sizeof DIR_TEMPLATE];

static void path_of(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static bool exists(const char *name)
{
    char path[256];
    struct stat st;

    path_of(name, path, sizeof path);
    return stat(path, &st) == 0;
}

static long size_of(const char *name)
{
    char path[256];
    struct stat st;

    path_of(name, path, sizeof path);
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *slurp(const char *name)
{
    char path[256];
    char *text = NULL;
    size_t cap = 0;
    FILE *f;

    path_of(name, path, sizeof path);
    if (!(f = fopen(path, "r")))
        return NULL;
    if (getdelim(&text, &cap, '\0', f) < 0) {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

static struct logfile *open_named(const char *name, const struct logfile_options *opt)
{
    char path[256], err[256];
    struct logfile *lf;

    path_of(name, path, sizeof path);
    lf = logfile_open(path, opt, err, sizeof err);
    CHECK(lf != NULL, "logfile_open: %s", err);
    return lf;
}

static void rotation_keeps_n_files(void)
{
    struct logfile_options opt = {.max_size = 100, .keep = 2};
    struct logfile *lf = open_named("rot.log", &opt);
    char line[64], *newest;

    for (int i = 0; lf && i < 10; i++) {
        int n = snprintf(line, sizeof line, "line %d %s\n", i, "........................");

        CHECK_INT(logfile_write(lf, line, (size_t)n), 0);
    }
    logfile_close(lf);
    CHECK(exists("rot.log") && exists("rot.log.1") && exists("rot.log.2"), "three files");
    CHECK(!exists("rot.log.3"), "rot.log.3 must not exist (keep = 2)");
    CHECK(size_of("rot.log") <= 100 && size_of("rot.log.1") <= 100, "sizes %ld %ld",
          size_of("rot.log"), size_of("rot.log.1"));
    newest = slurp("rot.log");
    CHECK(newest && strstr(newest, "line 9 "), "newest file: %s", newest);
    free(newest);
}

static int mode_of(const char *name)
{
    char path[256];
    struct stat st;

    path_of(name, path, sizeof path);
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Task output is in the logs: whatever the umask, a log file, its rotated
 * copies and the folders made for it are the writer's alone. */
static void log_files_are_private_whatever_the_umask(void)
{
    struct logfile_options opt = {.max_size = 10, .keep = 1};
    mode_t old = umask(0);
    struct logfile *lf = open_named("private/tasks/one.log", &opt);

    for (int i = 0; lf && i < 3; i++)
        CHECK_INT(logfile_write(lf, "a line of output\n", 17), 0);
    logfile_close(lf);
    umask(old);
    CHECK_INT(mode_of("private"), 0700);
    CHECK_INT(mode_of("private/tasks"), 0700);
    CHECK_INT(mode_of("private/tasks/one.log"), 0600);
    CHECK_INT(mode_of("private/tasks/one.log.1"), 0600);
}

static void reopen_follows_external_rename(void)
{
    struct logfile_options opt = {0};
    struct logfile *lf = open_named("re.log", &opt);
    char from[256], to[256], *old_text, *new_text;

    if (!lf)
        return;
    CHECK_INT(logfile_write(lf, "first\n", 6), 0);
    path_of("re.log", from, sizeof from);
    path_of("re.log.old", to, sizeof to);
    CHECK_INT(rename(from, to), 0);
    CHECK_INT(logfile_reopen(lf), 0);
    CHECK_INT(logfile_write(lf, "second\n", 7), 0);
    logfile_close(lf);
    old_text = slurp("re.log.old");
    new_text = slurp("re.log");
    CHECK_STR(old_text, "first\n");
    CHECK_STR(new_text, "second\n");
    free(old_text);
    free(new_text);
}

static void same_path_is_one_file(void)
{
    struct logfile_options opt = {.max_size = 50, .keep = 1};
    struct logfile *a = open_named("shared/errors.log", &opt);
    struct logfile *b = open_named("shared/errors.log", &opt);

    CHECK(a && a == b, "one object per path");
    logfile_close(a);
    CHECK_INT(logfile_write(b, "still open\n", 11), 0);
    logfile_close(b);
    CHECK(size_of("shared/errors.log") == 11, "size %ld", size_of("shared/errors.log"));
}

/* A config reload opens the open files again with its settings before it
 * drops the old references: the file must rotate at the new size. */
static void opening_again_takes_the_new_options(void)
{
    struct logfile_options big = {.max_size = 1000, .keep = 1};
    struct logfile_options small = {.max_size = 20, .keep = 2};
    struct logfile *old = open_named("again.log", &big);
    struct logfile *fresh;

    if (!old)
        return;
    CHECK_INT(logfile_write(old, "a line, 18 bytes.\n", 18), 0);
    fresh = open_named("again.log", &small);
    logfile_close(old);
    for (int i = 0; fresh && i < 2; i++)
        CHECK_INT(logfile_write(fresh, "a line, 18 bytes.\n", 18), 0);
    logfile_close(fresh);
    CHECK(exists("again.log.1") && exists("again.log.2"), "rotated at the new max_size");
    CHECK_INT(size_of("again.log"), 18);
}

static void retention_deletes_old_rotated_files(void)
{
    struct logfile_options opt = {.keep = 3, .retention_days = 2};
    char path[256];
    struct timeval old[2];
    FILE *f;

    gettimeofday(&old[0], NULL);
    old[0].tv_sec -= 5 * SECONDS_PER_DAY;
    old[1] = old[0];
    for (int i = 1; i <= 2; i++) {
        snprintf(path, sizeof path, "%s/ret.log.%d", dir, i);
        f = fopen(path, "w");
        CHECK(f && fclose(f) == 0, "create %s", path);
    }
    CHECK_INT(utimes(path, old), 0); /* ret.log.2 is five days old */
    logfile_close(open_named("ret.log", &opt));
    CHECK(exists("ret.log.1"), "a recent rotated file is kept");
    CHECK(!exists("ret.log.2"), "an old rotated file is deleted");
}

static void text_line_format(void)
{
    json_t *fields = json_pack("{s:i, s:s, s:s}", "run", 7, "who", "me", "what", "a b");
    struct logfile_record rec = {.at = 0,
                                 .level = "info",
                                 .task = "t",
                                 .title = "Title",
                                 .message = "hello",
                                 .message_len = 5,
                                 .fields = fields};
    size_t len;
    char *line = logfile_format(&rec, false, &len);

    CHECK(line && strstr(line, " INFO [Title] hello run=7 who=me what=\"a b\"\n"), "line: %s",
          line ? line : "(null)");
    CHECK(line && len == strlen(line), "length %zu", len);
    free(line);
    json_decref(fields);
}

/* What `--task` shows of a log line: its message and fields as the text
 * line has them, without time, level and title. */
static void message_text_is_the_line_without_its_prefix(void)
{
    json_t *fields = json_pack("{s:i, s:i}", "status", 200, "bytes", 3);
    size_t len = 0;
    char *text = logfile_message_text("healthy\n", 8, fields, &len);

    CHECK(text && strcmp(text, "healthy\\n status=200 bytes=3") == 0, "text: %s",
          text ? text : "(null)");
    CHECK(text && len == strlen(text), "length %zu", len);
    free(text);
    text = logfile_message_text("plain", 5, NULL, &len);
    CHECK(text && strcmp(text, "plain") == 0, "text: %s", text ? text : "(null)");
    free(text);
    json_decref(fields);
}

/* A text record is one line whatever its content: control characters and
 * bytes that are not UTF-8 in the title, message and fields are escaped,
 * valid UTF-8 is kept. */
static void text_line_escapes_control_characters(void)
{
    static const char forged[] = "\n2026-01-01 00:00:00 ERROR forged";
    json_t *fields = json_pack("{s:s, s:s}", "k\ney", "v\x1b[2J", "bare",
                               "x\xc2\x9b"
                               "1m");
    char title[64], message[128];

    CHECK(fields != NULL, "json_pack");
    snprintf(title, sizeof title, "tasks/a%s.lua", forged);
    int n = snprintf(message, sizeof message, "hi%s\r\tend \xc3\xa9\xe2\x82\xac\x7f\xff\\n",
                     forged);
    struct logfile_record rec = {.at = 0,
                                 .level = "info",
                                 .task = "t",
                                 .title = title,
                                 .message = message,
                                 .message_len = (size_t)n,
                                 .fields = fields};
    size_t len;
    char *line = logfile_format(&rec, false, &len);

    CHECK(line && len == strlen(line), "length %zu", len);
    CHECK(line && strchr(line, '\n') == line + len - 1, "one line: %s", line ? line : "(null)");
    CHECK(line && strstr(line, " INFO [tasks/a\\n2026-01-01 00:00:00 ERROR forged.lua] "
                               "hi\\n2026-01-01 00:00:00 ERROR forged\\r\\tend "
                               "\xc3\xa9\xe2\x82\xac\\x7f\\xff\\n"),
          "title and message escaped, UTF-8 kept: %s", line ? line : "(null)");
    CHECK(line && strstr(line, " k\\ney=\"v\\u001B[2J\""), "key and JSON value: %s",
          line ? line : "(null)");
    CHECK(line && strstr(line, " bare=x\\xc2\\x9b1m"), "a C1 control: %s",
          line ? line : "(null)");
    free(line);
    json_decref(fields);
}

static void json_line_is_valid_utf8(void)
{
    struct logfile_record rec = {.at = 0,
                                 .level = "info",
                                 .task = "t",
                                 .stream = "stdout",
                                 .message = "bad \xff byte",
                                 .message_len = 10};
    size_t len;
    char *line = logfile_format(&rec, true, &len);
    json_t *parsed = line ? json_loads(line, 0, NULL) : NULL;

    CHECK(parsed != NULL, "not JSON: %s", line ? line : "(null)");
    CHECK_STR(json_string_value(json_object_get(parsed, "msg")), "bad ? byte");
    CHECK_STR(json_string_value(json_object_get(parsed, "stream")), "stdout");
    json_decref(parsed);
    free(line);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(void)
{
    memcpy(dir, DIR_TEMPLATE, sizeof dir);
    if (!mkdtemp(dir)) {
        printf("not ok - mkdtemp\n");
        return 1;
    }
    RUN(rotation_keeps_n_files);
    RUN(log_files_are_private_whatever_the_umask);
    RUN(reopen_follows_external_rename);
    RUN(same_path_is_one_file);
    RUN(opening_again_takes_the_new_options);
    RUN(retention_deletes_old_rotated_files);
    RUN(text_line_format);
    RUN(message_text_is_the_line_without_its_prefix);
    RUN(text_line_escapes_control_characters);
    RUN(json_line_is_valid_utf8);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    TESTING_EXIT();
}
