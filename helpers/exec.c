/* exec.c — the `exec` helper module: run a program, collect its output.
 *
 *   exec.run{ "git", "status", cwd=, env=, stdin=, timeout=, max_output= }
 *   exec.shell("cmd | string", opts)     /bin/sh -c, only when asked for
 *   exec.script(path, {args}, opts)      by its #! line
 *     -> { code, signal, stdout, stderr, duration, timed_out, truncated }
 *     |  nil, "exec.run: git: No such file or directory"
 *
 * No shell unless asked for: fork and execvp.  The child leads its own
 * process group, so a timeout can SIGTERM, then SIGKILL, everything it
 * started; it stays in the run's session, which is how the daemon finds
 * what it leaves behind when the run ends (core/run/session.h).  Plain POSIX
 * and poll(), no event loop: this runs inside a run process, whose Lua
 * code waits for the result anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "helpers.h"
#include "luabox.h"
#include "luaopt.h"

extern char **environ;

#define PROC_MT "exec.process"
#define DEFAULT_MAX_OUTPUT (1024 * 1024) /* bytes kept per stream */
#define KILL_GRACE \
    1.0 /* seconds from SIGTERM to SIGKILL, and from
                                 SIGKILL to giving up on the pipes */
#define READ_CHUNK 65536
#define SHEBANG_MAX 256
#define ERR_MAX 512
#define EXIT_EXEC_FAILED 127   /* the child's status when exec failed ... */
#define EXIT_REPORT_FAILED 126 /* ... and could not even say why */

enum { OUT, ERR, NSTREAMS };
enum stage { STAGE_SETUP, STAGE_CHDIR, STAGE_EXEC };

/* What the child writes to the report pipe when it cannot exec. */
struct child_error {
    enum stage stage;
    int err;
};

struct command {
    char **argv;
    char **envp; /* NULL: inherit ours */
    const char *cwd;
    const char *input; /* NULL: empty stdin */
    size_t input_len;
    double timeout; /* seconds, 0 for none */
    size_t max_output;
};

struct stream {
    int fd; /* -1 once at EOF */
    char *data;
    size_t len, cap;
    int truncated;
};

/* A running child and the parent's ends of its pipes.  A userdata, so that
 * an error unwinding the stack still kills, reaps and closes (proc_close). */
struct proc {
    pid_t pid; /* -1 once reaped */
    int pidfd; /* readable when the child exits */
    int in_fd;
    size_t in_done;
    struct stream streams[NSTREAMS];
    int status;
    int timed_out;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd); /* nothing to do about a failed close of a pipe end */
    *fd = -1;
}

/* Formats "what: strerror(errno)" into err; returns -1 to pass on. */
static int sys_fail(char *err, size_t len, const char *what)
{
    snprintf(err, len, "%s: %s", what, strerror(errno));
    return -1;
}

static pid_t reap(pid_t pid, int *status, int flags)
{
    pid_t r;

    while ((r = waitpid(pid, status, flags)) < 0 && errno == EINTR)
        ;
    return r;
}

static void proc_close(struct proc *p)
{
    if (p->pid > 0) {
        kill(-p->pid, SIGKILL);
        reap(p->pid, &p->status, 0);
        p->pid = -1;
    }
    close_fd(&p->pidfd);
    close_fd(&p->in_fd);
    for (int i = 0; i < NSTREAMS; i++) {
        close_fd(&p->streams[i].fd);
        free(p->streams[i].data);
        p->streams[i].data = NULL;
    }
}

static int proc_gc(lua_State *L)
{
    proc_close(luaL_checkudata(L, 1, PROC_MT));
    return 0;
}

static struct proc *proc_new(lua_State *L)
{
    struct proc *p = luabox_new(L, sizeof *p, PROC_MT, proc_gc);

    p->pid = -1;
    p->pidfd = p->in_fd = -1;
    for (int i = 0; i < NSTREAMS; i++)
        p->streams[i].fd = -1;
    return p;
}

/* Pushes a userdata holding the NULL-terminated argv: `prefix`, then the
 * strings of the list at index `list` (0 for none), blamed on argument
 * `arg`.  The strings stay referenced by the caller's arguments. */
