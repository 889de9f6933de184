/* strictmodes.c — the StrictModes check of data/ and logs/, and the
 * narrowing of their modes (strictmodes.h).  Runs at start, before the
 * loop and its worker threads: getpwuid() and friends are safe here. */
#include "strictmodes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datawatch.h"
#include "lib/filemode.h"
#include "log/log.h"

#define STRICTMODES_LOGS "logs"
#define STRICTMODES_SECRETS "config/secrets.yaml"
#define STRICTMODES_LINES_MAX 20 /* lines logged one by one; the rest are counted */
#define STRICTMODES_DEPTH_MAX 32 /* folder nesting followed below data/ and logs/ */
#define STRICTMODES_USER_MAX 64  /* "name (uid N)" */
#define STRICTMODES_LINE_MAX (PATH_MAX + 128)
#define STRICTMODES_OPTION "scheduler.strict_modes: false"

static const char *const folders[] = {DATAWATCH_NAME, STRICTMODES_LOGS};
static const char *const db_suffixes[] = {"", "-wal", "-shm"};

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

static int join(char *buf, size_t len, const char *dir, const char *name, char *err,
                size_t errlen)
{
    if (snprintf(buf, len, "%s/%s", dir, name) < (int)len)
        return 0;
    snprintf(err, errlen, "%s/%s: path too long", dir, name);
    return -1;
}

/* ---- the check ---------------------------------------------------------- */

static void user_name(uid_t uid, char *buf, size_t len)
{
    const struct passwd *pw = getpwuid(uid);

    if (pw)
        snprintf(buf, len, "%s (uid %ld)", pw->pw_name, (long)uid);
    else
        snprintf(buf, len, "uid %ld", (long)uid);
}

/* The owner's own group: its primary group, listing no one else. */
static bool owners_group(const struct stat *st)
{
    const struct passwd *pw = getpwuid(st->st_uid);
    const struct group *gr;

    if (!pw || pw->pw_gid != st->st_gid || !(gr = getgrgid(st->st_gid)))
        return false;
    for (char *const *member = gr->gr_mem; *member; member++)
        if (strcmp(*member, pw->pw_name) != 0)
            return false;
    return true;
}

static int check_folder(const char *root, const char *name, char *err, size_t errlen)
{
    char path[PATH_MAX], owner[STRICTMODES_USER_MAX], self[STRICTMODES_USER_MAX];
    mode_t writable;
    struct stat st;

    if (join(path, sizeof path, root, name, err, errlen) != 0)
        return -1;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a folder", path);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        user_name(st.st_uid, owner, sizeof owner);
        user_name(geteuid(), self, sizeof self);
        snprintf(err, errlen,
                 "%s: owned by %s, not by %s, the user the daemon runs as: its owner could "
                 "put files there for the daemon to trust; chown it, or set " STRICTMODES_OPTION
                 " to start anyway",
                 path, owner, self);
        return -1;
    }
    writable = st.st_mode & (S_IWGRP | S_IWOTH);
    if (writable == S_IWGRP && owners_group(&st))
        writable = 0;
    if (writable) {
        snprintf(err, errlen,
                 "%s: writable by %s (mode %04o): another user may have put files in it; "
                 "check what it holds, then chmod 700 %s, or set " STRICTMODES_OPTION
                 " to start anyway",
                 path, writable & S_IWOTH ? "others" : "its group",
                 (unsigned)(st.st_mode & ALLPERMS), path);
        return -1;
    }
    return 0;
}

int strictmodes_check(const char *root, char *err, size_t errlen)
{
    for (size_t i = 0; i < COUNT(folders); i++)
        if (check_folder(root, folders[i], err, errlen) != 0)
            return -1;
    return 0;
}

/* ---- narrowing ---------------------------------------------------------- */

struct narrowing {
    const char *root;
    size_t root_len;
    dev_t dev; /* the folder walked: mounts below it are not ours */
    int lines; /* lines logged, and those left unsaid past the limit */
};

/* `path` as the log shows it: relative to the root when under it. */
static const char *shown(const struct narrowing *n, const char *path)
{
    if (strncmp(path, n->root, n->root_len) == 0 && path[n->root_len] == '/')
        return path + n->root_len + 1;
    return path;
}

static void say(struct narrowing *n, const char *line)
{
    if (n->lines++ < STRICTMODES_LINES_MAX)
        log_warn("%s", line);
}

/* Who could reach an entry through its group and other bits `open`. */
static const char *exposure(mode_t open)
{
    if (open & S_IWOTH)
        return "writable by others";
    if (open & S_IROTH)
        return "readable by others";
    if (open & S_IXOTH)
        return "open to others";
    if (open & S_IWGRP)
        return "writable by its group";
    return open & S_IRGRP ? "readable by its group" : "open to its group";
}

