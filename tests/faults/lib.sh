# lib.sh — shared helpers of the fault-injection tests (POSIX sh).
#
# Sourced by tests/faults/*.sh, which run from the repository root as root
# with ./main built.  Builds on tests/e2e/lib.sh (private project root,
# e2e_start/e2e_stop, e2e_sql, e2e_check …) and adds what faults need:
#   - every daemon is started with FAULTS_MARK=<root> in its environment,
#     which all its runs and their children inherit (a task with `user`
#     must set it in its env: such runs get a clean environment): the
#     clean-up kills exactly those processes (by pid), and faults_finish
#     proves none is left;
#   - mounts made by a test (tmpfs, read-only binds) are undone in the trap;
#   - faults_finish checks that the daemon still answers, stops it, and
#     checks that no process of the test survived.
#
# Sourcing this file only defines functions; it runs nothing.

. tests/e2e/lib.sh

FAULTS_MOUNTS=

# A fresh project root, as e2e_setup, with the faults clean-up trap, and a
# private copy of ./main in it: a rebuild of ./main during a long test must
# not make a restart fail.
faults_setup() {
    e2e_setup
    trap faults_cleanup EXIT
    for faults_try in 1 2 3 4 5; do
        cp "$E2E_MAIN" "$E2E_ROOT/main" 2>/dev/null &&
            "$E2E_ROOT/main" --version >/dev/null 2>&1 && break
        sleep 1
    done
    E2E_MAIN=$E2E_ROOT/main
}

faults_cleanup() {
    faults_status=$?
    for pid in $(faults_procs); do
        kill -KILL "$pid" 2>/dev/null
    done
    faults_unmount_all
    e2e_cleanup "$faults_status"
    for pid in $(faults_procs); do   # anything started while stopping
        kill -KILL "$pid" 2>/dev/null
    done
}

faults_unmount_all() {
    for m in $FAULTS_MOUNTS; do
        umount -l "$m" 2>/dev/null
    done
    FAULTS_MOUNTS=
}

# faults_mount DIR MOUNT_ARGS...: mount on DIR (remembered for the trap).
faults_mount() {
    faults_dir=$1
    shift
    mount "$@" "$faults_dir" || return 1
    FAULTS_MOUNTS="$faults_dir $FAULTS_MOUNTS"
}

# faults_umount DIR: undo the last mount on DIR.
faults_umount() {
    umount "$1"
}

# faults_start [OFFSET [WRAPPER...]]: e2e_start with the marker in the
# daemon's environment; WRAPPER (e.g. prlimit --nproc=N) runs the daemon.
faults_start() {
    faults_offset=${1:-0}
    [ $# -gt 0 ] && shift
    "$@" env FAULTS_MARK="$E2E_ROOT" TASKSCHED_CLOCK_OFFSET="$faults_offset" \
        "$E2E_MAIN" --root "$E2E_ROOT" >>"$E2E_ROOT/daemon.out" 2>&1 &
    E2E_DAEMON=$!
    E2E_PIDS="$E2E_PIDS $E2E_DAEMON"
    if ! e2e_wait 10 e2e_daemon_up; then
        echo "# the daemon did not come up; its output:"
        tail -n 20 "$E2E_ROOT/daemon.out" | sed 's/^/#   /'
        return 1
    fi
}

# faults_kill9: kill -9 the daemon and wait until it is gone.
faults_kill9() {
    kill -KILL "$E2E_DAEMON" 2>/dev/null
    e2e_wait 5 e2e_gone "$E2E_DAEMON"
}

# faults_procs: pids of live processes carrying this test's marker.
faults_procs() {
    [ -n "$E2E_ROOT" ] || return 0
    for faults_d in /proc/[0-9]*; do
        if grep -qzx "FAULTS_MARK=$E2E_ROOT" "$faults_d/environ" 2>/dev/null &&
            ! e2e_gone "${faults_d#/proc/}"; then
            echo "${faults_d#/proc/}"
        fi
    done
}

faults_none_left() {
    [ -z "$(faults_procs)" ]
}

# faults_describe PIDS: "pid:command" of each, for messages.
faults_describe() {
    for pid in "$@"; do
        printf '%s:%s ' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-40)"
    done
}

# faults_show_log N: when the script failed so far, the last N lines of
# the daemons' output as comments (run.sh shows them with the failure).
faults_show_log() {
    [ "$E2E_FAILED" = 0 ] && return 0
    echo "# last $1 lines of the daemon's output:"
    tail -n "$1" "$E2E_ROOT/daemon.out" | cut -c1-200 | sed 's/^/#   /'
}

# faults_random MAX: a pseudo-random integer in 0..MAX-1.
faults_random() {
    echo $(( $(od -An -N4 -tu4 /dev/urandom) % $1 ))
}

# faults_integrity_ok: PRAGMA integrity_check of the store says ok.
faults_integrity_ok() {
    [ "$(e2e_sql 'PRAGMA integrity_check')" = ok ]
}

# faults_finish PREFIX: the daemon still answers; it stops; no process of
# the test is left.  Then exits with the script's status.
faults_finish() {
    e2e_check "${1}_daemon_answers_at_end" "--status answering at the end" e2e_daemon_up
    e2e_stop
    if e2e_wait 10 faults_none_left; then
        e2e_ok "${1}_no_process_left"
    else
        e2e_not_ok "${1}_no_process_left" \
            "no process of the test after the stop, got $(faults_describe $(faults_procs))"
    fi
    e2e_done
}
