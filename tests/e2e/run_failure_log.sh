#!/bin/sh
# run_failure_log.sh — a run that fails, times out or is killed writes one
# ERROR line, with its error (and a Lua error's traceback), run id and
# attempt, to the task's own log, logs/tasks.log and logs/errors.log; a
# success writes none.
set -u
. tests/e2e/lib.sh
e2e_setup
LOGS=$E2E_ROOT/logs

e2e_task boom <<'EOF_TASK'
return { schedule = every(1).days, retry_count = 1, retry_delay = 1,
         run = function() error("disk on fire") end }
EOF_TASK
e2e_task sub/exits <<'EOF_TASK'
return { schedule = every(1).days, command = { "sh", "-c", "exit 3" } }
EOF_TASK
e2e_task slow <<'EOF_TASK'
return { schedule = every(1).days, timeout = 1, run = function() exec.run{ "sleep", "30" } end }
EOF_TASK
e2e_task fine <<'EOF_TASK'
return { schedule = every(1).days, run = function() end }
EOF_TASK
e2e_task long <<'EOF_TASK'
return { schedule = every(1).days, run = function() exec.run{ "sleep", "30" } end }
EOF_TASK

e2e_start || e2e_done

# logged_once FILE TEXT: exactly one ERROR line of FILE holds TEXT (fixed string).
logged_once() {
    [ "$(grep ' ERROR ' "$LOGS/$1" 2>/dev/null | grep -cF -- "$2")" = 1 ]
}
# everywhere TASK TEXT: the line is in the task's log, tasks.log and errors.log.
everywhere() {
    logged_once "tasks/$1.log" "$2" && logged_once tasks.log "$2" && logged_once errors.log "$2"
}
id_of() {
    e2e_sql "SELECT id FROM runs WHERE task = '$1' AND attempt = ${2:-1}"
}

e2e_cli --task boom >/dev/null 2>&1
e2e_wait 10 e2e_sql_true "SELECT count(*) = 2 FROM runs WHERE task = 'boom' AND finished_at > 0"
e2e_check failed_run_logged_with_its_error \
    "'run $(id_of boom) failed (attempt 1): tasks/boom.lua:2: disk on fire' in each log" \
    everywhere boom "run $(id_of boom) failed (attempt 1): tasks/boom.lua:2: disk on fire"
e2e_check failed_run_logged_with_its_traceback "run_id, attempt and the traceback on that line" \
    everywhere boom "run_id=$(id_of boom) attempt=1 status=failed traceback=\"stack traceback:"
e2e_check retry_logged_with_its_attempt "'run $(id_of boom 2) failed (attempt 2)' in each log" \
    everywhere boom "run $(id_of boom 2) failed (attempt 2): tasks/boom.lua:2: disk on fire"

e2e_cli --task sub/exits >/dev/null 2>&1
e2e_check failed_command_logged_in_its_domain_log \
    "'command exited with code 3' in logs/tasks/sub/exits.log, tasks.log and errors.log" \
    everywhere sub/exits "run $(id_of sub/exits) failed (attempt 1): command exited with code 3"

e2e_cli --task slow >/dev/null 2>&1
e2e_check timeout_logged "'run $(id_of slow) timeout (attempt 1): timed out after 1 s' in each log" \
    everywhere slow "run $(id_of slow) timeout (attempt 1): timed out after 1 s"

e2e_cli --task fine >/dev/null 2>&1
e2e_check success_not_logged_as_error "no ERROR line of fine" \
    sh -c "! grep -q ' ERROR \[fine\]' '$LOGS/errors.log' '$LOGS/tasks.log'"

# A run that outlasts shutdown_timeout at a stop is killed.
e2e_cli --task long >/dev/null 2>&1 &
e2e_wait 5 e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'long' AND status = 'running'"
e2e_stop
e2e_check killed_run_logged "'run $(id_of long) killed (attempt 1)' in each log" \
    everywhere long "run $(id_of long) killed (attempt 1): "
e2e_check scheduler_log_has_no_second_error "each failure once in errors.log (a warning in scheduler.log)" \
    sh -c "! grep -q ' ERROR .*: run [0-9]* \(failed\|timeout\|killed\)' '$LOGS/scheduler.log'"
e2e_done
