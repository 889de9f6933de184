/* log.h — the daemon's own log (logs/scheduler.log, stderr in the foreground,
 * errors also in logs/errors.log).
 *
 * The macros test the level before formatting, so a debug line below the
 * active level costs one comparison.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

extern enum log_level log_threshold;

#define log_at(level, ...)                   \
    do {                                     \
        if ((level) >= log_threshold)        \
            log_write((level), __VA_ARGS__); \
    } while (0)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)

struct log_options {
    const char *logs_dir; /* absolute; created if missing */
    bool to_stderr;       /* foreground: also print to stderr */
    enum log_level level;
    bool json;          /* one JSON object per line instead of text */
    size_t max_size;    /* rotate a file when it grows past this; 0 = never */
    int keep;           /* rotated files kept (file.1 … file.N) */
    int retention_days; /* rotated files older than this go; 0 = keep */
};

/* Before log_open() (or if it fails) lines go to stderr only. */
int log_open(const struct log_options *opt, char *err, size_t errlen);
/* Reopen the files (SIGUSR1, after an external logrotate). */
void log_reopen(void);
void log_close(void);

void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "debug"/"info"/"warn"/"error" <-> level; -1 for an unknown name. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level level);
/* The same names, indexed by level and NULL-terminated, for the config's
 * table of settings. */
extern const char *const log_level_names[];

#endif
