/* orphans.c — run processes left behind by a daemon killed with -9 (see
 * orphans.h).
 *
 * The store only remembers a pid, and pids are reused, so a group is
 * killed only when its leader still is what the executor spawned:
 *  - /proc/PID/cmdline is this program (the same path as /proc/self/exe)
 *    with "__run" as its first argument;
 *  - PID leads its own process group (the executor spawns runs detached);
 *  - the process started no later than the run's started_at, which the
 *    run process itself recorded after it had started: a process born
 *    after that instant took over a freed pid.
 * Anything unreadable counts as "not ours": a live stranger is never hurt;
 * the worst case is an orphan left running, as before.
 */
#include "orphans.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/procstat.h"
#include "log/log.h"
#include "session.h"
#include "time/clock.h"

#define ORPHANS_SELF_EXE "/proc/self/exe"
#define ORPHANS_RUN_ARG "__run" /* argv[1] of a run process (executor.c) */
#define ORPHANS_PROC_PATH_MAX 64
#define ORPHANS_CMDLINE_MAX (PATH_MAX + sizeof ORPHANS_RUN_ARG + 1)
/* Seconds a process's start may seem to follow its run's started_at: the
 * kernel counts in clock ticks and the boot-to-wall conversion below
 * reads two clocks one after the other. */
#define ORPHANS_START_SLACK 1.0

struct orphans {
    char self[PATH_MAX]; /* this program, as the executor names it */
    int killed;
};

/* Read /proc/PID/NAME into buf (NUL-terminated); its length, or -1. */
static ssize_t read_proc(int pid, const char *name, char *buf, size_t len)
{
    char path[ORPHANS_PROC_PATH_MAX];
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, len - 1);
    if (close(fd) != 0 || n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* argv is "SELF\0__run\0": this program's run process. */
static bool is_run_process(const struct orphans *o, int pid)
{
    char cmdline[ORPHANS_CMDLINE_MAX];
    ssize_t n = read_proc(pid, "cmdline", cmdline, sizeof cmdline);
    size_t self_len = strlen(o->self);

    return n > (ssize_t)self_len && strcmp(cmdline, o->self) == 0 &&
           strcmp(cmdline + self_len + 1, ORPHANS_RUN_ARG) == 0;
}

/* The wall-clock instant (unshifted Unix s) at which the boot-time
 * instant `since_boot` happened; /proc counts start times from boot. */
static double boot_to_wall(double since_boot)
{
    struct timespec wall, boot;

    if (clock_gettime(CLOCK_REALTIME, &wall) != 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
        return -1;
    return (double)wall.tv_sec + wall.tv_nsec / 1e9 -
           ((double)boot.tv_sec + boot.tv_nsec / 1e9) + since_boot;
}

/* Whether PID leads its own group and started by `started_at` (shifted
 * Unix s, as clock_now() and the run process count). */
static bool started_by(int pid, double started_at)
{
    struct procstat ps;
    long ticks_per_s = sysconf(_SC_CLK_TCK);
    double start;

    if (ticks_per_s <= 0 || procstat_read(pid, &ps) != 0 || ps.pgrp != pid)
        return false;
    start = boot_to_wall((double)ps.start_ticks / (double)ticks_per_s);
    return start >= 0 && start <= started_at - clock_offset() + ORPHANS_START_SLACK;
}

static int stop_one(const struct store_run *run, void *ud)
{
    struct orphans *o = ud;

    if (run->pid <= 0 || run->started_at <= 0 || !is_run_process(o, run->pid) ||
        !started_by(run->pid, run->started_at))
        return 0;
    /* The run leads its own session; exec.run children live in process
     * groups of their own inside it, so the session is what to kill. */
    if (session_kill(run->pid, SIGKILL) < 0) {
        log_warn("run %lld (%s): cannot kill the session %d left by the previous daemon: %s",
                 (long long)run->id, run->task, run->pid, strerror(errno));
        return 0;
    }
    log_warn("run %lld (%s): killed the processes of session %d left running by the previous "
             "daemon",
             (long long)run->id, run->task, run->pid);
    o->killed++;
    return 0;
}

int orphans_stop(struct store *st)
{
    struct orphans o = {.killed = 0};
    ssize_t n = readlink(ORPHANS_SELF_EXE, o.self, sizeof o.self - 1);

    if (n <= 0) {
        /* Without our own path no process can be proved ours: kill none. */
        log_warn("%s: %s; runs left by the previous daemon are not stopped", ORPHANS_SELF_EXE,
                 n < 0 ? strerror(errno) : "empty");
        return 0;
    }
    o.self[n] = '\0';
    if (store_running(st, stop_one, &o) < 0)
        return -1;
    return o.killed;
}
