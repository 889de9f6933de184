#!/bin/sh
# wal.sh — another process keeps a read transaction open on the store
# (Python's sqlite3: BEGIN; SELECT …, held) while every-second tasks write:
# no checkpoint can finish, so the WAL grows; the daemon names the reader
# once in its log and in --status, and once the reader is gone the WAL is
# cut back and stays under a bound.
set -u
. tests/faults/lib.sh
faults_setup

# The daemon checkpoints every ~512 KB of WAL (store_wal.c); a bound of
# 1 MB leaves room for the writes between two tries.
WAL_BOUND=1048576
WAL=$E2E_ROOT/data/scheduler.db-wal
for n in 1 2 3; do
    e2e_task "w_state$n" <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10,
         run = function(ctx) state.set("blob", string.rep("w", 40000) .. ctx.scheduled_for) end }
EOF_TASK
done

if ! faults_start; then
    e2e_not_ok wal_daemon_starts "the daemon answering"
    e2e_done
fi
sleep 1
/usr/bin/python3 - "$E2E_ROOT/data/scheduler.db" "$E2E_ROOT/release" <<'EOF_READER' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
db.execute("SELECT count(*) FROM runs").fetchall()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
db.execute("COMMIT")
EOF_READER
reader=$!
E2E_PIDS="$E2E_PIDS $reader"

wal_size() {
    stat -c %s "$WAL" 2>/dev/null || echo 0
}
warned() {
    grep -q "process $reader (.*python.*) keeps a read transaction open" "$E2E_ROOT/daemon.out"
}
e2e_check wal_blocking_reader_named "a warning naming the reader (pid $reader) within 30 s" \
    e2e_wait 30 warned
e2e_check wal_blocking_reader_named_once "the reader named once, got $(grep -c "process $reader (" "$E2E_ROOT/daemon.out")" \
    [ "$(grep -c "process $reader (" "$E2E_ROOT/daemon.out")" = 1 ]
e2e_check wal_status_names_reader "--status naming the reader: $(e2e_cli --status | grep '^store:')" \
    sh -c "'$E2E_MAIN' --root '$E2E_ROOT' --status | grep -q '^store: checkpoints held back .* by process $reader'"
blocked_size=$(wal_size)
e2e_check wal_grows_while_held_back "the WAL past $WAL_BOUND bytes while the reader holds it, got $blocked_size" \
    [ "$blocked_size" -gt "$WAL_BOUND" ]

touch "$E2E_ROOT/release"
e2e_wait 5 e2e_gone "$reader"
small() {
    [ "$(wal_size)" -lt "$WAL_BOUND" ]
}
e2e_check wal_cut_back_after_reader "the WAL under $WAL_BOUND bytes within 10 s of the reader's end (was $blocked_size), got $(wal_size)" \
    e2e_wait 10 small
sizes=
for i in 1 2 3 4 5 6; do
    sleep 0.5
    sizes="$sizes $(wal_size)"
done
over=$(for s in $sizes; do [ "$s" -ge "$WAL_BOUND" ] && echo "$s"; done)
e2e_check wal_stays_small "the WAL under $WAL_BOUND bytes for 3 s, got:$sizes" [ -z "$over" ]
e2e_check wal_reader_end_logged "the end of the hold logged" \
    grep -q 'checkpoints finish again' "$E2E_ROOT/daemon.out"
e2e_check wal_status_clear "--status without the reader once it is gone" \
    sh -c "! '$E2E_MAIN' --root '$E2E_ROOT' --status | grep -q '^store: checkpoints held back'"
e2e_check wal_integrity_check_ok "PRAGMA integrity_check = ok" faults_integrity_ok

faults_show_log 30
faults_finish wal
