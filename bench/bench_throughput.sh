#!/bin/sh
# bench_throughput.sh — how many trivial runs the daemon records per second,
# and how fast it still answers --status meanwhile.
#
# BENCH_TP_N (300) tasks every(1).seconds, each `return true`, with
# max_concurrent 2000, for BENCH_TP_SECONDS (20 s); the first two seconds
# are left out as the warm-up.  Counted are the complete rows of the
# window: status success and finished_at set, and the daemon's own CPU
# time is printed per complete run.  While the load runs,
# BENCH_TP_CALLS (20) calls of `main --status` are timed (median, p99).
# Printed with the goals of issue #16 and the load average.  Run from the
# repository root (make bench).
set -u
N=${BENCH_TP_N:-300}
SECONDS_RUN=${BENCH_TP_SECONDS:-20}
CALLS=${BENCH_TP_CALLS:-20}
RATE_GOAL=1500
STATUS_GOAL_MS=10
MAIN=$(pwd)/main
ROOT=
DAEMON=

cleanup() {
    [ -n "$DAEMON" ] && "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    [ -n "$ROOT" ] && rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ROOT=$(mktemp -d /tmp/benchtpXXXXXX) || exit 1
mkdir -p "$ROOT/tasks" "$ROOT/config"
printf 'scheduler:\n  timezone: UTC\n  shutdown_timeout: 5\n  max_concurrent: 2000\napi:\n  listen: ""\n' \
    >"$ROOT/config/config.yaml"
i=0
while [ "$i" -lt "$N" ]; do
    printf 'return { schedule = every(1).seconds, run = function() return true end }\n' \
        >"$ROOT/tasks/t$i.lua"
    i=$((i + 1))
done

sql() {
    sqlite3 -batch -noheader -cmd '.timeout 5000' "$ROOT/data/scheduler.db" "$1"
}

"$MAIN" --root "$ROOT" --daemon || exit 1
DAEMON=$(cat "$ROOT/data/scheduler.pid")
first=$(($(date +%s) + 2))
last=$((first + SECONDS_RUN - 1))
sleep 3
# --status under the load, spread over the window (a slow answer takes
# calls away, never time from the window).
times=$(mktemp /tmp/benchtptimesXXXXXX) || exit 1
gap=$(awk -v s="$SECONDS_RUN" -v c="$CALLS" 'BEGIN { g = (s - 4) / c; print (g > 0 ? g : 0) }')
c=0
while [ "$c" -lt "$CALLS" ] && [ "$(date +%s)" -lt "$last" ]; do
    t0=$(date +%s.%N)
    "$MAIN" --root "$ROOT" --status >/dev/null 2>&1
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }' >>"$times"
    sleep "$gap"
    c=$((c + 1))
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
rest=$((last + 2 - $(date +%s)))
[ "$rest" -gt 0 ] && sleep "$rest"
# The daemon's own CPU time (user + system, fields 14 and 15, in ticks).
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$DAEMON/stat")
"$MAIN" --root "$ROOT" stop >/dev/null 2>&1
DAEMON=
window="scheduled_for BETWEEN $first AND $last AND \"trigger\" = 'schedule'"
done_rows=$(sql "SELECT count(*) FROM runs WHERE $window AND status = 'success'
                 AND finished_at IS NOT NULL")
fires=$(sql "SELECT count(*) FROM runs WHERE $window")
statuses=$(sql "SELECT status || ' ' || count(*) FROM runs WHERE $window GROUP BY status" |
    tr '\n' ',' | sed 's/,$//; s/,/, /g')
rate=$(awk -v n="$done_rows" -v s="$SECONDS_RUN" 'BEGIN { printf "%.0f", n / s }')
set -- $(sort -n "$times" | awk '{ v[NR] = $1 } END {
             i50 = int(NR * 0.50 + 0.999); i99 = int(NR * 0.99 + 0.999)
             printf "%s %s\n", v[i50 < 1 ? 1 : i50], v[i99 < 1 ? 1 : i99] }')
rm -f "$times"
printf 'bench_throughput: %d tasks every second for %d s, %d cores, load average %s\n' \
    "$N" "$SECONDS_RUN" "$(nproc)" "$load"
printf '  complete runs %d of %d fires (%s) in %d s: %s/s (goal > %d/s: %s)\n' "$done_rows" \
    "$fires" "$statuses" "$SECONDS_RUN" "$rate" "$RATE_GOAL" \
    "$([ "$rate" -gt "$RATE_GOAL" ] && echo met || echo NOT met)"
printf '  daemon CPU %s s in all (%s ms per complete run)\n' "$cpu" \
    "$(awk -v c="$cpu" -v n="$done_rows" 'BEGIN { printf "%.2f", n ? c * 1000 / n : 0 }')"
printf '  --status under the load: median %s ms, p99 %s ms of %d calls (goal < %d ms: %s)\n' \
    "$1" "$2" "$c" "$STATUS_GOAL_MS" \
    "$(awk -v v="$2" -v g="$STATUS_GOAL_MS" 'BEGIN { print v + 0 < g + 0 ? "met" : "NOT met" }')"
