#!/bin/sh
# bench_scale.sh — start-up, memory and reload with many task files.
#
# For N = 1,000 and 10,000 task files (and 100,000 with SCALE_MAX=100000:
# it takes a while), generates N trivial tasks (every(1).hours) in a
# temporary root, starts the daemon and takes:
#   - time to ready: from the start to `main --daemon` returning, which it
#     does once the first scan has loaded every task (daemon.c: the parent
#     waits for the start-up report);
#   - RSS: VmRSS of the daemon once ready;
#   - reload: from rewriting one file (written beside tasks/ and renamed
#     in) to the daemon's log line "NAME: reloaded; next fire …" for it.
# Each figure is the median of SCALE_RUNS runs (3 by default) and printed
# with its goal.  Run from the repository root (make bench).
set -u
MAIN=$(pwd)/main
MAX=${SCALE_MAX:-10000}
RUNS=${SCALE_RUNS:-3}
ROOT=$(mktemp -d /tmp/benchscaleXXXXXX) || exit 1

cleanup() {
    [ -f "$ROOT/data/scheduler.pid" ] && "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now() { date +%s.%N; }
ms_since() { echo "$(now) $1" | awk '{ printf "%.0f\n", ($1 - $2) * 1000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# goal_for N: the goals of issue #16 for N tasks, "READY_MS RSS_MIB".
goal_for() {
    case $1 in
    1000) echo "500 6" ;;
    10000) echo "500 15" ;;
    *) echo "5000 100" ;;
    esac
}

# make_root N: a fresh root holding N task files t0 … t(N-1).
make_root() {
    [ -f "$ROOT/data/scheduler.pid" ] && "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    rm -rf "$ROOT" && mkdir -p "$ROOT/tasks" "$ROOT/config" "$ROOT/scratch" || exit 1
    # No HTTP API: its default port may be another daemon's.
    printf 'scheduler:\n  timezone: UTC\n  shutdown_timeout: 3\napi:\n  listen: ""\n' \
        >"$ROOT/config/config.yaml"
    awk -v n="$1" -v dir="$ROOT/tasks" 'BEGIN {
        for (i = 0; i < n; i++) {
            f = dir "/t" i ".lua"
            print "return { schedule = every(1).hours, run = function() return true end }" > f
            close(f)
        }
    }'
}


# one_run N: start on the root, measure, stop; prints "READY_MS RSS_KIB RELOAD_MS".
one_run() {
    rm -rf "$ROOT/data" "$ROOT/logs"
    start=$(now)
    "$MAIN" --root "$ROOT" --daemon || { echo "bench_scale: the daemon did not start" >&2; exit 1; }
    ready=$(ms_since "$start")
    pid=$(cat "$ROOT/data/scheduler.pid")
    grep -q " $1 task(s) loaded, 0 broken" "$ROOT/logs/scheduler.log" ||
        { echo "bench_scale: not $1 tasks loaded" >&2; exit 1; }
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    name=t$(($1 / 2))
    printf 'return { schedule = every(2).hours, run = function() return true end }\n' \
        >"$ROOT/scratch/$name.lua"
    start=$(now)
    mv "$ROOT/scratch/$name.lua" "$ROOT/tasks/$name.lua"
    polls=0
    until grep -q " $name: reloaded;" "$ROOT/logs/scheduler.log"; do
        polls=$((polls + 1))
        [ "$polls" -gt 6000 ] && { echo "bench_scale: $name was never reloaded" >&2; exit 1; }
        sleep 0.005
    done
    reload=$(ms_since "$start")
    "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    # the edit goes back, for the next run
    printf 'return { schedule = every(1).hours, run = function() return true end }\n' \
        >"$ROOT/tasks/$name.lua"
    echo "$ready $rss $reload"
}

for n in 1000 10000 100000; do
    [ "$n" -gt "$MAX" ] && break
    make_root "$n"
    : >"$ROOT/scratch/runs"
    i=0
    while [ "$i" -lt "$RUNS" ]; do
        one_run "$n" >>"$ROOT/scratch/runs"
        i=$((i + 1))
    done
    set -- $(goal_for "$n")
    ready=$(awk '{ print $1 }' "$ROOT/scratch/runs" | median)
    rss=$(awk '{ print $2 }' "$ROOT/scratch/runs" | median)
    reload=$(awk '{ print $3 }' "$ROOT/scratch/runs" | median)
    echo "$n $ready $rss $reload $1 $2 $RUNS" | awk '{
        rss = $3 / 1024
        printf "scale: %d tasks: ready in %d ms (goal < %d ms: %s), RSS %.1f MiB " \
               "(goal < %d MiB: %s), one file touched -> reloaded in %d ms; median of %d\n",
               $1, $2, $5, $2 < $5 ? "met" : "MISSED", rss, $6, rss < $6 ? "met" : "MISSED",
               $4, $7
    }'
done

