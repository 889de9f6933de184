#!/bin/sh
# bench_dashboard.sh — the dashboard's overview with many tasks (make bench).
#
# A temporary root with 1,000 tasks (one every(1).seconds, the others
# hourly) and 100,000 runs written straight into the store with sqlite3,
# spread over the last 30 days (the daemon made the schema at a first
# start, API off).  Then a headless Debian chromium (tests/browser/cdp.py)
# opens the overview BENCH_DASHBOARD_LOADS (5) times: from navigation to
# the counts saying 1,000 tasks and the timeline's first bars drawn,
# polled every 10 ms.  Prints the median and the worst against the goal
# (< 1 s), and how many lanes the timeline drew (only those in view).
# Run from the repository root, after `make main`.
set -u
LOADS=${BENCH_DASHBOARD_LOADS:-5}
TASKS=1000
RUNS=100000
GOAL_MS=1000
MAIN=$(pwd)/main
ROOT=$(mktemp -d /tmp/benchdashXXXXXX) || exit 1
scripts/install_deps.sh chromium python3-websocket || exit 1

stop_daemon() {
    "$MAIN" --root "$ROOT" stop >/dev/null 2>&1
}
cleanup() {
    stop_daemon
    rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$ROOT/tasks" "$ROOT/config"
config() {
    printf 'scheduler:\n  timezone: UTC\n  shutdown_timeout: 3\napi:\n  listen: "%s"\n' "$1" \
        >"$ROOT/config/config.yaml"
}
i=1
while [ "$i" -lt "$TASKS" ]; do
    printf 'return { schedule = every(1).hours, tags = { "bench" }, command = { "true" } }\n' \
        >"$ROOT/tasks/t$i.lua"
    i=$((i + 1))
done
printf 'return { schedule = every(1).seconds, command = { "true" } }\n' >"$ROOT/tasks/t0.lua"
sql() {
    sqlite3 -batch -noheader -cmd '.timeout 5000' "$ROOT/data/scheduler.db" "$1"
}

config ""
"$MAIN" --root "$ROOT" --daemon || exit 1
stop_daemon
sleep 0.5
now=$(date +%s)
step=$((30 * 86400 / RUNS))
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RUNS)
     INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, started_at, finished_at,
                       duration, status, exit_code, attempt, output_tail)
     SELECT 't' || (i % $TASKS), 'schedule', $now - ($RUNS - i) * $step,
            $now - ($RUNS - i) * $step, $now - ($RUNS - i) * $step + 0.001,
            $now - ($RUNS - i) * $step + 0.051, 0.05,
            CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'success' END,
            CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END, 1, 'done' FROM n" || exit 1

config "127.0.0.1:$PORT"
"$MAIN" --root "$ROOT" --daemon || exit 1
polls=0
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"; do
    polls=$((polls + 1))
    [ "$polls" -lt 100 ] || { echo "bench_dashboard: the API did not come up" >&2; exit 1; }
    sleep 0.1
done
echo "dashboard: $TASKS tasks, $(sql 'SELECT count(*) FROM runs') runs, $LOADS loads;" \
    "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
PORT=$PORT TOKEN=$(cat "$ROOT/data/api.token") LOADS=$LOADS GOAL_MS=$GOAL_MS TASKS=$TASKS \
    /usr/bin/python3 - <<'PY'
import os, sys, time
sys.path.insert(0, "tests/browser")
from cdp import Browser

base = "http://127.0.0.1:%s" % os.environ["PORT"]
tasks, goal = os.environ["TASKS"], int(os.environ["GOAL_MS"])
drawn = ("document.querySelector('[data-count=tasks] b')?.textContent === '%s'"
         " && document.querySelectorAll('.timeline .bar').length > 0" % tasks)
b = Browser()
times = []
try:
    for _ in range(int(os.environ["LOADS"])):
        b.go("about:blank")
        start = time.monotonic()
        b.go(base + "/#token=" + os.environ["TOKEN"])
        while not b.eval(drawn):
            if time.monotonic() - start > 30:
                sys.exit("bench_dashboard: the overview was not drawn within 30 s")
            time.sleep(0.01)
        times.append((time.monotonic() - start) * 1000)
    lanes = b.eval("document.querySelectorAll('.timeline g[data-task]').length")
finally:
    b.close()
times.sort()
median = times[len(times) // 2]
print("overview drawn: median %.0f ms, worst %.0f ms over %d loads; %s of %s lanes drawn"
      % (median, times[-1], len(times), lanes, tasks))
print("goal: overview < %d ms: %s" % (goal, "met" if median < goal else "MISSED"))
PY
