/* logsetup.c — the `logging` config section applied to log.c and tasklog.c. */
#include "logsetup.h"

#include <limits.h>
#include <stdio.h>

#include "config.h"
#include "log/log.h"
#include "log/tasklog.h"

#define LOGS_DIR_REL "logs"

int logsetup_logs_dir(const char *root, char *buf, size_t len)
{
    return config_resolve_path(root, LOGS_DIR_REL, buf, len);
}

int logsetup_open(const struct config *config, const char *root, bool verbose, bool to_stderr,
                  char *err, size_t errlen)
{
    char logs_dir[PATH_MAX];
    struct log_options lo = {
        .logs_dir = logs_dir,
        .to_stderr = to_stderr,
        .level = verbose ? LOG_LEVEL_DEBUG : config->logging.level,
        .json = config->logging.format == CONFIG_LOG_JSON,
        .max_size = (size_t)config->logging.max_size,
        .keep = config->logging.rotation,
        .retention_days = config->logging.retention,
    };

    if (logsetup_logs_dir(root, logs_dir, sizeof logs_dir) != 0) {
        snprintf(err, errlen, "%s/%s: path too long", root, LOGS_DIR_REL);
        return -1;
    }
    if (log_open(&lo, err, errlen) != 0)
        return -1;
    return tasklog_open(&lo, err, errlen);
}

void logsetup_reopen(void)
{
    log_reopen();
    tasklog_reopen();
}

void logsetup_close(void)
{
    tasklog_close();
    log_close();
}
