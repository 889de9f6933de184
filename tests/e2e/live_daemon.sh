#!/bin/sh
# live_daemon.sh — the detached daemon's life: --daemon and its pid file,
# one instance per root, stop waiting for the end, restart, the process
# title, the self-restart over scheduler.max_memory_usage, and
# housekeeping's retention and backups as a user sees them.
set -u
. tests/e2e/lib.sh
e2e_setup
CONFIG=$E2E_ROOT/config/config.yaml
PIDFILE=$E2E_ROOT/data/scheduler.pid
OUT=$E2E_ROOT/out

# The daemon's pid as the pid file and the running daemon (--status) say.
file_pid() {
    cat "$PIDFILE" 2>/dev/null
}
status_pid() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'
}
# daemon_start: --daemon, remembering the pid for the clean-up.
daemon_start() {
    e2e_cli --daemon >"$OUT" 2>&1 || return 1
    E2E_DAEMON=$(file_pid)
    E2E_PIDS="$E2E_PIDS $E2E_DAEMON"
}

e2e_task tick <<'EOF2'
return { schedule = every(1).seconds, run = function() end }
EOF2

# ---- detach, single instance, title, stop ------------------------------------
daemon_start
rc=$?
e2e_check daemon_detaches_and_writes_pid_file "exit 0 and a pid file naming the daemon, got $rc" \
    sh -c "[ $rc = 0 ] && [ -n '$(file_pid)' ] && [ '$(file_pid)' = '$(status_pid)' ]"
e2e_check daemon_is_in_its_own_session "session leader is not our shell" \
    [ "$(ps -o sid= -p "$E2E_DAEMON" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
e2e_cli --daemon >"$OUT" 2>&1
rc=$?
e2e_check second_daemon_refused "exit 1 naming the running pid, got $rc: $(cat "$OUT")" \
    sh -c "[ $rc = 1 ] && grep -q 'another daemon is running (pid $E2E_DAEMON)' '$OUT'"
e2e_check process_title_found_by_pgrep "pgrep -f 'task-scheduler: ROOT' finds the daemon" \
    [ "$(pgrep -f "task-scheduler: $E2E_ROOT")" = "$E2E_DAEMON" ]

old=$E2E_DAEMON
e2e_cli restart >"$OUT" 2>&1
rc=$?
new=$(file_pid)
restarted() {
    [ "$rc" = 0 ] && [ "$new" != "$old" ] && [ "$(status_pid)" = "$new" ] && e2e_gone "$old"
}
e2e_check restart_gives_a_new_daemon "exit 0, a new pid that holds the lock; got $rc, $old -> $new" \
    restarted
E2E_DAEMON=$new
E2E_PIDS="$E2E_PIDS $new"

e2e_cli stop >"$OUT" 2>&1
rc=$?
stopped() {
    [ "$rc" = 0 ] && e2e_gone "$1" && [ ! -e "$PIDFILE" ]
}
e2e_check stop_waits_for_the_end "exit 0 with the process gone and the pid file removed, got $rc" \
    stopped "$new"

# ---- max_memory_usage: re-exec, same pid, nothing lost or doubled ----------------
cat >>"$CONFIG" <<'EOF2'
  max_memory_usage: 1
EOF2
before=$(e2e_sql "SELECT count(*) FROM runs")
daemon_start
pid=$E2E_DAEMON
reexecs_at_least() {
    [ "$(grep -c 'restarting: exec' "$E2E_ROOT/logs/scheduler.log")" -ge "$1" ]
}
same_daemon() {
    [ "$(file_pid)" = "$1" ] && [ "$(status_pid)" = "$1" ]
}
e2e_wait 10 reexecs_at_least 3
in_place() {
    reexecs_at_least 3 && e2e_wait 3 same_daemon "$pid"
}
e2e_check memory_limit_restarts_in_place "at least 3 re-execs, pid $pid kept in the pid file and --status" \
    in_place

titled() {
    [ "$(pgrep -f "task-scheduler: $E2E_ROOT")" = "$1" ]
}
e2e_check memory_restart_keeps_the_title "pgrep -f still finds it" e2e_wait 3 titled "$pid"
e2e_cli stop >/dev/null 2>&1
e2e_check memory_restart_loses_no_fire "each second between the first and last fire once, all success (but one cancelled by the stop)" \
    e2e_sql_true "SELECT max(scheduled_for) - min(scheduled_for) + 1 = count(*)
                         AND count(*) = count(DISTINCT scheduled_for)
                         AND count(*) = sum(status = 'success' OR
                                            error LIKE 'cancelled: %shutting down%')
                  FROM runs WHERE task = 'tick' AND id > $before"
sed -i '/max_memory_usage/d' "$CONFIG"

# ---- retention and backups ------------------------------------------------------
old_day=$(( $(date +%s) - 3 * 86400 ))
e2e_sql "INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, status)
         VALUES ('gone', 'schedule', $old_day, $old_day, 'success'),
                ('gone', 'schedule', $old_day, $old_day, 'failed')"
cat >>"$CONFIG" <<'EOF2'
database:
  retention_days: 1
  backup_interval: 1
EOF2
daemon_start
e2e_check retention_deletes_old_runs "the 3-day-old runs are gone" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) = 0 FROM runs WHERE task = 'gone'"
e2e_check retention_keeps_recent_runs "tick's runs are kept" \
    e2e_sql_true "SELECT count(*) > 0 FROM runs WHERE task = 'tick'"
e2e_wait 5 sh -c "ls '$E2E_ROOT'/data/backups/*.db"
backup=$(ls "$E2E_ROOT"/data/backups/*.db 2>/dev/null | head -n 1)
e2e_check backup_is_a_valid_database "integrity_check ok and a runs table in '$backup'" \
    sh -c "[ -n '$backup' ] && [ \"\$(sqlite3 '$backup' 'PRAGMA integrity_check')\" = ok ] &&
           sqlite3 '$backup' 'SELECT count(*) FROM runs' >/dev/null"
e2e_cli stop >/dev/null 2>&1
e2e_done
