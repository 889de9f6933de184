#!/bin/sh
# bench_burst.sh — how late run() starts when many runs share an instant.
#
#  1. The burst: BENCH_BURST_N (1,000) tasks on the same every(1).minutes
#     boundary with max_concurrent 1000.  The daemon's test clock
#     (TASKSCHED_CLOCK_OFFSET, time/clock.h) puts the boundary
#     BENCH_BURST_LEAD seconds after the start instead of waiting for it.
#  2. The sustained rate: BENCH_RATE_N (200) tasks every(1).seconds for
#     BENCH_RATE_SECONDS (20 s), max_concurrent 1000; the first two
#     seconds are left out as the warm-up.
# A run's lateness is its runs row's started_at (taken by the run process
# itself on the precise clock, right before run()) minus scheduled_for.
# Each figure is printed next to its goal, with the fork server
# (scheduler.fork_server, run/forkserver.h) on and then off, and the load
# average of the machine.  Run from the repository root (make bench).
set -u
BURST_N=${BENCH_BURST_N:-1000}
BURST_LEAD=${BENCH_BURST_LEAD:-12}
RATE_N=${BENCH_RATE_N:-200}
RATE_SECONDS=${BENCH_RATE_SECONDS:-20}
BURST_GOAL_MS=50
RATE_GOAL_MS=20
MAIN=$(pwd)/main
ROOT=
DAEMON=

cleanup() {
    [ -n "$DAEMON" ] && "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    [ -n "$ROOT" ] && rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# setup N SCHEDULE FORK_SERVER: a fresh root with N tasks of SCHEDULE.
setup() {
    ROOT=$(mktemp -d /tmp/benchburstXXXXXX) || exit 1
    mkdir -p "$ROOT/tasks" "$ROOT/config"
    printf 'scheduler:\n  timezone: UTC\n  shutdown_timeout: 5\n  max_concurrent: 1000\n  fork_server: %s\napi:\n  listen: ""\n' \
        "$3" >"$ROOT/config/config.yaml"
    i=0
    while [ "$i" -lt "$1" ]; do
        printf 'return { schedule = %s, run = function() end }\n' "$2" >"$ROOT/tasks/t$i.lua"
        i=$((i + 1))
    done
}

# start OFFSET: the daemon, detached, with its clock shifted by OFFSET s.
start() {
    TASKSCHED_CLOCK_OFFSET=$1 "$MAIN" --root "$ROOT" --daemon || exit 1
    DAEMON=$(cat "$ROOT/data/scheduler.pid")
}

finish() {
    "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    DAEMON=
    rm -rf "$ROOT"
    ROOT=
}

sql() {
    sqlite3 -batch -noheader -cmd '.timeout 5000' "$ROOT/data/scheduler.db" "$1"
}

# quantiles WHERE: "p50 p99" of the lateness (ms) of the runs WHERE says.
quantiles() {
    sql "SELECT (started_at - scheduled_for) * 1000 FROM runs
         WHERE started_at IS NOT NULL AND $1 ORDER BY 1" |
        awk '{ v[NR] = $1 } END {
                 if (NR == 0) { print "- -"; exit }
                 i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
                 printf "%.1f %.1f\n", v[i50 < 1 ? 1 : i50], v[i99 < 1 ? 1 : i99] }'
}

verdict() { # VALUE GOAL
    awk -v v="$1" -v g="$2" 'BEGIN { print (v != "-" && v + 0 < g + 0) ? "met" : "NOT met" }'
}

burst() { # FORK_SERVER
    setup "$BURST_N" 'every(1).minutes' "$1"
    now=$(date +%s)
    boundary=$(( (now + BURST_LEAD + 60) / 60 * 60 ))
    start $((boundary - BURST_LEAD - now))
    polls=0
    until [ "$(sql "SELECT count(*) FROM runs WHERE scheduled_for = $boundary
                    AND status NOT IN ('queued', 'running')")" -ge "$BURST_N" ]; do
        polls=$((polls + 1))
        if [ "$polls" -gt $(( (BURST_LEAD + 60) * 10 )) ]; then
            echo "bench_burst: the burst did not end" >&2
            break
        fi
        sleep 0.1
    done
    set -- $(quantiles "scheduled_for = $boundary") "$1"
    ok=$(sql "SELECT count(*) FROM runs WHERE scheduled_for = $boundary AND status = 'success'")
    printf 'burst of %d on one minute, fork_server %-5s  p50 %6s ms  p99 %6s ms  (goal p99 < %d ms: %s; %d succeeded)\n' \
        "$BURST_N" "$3" "$1" "$2" "$BURST_GOAL_MS" "$(verdict "$2" "$BURST_GOAL_MS")" "$ok"
    finish
}

rate() { # FORK_SERVER
    setup "$RATE_N" 'every(1).seconds' "$1"
    start 0
    first=$(( $(date +%s) + 2 ))
    sleep "$RATE_SECONDS"
    last=$(( $(date +%s) - 1 ))
    "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    DAEMON=
    window="scheduled_for BETWEEN $first AND $last AND \"trigger\" = 'schedule'"
    set -- $(quantiles "$window") "$1"
    skips=$(sql "SELECT count(*) FROM runs WHERE $window AND status = 'skipped'
                 AND error NOT LIKE '%shutting down%'")
    fires=$(sql "SELECT count(*) FROM runs WHERE $window")
    printf '%d tasks every second, fork_server %-5s  p50 %6s ms  p99 %6s ms  (goal p99 < %d ms: %s); %s skips of %s fires (goal 0: %s)\n' \
        "$RATE_N" "$3" "$1" "$2" "$RATE_GOAL_MS" "$(verdict "$2" "$RATE_GOAL_MS")" \
        "$skips" "$fires" "$([ "$skips" = 0 ] && echo met || echo NOT met)"
    finish
}

echo "bench_burst: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for fs in true false; do
    burst "$fs"
    rate "$fs"
done
echo "bench_burst: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