static char **push_argv(lua_State *L, const char *const *prefix, int nprefix, int list, int arg)
{
    lua_Integer n = list ? (lua_Integer)lua_rawlen(L, list) : 0;
    char **argv;

    luaL_argcheck(L, nprefix + n > 0, arg, "command expected");
    argv = lua_newuserdatauv(L, (size_t)(nprefix + n + 1) * sizeof *argv, 0);
    for (int i = 0; i < nprefix; i++)
        argv[i] = (char *)prefix[i];
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, list, i) != LUA_TSTRING)
            luaL_argerror(L, arg,
                          lua_pushfstring(L, "element %d: string expected, got %s", (int)i,
                                          luaL_typename(L, -1)));
        argv[nprefix + i - 1] = (char *)lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    argv[nprefix + n] = NULL;
    return argv;
}

/* The child's environment: ours with opts.env merged over it (a value of
 * false removes the variable), or NULL when there is no opts.env.  Leaves
 * the env table, a table anchoring the new "K=V" strings and the array on
 * the stack. */
static char **push_env(lua_State *L, int opts)
{
    size_t n = 0, count = 0;
    char **envp;
    int env, anchor;

    if (!luaopt_subtable(L, opts, "env"))
        return NULL;
    env = lua_gettop(L);
    lua_newtable(L);
    anchor = lua_gettop(L);
    while (environ[n])
        n++;
    for (lua_pushnil(L); lua_next(L, env); lua_pop(L, 1))
        count++;
    envp = lua_newuserdatauv(L, (n + count + 1) * sizeof *envp, 0);
    count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');

        lua_pushlstring(L, environ[i], eq ? (size_t)(eq - environ[i]) : strlen(environ[i]));
        if (lua_rawget(L, env) == LUA_TNIL)
            envp[count++] = environ[i];
        lua_pop(L, 1);
    }
    for (lua_pushnil(L); lua_next(L, env); lua_pop(L, 1)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;

        if (!key || !*key || strchr(key, '='))
            luaL_argerror(L, opts, "field 'env': keys must be variable names");
        if (lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1))
            continue;
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, opts,
                          lua_pushfstring(L,
                                          "field 'env': value of '%s': "
                                          "string or false expected, got %s",
                                          key, luaL_typename(L, -1)));
        lua_pushfstring(L, "%s=%s", key, lua_tostring(L, -1));
        envp[count++] = (char *)lua_tostring(L, -1);
        lua_rawseti(L, anchor, (lua_Integer)count);
    }
    envp[count] = NULL;
    return envp;
}

/* Makes `from` the child's descriptor `to`, open across exec. */
static int move_fd(int from, int to)
{
    if (from == to)
        return fcntl(to, F_SETFD, 0);
    return dup2(from, to) < 0 ? -1 : 0;
}

/* In the child between fork and exec: only async-signal-safe calls.  The
 * signal mask and ignored signals survive exec, so both are reset: the run
 * process may block or ignore signals (SIGPIPE) that the command must see. */
static void child(const struct command *cmd, const int stdio[3], int report)
{
    struct child_error ce = {STAGE_SETUP, 0};
    struct sigaction dfl;
    sigset_t none;

    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL); /* fails harmlessly for SIGKILL, SIGSTOP */
    sigemptyset(&none);
    if (setpgid(0, 0) != 0 || sigprocmask(SIG_SETMASK, &none, NULL) != 0 ||
        move_fd(stdio[0], STDIN_FILENO) != 0 || move_fd(stdio[1], STDOUT_FILENO) != 0 ||
        move_fd(stdio[2], STDERR_FILENO) != 0)
        goto fail;
    ce.stage = STAGE_CHDIR;
    if (cmd->cwd && chdir(cmd->cwd) != 0)
        goto fail;
    ce.stage = STAGE_EXEC;
    if (cmd->envp)
        execvpe(cmd->argv[0], cmd->argv, cmd->envp);
    else
        execvp(cmd->argv[0], cmd->argv);
fail:
    ce.err = errno;
    _exit(write(report, &ce, sizeof ce) == sizeof ce ? EXIT_EXEC_FAILED : EXIT_REPORT_FAILED);
}

