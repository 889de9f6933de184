/* runner.c — the run process: `main __run` (runner_main).
 *
 * It reads its request from fd 3, takes the identity of the task's user
 * when the request names one, checks the task content it was given
 * (never the file on disk, which may have changed since the daemon
 * validated it), prepares everything that takes time — the Lua VM and the
 * task's run function — then sleeps until the release instant with a 1 ns
 * timer slack, so run() starts on the instant itself (DESIGN.md,
 * Architecture 4).  Everything it has to say goes back on fd 3: "started"
 * at the release, log lines (from the log helper), state changes (from the
 * state helper) and one "result".  Its exit status is 0 on success, 1
 * otherwise.
 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "helpers/runtime.h"
#include "lib/luajson.h"
#include "proclimit.h"
#include "run/executor.h"
#include "run/run_protocol.h"
#include "task/module.h"
#include "task/rocks.h"
#include "task/yamljob.h"
#include "time/clock.h"

#define RUNNER_ERR_MAX 1024
#define RUNNER_TIMER_SLACK_NS 1

extern char **environ;

/* Everything the run owns; released in one place. */
struct runner {
    struct run_request req;
    json_t *request_json;
    struct task task;
    struct runtime_context ctx;
    lua_State *L;
    struct run_result result;
    char *error; /* malloc'd copy behind result.error */
    char err[RUNNER_ERR_MAX];
};

/* A failure before or while running: the message becomes the result. */
static void set_error(struct runner *r, const char *message)
{
    free(r->error);
    r->error = strdup(message);
    r->result.ok = false;
    r->result.error = r->error ? r->error : "out of memory";
}

/* Become the task's user for good, before anything of the task runs: its
 * groups from the group database (initgroups; the daemon's executor does
 * not switch, as libuv would drop them), then its gid, then its uid, each
 * checked — and root must be out of reach afterwards. */
static int become_user(const struct run_request *req, char *err, size_t errlen)
{
    if (!req->user)
        return 0;
    if (initgroups(req->user, req->gid) != 0) {
        snprintf(err, errlen, "user %s: setting its groups: %s", req->user, strerror(errno));
        return -1;
    }
    if (setgid(req->gid) != 0 || setuid(req->uid) != 0) {
        snprintf(err, errlen, "user %s: switching to uid %d, gid %d: %s", req->user,
                 (int)req->uid, (int)req->gid, strerror(errno));
        return -1;
    }
    if (getuid() != req->uid || geteuid() != req->uid || getgid() != req->gid ||
        getegid() != req->gid || (req->uid != 0 && setuid(0) == 0)) {
        snprintf(err, errlen, "user %s: the process kept root's identity", req->user);
        return -1;
    }
    return 0;
}

static int apply_memory_limit(int mb, char *err, size_t errlen)
{
    struct rlimit lim;

    if (mb <= 0)
        return 0;
    lim.rlim_cur = lim.rlim_max = (rlim_t)mb << 20;
    if (setrlimit(RLIMIT_AS, &lim) != 0) {
        snprintf(err, errlen, "memory_limit %d MB: %s", mb, strerror(errno));
        return -1;
    }
    return 0;
}

