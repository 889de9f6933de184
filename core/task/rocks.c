/* rocks.c — install a task's LuaRocks dependencies into the project's tree
 * and put that tree on a run's package.path (rocks.h).
 *
 * luarocks' command line takes a rock name and an exact version only
 * ("luarocks install x '>= 2.1'" is refused), so the specs are handed to it
 * the way a rock declares them: as the `dependencies` of a throw-away
 * rockspec installed with --deps-only.  luarocks then resolves every
 * constraint itself and skips what the tree already satisfies, in one
 * process for all of a task's specs.
 *
 * The install is one blocking sequence — lock the tree, read the cache,
 * write the rockspec, run luarocks, wait for it, record what it installed —
 * shared by `main check`, `main --task` and the daemon.  The daemon runs it
 * in libuv's thread pool (rocks_ensure_async) rather than with uv_spawn,
 * which would split it into loop callbacks: the worker waits for its own
 * child by pid (waitpid(pid), never -1), which libuv's SIGCHLD handling,
 * reaping only the pids of its uv_process handles, leaves alone.
 */
#include "rocks.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lauxlib.h>

#include "lib/filemode.h"
#include "lib/fs.h"
#include "module.h"
#include "time/clock.h"

#define ROCKS_PROGRAM "luarocks"
#define ROCKS_LUA_VERSION LUA_VERSION_MAJOR "." LUA_VERSION_MINOR
#define ROCKS_CACHE_FILE ".tasksched-installed" /* specs installed, one a line */
#define ROCKS_LOCK_FILE ".tasksched-lock"
#define ROCKS_WORK_DIR ".tasksched-XXXXXX" /* mkdtemp template in the tree */
#define ROCKS_SPEC_FILE "tasksched-deps-0-0.rockspec"
#define ROCKS_MANIFEST_DIR "lib/luarocks/rocks-" ROCKS_LUA_VERSION
#define ROCKS_OUTPUT_MAX 4096 /* tail of luarocks' stderr kept for the message */
#define ROCKS_MESSAGE_LINES 3 /* lines of it quoted in the message */
#define ROCKS_ARGV_MAX 12
#define ROCKS_ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define ROCKS_NAME_CHARS ROCKS_ALNUM "._-/"       /* "namespace/name" */
#define ROCKS_SPEC_CHARS ROCKS_ALNUM " .,_-<>=~!" /* the constraints after it */

extern char **environ;

/* One install: where, from where, what.  Borrowed by rocks_ensure, owned
 * by an async job. */
struct rocks_request {
    char tree[PATH_MAX];
    const char *server; /* "" = luarocks' defaults */
    const struct string_list *specs;
};

/* --- specs and the cache ------------------------------------------------ */

/* A spec becomes a Lua string in the rockspec: only the characters of
 * LuaRocks dependency strings may pass. */
static int check_spec(const char *spec, char *err, size_t errlen)
{
    size_t name = strspn(spec, ROCKS_NAME_CHARS);

    if (name == 0 || !isalnum((unsigned char)spec[0]) ||
        spec[name + strspn(spec + name, ROCKS_SPEC_CHARS)] != '\0') {
        snprintf(err, errlen,
                 "dependency '%s': not a LuaRocks spec such as "
                 "\"name\", \"name 1.0\" or \"name >= 1.0\"",
                 spec);
        return -1;
    }
    return 0;
}

/* The folder luarocks keeps an installed rock's versions in:
 * TREE/lib/luarocks/rocks-5.4/<name, lower case, without a namespace>. */
