#!/bin/sh
# daemon_crash.sh — `kill -9` of the daemon during a run, then a restart:
# the run left open is recorded `interrupted` (and an `interrupted` alert
# opens), and its fire is not run again.
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
pid=$(e2e_sql "SELECT pid FROM runs WHERE task = 'k_long'")
e2e_check orphaned_run_group_killed "no live process group $pid (k_long's run) after the restart" \
    e2e_wait 2 e2e_gone "-$pid"
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
e2e_check interrupted_opens_an_alert "an open interrupted alert of the daemon, count 1, got: $(e2e_sql 'SELECT kind, task, count, message FROM alerts')" \
    e2e_sql_true "SELECT count(*) = 1 AND max(count) = 1 AND max(task) = '' AND max(resolved_at) IS NULL
                  FROM alerts WHERE kind = 'interrupted'"
listed=$(e2e_cli alerts)
e2e_check interrupted_alert_listed "'alerts' lists it as the daemon's, got: $listed" \
    sh -c "printf '%s\n' \"\$1\" | grep -Eq '^[0-9]+ +interrupted +\(daemon\) '" - "$listed"

e2e_stop

# lookalike DIR: start what /proc shows as "$E2E_MAIN __run" leading its own
# process group, as a run process would (bash reading a script named
# __run, renamed by exec -a); print its pid.
lookalike() {
    mkdir -p "$E2E_ROOT/$1"
    printf 'echo $$ >pid\nsleep 60\n:\n' >"$E2E_ROOT/$1/__run"
    (cd "$E2E_ROOT/$1" && setsid bash -c 'exec -a "$0" bash __run' "$E2E_MAIN" \
        </dev/null >/dev/null 2>&1 &)
    e2e_wait 5 test -s "$E2E_ROOT/$1/pid" && cat "$E2E_ROOT/$1/pid"
}
alive() { ! e2e_gone "$1"; }
# A run recorded as started a minute before its pid's process was born is
# a pid reused since: that process is left alone.  One recorded as started
# after its process was born is the run's own: killed.
reused=$(lookalike reused)
orphan=$(lookalike orphan)
now=$(date +%s)
e2e_sql "INSERT INTO runs (task, \"trigger\", queued_at, started_at, status, pid) VALUES
         ('ghost', 'manual', $now - 60, $now - 60, 'running', $reused),
         ('ghost', 'manual', $now, $now + 1, 'running', $orphan)"
if ! e2e_start; then
    e2e_not_ok daemon_restarts_over_lookalikes "the daemon answering"
    e2e_done
fi
e2e_check orphan_lookalike_killed "no live process group $orphan (started before its run)" \
    e2e_wait 2 e2e_gone "-$orphan"
e2e_check reused_pid_spared "process $reused (born after its run started) still alive" \
    alive "$reused"
e2e_stop
e2e_done