static void describe_child_error(const struct command *cmd, const struct child_error *ce,
                                 char *err, size_t len)
{
    const char *what = ce->stage == STAGE_EXEC    ? cmd->argv[0]
                       : ce->stage == STAGE_CHDIR ? cmd->cwd
                                                  : "setting up the child";

    snprintf(err, len, "%s: %s", what, strerror(ce->err));
}

/* Starts the child.  Afterwards p owns the parent's ends of the pipes and
 * the child; a failure to exec is reported by the child through a CLOEXEC
 * pipe, which simply closes when exec succeeds. */
static int spawn(struct proc *p, const struct command *cmd, char *err, size_t len)
{
    enum { PIPE_IN, PIPE_OUT, PIPE_ERR, PIPE_REPORT, NPIPES };
    int pipes[NPIPES][2];
    struct child_error ce;
    ssize_t n;
    int rc = -1;

    for (int i = 0; i < NPIPES; i++)
        pipes[i][0] = pipes[i][1] = -1;
    for (int i = 0; i < NPIPES; i++)
        if (pipe2(pipes[i], O_CLOEXEC) != 0) {
            sys_fail(err, len, "pipe");
            goto done;
        }
    if ((p->pid = fork()) < 0) {
        sys_fail(err, len, "fork");
        goto done;
    }
    if (p->pid == 0)
        child(cmd, (const int[]){pipes[PIPE_IN][0], pipes[PIPE_OUT][1], pipes[PIPE_ERR][1]},
              pipes[PIPE_REPORT][1]);
    /* The child does the same; doing it here too means the group exists
     * before we could need to signal it.  EACCES once it has exec'd is fine. */
    setpgid(p->pid, p->pid);
    p->in_fd = pipes[PIPE_IN][1];
    p->streams[OUT].fd = pipes[PIPE_OUT][0];
    p->streams[ERR].fd = pipes[PIPE_ERR][0];
    pipes[PIPE_IN][1] = pipes[PIPE_OUT][0] = pipes[PIPE_ERR][0] = -1;
    close_fd(&pipes[PIPE_REPORT][1]);
    while ((n = read(pipes[PIPE_REPORT][0], &ce, sizeof ce)) < 0 && errno == EINTR)
        ;
    if (n == sizeof ce) {
        reap(p->pid, &p->status, 0);
        p->pid = -1;
        describe_child_error(cmd, &ce, err, len);
        goto done;
    }
    if ((p->pidfd = pidfd_open(p->pid, 0)) < 0) {
        sys_fail(err, len, "pidfd_open");
        goto done;
    }
    rc = 0;
done:
    for (int i = 0; i < NPIPES; i++) {
        close_fd(&pipes[i][0]);
        close_fd(&pipes[i][1]);
    }
    return rc;
}

/* Reads what is available on s, keeping at most `max` bytes in all and
 * discarding the rest, so a chatty child never blocks on a full pipe. */
static int drain(struct stream *s, size_t max)
{
    char buf[READ_CHUNK];
    ssize_t n = read(s->fd, buf, sizeof buf);
    size_t keep;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0) {
        close_fd(&s->fd);
        return 0;
    }
    keep = (size_t)n < max - s->len ? (size_t)n : max - s->len;
    s->truncated |= keep < (size_t)n;
    if (s->len + keep > s->cap) {
        size_t cap = s->cap ? s->cap : READ_CHUNK;
        char *data;

        while (cap < s->len + keep)
            cap *= 2;
        if (!(data = realloc(s->data, cap)))
            return -1;
        s->data = data;
        s->cap = cap;
    }
    memcpy(s->data + s->len, buf, keep);
    s->len += keep;
    return 0;
}

/* Writes the next piece of stdin; closes it when done or when the child
 * stopped reading (EPIPE: SIGPIPE is ignored meanwhile, see execute). */
static void feed(struct proc *p, const struct command *cmd)
{
    ssize_t n = write(p->in_fd, cmd->input + p->in_done, cmd->input_len - p->in_done);

    if (n > 0)
        p->in_done += (size_t)n;
    if ((n < 0 && errno != EINTR && errno != EAGAIN) || p->in_done == cmd->input_len)
        close_fd(&p->in_fd);
}

