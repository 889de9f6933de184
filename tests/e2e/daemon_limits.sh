#!/bin/sh
# daemon_limits.sh — tasks that misbehave cannot hurt the daemon: an endless
# loop (timeout), endless allocation (memory_limit), 100 MB of output.  All
# are recorded, and the daemon keeps answering and stays small.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task l_loop <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 2, run = function() while true do end end }
EOF_TASK
e2e_task l_mem <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 30, memory_limit = 64,
         run = function()
           local t = {}
           for i = 1, 1e9 do t[i] = string.rep("x", 1 << 20) .. i end
         end }
EOF_TASK
e2e_task l_spew <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 60,
         run = function()
           local line = string.rep("x", 1023) .. "\n"
           io.stdout:setvbuf("full")
           for _ = 1, 100 * 1024 do io.stdout:write(line) end
         end }
EOF_TASK

# Peak resident memory of the daemon (kB): it must not hold a task's output.
rss_limit_kb=131072

if ! e2e_start "$(e2e_offset_before 60 2)"; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi

status_of() {
    e2e_sql "SELECT status FROM runs WHERE task = '$1' ORDER BY id DESC LIMIT 1"
}
finished() {
    e2e_sql_true "SELECT count(*) = 3 FROM runs WHERE task IN ('l_loop', 'l_mem', 'l_spew')
                  AND finished_at > 0"
}

e2e_wait 8 e2e_sql_true "SELECT count(*) = 1 FROM runs
                         WHERE task = 'l_spew' AND status IN ('running', 'success')"
# the daemon answers: exit 0, or 1 for a failing or broken task (not 3, no
# daemon; not 124, too slow)
status_within_5s() {
    timeout 5 "$E2E_MAIN" --root "$E2E_ROOT" --status >/dev/null 2>&1
    [ $? -le 1 ]
}
e2e_check status_answers_during_a_flood "--status within 5 s while l_spew writes" \
    status_within_5s
e2e_wait 40 finished

e2e_check endless_loop_times_out "timeout, got $(status_of l_loop)" \
    [ "$(status_of l_loop)" = timeout ]
mem_status=$(status_of l_mem)
mem_refused() { [ "$mem_status" = failed ] || [ "$mem_status" = killed ]; }
e2e_check endless_allocation_fails "failed or killed, got $mem_status" mem_refused
e2e_check flood_of_output_is_recorded "success with a bounded tail, got $(status_of l_spew)" \
    e2e_sql_true "SELECT status = 'success' AND length(output_tail) BETWEEN 1 AND 1048576
                  FROM runs WHERE task = 'l_spew'"
e2e_check daemon_healthy_after_misbehaving_tasks "--status answers" e2e_daemon_up
e2e_daemon_small daemon_stays_small "$rss_limit_kb"

e2e_stop
e2e_done