/* Take the group and other bits from `name` in dirfd (`path` in full),
 * saying so.  0 (also when there was nothing to take), or -1 with errno. */
static int narrow_entry(struct narrowing *n, int dirfd, const char *name, const char *path,
                        const struct stat *st)
{
    mode_t mode = st->st_mode & ALLPERMS, want = mode & ~(mode_t)FILEMODE_UMASK;
    char line[STRICTMODES_LINE_MAX];

    if (mode == want)
        return 0;
    if (fchmodat(dirfd, name, want, 0) != 0)
        return -1;
    snprintf(line, sizeof line, "%s%s: mode %04o -> %04o (was %s)", shown(n, path),
             S_ISDIR(st->st_mode) ? "/" : "", (unsigned)mode, (unsigned)want,
             exposure(mode & FILEMODE_UMASK));
    say(n, line);
    return 0;
}

static void say_left(struct narrowing *n, const char *path, const struct stat *st)
{
    char line[STRICTMODES_LINE_MAX];

    snprintf(line, sizeof line, "%s: mode %04o left as it is: %s", shown(n, path),
             (unsigned)(st->st_mode & ALLPERMS), strerror(errno));
    say(n, line);
}

/* Every file and folder below the folder open as `fd`, named `path` (a
 * PATH_MAX buffer, extended on the way down and restored).  Symbolic
 * links, sockets and other mounts are left alone. */
static void narrow_below(struct narrowing *n, int fd, char *path, int depth)
{
    size_t len = strlen(path);
    DIR *d = fdopendir(fd);
    struct dirent *de;

    if (!d) {
        log_warn("%s: %s", shown(n, path), strerror(errno));
        close(fd);
        return;
    }
    while ((de = readdir(d))) {
        struct stat st;
        int child;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            snprintf(path + len, PATH_MAX - len, "/%s", de->d_name) >= (int)(PATH_MAX - len) ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            st.st_dev != n->dev || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
            continue; /* too long to name, gone meanwhile, or not ours to change */
        if (narrow_entry(n, dirfd(d), de->d_name, path, &st) != 0)
            say_left(n, path, &st);
        if (!S_ISDIR(st.st_mode) || depth >= STRICTMODES_DEPTH_MAX)
            continue;
        child = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child >= 0)
            narrow_below(n, child, path, depth + 1);
        else
            log_warn("%s: %s", shown(n, path), strerror(errno));
    }
    path[len] = '\0';
    (void)closedir(d); /* read-only: nothing to lose */
}

static int narrow_folder(struct narrowing *n, const char *name, char *err, size_t errlen)
{
    char path[PATH_MAX];
    struct stat st;
    int fd;

    if (join(path, sizeof path, n->root, name, err, errlen) != 0)
        return -1;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (narrow_entry(n, AT_FDCWD, path, path, &st) != 0) {
        snprintf(err, errlen,
                 "%s: mode %04o lets other users in, and it cannot be changed: %s; make it "
                 "0700, or set " STRICTMODES_OPTION " to start anyway",
                 path, (unsigned)(st.st_mode & ALLPERMS), strerror(errno));
        return -1;
    }
    n->dev = st.st_dev;
    if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        log_warn("%s: %s", shown(n, path), strerror(errno));
    else
        narrow_below(n, fd, path, 1);
    return 0;
}

/* A file that may live anywhere; a missing one is fine. */
static void narrow_file(struct narrowing *n, const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0) {
        if (errno != ENOENT)
            log_warn("%s: %s", shown(n, path), strerror(errno));
        return;
    }
    if (S_ISREG(st.st_mode) && narrow_entry(n, AT_FDCWD, path, path, &st) != 0)
        say_left(n, path, &st);
}

int strictmodes_narrow(const char *root, const char *db_path, char *err, size_t errlen)
{
    struct narrowing n = {.root = root, .root_len = strlen(root)};
    char path[PATH_MAX];

    for (size_t i = 0; i < COUNT(folders); i++)
        if (narrow_folder(&n, folders[i], err, errlen) != 0)
            return -1;
    /* Under data/ they were seen already, and nothing is left to take. */
    for (size_t i = 0; i < COUNT(db_suffixes); i++) {
        if (snprintf(path, sizeof path, "%s%s", db_path, db_suffixes[i]) < (int)sizeof path)
            narrow_file(&n, path);
    }
    if (join(path, sizeof path, root, STRICTMODES_SECRETS, err, errlen) != 0)
        return -1;
    narrow_file(&n, path);
    if (n.lines > STRICTMODES_LINES_MAX)
        log_warn("%d more lines like these left unsaid (file modes narrowed at start)",
                 n.lines - STRICTMODES_LINES_MAX);
    return 0;
}
