# lib.sh — shared helpers of the daemon's end-to-end tests (POSIX sh).
#
# Sourced by tests/e2e/daemon_*.sh, which run from the repository root with
# ./main built.  Each test script gets a private project root (tasks/,
# config/, data/, logs/) under /tmp and a trap that stops every daemon it
# started, kills the process groups of runs a killed daemon left behind, and
# removes the root.  Nothing here waits for real minutes: waits poll every
# 0.1 s up to a bound, and TASKSCHED_CLOCK_OFFSET moves the daemon's clock
# next to the boundary a test needs.
#
# Sourcing this file only defines functions; it runs nothing.

E2E_MAIN=${E2E_MAIN:-$(pwd)/main}
# E2E_VALGRIND=1 runs each daemon under valgrind's memcheck (make
# test-valgrind); e2e_done fails on any error or definite leak it reports.
E2E_VALGRIND=${E2E_VALGRIND:-0}
# A failing script's root is kept here (e2e_remove_root), not deleted.
E2E_OUT=${E2E_OUT:-$(pwd)/tests/out}
E2E_ROOT=
E2E_PIDS=
E2E_DAEMON=
E2E_FAILED=0

# A fresh project root in $E2E_ROOT, with a config that makes stops fast and
# puts schedules in UTC; installs the clean-up trap.
e2e_setup() {
    if [ ! -x "$E2E_MAIN" ]; then
        echo "not ok - e2e_setup: $E2E_MAIN is not built"
        exit 1
    fi
    E2E_ROOT=$(mktemp -d /tmp/taskschedXXXXXX) || exit 1
    mkdir -p "$E2E_ROOT/tasks" "$E2E_ROOT/config" "$E2E_ROOT/data" "$E2E_ROOT/logs"
    cat >"$E2E_ROOT/config/config.yaml" <<'EOF'
scheduler:
  timezone: UTC
  kill_grace: 1
  shutdown_timeout: 3
EOF
    TZ=UTC
    export TZ
    # No HTTP API unless a test asks for one (on a port of its own): the
    # default address is one port for every test of every checkout.
    TASKSCHED_API__LISTEN=
    export TASKSCHED_API__LISTEN
    trap e2e_cleanup EXIT
    trap 'exit 1' INT TERM HUP
}

