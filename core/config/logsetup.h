/* logsetup.h — open the daemon log and the task logs from the config.
 *
 * One place maps the `logging` section to log.h / tasklog.h options, used
 * by the daemon (at start and on each config reload) and by `main --task`
 * when no daemon runs (it then writes the task logs itself).
 */
#ifndef LOGSETUP_H
#define LOGSETUP_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* Open (or reopen with new settings) ROOT/logs/scheduler.log, errors.log
 * and the task logs.  `verbose` forces the debug level; `to_stderr` also
 * prints scheduler lines on stderr.  0, or -1 with a message in err. */
int logsetup_open(const struct config *config, const char *root, bool verbose, bool to_stderr,
                  char *err, size_t errlen);

/* ROOT/logs, the folder of every log file, in buf: 0, or -1 when the path
 * is too long. */
int logsetup_logs_dir(const char *root, char *buf, size_t len);

/* Reopen every file (SIGUSR1, after an external logrotate). */
void logsetup_reopen(void);

/* Close both; lines go to stderr afterwards. */
void logsetup_close(void);

#endif
