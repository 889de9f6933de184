/* fs.c — mkdir -p (fs.h). */
#include "fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
