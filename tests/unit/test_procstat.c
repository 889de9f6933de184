/* test_procstat.c — procstat_read on live processes: this one, a child
 * whose name holds spaces and parentheses, a zombie, and a pid that cannot
 * exist. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/procstat.h"
#include "testing.h"

/* Read only up to its first ')', this name would give state Z, ppid 1. */
#define TRICKY_NAME "a b) Z 1 (c"
#define COMM_MAX 64
#define WAIT_POLLS 200 /* of WAIT_POLL_NS each: 2 s */
#define WAIT_POLL_NS 10000000L
#define NO_SUCH_PID INT_MAX /* above any pid_max (at most 2^22) */

/* The name the kernel shows for `pid` (its /proc/PID/comm), or "". */
static const char *comm_of(pid_t pid)
{
    static char comm[COMM_MAX];
    char path[COMM_MAX];
    FILE *f;

    comm[0] = '\0';
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    if ((f = fopen(path, "r"))) {
        if (!fgets(comm, sizeof comm, f))
            comm[0] = '\0';
        fclose(f);
    }
    comm[strcspn(comm, "\n")] = '\0';
    return comm;
}

static void reads_this_process(void)
{
    struct procstat ps = {0};
    struct timespec boot;
    long ticks_per_s = sysconf(_SC_CLK_TCK);

    CHECK(procstat_read(getpid(), &ps) == 0, "procstat_read: %s", strerror(errno));
    CHECK(ps.state == 'R', "state %c, want R (it is reading)", ps.state);
    CHECK_INT(ps.ppid, getppid());
    CHECK_INT(ps.pgrp, getpgrp());
    CHECK_INT(ps.session, getsid(0));
    CHECK(clock_gettime(CLOCK_BOOTTIME, &boot) == 0, "CLOCK_BOOTTIME");
    CHECK(ps.start_ticks <=
              (unsigned long long)(boot.tv_sec + 1) * (unsigned long long)ticks_per_s,
          "started %llu ticks after boot, which was %lld s ago", ps.start_ticks,
          (long long)boot.tv_sec);
}

static void reads_past_a_name_with_spaces_and_parentheses(void)
{
    struct procstat ps = {0};
    int ready[2], status;
    pid_t child;
    char c;

    if (pipe(ready) != 0 || (child = fork()) < 0) {
        CHECK(0, "pipe/fork: %s", strerror(errno));
        return;
    }
    if (child == 0) {
        if (prctl(PR_SET_NAME, TRICKY_NAME) != 0 || setpgid(0, 0) != 0 ||
            write(ready[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(ready[1]);
    CHECK(read(ready[0], &c, 1) == 1, "the child got ready");
    close(ready[0]);
    CHECK_STR(comm_of(child), TRICKY_NAME);
    CHECK(procstat_read(child, &ps) == 0, "procstat_read: %s", strerror(errno));
    CHECK(ps.state == 'S' || ps.state == 'R', "state %c, want S or R", ps.state);
    CHECK_INT(ps.ppid, getpid());
    CHECK_INT(ps.pgrp, child);
    CHECK_INT(ps.session, getsid(0));
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
}

static void tells_a_zombie(void)
{
    const struct timespec pause_ns = {0, WAIT_POLL_NS};
    struct procstat ps = {0};
    int status;
    pid_t child = fork();

    if (child < 0) {
        CHECK(0, "fork: %s", strerror(errno));
        return;
    }
    if (child == 0)
        _exit(0);
    /* Not reaped yet: it stays a zombie once it has exited. */
    for (int i = 0; i < WAIT_POLLS; i++) {
        if (procstat_read(child, &ps) != 0 || ps.state == PROCSTAT_ZOMBIE)
            break;
        nanosleep(&pause_ns, NULL);
    }
    CHECK(ps.state == PROCSTAT_ZOMBIE, "state %c, want %c", ps.state, PROCSTAT_ZOMBIE);
    CHECK_INT(ps.ppid, getpid());
    waitpid(child, &status, 0);
}

static void a_missing_pid_is_enoent(void)
{
    struct procstat ps = {0};

    errno = 0;
    CHECK_INT(procstat_read(NO_SUCH_PID, &ps), -1);
    CHECK(errno == ENOENT, "errno %d (%s), want ENOENT", errno, strerror(errno));
}

int main(void)
{
    RUN(reads_this_process);
    RUN(reads_past_a_name_with_spaces_and_parentheses);
    RUN(tells_a_zombie);
    RUN(a_missing_pid_is_enoent);
    TESTING_EXIT();
}
