#!/bin/sh
# full_disk.sh — data/, logs/ and config/ on small tmpfs mounts that the test
# fills up while the daemon runs: it keeps scheduling, reports the write
# errors, and recovers when space returns, with the WAL cut back so that it
# does not fill the disk again, and a `store` alert is recorded and
# resolved once it can be written; config.save and the state helper never
# leave a half-written file behind.
set -u
. tests/faults/lib.sh
faults_setup

# mode=0700: a fresh tmpfs is 1777, which the daemon refuses for data/ and
# logs/ (strict modes, README).
for dir in data logs config; do
    if ! faults_mount "$E2E_ROOT/$dir" -t tmpfs -o size=2m,mode=0700 tmpfs 2>"$E2E_ROOT/mount.err"; then
        e2e_not_ok full_disk "cannot mount tmpfs ($(cat "$E2E_ROOT/mount.err")); run as root"
        e2e_done
    fi
done
cat >"$E2E_ROOT/config/config.yaml" <<'EOF_CONFIG'
scheduler:
  timezone: UTC
  kill_grace: 1
  shutdown_timeout: 3
EOF_CONFIG
e2e_task d_tick <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10,
         run = function(ctx) log.info("tick", { at = ctx.scheduled_for }) end }
EOF_TASK
e2e_task d_state <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10,
         run = function(ctx) state.set("blob", string.rep("s", 100000) .. ctx.scheduled_for) end }
EOF_TASK
e2e_task d_save <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10,
         run = function(ctx)
           local ok, err = config.save({ payload = string.rep("y", 200000), done = ctx.scheduled_for },
                                       "saved.yaml")
           if not ok then error(err) end
         end }
EOF_TASK

if ! faults_start; then
    e2e_not_ok full_disk_daemon_starts "the daemon answering on tmpfs mounts"
    e2e_done
fi
sleep 2
fill() {
    for dir in data logs config; do
        dd if=/dev/zero of="$E2E_ROOT/$dir/filler" bs=4k 2>/dev/null
    done
}
fill
full_at=$(date +%s)
ticks_before=$(grep -c 'd_tick: run' "$E2E_ROOT/daemon.out")
sleep 4
fill   # what the runs freed in between
sleep 2

e2e_check full_disk_daemon_answers_while_full "--status answering with the disks full" e2e_daemon_up
ticks_full=$(grep -c 'd_tick: run' "$E2E_ROOT/daemon.out")
e2e_check full_disk_keeps_scheduling "d_tick runs reported while full ($ticks_before before, $ticks_full after)" \
    [ "$ticks_full" -ge $((ticks_before + 4)) ]
reported=$(grep -ci 'no space left\|disk is full\|disk full' "$E2E_ROOT/daemon.out")
e2e_check full_disk_write_errors_reported "a 'no space'/'disk is full' error in the daemon's output" \
    [ "$reported" -gt 0 ]

rm -f "$E2E_ROOT/data/filler" "$E2E_ROOT/logs/filler" "$E2E_ROOT/config/filler"
back_at=$(date +%s)
recovered() {
    e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'd_tick' AND status = 'success'
                  AND scheduled_for > $back_at" &&
        e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'd_state' AND status = 'success'
                      AND scheduled_for > $back_at"
}
e2e_check full_disk_recovers_runs "successful d_tick and d_state runs recorded within 10 s of freeing space" \
    e2e_wait 10 recovered
log_back() { grep -q "at=$((back_at + 2))\|\"at\":$((back_at + 2))" "$E2E_ROOT/logs/tasks/d_tick.log"; }
e2e_check full_disk_recovers_logs "logs/tasks/d_tick.log written again after the space returned" \
    e2e_wait 5 log_back
e2e_sql "SELECT count(*) FROM runs WHERE scheduled_for BETWEEN $full_at AND $back_at" >/dev/null
gap=$(e2e_sql "SELECT count(*) FROM runs WHERE task = 'd_tick' AND scheduled_for > $full_at + 1
               AND scheduled_for < $back_at")
e2e_check full_disk_fires_while_full_recorded "d_tick's $((back_at - full_at - 2)) fires while full recorded once space returned, got $gap rows" \
    [ "$gap" -ge $((back_at - full_at - 3)) ]

store_alert_resolved() {
    e2e_sql_true "SELECT count(*) = 1 AND max(resolved_by) = 'daemon: the store takes writes again'
                  AND max(message) LIKE 'the store refused writes for %' FROM alerts
                  WHERE kind = 'store' AND task = '' AND resolved_at > 0"
}
e2e_check full_disk_store_alert_recorded_and_resolved \
    "one store alert, written and resolved once the space returned, got: $(e2e_sql "SELECT kind, message, resolved_by FROM alerts")" \
    e2e_wait 5 store_alert_resolved

# The backlog grew the WAL: the recovery cuts it back, and the WAL does
# not fill the disk again by itself.
sleep 2
wal=$(stat -c %s "$E2E_ROOT/data/scheduler.db-wal" 2>/dev/null || echo 0)
e2e_check full_disk_wal_truncated_after_recovery "the WAL under 1 MB after the recovery, got $wal bytes" \
    [ "$wal" -lt 1048576 ]
refilled=$(sed -n '/writable again/,$p' "$E2E_ROOT/daemon.out" | grep -c 'keeping the run history')
e2e_check full_disk_no_refill_after_recovery "no new store error after the recovery, got $refilled" \
    [ "$refilled" = 0 ]

# config.save is atomic: saved.yaml is whole, and no temporary file is left.
extra=$(ls -A "$E2E_ROOT/config" | grep -vx 'config.yaml\|saved.yaml' | tr '\n' ' ')
e2e_check full_disk_no_temporary_config_file "only config.yaml and saved.yaml in config/, also: $extra" \
    [ -z "$extra" ]
whole_saved() {
    grep -q '^done: [0-9]*$' "$E2E_ROOT/config/saved.yaml" &&
        [ "$(grep '^payload: ' "$E2E_ROOT/config/saved.yaml" | wc -c)" = 200010 ]
}
e2e_check full_disk_saved_config_is_whole "config/saved.yaml with its payload and done lines" whole_saved
e2e_check full_disk_config_intact "config/config.yaml unchanged" \
    grep -q '^  shutdown_timeout: 3$' "$E2E_ROOT/config/config.yaml"
state_len=$(e2e_sql "SELECT length(value_json) FROM state WHERE task = 'd_state' AND key = 'blob'")
e2e_check full_disk_state_value_whole "the state value of 100000+10 characters (JSON-quoted), got $state_len" \
    [ "${state_len:-0}" -ge 100010 ]
e2e_check full_disk_integrity_check_ok "PRAGMA integrity_check = ok" faults_integrity_ok

faults_show_log 40
faults_finish full_disk
