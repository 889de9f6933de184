/* logfile.c — log line format and append-only files with size rotation. */
#include "logfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/filemode.h"
#include "lib/fs.h"
#include "lib/utf8.h"
#include "time/clock.h"

#define SECONDS_PER_DAY 86400.0

struct logfile {
    char *path;
    int fd;
    size_t size; /* current length of the file */
    struct logfile_options opt;
    int refs;
    struct logfile *next; /* in open_files */
};

/* Every open log file of the process, so one path has one writer. */
static struct logfile *open_files;

static int open_fd(struct logfile *lf)
{
    struct stat st;

    lf->fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, FILEMODE_FILE);
    if (lf->fd < 0)
        return -1;
    lf->size = fstat(lf->fd, &st) == 0 ? (size_t)st.st_size : 0;
    return 0;
}

static int close_fd(struct logfile *lf)
{
    int rc = 0;

    if (lf->fd >= 0)
        rc = close(lf->fd);
    lf->fd = -1;
    return rc;
}

static void rotated_name(const struct logfile *lf, int n, char *buf, size_t len)
{
    snprintf(buf, len, "%s.%d", lf->path, n);
}

/* Retention: delete rotated files whose last write is older than the
 * configured number of days.  Runs at open and after each rotation, the
 * only moments old files can appear. */
static void expire_rotated(const struct logfile *lf)
{
    char name[PATH_MAX];
    struct stat st;
    double oldest;

    if (lf->opt.retention_days <= 0)
        return;
    oldest = clock_now() - lf->opt.retention_days * SECONDS_PER_DAY;
    for (int i = 1; i <= lf->opt.keep; i++) {
        rotated_name(lf, i, name, sizeof name);
        if (stat(name, &st) == 0 && (double)st.st_mtime < oldest)
            (void)unlink(name); /* already gone is as good as deleted */
    }
}

/* file.N-1 -> file.N … file -> file.1, then a fresh file. */
static int rotate(struct logfile *lf)
{
    char from[PATH_MAX], to[PATH_MAX];

    if (close_fd(lf) != 0)
        return -1;
    if (lf->opt.keep <= 0) {
        if (unlink(lf->path) != 0 && errno != ENOENT)
            return -1;
    } else {
        for (int i = lf->opt.keep - 1; i >= 0; i--) {
            if (i == 0)
                snprintf(from, sizeof from, "%s", lf->path);
            else
                rotated_name(lf, i, from, sizeof from);
            rotated_name(lf, i + 1, to, sizeof to);
            if (rename(from, to) != 0 && errno != ENOENT)
                return -1;
        }
    }
    expire_rotated(lf);
    return open_fd(lf);
}

