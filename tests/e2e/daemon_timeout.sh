#!/bin/sh
# daemon_timeout.sh — limits on a run's time: at `timeout` the whole process
# group goes (grandchildren too), SIGKILL follows SIGTERM after kill_grace;
# failed runs are retried with backoff (attempt numbers and spacing).
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task t_kill <<EOF_TASK
return { schedule = every(1).days, timeout = 1,
         run = function() os.execute("sleep 300 & echo \$! > $E2E_ROOT/gc1.pid; wait") end }
EOF_TASK
e2e_task t_stubborn <<EOF_TASK
return { schedule = every(1).days, timeout = 1,
         command = { "sh", "-c", "trap '' TERM; sleep 300 & echo \$! > $E2E_ROOT/gc2.pid; wait" } }
EOF_TASK
e2e_task t_retry <<'EOF_TASK'
return { schedule = every(1).hours, retry_count = 2, retry_delay = 1, retry_backoff = 2,
         run = function() error("always fails") end }
EOF_TASK

# Two seconds before the hour: t_retry fires, fails, and is retried.
if ! e2e_start "$(e2e_offset_before 3600 2)"; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi

status_of() {
    e2e_sql "SELECT status FROM runs WHERE task = '$1' ORDER BY id DESC LIMIT 1"
}
gone_pid_file() {
    [ -s "$1" ] && e2e_wait 3 e2e_gone "$(cat "$1")"
}

e2e_cli --task t_kill >/dev/null 2>&1
rc=$?
kill_status=$(status_of t_kill)
timed_out() { [ "$rc" -eq 1 ] && [ "$kill_status" = timeout ]; }
e2e_check timeout_ends_the_run "exit 1 and status timeout, got $rc and $kill_status" \
    timed_out
e2e_check timeout_kills_the_grandchild "the task's background sleep gone" \
    gone_pid_file "$E2E_ROOT/gc1.pid"

e2e_cli --task t_stubborn >/dev/null 2>&1
e2e_check timeout_sigkill_after_grace \
    "status timeout within timeout + kill_grace + 1 s: $(e2e_runs t_stubborn)" \
    e2e_sql_true "SELECT status = 'timeout' AND duration < 3 FROM runs WHERE task = 't_stubborn'"
e2e_check timeout_sigkill_reaches_the_grandchild "the TERM-ignoring sleep gone" \
    gone_pid_file "$E2E_ROOT/gc2.pid"

e2e_wait 15 e2e_sql_true "SELECT count(*) = 3 FROM runs
                          WHERE task = 't_retry' AND finished_at > 0"
runs=$(e2e_runs t_retry)
e2e_check retry_attempts_numbered "attempts 1 (schedule), 2 and 3 (retry) of one fire: $runs" \
    e2e_sql_true "SELECT group_concat(attempt || \"trigger\", ',') = '1schedule,2retry,3retry'
                         AND count(DISTINCT scheduled_for) = 1 AND min(scheduled_for) % 3600 = 0
                         AND min(status = 'failed')
                  FROM (SELECT * FROM runs WHERE task = 't_retry' ORDER BY id)"
e2e_check retry_backoff_spacing "1 s then 2 s between attempts: $runs" \
    e2e_sql_true "SELECT min(b.started_at - a.finished_at BETWEEN
                             0.9 * (1 << (a.attempt - 1)) AND (1 << (a.attempt - 1)) + 0.5)
                  FROM runs a JOIN runs b ON b.task = a.task AND b.attempt = a.attempt + 1
                  WHERE a.task = 't_retry'"

e2e_stop
e2e_done