static int streams_open(const struct proc *p)
{
    return p->streams[OUT].fd >= 0 || p->streams[ERR].fd >= 0;
}

/* Feeds stdin and drains stdout and stderr until both reach EOF and the
 * child has exited.  At the timeout the whole group gets SIGTERM, then
 * SIGKILL after KILL_GRACE; after another KILL_GRACE we stop waiting for
 * pipes that a process outside the group still holds open. */
static int communicate(struct proc *p, const struct command *cmd, char *err, size_t len)
{
    static const int escalation[] = {SIGTERM, SIGKILL};
    double deadline = cmd->timeout > 0 ? now() + cmd->timeout : INFINITY;
    const pid_t group = p->pid;
    size_t step = 0;

    if (!cmd->input || cmd->input_len == 0)
        close_fd(&p->in_fd);
    else if (fcntl(p->in_fd, F_SETFL, O_NONBLOCK) != 0)
        return sys_fail(err, len, "fcntl");
    while (p->pid > 0 || streams_open(p)) {
        struct pollfd fds[NSTREAMS + 2];
        nfds_t nfds = 0;
        double t = now();
        int ms = -1;

        if (t >= deadline) {
            if (step == sizeof escalation / sizeof escalation[0])
                break;
            p->timed_out = 1;
            kill(-group, escalation[step++]); /* ESRCH: all gone already */
            deadline = t + KILL_GRACE;
            continue;
        }
        if (deadline < INFINITY)
            ms = (int)fmin(ceil((deadline - t) * 1000), INT_MAX);
        for (int i = 0; i < NSTREAMS; i++)
            fds[nfds++] = (struct pollfd){.fd = p->streams[i].fd, .events = POLLIN};
        fds[nfds++] = (struct pollfd){.fd = p->in_fd, .events = POLLOUT};
        fds[nfds++] = (struct pollfd){.fd = p->pid > 0 ? p->pidfd : -1, .events = POLLIN};
        if (poll(fds, nfds, ms) < 0) { /* poll skips the entries whose fd is -1 */
            if (errno == EINTR)
                continue;
            return sys_fail(err, len, "poll");
        }
        for (int i = 0; i < NSTREAMS; i++)
            if (fds[i].revents && drain(&p->streams[i], cmd->max_output) != 0)
                return sys_fail(err, len, "realloc");
        if (fds[NSTREAMS].revents)
            feed(p, cmd);
        if (fds[NSTREAMS + 1].revents && reap(p->pid, &p->status, WNOHANG) == p->pid)
            p->pid = -1;
    }
    if (p->pid > 0 && reap(p->pid, &p->status, 0) == p->pid)
        p->pid = -1;
    return 0;
}

static void push_stream(lua_State *L, const struct stream *s, const char *name)
{
    lua_pushlstring(L, s->data ? s->data : "", s->len);
    lua_setfield(L, -2, name);
}

static void push_result(lua_State *L, const struct proc *p, double duration)
{
    lua_createtable(L, 0, 7);
    if (WIFEXITED(p->status)) {
        lua_pushinteger(L, WEXITSTATUS(p->status));
        lua_setfield(L, -2, "code");
    } else if (WIFSIGNALED(p->status)) {
        lua_pushinteger(L, WTERMSIG(p->status));
        lua_setfield(L, -2, "signal");
    }
    push_stream(L, &p->streams[OUT], "stdout");
    push_stream(L, &p->streams[ERR], "stderr");
    lua_pushnumber(L, duration);
    lua_setfield(L, -2, "duration");
    lua_pushboolean(L, p->timed_out);
    lua_setfield(L, -2, "timed_out");
    lua_pushboolean(L, p->streams[OUT].truncated || p->streams[ERR].truncated);
    lua_setfield(L, -2, "truncated");
}

/* Runs prefix + the list at `list` (blamed on argument `arg`) with the
 * options table at `opts` (0 for none); pushes the result table, or
 * nil and "fname: why". */
