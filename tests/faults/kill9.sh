#!/bin/sh
# kill9.sh — kill -9 of the daemon at random moments, 20 times, under a load
# of short and long runs.  Afterwards every fire instant of the window is
# accounted for exactly once (one row with a final status: a run, skipped,
# missed or interrupted) and the store passes PRAGMA integrity_check.
set -u
. tests/faults/lib.sh
faults_setup

kills=${FAULTS_KILLS:-20}
cat >>"$E2E_ROOT/config/config.yaml" <<'EOF_CONFIG'
  max_catchup: 1000
EOF_CONFIG
e2e_task k_short <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10, run = function() end }
EOF_TASK
e2e_task k_cmd <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10, catchup = "all", command = { "true" } }
EOF_TASK
e2e_task k_long <<'EOF_TASK'
return { schedule = every(2).seconds, timeout = 10, command = { "sleep", "5" } }
EOF_TASK
# Spins past its timeout, but for 3 s at most: a run orphaned by kill -9
# must not eat this machine's CPU for the rest of the suite.
e2e_task k_timeout <<'EOF_TASK'
return { schedule = every(3).seconds, timeout = 1, catchup = "skip",
         run = function() local t = os.time() while os.time() - t < 3 do end end }
EOF_TASK

i=0
while [ "$i" -lt "$kills" ]; do
    if ! faults_start; then
        e2e_not_ok kill9_daemon_restarts "the daemon answering after kill -9 number $i"
        e2e_done
    fi
    # 0.2 .. 2.5 s: before, during and after prepared releases and runs.
    sleep "$(awk -v r="$(faults_random 2300)" 'BEGIN { print 0.2 + r / 1000 }')"
    faults_kill9
    i=$((i + 1))
done
if ! faults_start; then
    e2e_not_ok kill9_daemon_restarts "the daemon answering after the last kill -9"
    e2e_done
fi
e2e_ok kill9_daemon_restarts
sleep 2

# The runs the last kill -9 left (k_long sleeps 5 s) are marked interrupted;
# their processes must not keep running without a daemon to time them out.
orphans_alive() {
    for pid in $(e2e_sql "SELECT pid FROM runs WHERE status = 'interrupted' AND pid > 0
                          ORDER BY id DESC LIMIT 5"); do
        kill -0 "-$pid" 2>/dev/null && echo "$pid"
    done
}
alive=$(orphans_alive | tr '\n' ' ')
e2e_check kill9_interrupted_runs_stopped "no live process group of a run marked interrupted, got: $alive" \
    [ -z "$alive" ]
e2e_stop

# Per task, the instants from its first fire to its last recorded one, each
# with exactly one row of a final status.
unaccounted() {
    e2e_sql "WITH RECURSIVE
      span(task, step, first, last) AS (
        SELECT task, CASE task WHEN 'k_long' THEN 2 WHEN 'k_timeout' THEN 3 ELSE 1 END,
               min(scheduled_for), max(scheduled_for)
        FROM runs WHERE \"trigger\" IN ('schedule', 'catchup') GROUP BY task),
      instant(task, at, step, last) AS (
        SELECT task, first, step, last FROM span
        UNION ALL SELECT task, at + step, step, last FROM instant WHERE at + step <= last)
      SELECT i.task || '@' || i.at || '=' || count(r.id) FROM instant i
      LEFT JOIN runs r ON r.task = i.task AND r.scheduled_for = i.at
           AND r.\"trigger\" IN ('schedule', 'catchup')
           AND r.status IN ('success', 'failed', 'timeout', 'killed', 'skipped',
                            'missed', 'interrupted')
      GROUP BY i.task, i.at HAVING count(r.id) <> 1 LIMIT 10"
}
bad=$(unaccounted | tr '\n' ' ')
e2e_check kill9_every_instant_accounted_once "one final row per instant, got: $bad" \
    [ -z "$bad" ]
open=$(e2e_sql "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')")
e2e_check kill9_no_run_left_open "no queued or running row after the stop, got $open" \
    [ "$open" = 0 ]
tasks_seen=$(e2e_sql "SELECT count(DISTINCT task) FROM runs")
e2e_check kill9_all_tasks_fired "runs of the 4 tasks, got $tasks_seen" [ "$tasks_seen" = 4 ]
e2e_check kill9_integrity_check_ok "PRAGMA integrity_check = ok, got $(e2e_sql 'PRAGMA integrity_check' | head -3)" \
    faults_integrity_ok

if ! faults_start; then
    e2e_not_ok kill9_daemon_restarts_at_end "the daemon answering after the checks"
    e2e_done
fi
faults_finish kill9
