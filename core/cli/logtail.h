/* logtail.h — the end of a log file, and following it as it grows (`main
 * logs TASK [-f] [-n N]`), like tail -F.
 *
 * One open descriptor carries the position from the last lines to the
 * follow, so no line written in between is lost or shown twice.  Following
 * sleeps on the directory's inotify events (libuv's fs_event), never
 * polls; at each event the rest of the open file is printed, then a file
 * renamed away (rotation: NAME.log -> NAME.log.1) or replaced is left for
 * the new one, read from its start, and a truncated file is read again
 * from its start.
 */
#ifndef LOGTAIL_H
#define LOGTAIL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct logtail {
    const char *path; /* the log file; read only during the calls */
    FILE *out;
    int fd; /* -1: the file does not exist (yet) */
    dev_t dev;
    ino_t ino;
    off_t pos; /* what has been printed ends here */
};

/* Open `path` when it exists (t->fd stays -1 when it does not).  0, or -1
 * with a message in err. */
int logtail_open(struct logtail *t, const char *path, FILE *out, char *err, size_t errlen);

/* Print the last `lines` lines of the open file (none when lines is 0 or
 * there is no file) and leave the position at its end.  0 or -1. */
int logtail_last(struct logtail *t, long lines, char *err, size_t errlen);

/* Print what is written to the file from the position on, through
 * rotations, until SIGINT or SIGTERM (0), or a failure (-1).  The file's
 * folder is made (private) when it is missing, so a task that has not
 * logged yet can be followed. */
int logtail_follow(struct logtail *t, char *err, size_t errlen);

void logtail_close(struct logtail *t);

#endif
