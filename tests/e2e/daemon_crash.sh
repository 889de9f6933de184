#!/bin/sh
# daemon_crash.sh — `kill -9` of the daemon during a run, then a restart:
# the run left open is recorded `interrupted`, and its fire is not run again.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task k_long <<'EOF_TASK'
return { schedule = every(1).hours, timeout = 60, command = { "sleep", "30" } }
EOF_TASK

offset=$(e2e_offset_before 3600 2)
if ! e2e_start "$offset"; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_wait 8 e2e_sql_true "SELECT count(*) = 1 FROM runs
                         WHERE task = 'k_long' AND status = 'running'"
fire=$(e2e_sql "SELECT scheduled_for FROM runs WHERE task = 'k_long'")
kill -KILL "$E2E_DAEMON"
e2e_wait 5 e2e_gone "$E2E_DAEMON"

if ! e2e_start "$offset"; then
    e2e_not_ok daemon_restarts_after_kill "the daemon answering after kill -9"
    e2e_done
fi
e2e_ok daemon_restarts_after_kill
rows=$(e2e_runs k_long)
e2e_check killed_run_marked_interrupted "one row of $fire, interrupted and finished: $rows" \
    e2e_sql_true "SELECT count(*) = 1 AND min(status = 'interrupted' AND finished_at > 0)
                         AND min(scheduled_for) = $fire
                  FROM runs WHERE task = 'k_long'"
sleep 1
e2e_check interrupted_fire_not_run_again "still one row after a second: $rows" \
    e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'k_long'"
e2e_check next_fire_is_the_next_hour "next_fire $((fire + 3600))" \
    e2e_sql_true "SELECT next_fire = $fire + 3600 FROM tasks WHERE name = 'k_long'"

e2e_stop
e2e_done
