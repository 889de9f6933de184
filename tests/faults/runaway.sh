#!/bin/sh
# runaway.sh — tasks that misbehave: a fork bomb (bounded: it stops at 1500
# `sleep 60`, and the daemon runs under prlimit --nproc so that its run, as
# user nobody, can never take the machine down), a task that closes its
# pipes and keeps running, one that leaves a background child, one that
# ignores SIGTERM, a command that does not exist, and 10,000 log lines a
# second.  Each is contained and recorded; the daemon keeps answering.
set -u
. tests/faults/lib.sh
faults_setup

machine_nproc=2000   # protects this machine: nobody's processes, all told
bomb_forks=1500      # what the task tries
rss_limit_kb=131072
chmod 755 "$E2E_ROOT"               # the bomb runs as nobody
mkdir -m 777 "$E2E_ROOT/forks"

# A run as another user does not inherit the daemon's environment: the
# clean-up's marker comes from the task's env.
e2e_task p_bomb <<EOF_TASK
return { schedule = every(1).minutes, timeout = 20, user = "nobody",
         env = { FAULTS_MARK = "$E2E_ROOT" },
         run = function()
           exec.shell("i=0; while [ \$i -lt $bomb_forks ]; do sleep 60 & echo \$! >>forks/pids; " ..
                      "i=\$((i + 1)); done; sleep 30", { timeout = 30 })
         end }
EOF_TASK
e2e_task p_closed <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 3,
         run = function() io.stdout:close(); io.stderr:close(); os.execute("sleep 20") end }
EOF_TASK
e2e_task p_background <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 10,
         command = { "sh", "-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $! >p_background.pid" } }
EOF_TASK
e2e_task p_noterm <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 2,
         command = { "sh", "-c", "trap '' TERM; echo $$ >p_noterm.pid; sleep 30" } }
EOF_TASK
e2e_task p_missing <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 5, command = { "/nonexistent/no-such-command" } }
EOF_TASK
e2e_task p_flood <<'EOF_TASK'
return { schedule = every(1).minutes, timeout = 60,
         run = function()
           for s = 1, 3 do
             for i = 1, 10000 do log.info("flood " .. s .. " " .. i) end
             os.execute("sleep 0.5")
           end
         end }
EOF_TASK

if ! faults_start "$(e2e_offset_before 60 2)" prlimit --nproc="$machine_nproc:$machine_nproc"; then
    e2e_not_ok runaway_daemon_starts "the daemon answering"
    e2e_done
fi
status_of() {
    e2e_sql "SELECT status FROM runs WHERE task = '$1' ORDER BY id DESC LIMIT 1"
}

# The fork bomb, while it runs.
e2e_wait 8 e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'p_bomb' AND status = 'running'"
sleep 2
bomb_pid=$(e2e_sql "SELECT pid FROM runs WHERE task = 'p_bomb'")
limit=$(sed -n 's/^Max processes *\([^ ]*\) .*/\1/p' "/proc/$bomb_pid/limits" 2>/dev/null)
own_limit() { [ "${limit:-unlimited}" != unlimited ] && [ "$limit" -lt "$machine_nproc" ]; }
e2e_check runaway_bomb_run_has_rlimit_nproc \
    "the run's own RLIMIT_NPROC below the inherited $machine_nproc, got ${limit:-?}" own_limit
# exit 0, or 1 for a failing or broken task (not 3, no daemon; not 124)
status_within_5s() {
    timeout 5 "$E2E_MAIN" --root "$E2E_ROOT" --status >/dev/null 2>&1
    [ $? -le 1 ]
}
e2e_check runaway_status_answers_during_bomb "--status within 5 s during the fork bomb" status_within_5s
forks() { wc -l <"$E2E_ROOT/forks/pids" 2>/dev/null || echo 0; }
bomb_over() {
    [ "$(forks)" -ge "$bomb_forks" ] ||
        e2e_sql_true "SELECT finished_at > 0 FROM runs WHERE task = 'p_bomb'"
}
e2e_wait 25 bomb_over
e2e_check runaway_bomb_forks_capped "fewer than $bomb_forks forks, got $(forks)" \
    [ "$(forks)" -lt "$bomb_forks" ]

finished() {
    e2e_sql_true "SELECT count(*) = 6 FROM runs WHERE finished_at > 0"
}
e2e_wait 30 finished
e2e_check runaway_bomb_times_out "p_bomb: timeout, got $(status_of p_bomb)" [ "$(status_of p_bomb)" = timeout ]
forks_alive() {
    while read -r pid; do
        e2e_gone "$pid" || { echo "$pid"; return 0; }
    done <"$E2E_ROOT/forks/pids"
    return 1
}
sleep 3
left=$(forks_alive)
e2e_check runaway_bomb_children_killed "no forked sleep alive 3 s after the run, got pid ${left:-}" \
    [ -z "$left" ]
while read -r pid; do   # what the run left, so that the checks below are about the rest
    kill -KILL "$pid" 2>/dev/null
done <"$E2E_ROOT/forks/pids"

# Closed pipes: the run still times out, and its sleep goes with it.
e2e_check runaway_closed_pipes_times_out "p_closed: timeout, got $(status_of p_closed)" \
    [ "$(status_of p_closed)" = timeout ]
closed_pid=$(e2e_sql "SELECT pid FROM runs WHERE task = 'p_closed'")
e2e_check runaway_closed_pipes_group_gone "no process left in p_closed's group" \
    e2e_wait 3 sh -c "! kill -0 -$closed_pid 2>/dev/null"

# A background child outlives its command: killed when the run ends.
e2e_check runaway_background_run_succeeds "p_background: success, got $(status_of p_background)" \
    [ "$(status_of p_background)" = success ]
bg_pid=$(cat "$E2E_ROOT/p_background.pid" 2>/dev/null)
e2e_check runaway_background_child_killed "the background sleep ${bg_pid:-?} gone after the run" \
    e2e_wait 3 e2e_gone "${bg_pid:-0}"

# SIGTERM ignored: SIGKILL after kill_grace (1 s).
e2e_check runaway_noterm_times_out "p_noterm: timeout, got $(status_of p_noterm)" \
    [ "$(status_of p_noterm)" = timeout ]
e2e_check runaway_noterm_killed_after_grace "p_noterm ended within timeout + kill_grace + 1.5 s" \
    e2e_sql_true "SELECT finished_at - started_at < 4.5 FROM runs WHERE task = 'p_noterm'"
noterm_pid=$(cat "$E2E_ROOT/p_noterm.pid" 2>/dev/null)
e2e_check runaway_noterm_process_gone "p_noterm's shell ${noterm_pid:-?} gone" \
    e2e_gone "${noterm_pid:-0}"

# A command that does not exist.
e2e_check runaway_missing_command_fails "p_missing: failed naming the command, got $(status_of p_missing)" \
    e2e_sql_true "SELECT status = 'failed' AND error LIKE '%no-such-command%'
                  FROM runs WHERE task = 'p_missing'"

# 10,000 log lines a second, for 3 s: all of them in the task's log.
e2e_check runaway_flood_succeeds "p_flood: success, got $(status_of p_flood)" \
    [ "$(status_of p_flood)" = success ]
lines=$(grep -c 'flood [0-9]' "$E2E_ROOT/logs/tasks/p_flood.log" 2>/dev/null)
e2e_check runaway_flood_all_lines_logged "30000 flood lines in logs/tasks/p_flood.log, got ${lines:-0}" \
    [ "${lines:-0}" = 30000 ]
e2e_daemon_small runaway_daemon_stays_small "$rss_limit_kb"

faults_show_log 15
faults_finish runaway
