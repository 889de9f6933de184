#!/bin/sh
# bench_reload.sh — from dropping a task file to the task being scheduled.
#
# Starts a daemon in a temporary root, drops N task files one by one
# (written beside tasks/ and renamed in, as tools do), and for each takes
# the time from just before the rename to the daemon's log line
# "NAME: scheduled; next fire …" (its own millisecond timestamp).  Prints
# the median and p99 against the goal, and the ratio to the 5 s poll of the
# old Python scheduler.  Run from the repository root (make bench).
set -u
N=${BENCH_RELOAD_N:-50}
GOAL_MS=100
OLD_POLL_MS=5000
MAIN=$(pwd)/main
ROOT=$(mktemp -d /tmp/benchreloadXXXXXX) || exit 1
LOG=$ROOT/logs/scheduler.log
DAEMON=

cleanup() {
    [ -n "$DAEMON" ] && "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$ROOT/tasks" "$ROOT/config" "$ROOT/scratch"
# No HTTP API: its default port may be another daemon's.
printf 'scheduler:\n  timezone: UTC\n  shutdown_timeout: 3\napi:\n  listen: ""\n' >"$ROOT/config/config.yaml"
"$MAIN" --root "$ROOT" --daemon || exit 1
DAEMON=$(cat "$ROOT/data/scheduler.pid")

# logged_at NAME: the Unix time (s.ms) of NAME's "scheduled" line, or
# nothing yet.
logged_at() {
    line=$(grep -m 1 " $1: scheduled;" "$LOG") || return 1
    date -d "${line%% *}" +%s.%N
}

i=0
: >"$ROOT/latencies"
while [ "$i" -lt "$N" ]; do
    name=t$i
    printf 'return { schedule = every(1).hours, run = function() end }\n' >"$ROOT/scratch/$name.lua"
    dropped=$(date +%s.%N)
    mv "$ROOT/scratch/$name.lua" "$ROOT/tasks/$name.lua"
    polls=0
    until at=$(logged_at "$name"); do
        polls=$((polls + 1))
        if [ "$polls" -gt 2000 ]; then
            echo "bench_reload: $name was never scheduled" >&2
            exit 1
        fi
        sleep 0.005
    done
    echo "$at $dropped" | awk '{ printf "%.1f\n", ($1 - $2) * 1000 }' >>"$ROOT/latencies"
    i=$((i + 1))
done

sort -n "$ROOT/latencies" | awk -v goal="$GOAL_MS" -v old="$OLD_POLL_MS" '
    { v[NR] = $1 }
    END {
        median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        p = int(NR * 0.99 + 0.999); if (p > NR) p = NR
        printf "reload: file dropped -> task scheduled, %d files: median %.1f ms, p99 %.1f ms " \
               "(goal < %d ms: %s); %.0fx faster than a %d s poll (median)\n",
               NR, median, v[p], goal, v[p] < goal ? "met" : "MISSED", old / median, old / 1000
    }'
