/* fs.c — mkdir -p, and opening only regular files (fs.h). */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_mkdir(const char *path, mode_t mode)
{
    return mkdir(path, mode) != 0 && errno != EEXIST ? -1 : 0;
}

/* Makes each folder of `path` from the top down, writing NULs into it on
 * the way; on failure `path` is left cut after the folder that failed. */
static int make_each(char *path, mode_t mode)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (fs_mkdir(path, mode) != 0)
            return -1;
        *p = '/';
    }
    return fs_mkdir(path, mode);
}

/* fs_mkdirs for the first `len` bytes of `path`. */
static int make_prefix(const char *path, size_t len, mode_t mode, char *failed,
                       size_t failedlen)
{
    char dir[PATH_MAX];
    int saved;

    if (len == 0 || len >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, path, len);
    dir[len] = '\0';
    if (make_each(dir, mode) == 0)
        return 0;
    saved = errno;
    if (failed)
        snprintf(failed, failedlen, "%s", dir);
    errno = saved;
    return -1;
}

int fs_mkdirs(const char *path, mode_t mode, char *failed, size_t failedlen)
{
    return make_prefix(path, strlen(path), mode, failed, failedlen);
}

int fs_mkdirs_parent(const char *path, mode_t mode, char *failed, size_t failedlen)
{
    const char *slash = strrchr(path, '/');

    if (!slash || slash == path)
        return 0;
    return make_prefix(path, (size_t)(slash - path), mode, failed, failedlen);
}

FILE *fs_open_regular(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    FILE *f;
    int saved;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto fail;
    }
    /* Reading a regular file never blocks; the flag is dropped only so that
     * stdio sees an ordinary descriptor. */
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 || !(f = fdopen(fd, "rb")))
        goto fail;
    return f;
fail:
    saved = errno;
    close(fd);
    errno = saved;
    return NULL;
}

const char *fs_strerror(int err)
{
    return err == EINVAL ? "not a regular file" : strerror(err);
}