static bool rock_dir_exists(const char *tree, const char *spec)
{
    size_t len = strspn(spec, ROCKS_NAME_CHARS);
    const char *slash = memchr(spec, '/', len);
    char path[PATH_MAX];
    struct stat st;
    int n;

    if (slash) {
        len -= (size_t)(slash + 1 - spec);
        spec = slash + 1;
    }
    n = snprintf(path, sizeof path, "%s/" ROCKS_MANIFEST_DIR "/%.*s", tree, (int)len, spec);
    if (n < 0 || (size_t)n >= sizeof path)
        return false;
    for (char *p = path + n - len; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Is `spec` a whole line of the cache text? */
static bool cache_lists(const char *cache, const char *spec)
{
    size_t len = strlen(spec);

    for (const char *line = cache; *line; line++) {
        if (strncmp(line, spec, len) == 0 && (line[len] == '\n' || line[len] == '\0'))
            return true;
        if (!(line = strchr(line, '\n')))
            break;
    }
    return false;
}

/* The whole cache file, malloc'd; an empty string when there is none.
 * NULL on a read error (errno set). */
static char *cache_read(const char *tree)
{
    char path[PATH_MAX], *text = NULL;
    size_t len = 0;
    FILE *f;

    if (snprintf(path, sizeof path, "%s/" ROCKS_CACHE_FILE, tree) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? strdup("") : NULL;
    if (getdelim(&text, &len, '\0', f) < 0) {
        bool empty = feof(f);
        free(text);
        text = empty ? strdup("") : NULL;
    }
    (void)fclose(f); /* read-only: nothing is lost */
    return text;
}

static int cache_add(const char *tree, const struct string_list *specs, char *err,
                     size_t errlen)
{
    char path[PATH_MAX];
    FILE *f = NULL;
    int rc = -1;

    if (snprintf(path, sizeof path, "%s/" ROCKS_CACHE_FILE, tree) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        goto fail;
    }
    if (!(f = fopen(path, "ae")))
        goto fail;
    for (size_t i = 0; i < specs->count; i++)
        if (fprintf(f, "%s\n", specs->items[i]) < 0)
            goto fail;
    rc = fclose(f);
    f = NULL;
    if (rc == 0)
        return 0;
fail:
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (f)
        (void)fclose(f); /* the write already failed; that is the report */
    return -1;
}

/* The specs not yet installed, borrowed from `specs` into `missing`. */
static int find_missing(const struct rocks_request *req, struct string_list *missing, char *err,
                        size_t errlen)
{
    char *cache = cache_read(req->tree);

    if (!cache) {
        snprintf(err, errlen, "%s/" ROCKS_CACHE_FILE ": %s", req->tree, strerror(errno));
        return -1;
    }
    missing->count = 0;
    for (size_t i = 0; i < req->specs->count; i++) {
        const char *spec = req->specs->items[i];
        if (!cache_lists(cache, spec) || !rock_dir_exists(req->tree, spec))
            missing->items[missing->count++] = (char *)spec;
    }
    free(cache);
    return 0;
}

/* --- running luarocks --------------------------------------------------- */

static int write_rockspec(const char *path, const struct string_list *specs, char *err,
                          size_t errlen)
{
    FILE *f = fopen(path, "we");
    bool ok = f != NULL;

    if (ok)
        ok = fprintf(f,
                     "-- written by the task scheduler (core/task/rocks.c); removed after use\n"
                     "rockspec_format = \"3.0\"\npackage = \"tasksched-deps\"\n"
                     "version = \"0-0\"\nsource = { url = \"file://.\" }\n"
                     "build = { type = \"none\" }\ndependencies = {\n") >= 0;
    for (size_t i = 0; ok && i < specs->count; i++)
        ok = fprintf(f, "  \"%s\",\n", specs->items[i]) >= 0;
    ok = ok && fprintf(f, "}\n") >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}

/* The last ROCKS_OUTPUT_MAX - 1 bytes of luarocks' stderr. */
struct tail {
    char buf[ROCKS_OUTPUT_MAX];
    size_t len;
};

static void tail_add(struct tail *t, const char *data, size_t n)
{
    size_t room = sizeof t->buf - 1;

    if (n > room) {
        data += n - room;
        n = room;
    }
    if (t->len + n > room) {
        size_t drop = t->len + n - room;
        memmove(t->buf, t->buf + drop, t->len - drop);
        t->len -= drop;
    }
    memcpy(t->buf + t->len, data, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

/* luarocks' last ROCKS_MESSAGE_LINES non-empty lines, trimmed and joined
 * by "; ", starting at its last "Error:" line when one is among them (the
 * lines before it are progress notes).  Cuts t. */
static void tail_message(struct tail *t, char *out, size_t outlen)
{
    char *lines[ROCKS_MESSAGE_LINES], *save = NULL;
    int count = 0, first = 0;
    size_t used = 0;

    for (char *line = strtok_r(t->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len;
        line += strspn(line, " \t");
        len = strlen(line);
        while (len > 0 && isspace((unsigned char)line[len - 1]))
            line[--len] = '\0';
        if (len == 0)
            continue;
        if (count == ROCKS_MESSAGE_LINES) {
            memmove(lines, lines + 1, (ROCKS_MESSAGE_LINES - 1) * sizeof *lines);
            count--;
        }
        lines[count++] = line;
    }
    for (int i = 0; i < count; i++)
        if (strncmp(lines[i], "Error:", strlen("Error:")) == 0)
            first = i;
    snprintf(out, outlen, "%s", count ? "" : "(no output)");
    for (int i = first; i < count && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%s", i > first ? "; " : "",
                                 lines[i]);
}

/* Read the child's stderr into `t` until it closes, or the deadline. */
static int collect_stderr(int fd, struct tail *t, double deadline)
{
    char chunk[ROCKS_OUTPUT_MAX];

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        double left = deadline - clock_monotonic();
        int ready;
        ssize_t n;

        if (left <= 0)
            return -1;
        ready = poll(&p, 1, (int)(left * 1000) + 1);
        if (ready < 0 && errno != EINTR)
            return -1;
        if (ready <= 0)
            continue;
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        tail_add(t, chunk, (size_t)n);
    }
}

static int spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int err_fd)
{
    sigset_t none, deflt;
    int rc;

    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGPIPE);
    if ((rc = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) ||
        (rc = posix_spawn_file_actions_addopen(fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)) ||
        (rc = posix_spawn_file_actions_adddup2(fa, err_fd, STDERR_FILENO)) ||
        (rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                 POSIX_SPAWN_SETSIGDEF)) ||
        (rc = posix_spawnattr_setpgroup(attr, 0)) ||
        (rc = posix_spawnattr_setsigmask(attr, &none)))
        return rc;
    return posix_spawnattr_setsigdefault(attr, &deflt);
}

/* Spawn argv in its own process group (so a timeout kills its unzip or
 * curl too) with stderr on a pipe whose reading end goes to *err_fd;
 * stdout, its progress report, is not needed.  The ignored SIGPIPE (the daemon ignores it) and the signal
 * mask (a libuv worker thread may block signals) are reset: luarocks must
 * see a normal world.  0, or an errno value. */
static int spawn_luarocks(char *const argv[], pid_t *pid, int *err_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int pipefd[2], rc;

    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return errno;
    if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
        goto close_pipe;
    if ((rc = posix_spawnattr_init(&attr)) != 0)
        goto destroy_fa;
    if ((rc = spawn_setup(&fa, &attr, pipefd[1])) == 0)
        rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
destroy_fa:
    posix_spawn_file_actions_destroy(&fa);
close_pipe:
    (void)close(pipefd[1]); /* the child has its own copy */
    if (rc != 0)
        (void)close(pipefd[0]);
    else
        *err_fd = pipefd[0];
    return rc;
}

/* Run luarocks on the rockspec; -1 with its message in err. */
static int run_luarocks(const struct rocks_request *req, const char *rockspec, char *err,
                        size_t errlen)
{
    char *argv[ROCKS_ARGV_MAX], msg[ROCKS_ERR_MAX];
    struct tail tail = {.len = 0};
    int n = 0, fd = -1, status = 0, rc;
    bool finished;
    pid_t pid;

    argv[n++] = ROCKS_PROGRAM;
    argv[n++] = "--lua-version";
    argv[n++] = ROCKS_LUA_VERSION;
    argv[n++] = "--tree";
    argv[n++] = (char *)req->tree;
    if (req->server[0]) {
        argv[n++] = "--only-server";
        argv[n++] = (char *)req->server;
    }
    argv[n++] = "install";
    argv[n++] = "--deps-only";
    argv[n++] = (char *)rockspec;
    argv[n] = NULL;
    rc = spawn_luarocks(argv, &pid, &fd);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s%s", ROCKS_PROGRAM, strerror(rc),
                 rc == ENOENT ? " (install Debian's luarocks package)" : "");
        return -1;
    }
    finished = collect_stderr(fd, &tail, clock_monotonic() + ROCKS_INSTALL_TIMEOUT) == 0;
    (void)close(fd); /* read-only end */
    if (!finished)
        (void)kill(-pid, SIGKILL);
    while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    tail_message(&tail, msg, sizeof msg);
    if (!finished) {
        snprintf(err, errlen, "%s did not finish within %d s and was killed", ROCKS_PROGRAM,
                 ROCKS_INSTALL_TIMEOUT);
        return -1;
    }
    if (rc < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    return 0;
}

/* Install `missing` through a rockspec in a private folder of the tree. */
static int install_missing(const struct rocks_request *req, const struct string_list *missing,
                           char *err, size_t errlen)
{
    char dir[PATH_MAX], rockspec[PATH_MAX], why[ROCKS_ERR_MAX], names[ROCKS_ERR_MAX];
    size_t used = 0;
    int rc = -1;

    if (snprintf(dir, sizeof dir, "%s/" ROCKS_WORK_DIR, req->tree) >= (int)sizeof dir) {
        snprintf(err, errlen, "%s: path too long", req->tree);
        return -1;
    }
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (snprintf(rockspec, sizeof rockspec, "%s/" ROCKS_SPEC_FILE, dir) >=
        (int)sizeof rockspec) {
        snprintf(err, errlen, "%s: path too long", dir);
        goto done;
    }
    if (write_rockspec(rockspec, missing, err, errlen) != 0)
        goto remove;
    if (run_luarocks(req, rockspec, why, sizeof why) == 0) {
        rc = cache_add(req->tree, missing, err, errlen);
        goto remove;
    }
    for (size_t i = 0; i < missing->count && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s'%s'", i ? ", " : "",
                                 missing->items[i]);
    snprintf(err, errlen, "luarocks could not install %s: %s", names, why);
remove:
    (void)unlink(rockspec);
done:
    /* A failed clean-up leaves a stray temporary folder, never a wrong result. */
    (void)rmdir(dir);
    return rc;
}

static int ensure(const struct rocks_request *req, char *err, size_t errlen)
{
    struct string_list missing = {NULL, 0};
    char lock_path[PATH_MAX];
    int lock_fd = -1, locked = -1, rc = -1;

    if (req->specs->count == 0)
        return 0;
    for (size_t i = 0; i < req->specs->count; i++)
        if (check_spec(req->specs->items[i], err, errlen) != 0)
            return -1;
    if (snprintf(lock_path, sizeof lock_path, "%s/" ROCKS_LOCK_FILE, req->tree) >=
        (int)sizeof lock_path) {
        snprintf(err, errlen, "%s: path too long", req->tree);
        return -1;
    }
    if (fs_mkdirs(req->tree, FILEMODE_DIR, NULL, 0) != 0) {
        snprintf(err, errlen, "%s: %s", req->tree, strerror(errno));
        return -1;
    }
    /* flock is per open file: it also serialises this process's threads. */
    if ((lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, FILEMODE_FILE)) >= 0)
        while ((locked = flock(lock_fd, LOCK_EX)) != 0 && errno == EINTR)
            ;
    if (lock_fd < 0 || locked != 0) {
        snprintf(err, errlen, "%s: %s", lock_path, strerror(errno));
        goto fail;
    }
    if (!(missing.items = calloc(req->specs->count, sizeof *missing.items))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (find_missing(req, &missing, err, errlen) != 0)
        goto fail;
    rc = missing.count ? install_missing(req, &missing, err, errlen) : 0;
fail:
    free(missing.items);
    if (lock_fd >= 0)
        (void)close(lock_fd); /* releases the lock */
    return rc;
}

int rocks_tree_path(const struct config *cfg, const char *root, char *tree, size_t len)
{
    return config_resolve_path(root, cfg->dependencies.tree, tree, len);
}

static int request_init(struct rocks_request *req, const struct config *cfg, const char *root,
                        const struct string_list *specs, char *err, size_t errlen)
{
    if (rocks_tree_path(cfg, root, req->tree, sizeof req->tree) != 0) {
        snprintf(err, errlen, "dependencies.tree: path too long");
        return -1;
    }
    req->server = cfg->dependencies.server;
    req->specs = specs;
    return 0;
}

int rocks_ensure(const struct config *cfg, const char *root, const struct string_list *specs,
                 char *err, size_t errlen)
{
    struct rocks_request req;

    if (request_init(&req, cfg, root, specs, err, errlen) != 0)
        return -1;
    return ensure(&req, err, errlen);
}

/* --- in the thread pool ------------------------------------------------- */

struct rocks_job {
    uv_work_t work;
    struct rocks_request req; /* server and specs point into the job */
    char *server;
    struct string_list specs;
    rocks_done_fn *done;
    void *data;
    int status;
    char err[ROCKS_ERR_MAX];
};

static void job_free(struct rocks_job *job)
{
    for (size_t i = 0; i < job->specs.count; i++)
        free(job->specs.items[i]);
    free(job->specs.items);
    free(job->server);
    free(job);
}

static void job_work(uv_work_t *work)
{
    struct rocks_job *job = work->data;

    job->status = ensure(&job->req, job->err, sizeof job->err);
}

static void job_after(uv_work_t *work, int status)
{
    struct rocks_job *job = work->data;

    if (status != 0) {
        job->status = -1;
        snprintf(job->err, sizeof job->err, "installing dependencies: %s", uv_strerror(status));
    }
    job->done(job->data, job->status, job->status ? job->err : NULL);
    job_free(job);
}

int rocks_ensure_async(uv_loop_t *loop, const struct config *cfg, const char *root,
                       const struct string_list *specs, rocks_done_fn *done, void *data,
                       char *err, size_t errlen)
{
    struct rocks_job *job = calloc(1, sizeof *job);
    int rc;

    if (!job || !(job->server = strdup(cfg->dependencies.server)) ||
        (specs->count && !(job->specs.items = calloc(specs->count, sizeof(char *)))))
        goto oom;
    for (; job->specs.count < specs->count; job->specs.count++)
        if (!(job->specs.items[job->specs.count] = strdup(specs->items[job->specs.count])))
            goto oom;
    if (request_init(&job->req, cfg, root, &job->specs, err, errlen) != 0)
        goto fail;
    job->req.server = job->server;
    job->done = done;
    job->data = data;
    job->work.data = job;
    rc = uv_queue_work(loop, &job->work, job_work, job_after);
    if (rc == 0)
        return 0;
    snprintf(err, errlen, "installing dependencies: %s", uv_strerror(rc));
    goto fail;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    if (job)
        job_free(job);
    return -1;
}

/* --- a run's package.path ----------------------------------------------- */

int rocks_paths(const char *tree, char *path, size_t pathlen, char *cpath, size_t cpathlen)
{
    int n = snprintf(path, pathlen, "%s/share/lua/%s/?.lua;%s/share/lua/%s/?/init.lua", tree,
                     ROCKS_LUA_VERSION, tree, ROCKS_LUA_VERSION);
    int m = snprintf(cpath, cpathlen, "%s/lib/lua/%s/?.so", tree, ROCKS_LUA_VERSION);

    return n < 0 || (size_t)n >= pathlen || m < 0 || (size_t)m >= cpathlen ? -1 : 0;
}

int rocks_open_tree(lua_State *L, const char *tree, char *err, size_t errlen)
{
    char path[ROCKS_PATHS_MAX], cpath[ROCKS_PATHS_MAX];

    if (rocks_paths(tree, path, sizeof path, cpath, sizeof cpath) != 0) {
        snprintf(err, errlen, "dependencies.tree: path too long");
        return -1;
    }
    return module_prepend(L, path, cpath, err, errlen);
}
