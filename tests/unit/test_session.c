/* test_session.c — session_kill reaches every process of a session,
 * whatever its process group, and nothing outside it. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/session.h"
#include "testing.h"

#define GRANDCHILDREN 3
#define SLEEP_S 30
#define WAIT_POLLS 200 /* of WAIT_POLL_NS each: 2 s */
#define WAIT_POLL_NS 10000000L

/* A session leader with GRANDCHILDREN sleepers, each in a process group of
 * its own (as exec.run makes them); their pids go to `report`. */
static void session_leader(int report)
{
    pid_t pids[GRANDCHILDREN];

    if (setsid() < 0)
        _exit(1);
    for (int i = 0; i < GRANDCHILDREN; i++) {
        if ((pids[i] = fork()) < 0)
            _exit(1);
        if (pids[i] == 0) {
            if (setpgid(0, 0) != 0)
                _exit(1);
            sleep(SLEEP_S);
            _exit(0);
        }
    }
    if (write(report, pids, sizeof pids) != sizeof pids)
        _exit(1);
    sleep(SLEEP_S);
    _exit(0);
}

/* Gone, or a zombie waiting for its parent (init, once the leader died). */
static bool gone(pid_t pid)
{
    char path[64], state = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return true;
    if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
        state = 0;
    fclose(f);
    return state == 'Z';
}

static bool wait_gone(pid_t pid)
{
    const struct timespec pause = {0, WAIT_POLL_NS};

    for (int i = 0; i < WAIT_POLLS && !gone(pid); i++)
        nanosleep(&pause, NULL);
    return gone(pid);
}

static void kills_every_group_of_the_session(void)
{
    pid_t leader, pids[GRANDCHILDREN];
    int fds[2], status, n;

    if (pipe(fds) != 0 || (leader = fork()) < 0) {
        CHECK(0, "pipe/fork: %s", strerror(errno));
        return;
    }
    if (leader == 0)
        session_leader(fds[1]);
    close(fds[1]);
    n = (int)read(fds[0], pids, sizeof pids);
    close(fds[0]);
    CHECK_INT(n, (int)sizeof pids);
    if (n != (int)sizeof pids) {
        kill(leader, SIGKILL);
        waitpid(leader, &status, 0);
        return;
    }
    n = session_kill(leader, SIGKILL);
    CHECK(n >= 1 + GRANDCHILDREN, "signals sent: %d, want at least %d", n, 1 + GRANDCHILDREN);
    CHECK(waitpid(leader, &status, 0) == leader && WIFSIGNALED(status) &&
              WTERMSIG(status) == SIGKILL,
          "the session leader killed");
    for (int i = 0; i < GRANDCHILDREN; i++) {
        CHECK(wait_gone(pids[i]), "process %d of group %d still runs", (int)pids[i],
              (int)pids[i]);
        kill(pids[i], SIGKILL); /* whatever the check found, leave nothing behind */
    }
    CHECK_INT(session_kill(leader, SIGKILL), 0);
}

static void refuses_init_and_ourselves(void)
{
    CHECK(session_kill(0, SIGKILL) == -1 && errno == EINVAL, "sid 0 refused");
    CHECK(session_kill(1, SIGKILL) == -1 && errno == EINVAL, "sid 1 refused");
}

int main(void)
{
    RUN(kills_every_group_of_the_session);
    RUN(refuses_init_and_ourselves);
    TESTING_EXIT();
}
