#!/bin/sh
# idle_wakeups.sh — an idle daemon never wakes: with the HTTP API on and a
# task due tomorrow, neither the daemon nor its fork server returns from
# its wait in 16 s (no poll, no heartbeat timer without an event stream;
# the SSE heartbeat runs only while a client is connected).
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
EOF
e2e_task daily <<'EOF'
return { schedule = every().day.at("04:00"), run = function() end }
EOF
e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)" >/dev/null

# wakeups PID...: the processes' voluntary context switches, summed: each
# return from a blocking wait counts one.
wakeups() {
    n=0
    for p in "$@"; do
        v=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "/proc/$p/status")
        n=$((n + ${v:-0}))
    done
    echo "$n"
}

sleep 2 # the start's last writes and timers settle
pids="$E2E_DAEMON $(pgrep -P "$E2E_DAEMON" | tr '\n' ' ')"
before=$(wakeups $pids)
each_before=$(for p in $pids; do printf '%s=%s ' "$p" "$(wakeups "$p")"; done)
sleep 16
after=$(wakeups $pids)
each_after=$(for p in $pids; do printf '%s=%s ' "$p" "$(wakeups "$p")"; done)
e2e_check idle_daemon_does_not_wake "0 wake-ups in 16 s, got $((after - before)) ($each_before-> $each_after)" \
    [ "$((after - before))" -eq 0 ]

e2e_stop
e2e_done
