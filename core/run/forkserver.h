/* forkserver.h — cheap run processes: the daemon's side of the fork server.
 *
 * A run process costs a fork+exec+dynamic link+start-up when the executor
 * spawns `main __run`.  The fork server (`main __forkserver`,
 * runner/forkd.c) is exec'd once by the daemon, never runs task code and
 * holds no Lua VM; per run it forks a child that becomes exactly what
 * `main __run` would be: its own session, fds 1-3 the run's pipes, the
 * run's environment and working directory, then runner_main (limits, user
 * switch, a fresh VM created after the fork, the request read on fd 3).
 *
 * Two SOCK_SEQPACKET socketpairs join them (one message per record):
 *   fd 3 of the server, requests and replies, used synchronously by the
 *     daemon (as uv_spawn is): a request "CWD\0ENV1\0ENV2\0…" with the
 *     run's stdout, stderr and channel ends as SCM_RIGHTS; the reply a
 *     struct forkserver_reply, with a pidfd of the child as SCM_RIGHTS when
 *     it was forked;
 *   fd 4 of the server, exit reports: a struct forkserver_exit per child
 *     it reaped, read on the daemon's loop.
 * The child is the server's, not the daemon's: the server reaps it and
 * reports its wait status.  Should the server die, its children live on;
 * the daemon then learns of each one's end from the pidfd it holds (the
 * wait status is lost: the run's own "result" message decides), falls
 * back to exec'ing `main __run` meanwhile, and starts a new server after
 * a backoff.  Nothing about a run depends on which way it was started.
 */
#ifndef FORKSERVER_H
#define FORKSERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#define FORKSERVER_ARG "__forkserver" /* argv[1] of the fork server */
#define FORKSERVER_REQUEST_FD 3
#define FORKSERVER_EXIT_FD 4
#define FORKSERVER_RUN_FDS 3             /* stdout, stderr, channel: fds 1..3 of a run */
#define FORKSERVER_REQUEST_MAX (1 << 18) /* bytes of one request: cwd and environment */

struct forkserver_reply {
    int32_t pid;   /* the child, or 0 */
    int32_t error; /* errno value when pid is 0 */
};

struct forkserver_exit {
    int32_t pid;
    int32_t status; /* as waitpid reports it */
};

/* How a forked run ended: its exit code, or the signal that ended it (and
 * exit_status 0).  `known` is false when the fork server died before it
 * could reap the child. */
typedef void (*forkserver_exit_cb)(void *data, int64_t exit_status, int term_signal,
                                   bool known);

/* Start the fork server for runs of `program` (kept).  Failures are logged;
 * runs then use exec until the server comes up. */
void forkserver_start(uv_loop_t *loop, const char *program);

/* Stop it (daemon stop): its sockets close, it exits, and the children
 * still running are followed through their pidfds until they end. */
void forkserver_stop(void);

/* Fork one run through the server: fds[i] becomes the child's fd i + 1
 * (the caller keeps and closes its copies), with `env` (NULL-terminated)
 * and `cwd`.  The pid, or 0 with errno set: ENOTCONN when there is no
 * server (the caller execs instead); another value names why the fork
 * failed.  on_exit is called once, from the loop, when the child ended. */
pid_t forkserver_spawn(const int fds[FORKSERVER_RUN_FDS], char *const env[], const char *cwd,
                       forkserver_exit_cb on_exit, void *data);

#endif
