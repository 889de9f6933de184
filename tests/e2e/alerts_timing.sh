#!/bin/sh
# alerts_timing.sh — the alerts armed as wake-ups: a fire held up by
# max_concurrent beyond its late_after opens `late` (and `overdue` lists
# it meanwhile), and its start resolves it; a run three times longer than its task's usual p95 (and
# longer than alerts.long_min) opens `long_running`, and its end resolves
# it.  Seconds, never minutes: late_after = 1, long_min 1 s.
set -u
. tests/e2e/lib.sh
e2e_setup
MODE=$E2E_ROOT/mode
sed -i 's/^scheduler:$/scheduler:\n  max_concurrent: 1/' "$E2E_ROOT/config/config.yaml"
cat >>"$E2E_ROOT/config/config.yaml" <<'EOF'
alerts:
  long_factor: 2
  long_min: 1s
EOF

e2e_task blocker <<'EOF'
return { schedule = every(1).days, command = { "sleep", "4" } }
EOF
e2e_task waiter <<'EOF'
return { schedule = every(1).seconds, alerts = { late_after = 1 }, command = { "true" } }
EOF
e2e_task slow <<EOF_TASK
return { schedule = every(1).days,
         command = { "sh", "-c", "if [ \"\$(cat $MODE)\" = slow ]; then sleep 2; else sleep 0.3; fi" } }
EOF_TASK
alert() { # alert KIND TASK COLUMN
    e2e_sql "SELECT $3 FROM alerts WHERE kind = '$1' AND task = '$2' ORDER BY id DESC LIMIT 1"
}

echo fast >"$MODE"
e2e_start || e2e_done
e2e_wait 10 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'waiter' AND status = 'success'"
e2e_cli --task blocker >/dev/null 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
e2e_wait 10 e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'late' AND task = 'waiter'"
e2e_check held_fire_opens_late "a late alert of waiter while blocker holds the one slot, got: $(e2e_sql 'SELECT kind, task, message FROM alerts')" \
    e2e_sql_true "SELECT count(*) = 1 AND max(resolved_at) IS NULL AND max(message) LIKE '%max_concurrent%' FROM alerts WHERE kind = 'late' AND task = 'waiter'"
overdue=$(e2e_cli overdue --json | /usr/bin/python3 -c 'import json, sys; print(" ".join(t["name"] for t in json.load(sys.stdin)))')
e2e_check overdue_agrees_with_late "overdue lists waiter while its late alert is open, got: $overdue" \
    [ "$overdue" = waiter ]
e2e_wait 10 e2e_sql_true "SELECT resolved_at > 0 FROM alerts WHERE kind = 'late' AND task = 'waiter'"
e2e_check start_resolves_late "resolved by 'daemon: a run started', got: $(alert late waiter resolved_by)" \
    [ "$(alert late waiter resolved_by)" = "daemon: a run started" ]
e2e_check on_time_fires_open_no_late "one late alert only, got: $(e2e_sql "SELECT count(*) FROM alerts WHERE kind = 'late'")" \
    e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'late'"

for i in 1 2 3; do
    e2e_cli --task slow >/dev/null 2>&1
done
e2e_check usual_runs_open_no_long_running "no long_running alert after three 0.3 s runs" \
    e2e_sql_true "SELECT count(*) = 0 FROM alerts WHERE kind = 'long_running'"
echo slow >"$MODE"
e2e_cli --task slow >/dev/null 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
e2e_wait 5 e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'long_running' AND task = 'slow' AND resolved_at IS NULL"
e2e_check long_run_opens_long_running "an open long_running alert of slow, got: $(e2e_sql 'SELECT kind, task, message, resolved_at FROM alerts WHERE task = "slow"')" \
    e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'long_running' AND task = 'slow'"
e2e_wait 10 e2e_sql_true "SELECT resolved_at > 0 FROM alerts WHERE kind = 'long_running'"
e2e_check end_resolves_long_running "resolved by 'daemon: the run ended', got: $(alert long_running slow resolved_by)" \
    [ "$(alert long_running slow resolved_by)" = "daemon: the run ended" ]
e2e_stop
e2e_done
