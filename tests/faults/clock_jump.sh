#!/bin/sh
# clock_jump.sh — wall-clock jumps of +2 h and then −1 h, made by restarting
# the daemon with TASKSCHED_CLOCK_OFFSET moved (changing the real clock
# would disturb the machine; libfaketime's clock is not seen by the kernel,
# so the timerfd that reports live jumps cannot be exercised either way).
# Catch-up follows each task's policy, and no instant runs twice.
set -u
. tests/faults/lib.sh
faults_setup

cat >>"$E2E_ROOT/config/config.yaml" <<'EOF_CONFIG'
  max_catchup: 50
EOF_CONFIG
for policy in once all skip; do
    e2e_task "j_$policy" <<EOF_TASK
return { schedule = every(10).minutes, catchup = "$policy", timeout = 10, run = function() end }
EOF_TASK
done

# Start 2 s before a 10-minute boundary T, so each task runs T normally.
base=$(e2e_offset_before 600 2)
if ! faults_start "$base"; then
    e2e_not_ok clock_daemon_starts "the daemon answering"
    e2e_done
fi
first_ran() {
    e2e_sql_true "SELECT count(*) = 3 FROM runs WHERE status = 'success'"
}
e2e_check clock_boundary_runs "the three tasks run at the boundary" e2e_wait 6 first_ran
T=$(e2e_sql "SELECT min(scheduled_for) FROM runs")
e2e_stop

# +2 h: instants T+600 … T+7200 passed (12).
if ! faults_start $((base + 7200)); then
    e2e_not_ok clock_forward_restart "the daemon answering 2 h later"
    e2e_done
fi
count() {   # count TASK STATUS TRIGGER: rows after T
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND status = '$2'
             AND \"trigger\" = '$3' AND scheduled_for > $T"
}
caught_up() {
    e2e_sql_true "SELECT count(*) = 0 FROM runs WHERE status IN ('queued', 'running')" &&
        [ "$(count j_all success catchup)" = 12 ]
}
e2e_wait 10 caught_up
e2e_check clock_forward_once_runs_latest_once \
    "j_once: 1 catch-up run of T+7200 and 11 missed, got $(e2e_runs j_once)" \
    e2e_sql_true "SELECT count(*) = 12 AND sum(status = 'missed') = 11
                  AND sum(status = 'success' AND scheduled_for = $T + 7200) = 1
                  FROM runs WHERE task = 'j_once' AND scheduled_for > $T"
e2e_check clock_forward_all_runs_each_in_order \
    "j_all: 12 catch-up runs, in order, got $(e2e_runs j_all)" \
    e2e_sql_true "SELECT count(*) = 12 AND sum(status = 'success') = 12
                  AND group_concat(scheduled_for) = (SELECT group_concat(s) FROM (
                      WITH RECURSIVE k(s) AS (SELECT $T + 600 UNION ALL
                                              SELECT s + 600 FROM k WHERE s < $T + 7200)
                      SELECT s FROM k))
                  FROM (SELECT * FROM runs WHERE task = 'j_all' AND scheduled_for > $T ORDER BY id)"
e2e_check clock_forward_skip_runs_none \
    "j_skip: 12 missed, no run, got $(e2e_runs j_skip)" \
    e2e_sql_true "SELECT count(*) = 12 AND sum(status = 'missed') = 12
                  FROM runs WHERE task = 'j_skip' AND scheduled_for > $T"
e2e_stop

# −1 h from there: instants T+3600 … T+7200 come again; none may run again.
rows_before=$(e2e_sql "SELECT count(*) FROM runs")
if ! faults_start $((base + 3600)); then
    e2e_not_ok clock_backward_restart "the daemon answering 1 h back"
    e2e_done
fi
sleep 3
rows_after=$(e2e_sql "SELECT count(*) FROM runs")
e2e_check clock_backward_runs_nothing "no new row 1 h back ($rows_before before, $rows_after after)" \
    [ "$rows_before" = "$rows_after" ]
e2e_check clock_backward_keeps_next_fire "next fires still T+7800" \
    e2e_sql_true "SELECT count(*) = 3 AND min(next_fire) = $T + 7800 AND max(next_fire) = $T + 7800
                  FROM tasks"
e2e_stop

# Forward again, just before T+7800: it runs once, as a normal fire.
if ! faults_start $((T + 7798 - $(date +%s))); then
    e2e_not_ok clock_forward_again_restart "the daemon answering at T+7800"
    e2e_done
fi
e2e_check clock_next_boundary_runs_once "the three tasks run T+7800" \
    e2e_wait 6 e2e_sql_true "SELECT count(*) = 3 FROM runs WHERE scheduled_for = $T + 7800
                             AND status = 'success'"
dups=$(e2e_sql "SELECT task || '@' || scheduled_for FROM runs
                WHERE status NOT IN ('missed', 'skipped')
                GROUP BY task, scheduled_for HAVING count(*) > 1" | tr '\n' ' ')
e2e_check clock_nothing_runs_twice "no instant run twice, got: $dups" [ -z "$dups" ]
faults_show_log 10
faults_finish clock
