/* log.c — the daemon's own log: logs/scheduler.log, errors also in
 * logs/errors.log, and stderr in the foreground or before log_open(). */
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/filemode.h"
#include "lib/fs.h"
#include "logfile.h"
#include "time/clock.h"

#define LOG_MESSAGE_MAX 8192 /* longer daemon messages are cut */

enum log_level log_threshold = LOG_LEVEL_INFO;

const char *const log_level_names[] = {"debug", "info", "warn", "error", NULL};

static struct {
    struct logfile *main, *errors;
    bool to_stderr, json;
    bool write_failed; /* reported once, not on every line */
} log_state = {.to_stderr = true};

static int open_in(const struct log_options *opt, const char *file, struct logfile **out,
                   char *err, size_t errlen)
{
    struct logfile_options lo = {opt->max_size, opt->keep, opt->retention_days};
    char path[PATH_MAX];

    if (snprintf(path, sizeof path, "%s/%s", opt->logs_dir, file) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", opt->logs_dir);
        return -1;
    }
    *out = logfile_open(path, &lo, err, errlen);
    return *out ? 0 : -1;
}

int log_open(const struct log_options *opt, char *err, size_t errlen)
{
    struct logfile *main_file = NULL, *errors = NULL;

    if (fs_mkdirs(opt->logs_dir, FILEMODE_DIR, NULL, 0) != 0) {
        snprintf(err, errlen, "%s: %s", opt->logs_dir, strerror(errno));
        return -1;
    }
    if (open_in(opt, "scheduler.log", &main_file, err, errlen) != 0 ||
        open_in(opt, "errors.log", &errors, err, errlen) != 0) {
        logfile_close(main_file);
        return -1;
    }
    log_close();
    log_state.main = main_file;
    log_state.errors = errors;
    log_state.to_stderr = opt->to_stderr;
    log_state.json = opt->json;
    log_state.write_failed = false;
    log_threshold = opt->level;
    return 0;
}

void log_reopen(void)
{
    if ((log_state.main && logfile_reopen(log_state.main) != 0) ||
        (log_state.errors && logfile_reopen(log_state.errors) != 0))
        fprintf(stderr, "log: cannot reopen log files: %s\n", strerror(errno));
}

void log_close(void)
{
    logfile_close(log_state.main);
    logfile_close(log_state.errors);
    log_state.main = log_state.errors = NULL;
    log_state.to_stderr = true;
}

static void write_to(struct logfile *lf, const char *line, size_t len)
{
    if (logfile_write(lf, line, len) == 0 || log_state.write_failed)
        return;
    log_state.write_failed = true;
    fprintf(stderr, "log: cannot write a log file: %s\n", strerror(errno));
}

void log_write(enum log_level level, const char *fmt, ...)
{
    char message[LOG_MESSAGE_MAX];
    struct logfile_record rec = {
        .at = clock_now(), .level = log_level_name(level), .message = message};
    va_list ap;
    char *line;
    size_t len;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    rec.message_len = (size_t)n < sizeof message ? (size_t)n : sizeof message - 1;
    line = logfile_format(&rec, log_state.json, &len);
    if (!line)
        return;
    if (log_state.main)
        write_to(log_state.main, line, len);
    if (log_state.errors && level >= LOG_LEVEL_ERROR)
        write_to(log_state.errors, line, len);
    if (log_state.to_stderr)
        fwrite(line, 1, len, stderr); /* best effort: stderr may be closed */
    free(line);
}

int log_level_parse(const char *name)
{
    for (int i = 0; log_level_names[i]; i++)
        if (strcmp(name, log_level_names[i]) == 0)
            return i;
    return -1;
}

const char *log_level_name(enum log_level level)
{
    return log_level_names[level];
}
