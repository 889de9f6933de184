/* logfile.h — what one log line looks like, and the file it is appended to.
 *
 * A struct logfile is an append-only file that rotates by size
 * (file -> file.1 -> … -> file.N, the oldest dropped), deletes rotated files
 * older than its retention, and can be reopened after an external
 * logrotate.  Opening the same path twice in one process returns the same
 * object (reference counted), so the daemon's log and the task log router
 * can both write errors.log without rotating it under each other's feet;
 * the later opening's options replace the earlier ones (a reloaded config's
 * sizes apply to the files already open).
 *
 * Lines are formatted once here for every log of the program:
 *   text:  2026-11-24T10:00:00.123+00:00 INFO [title] message key=value
 *   json:  {"ts":"2026-…","level":"info","task":"…","title":"…","msg":"…",
 *           "fields":{…}}
 * A record is always one line: in text, control characters and bytes that
 * are not UTF-8 in the title, message and fields are written as \n, \r, \t
 * or \xHH, so that no content can end a line or forge one.
 */
#ifndef LOGFILE_H
#define LOGFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define LOGFILE_TIMESTAMP_MAX 40

struct logfile;

struct logfile_options {
    size_t max_size;    /* rotate before a write would pass it; 0 = never */
    int keep;           /* rotated files kept: file.1 … file.keep */
    int retention_days; /* rotated files older than this go; 0 = keep */
};

/* One log record.  Only `level` and `message` are required. */
struct logfile_record {
    double at;          /* wall instant (clock_now()) */
    const char *level;  /* "info"; printed upper-case in text */
    const char *task;   /* task name, or NULL (json "task") */
    const char *title;  /* "[title]" prefix in text, or NULL */
    const char *stream; /* "stdout"/"stderr" for task output, or NULL */
    const char *message;
    size_t message_len;
    const json_t *fields; /* object of key=value extras, or NULL */
};

/* Open `path` for appending, creating it and its parent directories, or
 * take one more reference on it with `opt` from now on.  NULL with a
 * message in err on failure. */
struct logfile *logfile_open(const char *path, const struct logfile_options *opt, char *err,
                             size_t errlen);

/* Append `len` bytes (normally one formatted line), rotating first when the
 * file would grow past max_size.  0, or -1 with errno set. */
int logfile_write(struct logfile *lf, const char *data, size_t len);

/* Close and reopen the path (after an external rename).  0 or -1. */
int logfile_reopen(struct logfile *lf);

/* Drop one reference; the file is closed with the last one.  NULL is ok. */
void logfile_close(struct logfile *lf);

/* `at` as local ISO-8601 with milliseconds and UTC offset. */
void logfile_timestamp(double at, char *buf, size_t len);

/* The record as one line ending in '\n' (malloc'd, length in *len), or NULL
 * when out of memory.  Text output escapes control characters and invalid
 * UTF-8; JSON output is always valid UTF-8: invalid bytes of task output are
 * replaced by '?'. */
char *logfile_format(const struct logfile_record *rec, bool json, size_t *len);

/* A record's message and fields as a text line has them, without the
 * time, level and title: "healthy status=200 bytes=3" (malloc'd, no
 * newline, length in *len), or NULL when out of memory.  `fields` may be
 * NULL. */
char *logfile_message_text(const char *msg, size_t msg_len, const json_t *fields, size_t *len);

#endif