struct logfile *logfile_open(const char *path, const struct logfile_options *opt, char *err,
                             size_t errlen)
{
    struct logfile *lf;

    for (lf = open_files; lf; lf = lf->next) {
        if (strcmp(lf->path, path) == 0) {
            /* A config reload opens its files again before it closes the
             * old references: the new sizes must take over, not the ones
             * the file was first opened with. */
            lf->opt = *opt;
            expire_rotated(lf);
            lf->refs++;
            return lf;
        }
    }
    lf = calloc(1, sizeof *lf);
    if (!lf || !(lf->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto fail;
    }
    lf->opt = *opt;
    lf->refs = 1;
    if (fs_mkdirs_parent(path, FILEMODE_DIR, NULL, 0) != 0 || open_fd(lf) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    expire_rotated(lf);
    lf->next = open_files;
    open_files = lf;
    return lf;
fail:
    if (lf)
        free(lf->path);
    free(lf);
    return NULL;
}

int logfile_write(struct logfile *lf, const char *data, size_t len)
{
    if (lf->opt.max_size && lf->size > 0 && lf->size + len > lf->opt.max_size &&
        rotate(lf) != 0)
        return -1;
    if (lf->fd < 0 && open_fd(lf) != 0) /* a failed rotation left it closed */
        return -1;
    while (len > 0) {
        ssize_t n = write(lf->fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
        lf->size += (size_t)n;
    }
    return 0;
}

int logfile_reopen(struct logfile *lf)
{
    int rc = close_fd(lf);

    if (open_fd(lf) != 0)
        rc = -1;
    return rc;
}

void logfile_close(struct logfile *lf)
{
    struct logfile **link;

    if (!lf || --lf->refs > 0)
        return;
    for (link = &open_files; *link != lf; link = &(*link)->next)
        ;
    *link = lf->next;
    (void)close_fd(lf); /* nothing left to report a failure to */
    free(lf->path);
    free(lf);
}

void logfile_timestamp(double at, char *buf, size_t len)
{
    time_t secs = (time_t)floor(at);
    int ms = (int)((at - floor(at)) * 1000.0);
    struct tm tm;
    long off;

    if (!localtime_r(&secs, &tm)) {
        snprintf(buf, len, "%.3f", at);
        return;
    }
    off = tm.tm_gmtoff / 60;
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms > 999 ? 999 : ms,
             off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static int set_string(json_t *obj, const char *key, const char *value)
{
    return value ? json_object_set_new(obj, key, utf8_json_string(value, strlen(value))) : 0;
}

static char *format_json(const struct logfile_record *rec, const char *ts, size_t *len)
{
    json_t *obj = json_object();
    char *line = NULL, *grown;

    if (!obj || set_string(obj, "ts", ts) || set_string(obj, "level", rec->level) ||
        set_string(obj, "task", rec->task) || set_string(obj, "title", rec->title) ||
        set_string(obj, "stream", rec->stream) ||
        json_object_set_new(obj, "msg", utf8_json_string(rec->message, rec->message_len)) ||
        (rec->fields && json_object_set(obj, "fields", (json_t *)rec->fields)))
        goto done;
    line = json_dumps(obj, JSON_COMPACT);
    if (!line)
        goto done;
    *len = strlen(line);
    grown = realloc(line, *len + 2);
    if (!grown) {
        free(line);
        line = NULL;
        goto done;
    }
    line = grown;
    line[(*len)++] = '\n';
    line[*len] = '\0';
done:
    json_decref(obj);
    return line;
}

/* A field value as text: bare when it is a plain word, else JSON. */
static void print_value(FILE *out, const json_t *value)
{
    const char *s = json_is_string(value) ? json_string_value(value) : NULL;
    char *dumped;
    bool bare = s && *s;

    for (const char *p = s; bare && *p; p++)
        bare = !isspace((unsigned char)*p) && !iscntrl((unsigned char)*p) && *p != '"' &&
               *p != '=';
    if (bare) {
        utf8_write_escaped(out, s, strlen(s));
        return;
    }
    dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    utf8_write_escaped(out, dumped ? dumped : "?", dumped ? strlen(dumped) : 1);
    free(dumped);
}

/* "message key=value …", escaped as text lines are. */
static void write_message(FILE *out, const char *msg, size_t msg_len, const json_t *fields)
{
    const char *key;
    json_t *value;

    utf8_write_escaped(out, msg, msg_len);
    json_object_foreach((json_t *)fields, key, value)
    {
        fputc(' ', out);
        utf8_write_escaped(out, key, strlen(key));
        fputc('=', out);
        print_value(out, value);
    }
}

/* Close a stream of open_memstream(text, …) and return what it wrote
 * (*text is set by the close), or NULL (freed) when writing failed. */
static char *close_memstream(FILE *out, char **text)
{
    bool failed = ferror(out) != 0;

    if (fclose(out) != 0 || failed) {
        free(*text);
        return NULL;
    }
    return *text;
}

char *logfile_message_text(const char *msg, size_t msg_len, const json_t *fields, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);

    if (!out)
        return NULL;
    write_message(out, msg, msg_len, fields);
    return close_memstream(out, &text);
}

static char *format_text(const struct logfile_record *rec, const char *ts, size_t *len)
{
    const char *word = rec->stream ? rec->stream : rec->level;
    char *line = NULL;
    FILE *out = open_memstream(&line, len);

    if (!out)
        return NULL;
    fprintf(out, "%s ", ts);
    for (const char *p = word; *p; p++)
        fputc(toupper((unsigned char)*p), out);
    if (rec->title) {
        fputs(" [", out);
        utf8_write_escaped(out, rec->title, strlen(rec->title));
        fputc(']', out);
    }
    fputc(' ', out);
    write_message(out, rec->message, rec->message_len, rec->fields);
    fputc('\n', out);
    return close_memstream(out, &line);
}

char *logfile_format(const struct logfile_record *rec, bool json, size_t *len)
{
    char ts[LOGFILE_TIMESTAMP_MAX];

    logfile_timestamp(rec->at, ts, sizeof ts);
    return json ? format_json(rec, ts, len) : format_text(rec, ts, len);
}
