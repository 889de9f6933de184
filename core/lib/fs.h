/* fs.h — making directories: the one mkdir -p of the program (the log
 * folders, data/ and logs/ of the root, the database's folder, backups,
 * rocks trees); and opening the files the daemon reads (task files,
 * config.yaml, zone files) so that none of them can block it.
 *
 * Every caller chooses the mode of what it makes, and words its own
 * message from errno; an existing directory is never a failure.
 */
#ifndef FS_H
#define FS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* mkdir `path` with `mode` (its parent must exist).  0, or -1 with errno
 * set. */
int fs_mkdir(const char *path, mode_t mode);

/* mkdir -p: `path` and each missing folder above it, made with `mode`.
 * 0, or -1 with errno set (ENAMETOOLONG for an empty path or one of
 * PATH_MAX bytes or more); then, when `failed` is not NULL, it holds the
 * directory that could not be made (`failedlen` bytes). */
int fs_mkdirs(const char *path, mode_t mode, char *failed, size_t failedlen);

/* fs_mkdirs for the folder the file `path` is in: nothing to do when it
 * names none ("name") or the root ("/name"). */
int fs_mkdirs_parent(const char *path, mode_t mode, char *failed, size_t failedlen);

/* Open `path` for reading when it is a regular file.  It is opened without
 * blocking, so a FIFO or a device where a file is expected is refused at
 * once (errno EINVAL; fs_strerror says "not a regular file") instead of
 * stalling the reader.  A stream, or NULL with errno set. */
FILE *fs_open_regular(const char *path);

/* strerror, with EINVAL from fs_open_regular worded for the user. */
const char *fs_strerror(int err);

#endif
