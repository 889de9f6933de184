#!/bin/sh
# dirs.sh — data/ and logs/ removed, or made read-only (a read-only bind
# mount: root ignores file modes), while the daemon runs.  It must not crash,
# must go on answering and running tasks, must report the errors, and must
# recover when the folder is back or writable again.
set -u
. tests/faults/lib.sh
faults_setup

e2e_task r_tick <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10,
         run = function(ctx) log.info("tick", { at = ctx.scheduled_for }) end }
EOF_TASK

if ! faults_start; then
    e2e_not_ok dirs_daemon_starts "the daemon answering"
    e2e_done
fi
sleep 1

# runs_since T: true when r_tick has 2 successful runs scheduled after T.
runs_since() {
    e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'r_tick'
                  AND status = 'success' AND scheduled_for > $1"
}
# logged_since T: true when logs/tasks/r_tick.log has a tick of after T + 1.
logged_since() {
    grep -q "at=$(($1 + 2))" "$E2E_ROOT/logs/tasks/r_tick.log" 2>/dev/null
}
alive() { ! e2e_gone "$E2E_DAEMON"; }

# logs/ read-only, then writable again.
faults_mount "$E2E_ROOT/logs" --bind "$E2E_ROOT/logs"
mount -o remount,bind,ro "$E2E_ROOT/logs"
kill -USR1 "$E2E_DAEMON"
t=$(date +%s)
e2e_check dirs_logs_readonly_runs_go_on "runs recorded with logs/ read-only" e2e_wait 5 runs_since "$t"
e2e_check dirs_logs_readonly_reported "'Read-only file system' in the daemon's stderr" \
    grep -q 'Read-only file system' "$E2E_ROOT/daemon.out"
faults_umount "$E2E_ROOT/logs"
kill -USR1 "$E2E_DAEMON"
t=$(date +%s)
e2e_check dirs_logs_writable_again "task lines in logs/tasks/r_tick.log again within 5 s" \
    e2e_wait 5 logged_since "$t"

# data/ read-only, then writable again.
faults_mount "$E2E_ROOT/data" --bind "$E2E_ROOT/data"
mount -o remount,bind,ro "$E2E_ROOT/data"
t=$(date +%s)
e2e_check dirs_data_readonly_runs_go_on "runs recorded with data/ read-only" e2e_wait 5 runs_since "$t"
e2e_check dirs_data_readonly_daemon_alive "the daemon still running with data/ read-only" alive
e2e_check dirs_data_readonly_answers "--status answering with data/ read-only" e2e_daemon_up
faults_umount "$E2E_ROOT/data"
t=$(date +%s)
e2e_check dirs_data_writable_again "runs recorded within 5 s of data/ writable again" \
    e2e_wait 5 runs_since "$t"

# logs/ removed: the daemon goes on; SIGUSR1 (what logrotate sends) opens
# the files again, in a new logs/.
rm -rf "$E2E_ROOT/logs"
t=$(date +%s)
e2e_check dirs_logs_removed_runs_go_on "runs recorded with logs/ removed" e2e_wait 5 runs_since "$t"
kill -USR1 "$E2E_DAEMON"
t=$(date +%s)
e2e_check dirs_logs_recreated_on_reopen "logs/tasks/r_tick.log written again after SIGUSR1" \
    e2e_wait 5 logged_since "$t"

# data/ removed: the open store, lock and socket are gone with it.
rm -rf "$E2E_ROOT/data"
sleep 3
e2e_check dirs_data_removed_daemon_alive "the daemon still running with data/ removed" alive
e2e_check dirs_data_removed_answers "--status answering with data/ removed (socket gone?)" \
    e2e_daemon_up
second=$(env FAULTS_MARK="$E2E_ROOT" timeout 3 "$E2E_MAIN" --root "$E2E_ROOT" 2>&1)
rc=$?
e2e_check dirs_data_removed_single_instance \
    "a second daemon refused while the first runs (status 1), got status $rc: $(echo "$second" | tail -n 1)" \
    [ "$rc" = 1 ]
faults_show_log 15
# The daemon without its data/ cannot be reached by the CLI: stop it by pid,
# and end on a daemon started afresh.
kill -TERM "$E2E_DAEMON" 2>/dev/null
e2e_wait 10 e2e_gone "$E2E_DAEMON"
if ! faults_start; then
    e2e_not_ok dirs_daemon_restarts_at_end "the daemon answering on a new data/"
    e2e_done
fi
faults_finish dirs
