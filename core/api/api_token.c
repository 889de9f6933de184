/* api_token.c — reading and making data/api.token (api_token.h). */
#include "api_token.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "lib/fs.h"
#include "log/log.h"

#define TOKEN_MODE 0600

static int token_path(const char *root, char *path, size_t len, char *err, size_t errlen)
{
    if (config_resolve_path(root, API_TOKEN_REL, path, len) != 0) {
        snprintf(err, errlen, "%s/%s: path too long", root, API_TOKEN_REL);
        return -1;
    }
    return 0;
}

int api_token_read(const char *root, char *token, char *err, size_t errlen)
{
    char path[PATH_MAX];
    FILE *f;
    size_t n;

    if (token_path(root, path, sizeof path, err, errlen) != 0)
        return -1;
    if (!(f = fs_open_regular(path))) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, fs_strerror(errno));
        return -1;
    }
    n = fread(token, 1, API_TOKEN_MAX, f);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read it", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r'))
        n--;
    token[n < API_TOKEN_MAX ? n : API_TOKEN_MAX - 1] = '\0';
    if (n != API_TOKEN_MAX - 1 || strspn(token, "0123456789abcdef") != n) {
        snprintf(err, errlen, "%s: expected %d hex digits; remove it to have a new one made",
                 path, API_TOKEN_MAX - 1);
        return -1;
    }
    return 1;
}

/* A fresh token in `path`: written to path.tmp.PID, then linked, so an
 * existing file is never replaced.  1 made, 0 another process won, -1. */
static int make_token(const char *path, char *token, char *err, size_t errlen)
{
    unsigned char random[API_TOKEN_RANDOM_BYTES];
    char tmp[PATH_MAX + 32];
    int fd, rc = -1;

    if (getrandom(random, sizeof random, 0) != (ssize_t)sizeof random) {
        snprintf(err, errlen, "%s: getrandom: %s", path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof random; i++)
        snprintf(token + 2 * i, 3, "%02x", random[i]);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, TOKEN_MODE);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    if (dprintf(fd, "%s\n", token) < 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        close(fd);
        goto done;
    }
    if (close(fd) != 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    if (link(tmp, path) == 0)
        rc = 1;
    else if (errno == EEXIST)
        rc = 0;
    else
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
done:
    if (unlink(tmp) != 0 && errno != ENOENT)
        log_warn("%s: %s", tmp, strerror(errno));
    return rc;
}

/* A token others can read is no secret: say so, and narrow it. */
static int narrow_mode(const char *root, char *err, size_t errlen)
{
    char path[PATH_MAX];
    struct stat sb;

    if (token_path(root, path, sizeof path, err, errlen) != 0)
        return -1;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!(sb.st_mode & 077))
        return 0;
    log_warn("%s: was mode %03o, made 0600", path, (unsigned)(sb.st_mode & 0777));
    if (chmod(path, TOKEN_MODE) != 0) {
        snprintf(err, errlen, "%s: chmod: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int api_token_ensure(const char *root, char *token, char *err, size_t errlen)
{
    char path[PATH_MAX];
    int rc = api_token_read(root, token, err, errlen);

    if (rc == 0) {
        if (token_path(root, path, sizeof path, err, errlen) != 0 ||
            (rc = make_token(path, token, err, errlen)) < 0)
            return -1;
        if (rc == 1) {
            log_info("api: made the local admin token %s", API_TOKEN_REL);
            return 0;
        }
        rc = api_token_read(root, token, err, errlen); /* another process made it */
    }
    return rc < 0 ? -1 : narrow_mode(root, err, errlen);
}
