#!/bin/sh
# store.sh — faults of data/scheduler.db: locked by another process for
# longer than the busy timeout (5 s) while running; deleted, or corrupted,
# while the daemon is stopped.  The daemon never crashes: it reports the
# error and goes on, starts fresh on a missing file, and refuses a corrupt
# file with a message naming it (README says neither; both are what a cron
# user would expect).
set -u
. tests/faults/lib.sh
faults_setup

lock_seconds=8
e2e_task s_tick <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10, run = function() end }
EOF_TASK

if ! faults_start; then
    e2e_not_ok store_daemon_starts "the daemon answering"
    e2e_done
fi
sleep 1

# Another process holds the write lock: sqlite3 reading its commands from a
# fifo, inside BEGIN EXCLUSIVE for $lock_seconds seconds.
mkfifo "$E2E_ROOT/lock.fifo"
# It waits for the lock (.timeout) rather than fail on the daemon's next write.
sqlite3 -cmd '.timeout 5000' "$E2E_ROOT/data/scheduler.db" <"$E2E_ROOT/lock.fifo" >/dev/null 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
locker=$!
exec 3>"$E2E_ROOT/lock.fifo"
echo 'BEGIN EXCLUSIVE; UPDATE meta SET key = key;' >&3
locked() {
    ! sqlite3 -cmd '.timeout 0' "$E2E_ROOT/data/scheduler.db" 'BEGIN IMMEDIATE; ROLLBACK;' 2>/dev/null
}
e2e_check store_lock_taken "another process holding the write lock" e2e_wait 3 locked
lock_at=$(date +%s)
sleep "$lock_seconds"
e2e_check store_daemon_answers_while_locked "--status answering with the store locked" \
    e2e_daemon_up
echo 'COMMIT;' >&3
exec 3>&-
e2e_wait 5 e2e_gone "$locker"
free_at=$(date +%s)

e2e_check store_lock_reported "'database is locked' in the daemon's output" \
    grep -q 'locked' "$E2E_ROOT/daemon.out"
after_lock() {
    e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 's_tick'
                  AND status = 'success' AND scheduled_for > $free_at"
}
e2e_check store_runs_recorded_after_lock "successful runs recorded within 5 s of the release" \
    e2e_wait 5 after_lock
rows=$(e2e_sql "SELECT count(*) FROM runs WHERE task = 's_tick'
                AND scheduled_for BETWEEN $lock_at + 1 AND $free_at - 1")
e2e_check store_fires_while_locked_accounted \
    "each of the $((free_at - lock_at - 1)) fires while locked recorded (run or missed), got $rows rows" \
    [ "$rows" -ge $((free_at - lock_at - 1)) ]
dups=$(e2e_sql "SELECT count(*) FROM (SELECT scheduled_for FROM runs WHERE task = 's_tick'
                GROUP BY scheduled_for HAVING count(*) > 1)")
e2e_check store_no_fire_twice_after_lock "no instant recorded twice, got $dups" [ "$dups" = 0 ]

# Deleted while stopped: a fresh store, the task scheduled again.
e2e_stop
rm -f "$E2E_ROOT/data/scheduler.db" "$E2E_ROOT/data/scheduler.db-wal" \
    "$E2E_ROOT/data/scheduler.db-shm"
if faults_start; then
    e2e_ok store_deleted_starts_fresh
    e2e_check store_deleted_runs_again "a run recorded in the new store within 3 s" \
        e2e_wait 3 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE status = 'success'"
    e2e_stop
else
    e2e_not_ok store_deleted_starts_fresh "the daemon starting on a new store"
fi

# start_on_corrupt NAME: start the daemon on a damaged store: it either
# refuses with status 1 and a message naming the file, or runs; it never
# dies of a signal.  $corrupt_rc holds the daemon's exit status (or "up").
start_on_corrupt() {
    : >"$E2E_ROOT/corrupt.out"
    env FAULTS_MARK="$E2E_ROOT" "$E2E_MAIN" --root "$E2E_ROOT" >"$E2E_ROOT/corrupt.out" 2>&1 &
    E2E_DAEMON=$!
    E2E_PIDS="$E2E_PIDS $E2E_DAEMON"
    e2e_wait 10 e2e_gone "$E2E_DAEMON"
    if e2e_daemon_up; then
        corrupt_rc=up
        e2e_ok "$1_no_crash"
        e2e_stop
        return
    fi
    wait "$E2E_DAEMON"
    corrupt_rc=$?
    e2e_check "$1_no_crash" "exit status 1 with a message, got $corrupt_rc: $(head -c 300 "$E2E_ROOT/corrupt.out")" \
        [ "$corrupt_rc" = 1 ]
    e2e_check "$1_message_names_the_file" "scheduler.db named in: $(head -c 300 "$E2E_ROOT/corrupt.out")" \
        grep -q 'scheduler.db' "$E2E_ROOT/corrupt.out"
}

# Corrupted while stopped: a garbage header, then garbage inside the pages.
faults_start && e2e_stop
printf 'this is not a database, it is garbage!!' |
    dd of="$E2E_ROOT/data/scheduler.db" conv=notrunc 2>/dev/null
start_on_corrupt store_corrupt_header
rm -f "$E2E_ROOT/data/scheduler.db"*
faults_start && sleep 2 && e2e_stop
size=$(wc -c <"$E2E_ROOT/data/scheduler.db")
head -c "$((size - 4096))" /dev/urandom |
    dd of="$E2E_ROOT/data/scheduler.db" bs=1 seek=4096 conv=notrunc 2>/dev/null
start_on_corrupt store_corrupt_pages

rm -f "$E2E_ROOT/data/scheduler.db"*
if ! faults_start; then
    e2e_not_ok store_daemon_restarts_at_end "the daemon answering on a new store"
    e2e_done
fi
faults_show_log 20
faults_finish store