static int execute(lua_State *L, const char *fname, const char *const *prefix, int nprefix,
                   int list, int arg, int opts)
{
    struct command cmd;
    struct sigaction ignore, old;
    lua_Integer max;
    char err[ERR_MAX];
    struct proc *p;
    double start;
    int rc;

    cmd.argv = push_argv(L, prefix, nprefix, list, arg);
    cmd.envp = push_env(L, opts);
    cmd.cwd = luaopt_string(L, opts, "cwd", NULL, NULL);
    cmd.input = luaopt_string(L, opts, "stdin", NULL, &cmd.input_len);
    cmd.timeout = luaopt_number(L, opts, "timeout", 0);
    max = luaopt_integer(L, opts, "max_output", DEFAULT_MAX_OUTPUT);
    luaL_argcheck(L, cmd.timeout >= 0, opts, "field 'timeout' must not be negative");
    luaL_argcheck(L, max >= 0, opts, "field 'max_output' must not be negative");
    cmd.max_output = (size_t)max;

    p = proc_new(L);
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old);
    start = now();
    rc = spawn(p, &cmd, err, sizeof err) == 0 ? communicate(p, &cmd, err, sizeof err) : -1;
    sigaction(SIGPIPE, &old, NULL);
    if (rc != 0) {
        proc_close(p);
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", fname, err);
        return 2;
    }
    push_result(L, p, now() - start);
    proc_close(p);
    return 1;
}

static int exec_run(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    return execute(L, "exec.run", NULL, 0, 1, 1, 1);
}

static int exec_shell(lua_State *L)
{
    const char *argv[] = {"/bin/sh", "-c", luaL_checkstring(L, 1)};

    return execute(L, "exec.shell", argv, 3, 0, 1, luaopt_table(L, 2));
}

/* Finds the interpreter (and its one optional argument, as Linux passes
 * it) on the #! line of the file at path; both point into line. */
static int read_shebang(const char *path, char line[SHEBANG_MAX], char **interp, char **arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    char *end;

    if (fd < 0)
        return -1;
    n = read(fd, line, SHEBANG_MAX - 1);
    if (close(fd) != 0 || n < 0)
        return -1;
    line[n] = '\0';
    if (strncmp(line, "#!", 2) != 0) {
        errno = ENOEXEC;
        return -1;
    }
    line[strcspn(line, "\n")] = '\0';
    *interp = line + 2 + strspn(line + 2, " \t");
    end = *interp + strcspn(*interp, " \t");
    *arg = end + strspn(end, " \t");
    *end = '\0';
    for (end = *arg + strlen(*arg); end > *arg && strchr(" \t\r", end[-1]); end--)
        end[-1] = '\0';
    if (!**interp) {
        errno = ENOEXEC;
        return -1;
    }
    if (!**arg)
        *arg = NULL;
    return 0;
}

static int script_fail(lua_State *L, const char *path, const char *why)
{
    luaL_pushfail(L);
    lua_pushfstring(L, "exec.script: %s: %s", path, why);
    return 2;
}

static int exec_script(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int args = luaopt_table(L, 2), opts = luaopt_table(L, 3), nprefix = 0;
    char resolved[PATH_MAX], line[SHEBANG_MAX];
    const char *prefix[3];
    char *interp, *arg;

    /* Absolute, so that neither PATH nor opts.cwd changes which file runs. */
    if (!realpath(path, resolved))
        return script_fail(L, path, strerror(errno));
    if (access(resolved, X_OK) != 0) {
        if (read_shebang(resolved, line, &interp, &arg) != 0)
            return script_fail(
                L, path, errno == ENOEXEC ? "not executable and no #! line" : strerror(errno));
        prefix[nprefix++] = interp;
        if (arg)
            prefix[nprefix++] = arg;
    }
    prefix[nprefix++] = resolved;
    return execute(L, "exec.script", prefix, nprefix, args, 2, opts);
}

static const luaL_Reg funcs[] = {
    {"run", exec_run}, {"shell", exec_shell}, {"script", exec_script}, {NULL, NULL}};

int luaopen_exec(lua_State *L)
{
    luaL_newlib(L, funcs);
    return 1;
}
