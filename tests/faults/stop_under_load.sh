#!/bin/sh
# stop_under_load.sh — a graceful stop lands on the instant many runs are
# released: every run whose body began is recorded as run (success, or
# killed past shutdown_timeout), never as `skipped` "cancelled: …"; only
# runs that never began may be skipped.
#
# Forty tasks fire every second and append their run id to a file outside
# data/ as the first thing their body does.  The stop is sent a few
# milliseconds around a second boundary, while the daemon is still reading
# the "started" messages of that instant's runs; six rounds.
set -u
. tests/faults/lib.sh
faults_setup

EXECUTED=$E2E_ROOT/executed.log
TASKS=40
ROUNDS=6
cat >"$E2E_ROOT/config/config.yaml" <<'EOF_CONFIG'
scheduler:
  timezone: UTC
  max_concurrent: 64
  kill_grace: 1
  shutdown_timeout: 5
EOF_CONFIG
i=0
while [ "$i" -lt "$TASKS" ]; do
    e2e_task "load_$i" <<EOF_TASK
return { schedule = every(1).seconds, timeout = 10,
         run = function(ctx)
           local f = assert(io.open("$EXECUTED", "a"))
           f:write(ctx.run_id, "\n")
           f:close()
         end }
EOF_TASK
    i=$((i + 1))
done

# stop_after_boundary MS: SIGTERM the daemon (a graceful stop, as `main
# stop` sends it) MS milliseconds (may be negative) from the next second
# boundary, and wait for it to be gone.
stop_after_boundary() {
    /usr/bin/python3 -c '
import os, signal, sys, time
now = time.time()
time.sleep(max(0.0, int(now) + 1 + int(sys.argv[2]) / 1000.0 - now))
os.kill(int(sys.argv[1]), signal.SIGTERM)' "$E2E_DAEMON" "$1"
    e2e_wait 15 e2e_gone "$E2E_DAEMON"
}

round=0
while [ "$round" -lt "$ROUNDS" ]; do
    faults_start || e2e_done
    sleep 2
    stop_after_boundary $((round - 3))
    round=$((round + 1))
done

# Each id the tasks wrote down ran its body: none may be recorded skipped.
bad=$(sort -u "$EXECUTED" | while read -r id; do
    [ -n "$id" ] || continue
    status=$(e2e_sql "SELECT status FROM runs WHERE id = $id")
    case $status in
        success | killed) ;;
        *) echo "$id:${status:-no row}" ;;
    esac
done | head -n 5)
ran=$(sort -u "$EXECUTED" | grep -c .)
e2e_check stop_records_every_released_run_as_run \
    "every one of the $ran runs whose body began recorded success or killed, got: $bad" \
    [ -z "$bad" ]
skipped=$(e2e_sql "SELECT count(*) FROM runs WHERE status = 'skipped'
                   AND error LIKE 'cancelled: the scheduler is shutting down%'")
e2e_ok "stop_under_load_rounds # $ran runs began, $skipped prepared runs cancelled by the stops"
faults_start || e2e_done
faults_finish stop_under_load