/* The file's path as the user knows it: relative to the project root. */
/* `path` from the project root when it lies under it. */
static const char *from_root(const struct run_request *req, const char *path)
{
    size_t n = strlen(req->root);

    if (strncmp(path, req->root, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

static const char *display_path(const struct run_request *req)
{
    return from_root(req, req->path);
}

/* Message handler: the error with a stack traceback, as lua.c does it. */
static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);

    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Build the VM and evaluate the task file in it (a YAML job run by the
 * func handler: the handler's part of its content, under the handler's
 * path, yamljob.h).  On success the stack is [traceback handler, run
 * function]. */
static int prepare_lua(struct runner *r)
{
    const char *path = display_path(&r->req), *file = r->req.path, *code = r->req.content;
    const char *name = r->req.task;
    size_t code_len = r->req.content_len, yaml_len;
    struct yamljob_handler handler;
    char chunkname[RUNNER_ERR_MAX], handler_name[RUNNER_ERR_MAX];

    if (yamljob_is_file(r->req.path) &&
        yamljob_handler_split(r->req.content, r->req.content_len, &yaml_len, &handler)) {
        /* its modules are those beside the handler, found from its name */
        snprintf(handler_name, sizeof handler_name, "%.*s", (int)handler.name_len,
                 handler.path + strlen(handler.path) - strlen(".lua") - handler.name_len);
        name = handler_name;
        file = handler.path;
        path = from_root(&r->req, handler.path);
        code = handler.content;
        code_len = handler.content_len;
    }

    r->ctx = (struct runtime_context){.task = r->req.task,
                                      .title = r->req.title,
                                      .root = r->req.root,
                                      .config_path = r->req.config_path,
                                      .channel_fd = RUN_PROTOCOL_FD,
                                      .log_level = r->req.log_level,
                                      .state = r->req.state,
                                      .state_error = r->req.state_error};
    if (!(r->L = runtime_open(&r->ctx, r->err, sizeof r->err)))
        return -1;
    /* Its own folder's _name modules and tasks/lib/ (module.h), then, as
     * each goes first, a task with dependencies finds its rocks before
     * them: the tree goes first on package.path/cpath (rocks.h).  The
     * request names it, from the config the daemon runs on: a broken edit
     * of config.yaml must not fail runs while the daemon keeps its last
     * good config. */
    if (module_open(r->L, file, name, r->err, sizeof r->err) != 0 ||
        (r->task.dependencies.count &&
         rocks_open_tree(r->L, r->req.rocks_tree, r->err, sizeof r->err) != 0))
        return -1;
    snprintf(chunkname, sizeof chunkname, "@%s", path);
    lua_pushcfunction(r->L, traceback);
    if (luaL_loadbufferx(r->L, code, code_len, chunkname, "t") != LUA_OK ||
        lua_pcall(r->L, 0, 1, 1) != LUA_OK) {
        snprintf(r->err, sizeof r->err, "%s", lua_tostring(r->L, -1));
        return -1;
    }
    lua_pushliteral(r->L, "run");
    if (!lua_istable(r->L, -2) || lua_rawget(r->L, -2) != LUA_TFUNCTION) {
        snprintf(r->err, sizeof r->err, "%s: the task has no run function", path);
        return -1;
    }
    lua_remove(r->L, -2);
    return 0;
}

/* ctx = { task, title, run_id, attempt, trigger, scheduled_for, args, last } */
static void push_ctx(lua_State *L, const struct run_request *req)
{
    lua_createtable(L, 0, 8);
    lua_pushstring(L, req->task);
    lua_setfield(L, -2, "task");
    lua_pushstring(L, req->title);
    lua_setfield(L, -2, "title");
    lua_pushinteger(L, req->run_id);
    lua_setfield(L, -2, "run_id");
    lua_pushinteger(L, req->attempt);
    lua_setfield(L, -2, "attempt");
    lua_pushstring(L, req->trigger);
    lua_setfield(L, -2, "trigger");
    if (req->scheduled_for) {
        lua_pushinteger(L, req->scheduled_for);
        lua_setfield(L, -2, "scheduled_for");
    }
    luajson_push(L, req->args);
    lua_setfield(L, -2, "args");
    lua_createtable(L, 0, 2);
    if (req->last_status) {
        lua_pushstring(L, req->last_status);
        lua_setfield(L, -2, "status");
        lua_pushnumber(L, req->last_finished_at);
        lua_setfield(L, -2, "finished_at");
    }
    lua_setfield(L, -2, "last");
}

/* run(ctx), with the request as light userdata at 2 and run at 1.  Runs in
 * protected mode, so building ctx cannot panic on a memory error. */
static int call_with_ctx(lua_State *L)
{
    const struct run_request *req = lua_touserdata(L, 2);

    lua_settop(L, 1);
    push_ctx(L, req);
    lua_call(L, 1, 1);
    return 1;
}

/* Call run(ctx); the stack holds [traceback, run]. */
static void call_run(struct runner *r)
{
    lua_State *L = r->L;
    char err[RUNNER_ERR_MAX];

    lua_pushcfunction(L, call_with_ctx);
    lua_insert(L, 2);
    lua_pushlightuserdata(L, &r->req);
    if (lua_pcall(L, 2, 1, 1) != LUA_OK) {
        set_error(r, lua_tostring(L, -1));
        return;
    }
    r->result.ok = true;
    if (lua_isnil(L, -1))
        return;
    if (luajson_to_json(L, -1, &r->result.value, err, sizeof err) != 0)
        r->result.value = json_sprintf("(return value is not JSON: %s)", err);
}

/* The command's spawn attributes: SIGTERM back to its default action,
 * which the runner ignores (run_command).  0, or an errno value. */
static int command_attributes(posix_spawnattr_t *attr)
{
    sigset_t term;
    int rc;

    if ((rc = posix_spawnattr_init(attr)) != 0)
        return rc;
    if (sigemptyset(&term) != 0 || sigaddset(&term, SIGTERM) != 0)
        rc = errno;
    else if ((rc = posix_spawnattr_setsigdefault(attr, &term)) == 0)
        rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF);
    if (rc != 0)
        posix_spawnattr_destroy(attr);
    return rc;
}

/* A `command` task: its argv (command, then args) without a shell; it
 * inherits stdout and stderr, so its output reaches the task log.  The
 * SIGTERM of a timeout or a stop goes to the whole session: the command
 * takes it, while the runner ignores it and waits, so that a command
 * cleaning up has scheduler.kill_grace to finish before the SIGKILL (the
 * runner's own exit would end the run at once). */
static void run_command(struct runner *r)
{
    size_t nargs = json_array_size(r->req.args), n = r->task.command.count;
    char **argv = calloc(n + nargs + 1, sizeof *argv);
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    posix_spawnattr_t attr;
    int status, rc;
    pid_t pid;

    if (!argv) {
        set_error(r, "out of memory");
        return;
    }
    memcpy(argv, r->task.command.items, n * sizeof *argv);
    for (size_t i = 0; i < nargs; i++)
        argv[n + i] = (char *)json_string_value(json_array_get(r->req.args, i));
    if (sigaction(SIGTERM, &ignore, NULL) != 0)
        rc = errno;
    else if ((rc = command_attributes(&attr)) == 0) {
        rc = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
    }
    free(argv);
    if (rc != 0) {
        snprintf(r->err, sizeof r->err, "%s: %s", r->task.command.items[0], strerror(rc));
        set_error(r, r->err);
        return;
    }
    while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    if (rc < 0) {
        snprintf(r->err, sizeof r->err, "waiting for %s: %s", r->task.command.items[0],
                 strerror(errno));
        set_error(r, r->err);
        return;
    }
    r->result.has_exit = true;
    r->result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    r->result.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (r->result.ok)
        return;
    if (r->result.signal)
        snprintf(r->err, sizeof r->err, "command killed by signal %d (%s)", r->result.signal,
                 strsignal(r->result.signal));
    else
        snprintf(r->err, sizeof r->err, "command exited with code %d", r->result.exit_code);
    set_error(r, r->err);
}

static long timeval_ms(struct timeval tv)
{
    return (long)tv.tv_sec * 1000 + (long)tv.tv_usec / 1000;
}

/* Peak memory and CPU time of this process and everything it waited for. */
static void measure(struct run_result *res)
{
    struct rusage self, children;

    if (getrusage(RUSAGE_SELF, &self) != 0 || getrusage(RUSAGE_CHILDREN, &children) != 0)
        return;
    res->peak_rss_kb =
        self.ru_maxrss > children.ru_maxrss ? self.ru_maxrss : children.ru_maxrss;
    res->cpu_ms = timeval_ms(self.ru_utime) + timeval_ms(self.ru_stime) +
                  timeval_ms(children.ru_utime) + timeval_ms(children.ru_stime);
}

/* Everything up to the release; -1 with the reason in r->err. */
static int prepare(struct runner *r)
{
    /* Nothing this process starts may inherit the channel. */
    if (fcntl(RUN_PROTOCOL_FD, F_SETFD, FD_CLOEXEC) != 0 ||
        clock_init(r->err, sizeof r->err) != 0 ||
        run_protocol_recv_request(RUN_PROTOCOL_FD, &r->req, &r->request_json, r->err,
                                  sizeof r->err) != 0 ||
        become_user(&r->req, r->err, sizeof r->err) != 0 ||
        apply_memory_limit(r->req.memory_limit_mb, r->err, sizeof r->err) != 0 ||
        /* before any task code runs: a fork bomb meets it at once */
        proclimit_apply(EXECUTOR_MAX_PROCESSES, r->err, sizeof r->err) != 0 ||
        /* The absolute path: a YAML job's `script` is relative to its file's
         * folder, and this process already stands in the task's cwd. */
        task_load(yamljob_is_file(r->req.path) ? r->req.path : display_path(&r->req),
                  r->req.task, r->req.content, r->req.content_len, &r->task, r->err,
                  sizeof r->err) != 0)
        return -1;
    /* Task code writes files with the umask the daemon was started with,
     * not the daemon's own (lib/filemode.h). */
    umask((mode_t)r->req.umask & ACCESSPERMS);
    if (strcmp(r->task.hash, r->req.hash) != 0) {
        snprintf(r->err, sizeof r->err, "%s: content does not match hash %s", r->req.path,
                 r->req.hash);
        return -1;
    }
    return r->task.has_run ? prepare_lua(r) : 0;
}

int runner_main(void)
{
    struct runner r = {.result = {.peak_rss_kb = -1, .cpu_ms = -1}};
    int status;

    if (prepare(&r) != 0) {
        set_error(&r, r.err);
    } else {
        if (prctl(PR_SET_TIMERSLACK, RUNNER_TIMER_SLACK_NS) != 0)
            fprintf(stderr, "run: timer slack: %s\n", strerror(errno));
        clock_sleep_until(r.req.release_at);
        if (run_protocol_send_started(RUN_PROTOCOL_FD, clock_now()) != 0)
            fprintf(stderr, "run: cannot report the start: %s\n", strerror(errno));
        if (r.task.has_run)
            call_run(&r);
        else
            run_command(&r);
    }
    if (r.L)
        lua_close(r.L); /* the task's finalizers run before measuring */
    measure(&r.result);
    status = r.result.ok ? 0 : 1;
    if (run_protocol_send_result(RUN_PROTOCOL_FD, &r.result) != 0) {
        fprintf(stderr, "run: cannot report the result: %s\n",
                r.result.error ? r.result.error : "");
        status = 1;
    }
    json_decref(r.result.value);
    free(r.error);
    task_free(&r.task);
    json_decref(r.request_json);
    return status;
}