# Stop what we started: daemons politely, then anything left by force, and
# the process groups of runs a daemon killed with -9 left behind (recorded
# running, or interrupted by the next start).  A failing script's root is
# kept under tests/out/.
e2e_cleanup() {
    e2e_status=${1:-$?}   # the script's exit status, or the caller's
    for pid in $E2E_PIDS; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in $E2E_PIDS; do
        e2e_wait 5 e2e_gone "$pid" || kill -KILL "$pid" 2>/dev/null
    done
    if [ -f "$E2E_ROOT/data/scheduler.db" ]; then
        for pid in $(e2e_sql "SELECT DISTINCT pid FROM runs WHERE pid > 0
                              AND status IN ('running', 'interrupted')"); do
            kill -KILL "-$pid" 2>/dev/null
        done
    fi
    [ "$E2E_FAILED" = 0 ] || e2e_status=1
    [ -n "$E2E_ROOT" ] && e2e_remove_root "$E2E_ROOT" "$e2e_status"
}

# e2e_remove_root DIR STATUS: remove a test's private root, or, when STATUS
# is not 0, move it under $E2E_OUT (daemon.out, logs/, data/ as the failure
# left them) and print where, so the failure can be read after the run.
e2e_remove_root() {
    if [ "$2" != 0 ]; then
        e2e_kept=$E2E_OUT/$(basename "$0" .sh).$(date +%Y%m%d-%H%M%S).$$
        if mkdir -p "$E2E_OUT" && mv "$1" "$e2e_kept"; then
            echo "# kept the failing test's root: $e2e_kept"
            return 0
        fi
    fi
    rm -rf "$1"
}

# e2e_task NAME: the task file tasks/NAME.lua from stdin.
e2e_task() {
    mkdir -p "$(dirname "$E2E_ROOT/tasks/$1")"
    cat >"$E2E_ROOT/tasks/$1.lua"
}

# e2e_cli ARGS...: run the CLI on the test root.
e2e_cli() {
    "$E2E_MAIN" --root "$E2E_ROOT" "$@"
}

# e2e_start [OFFSET]: start the daemon in the background, with the clock
# shifted by OFFSET seconds, and wait until it answers.  Its pid is in
# $E2E_DAEMON; its output goes to $E2E_ROOT/daemon.out.  $E2E_DAEMON_ARGS
# (split on spaces) are more options of the daemon's command line.
e2e_start() {
    if [ "$E2E_VALGRIND" = 1 ]; then
        set -- "${1:-0}" valgrind --quiet --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite --error-exitcode=99 \
            --log-file="$E2E_ROOT/valgrind.%p.log"
    else
        set -- "${1:-0}"
    fi
    e2e_offset=$1
    shift
    # shellcheck disable=SC2086
    TASKSCHED_CLOCK_OFFSET=$e2e_offset "$@" "$E2E_MAIN" --root "$E2E_ROOT" \
        ${E2E_DAEMON_ARGS:-} >>"$E2E_ROOT/daemon.out" 2>&1 &
    E2E_DAEMON=$!
    E2E_PIDS="$E2E_PIDS $E2E_DAEMON"
    if ! e2e_wait 10 e2e_daemon_up; then
        echo "# the daemon did not come up; its output:"
        sed 's/^/#   /' "$E2E_ROOT/daemon.out"
        return 1
    fi
}

e2e_daemon_up() {
    e2e_cli --status 2>/dev/null | grep -q '^daemon: running'
}

# e2e_stop: stop the daemon through the CLI and wait for it to be gone.
e2e_stop() {
    e2e_cli stop >/dev/null 2>&1
    e2e_wait 10 e2e_gone "$E2E_DAEMON"
}

# e2e_gone PID: true when the process is gone (reaped, or a zombie).
e2e_gone() {
    if ! kill -0 "$1" 2>/dev/null; then
        return 0
    fi
    state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
    [ -z "$state" ] || [ "$state" = Z ]
}

# e2e_wait SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds;
# false when it did not within SECONDS.
e2e_wait() {
    e2e_polls=$(($1 * 10))
    shift
    while [ "$e2e_polls" -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        e2e_polls=$((e2e_polls - 1))
    done
    "$@" >/dev/null 2>&1
}

# e2e_http_server [SCRIPT ARGS...]: start a local HTTP server of the test
# (tests/fixtures/http_server.py unless SCRIPT is given), which prints its
# port and runs until its stdin closes: that stdin is kept open on fd 3, and
# the server is stopped with the test.  Its port is then in $SERVER_PORT.
e2e_http_server() {
    [ $# -gt 0 ] || set -- tests/fixtures/http_server.py
    mkfifo "$E2E_ROOT/server.in" || return 1
    /usr/bin/python3 "$@" <"$E2E_ROOT/server.in" >"$E2E_ROOT/server.port" \
        2>"$E2E_ROOT/server.err" &
    E2E_PIDS="$E2E_PIDS $!"
    exec 3>"$E2E_ROOT/server.in"
    e2e_wait 10 test -s "$E2E_ROOT/server.port" || return 1
    SERVER_PORT=$(cat "$E2E_ROOT/server.port")
}

# e2e_sql QUERY: run QUERY on the test root's store, one row per line,
# columns separated by '|'.
e2e_sql() {
    sqlite3 -batch -noheader -cmd '.timeout 5000' "$E2E_ROOT/data/scheduler.db" "$1"
}

# e2e_runs TASK: the task's runs, for messages: one "trigger attempt
# scheduled_for started_at finished_at status" per run, oldest first.
e2e_runs() {
    e2e_sql "SELECT \"trigger\", attempt, scheduled_for, started_at, finished_at, status
             FROM runs WHERE task = '$1' ORDER BY id" | tr '|\n' ' ;'
}

# e2e_sql_true QUERY: true when QUERY's single value is 1 (for e2e_wait).
e2e_sql_true() {
    [ "$(e2e_sql "$1")" = 1 ]
}

# e2e_offset_before PERIOD LEAD: a clock offset (whole seconds) that puts the
# shifted clock LEAD seconds (or up to one second less) before the next
# multiple of PERIOD seconds, at least LEAD seconds from now.
e2e_offset_before() {
    e2e_now=$(date +%s)
    e2e_boundary=$(( (e2e_now + $2 + $1) / $1 * $1 ))
    echo $((e2e_boundary - $2 - e2e_now))
}

e2e_ok() {
    echo "ok - $1"
}

e2e_not_ok() {
    echo "not ok - $1: $2"
    E2E_FAILED=1
}

# e2e_check NAME EXPECTATION COMMAND...: ok when COMMAND succeeds, else
# not ok with EXPECTATION as the message.
e2e_check() {
    e2e_name=$1
    e2e_expect=$2
    shift 2
    if "$@"; then
        e2e_ok "$e2e_name"
    else
        e2e_not_ok "$e2e_name" "$e2e_expect"
    fi
}

# e2e_sanitized: true when ./main was built with AddressSanitizer (make
# SAN=1), whose shadow memory and quarantine make memory figures moot.
e2e_sanitized() {
    ldd "$E2E_MAIN" 2>/dev/null | grep -q libasan
}

# e2e_daemon_small NAME LIMIT_KB: the daemon's peak RSS stayed below
# LIMIT_KB (skipped under AddressSanitizer, whose quarantine holds freed
# memory, and under valgrind, whose process $E2E_DAEMON is).
e2e_daemon_small() {
    e2e_peak=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$E2E_DAEMON/status")
    if e2e_sanitized; then
        e2e_ok "$1 # SKIP AddressSanitizer build"
    elif [ "$E2E_VALGRIND" = 1 ]; then
        e2e_ok "$1 # SKIP valgrind"
    else
        e2e_check "$1" "peak RSS below $2 kB, got ${e2e_peak:-?}" \
            [ "${e2e_peak:-999999999}" -lt "$2" ]
    fi
}

# e2e_done: fail on any sanitizer report in the daemons' output, then exit
# with the script's status.
e2e_done() {
    e2e_reports=$(grep -m 3 'Sanitizer\|runtime error:' "$E2E_ROOT/daemon.out" 2>/dev/null)
    if [ -n "$e2e_reports" ]; then
        e2e_not_ok daemon_sanitizer_clean "no sanitizer report, got: $e2e_reports"
    fi
    if [ "$E2E_VALGRIND" = 1 ]; then
        # --quiet: memcheck writes nothing unless it has an error to report.
        e2e_reports=$(cat "$E2E_ROOT"/valgrind.*.log 2>/dev/null | head -n 8)
        if [ -n "$e2e_reports" ]; then
            e2e_not_ok daemon_valgrind_clean "no memcheck error or definite leak, got: $e2e_reports"
        else
            e2e_ok daemon_valgrind_clean
        fi
    fi
    exit "$E2E_FAILED"
}

# e2e_field TASK KEY: one key of TASK in `--status --json`, as JSON text
# (true, null, 1780000000, "text"); "absent" when the task is not listed.
e2e_field() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
doc = json.load(sys.stdin)
task = [t for t in doc["tasks"] if t["name"] == sys.argv[1]]
print(json.dumps(task[0].get(sys.argv[2])) if task else "absent")' "$1" "$2"
}

# e2e_field_is TASK KEY VALUE: true when e2e_field prints VALUE (for e2e_wait).
e2e_field_is() {
    [ "$(e2e_field "$1" "$2")" = "$3" ]
}

# e2e_scheduled TASK: true when TASK is listed with a next fire.
e2e_scheduled() {
    e2e_field_next=$(e2e_field "$1" next_fire_epoch)
    [ "$e2e_field_next" != null ] && [ "$e2e_field_next" != absent ]
}
