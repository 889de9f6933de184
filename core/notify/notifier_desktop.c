/* notifier_desktop.c — the desktop channel: notify-send, when there is a
 * session bus to talk to.
 *
 * A daemon started by cron or systemd usually has no session bus.  Then
 * nothing can be shown, one line on stderr says so (in a run, the executor
 * routes stderr to the task's log), and the send is not a failure: the
 * channel did all a headless machine allows.
 */
#include "notifier_internal.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_SEND "notify-send"
#define BUS_ENV "DBUS_SESSION_BUS_ADDRESS"
#define RUNTIME_DIR_ENV "XDG_RUNTIME_DIR"
#define WAIT_STEP_NS 10000000L /* between looks at notify-send */
#define WAIT_STEPS (NOTIFIER_TIMEOUT_S * 1000000000L / WAIT_STEP_NS)
#define ARG_MAX_LEN 64
#define BUS_TEXT_MAX (PATH_MAX + sizeof BUS_ENV + sizeof "=unix:path=")

extern char **environ;

/* "DBUS_SESSION_BUS_ADDRESS=unix:path=…/bus" for the socket a systemd user
 * session creates in $XDG_RUNTIME_DIR (else /run/user/UID), when it
 * exists; -1 when there is none. */
static int runtime_bus(char *buf, size_t len)
{
    const char *dir = getenv(RUNTIME_DIR_ENV);
    char path[PATH_MAX];
    struct stat sb;

    if (dir && *dir)
        snprintf(path, sizeof path, "%s/bus", dir);
    else
        snprintf(path, sizeof path, "/run/user/%u/bus", (unsigned)getuid());
    if (stat(path, &sb) != 0 || !S_ISSOCK(sb.st_mode))
        return -1;
    snprintf(buf, len, "%s=unix:path=%s", BUS_ENV, path);
    return 0;
}

/* True when there is a session bus: in our environment (bus[0] = '\0'),
 * or the user's socket, as runtime_bus puts it in `bus`. */
static bool session_bus(char *bus, size_t len)
{
    const char *have_bus = getenv(BUS_ENV);

    bus[0] = '\0';
    return (have_bus && *have_bus) || runtime_bus(bus, len) == 0;
}

/* True when an executable `name` is on $PATH. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    char file[PATH_MAX];

    for (const char *dir = path ? path : ""; *dir;) {
        size_t len = strcspn(dir, ":");

        if (len > 0 &&
            snprintf(file, sizeof file, "%.*s/%s", (int)len, dir, name) < (int)sizeof file &&
            access(file, X_OK) == 0)
            return true;
        dir += len + (dir[len] == ':');
    }
    return false;
}

int notifier_desktop_missing(char *why, size_t len)
{
    char bus[BUS_TEXT_MAX];

    if (!session_bus(bus, sizeof bus)) {
        snprintf(why, len, "no session bus (%s unset, no user bus socket)", BUS_ENV);
        return 1;
    }
    if (!on_path(NOTIFY_SEND)) {
        snprintf(why, len, "%s is not on PATH", NOTIFY_SEND);
        return 1;
    }
    return 0;
}

/* Our environment plus `extra`; malloc'd array, NULL on OOM. */
static char **environment_with(char *extra)
{
    size_t count = 0;
    char **envp;

    while (environ[count])
        count++;
    if (!(envp = malloc((count + 2) * sizeof *envp)))
        return NULL;
    memcpy(envp, environ, count * sizeof *envp);
    envp[count] = extra;
    envp[count + 1] = NULL;
    return envp;
}

/* Waits up to NOTIFIER_TIMEOUT_S for `pid`, then kills it. */
static int wait_child(pid_t pid, char *err, size_t errlen)
{
    const struct timespec step = {0, WAIT_STEP_NS};
    int status = 0;
    long steps = 0;
    pid_t r;

    while ((r = waitpid(pid, &status, WNOHANG)) != pid) {
        if (r < 0 && errno != EINTR) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
            return -1;
        }
        if (steps++ == WAIT_STEPS) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            snprintf(err, errlen, "%s did not finish in %d s", NOTIFY_SEND, NOTIFIER_TIMEOUT_S);
            return -1;
        }
        (void)nanosleep(&step, NULL); /* interrupted: look again sooner */
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(err, errlen, "%s exited with status %d", NOTIFY_SEND, WEXITSTATUS(status));
    else
        snprintf(err, errlen, "%s killed by signal %d", NOTIFY_SEND, WTERMSIG(status));
    return -1;
}

int notifier_desktop(const struct config_channel *ch, const struct notification *n, char *err,
                     size_t errlen)
{
    char bus[BUS_TEXT_MAX];
    char urgency[ARG_MAX_LEN], **envp = environ;
    /* exec's argv is not const for historical reasons; nothing writes it */
    char *argv[] = {
        NOTIFY_SEND, "--app-name=" NOTIFIER_USER_AGENT,  urgency,
        "--",        (char *)(n->title ? n->title : ""), (char *)(n->message ? n->message : ""),
        NULL,
    };
    pid_t pid;
    int rc;

    (void)ch;
    if (!session_bus(bus, sizeof bus)) {
        char *title = notifier_header_text(argv[4]);

        fprintf(stderr,
                "notify: desktop: no session bus (%s unset, no "
                "user bus socket); not shown: %s\n",
                BUS_ENV, title ? title : "");
        free(title);
        return 0;
    }
    if (bus[0] && !(envp = environment_with(bus))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(urgency, sizeof urgency, "--urgency=%s", notifier_urgency_name(n->urgency));
    rc = posix_spawnp(&pid, NOTIFY_SEND, NULL, NULL, argv, envp);
    if (envp != environ)
        free(envp);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", NOTIFY_SEND, strerror(rc));
        return -1;
    }
    return wait_child(pid, err, errlen);
}
