#!/bin/sh
# bench_api.sh — the HTTP API under load (make bench).
#
# A temporary root with 1,000 never-due tasks, an every(1).seconds task
# `tick`, and 100,000 runs written straight into the store with sqlite3
# (the daemon made the schema at a first start, API off).  Then, with the
# daemon serving on a free port of 127.0.0.1, build/bench/bench_api keeps
# BENCH_API_CONNECTIONS (16) keep-alive connections busy for
# BENCH_API_SECONDS (10) on GET /api/v1/tasks and on
# GET /api/v1/runs?limit=50 (and /api/v1/tasks?state=enabled, the list
# built for each request): requests/s, median and p99 latency.  Beside
# each: tick's fire lateness (run started_at - scheduled instant) during
# the load, against the same window without load.  Last, the daemon's RSS
# after a fresh start with the API on and with api.listen "" (off).
# Run from the repository root, after `make main build/bench/bench_api`.
set -u
CONNECTIONS=${BENCH_API_CONNECTIONS:-16}
SECONDS_EACH=${BENCH_API_SECONDS:-10}
TASKS=1000
RUNS=100000
GOAL_RPS=5000
GOAL_P99_MS=20
GOAL_RSS_KIB=1024
MAIN=$(pwd)/main
CLIENT=$(pwd)/build/bench/bench_api
ROOT=$(mktemp -d /tmp/benchapiXXXXXX) || exit 1
DAEMON=

stop_daemon() {
    [ -n "$DAEMON" ] || return 0
    "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
    DAEMON=
}
cleanup() {
    stop_daemon
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$ROOT/tasks" "$ROOT/config"
# config LISTEN: the config, the API on LISTEN ("" = off).
config() {
    printf 'scheduler:\n  timezone: UTC\n  shutdown_timeout: 3\napi:\n  listen: "%s"\n' "$1" \
        >"$ROOT/config/config.yaml"
}
i=0
while [ "$i" -lt "$TASKS" ]; do
    printf 'return { schedule = every(1).days, tags = { "bench" }, command = { "true" } }\n' \
        >"$ROOT/tasks/t$i.lua"
    i=$((i + 1))
done
printf 'return { schedule = every(1).seconds, command = { "true" } }\n' >"$ROOT/tasks/tick.lua"

# start: the daemon, detached; waits for its pid file.
start() {
    "$MAIN" --root "$ROOT" --daemon || exit 1
    DAEMON=$(cat "$ROOT/data/scheduler.pid")
}
rss_kib() {
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DAEMON/status"
}
sql() {
    sqlite3 -batch -noheader -cmd '.timeout 5000' "$ROOT/data/scheduler.db" "$1"
}
# lateness FROM TO: tick's fires scheduled in [FROM, TO): "n=N median X ms,
# max Y ms" of started_at - scheduled_for.
lateness() {
    sql "SELECT (started_at - scheduled_for) * 1000 FROM runs WHERE task = 'tick'
         AND scheduled_for >= $1 AND scheduled_for < $2 AND started_at IS NOT NULL
         ORDER BY 1" | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "n=0"; exit }
            printf "n=%d median %.2f ms, max %.2f ms", NR, v[int((NR + 1) / 2)], v[NR]
        }'
}
# load PATH: the client's line for PATH, and tick's lateness meanwhile.
load() {
    from=$(($(date +%s) + 1))
    line=$("$CLIENT" "http://127.0.0.1:$PORT$1" "$TOKEN" "$CONNECTIONS" "$SECONDS_EACH") ||
        echo "bench_api: errors under load on $1" >&2
    sleep 1.5
    echo "GET $1: $line; tick lateness meanwhile: $(lateness "$from" "$(($(date +%s) - 1))")"
}

# ---- the store: 100,000 runs of 1,000 tasks, written before the daemon reads it

config ""
start
stop_daemon
sleep 0.5
now=$(date +%s)
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RUNS)
     INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, started_at, finished_at,
                       duration, status, exit_code, attempt, output_tail)
     SELECT 't' || (i % $TASKS), 'schedule', $now - ($RUNS - i) * 60,
            $now - ($RUNS - i) * 60, $now - ($RUNS - i) * 60 + 0.001,
            $now - ($RUNS - i) * 60 + 0.051, 0.05,
            CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'success' END,
            CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END, 1, 'done' FROM n" || exit 1

# ---- load, and lateness with and without it ----------------------------------

config "127.0.0.1:$PORT"
start
TOKEN=$(cat "$ROOT/data/api.token")
polls=0
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
    polls=$((polls + 1))
    [ "$polls" -lt 100 ] || { echo "bench_api: the API did not come up" >&2; exit 1; }
    sleep 0.1
done
echo "api: $TASKS tasks, $(sql 'SELECT count(*) FROM runs') runs, $CONNECTIONS connections," \
    "$SECONDS_EACH s each; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
from=$(($(date +%s) + 1))
sleep "$SECONDS_EACH"
echo "no load: tick lateness $(lateness "$from" "$(($(date +%s) - 1))")"
tasks_line=$(load /api/v1/tasks)
echo "$tasks_line"
load '/api/v1/runs?limit=50'
# The same list through a filter that keeps every task: built afresh for
# each request, as the whole list was before it was kept serialised.
load '/api/v1/tasks?state=enabled'

# ---- RSS with the API on and off, each after a fresh start -----------------------

stop_daemon
start
sleep 2
rss_on=$(rss_kib)
stop_daemon
config ""
start
sleep 2
rss_off=$(rss_kib)
stop_daemon
echo "rss: API on $rss_on KiB, off $rss_off KiB: $((rss_on - rss_off)) KiB more" \
    "(goal < $GOAL_RSS_KIB KiB: $([ $((rss_on - rss_off)) -lt "$GOAL_RSS_KIB" ] && echo met || echo MISSED))"
echo "$tasks_line" | awk -v rps="$GOAL_RPS" -v p99="$GOAL_P99_MS" '{
    for (i = 1; i <= NF; i++) {
        if ($(i + 1) == "req/s,") r = $i
        if ($i == "p99") p = $(i + 1)
    }
    printf "goals for GET /api/v1/tasks: > %d req/s: %s; p99 < %d ms: %s\n",
           rps, (r > rps ? "met" : "MISSED"), p99, (p < p99 ? "met" : "MISSED")
}'
