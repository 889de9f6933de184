#!/bin/sh
# full_disk_restart.sh — data/ on a 4 MB tmpfs, filled while every-second
# tasks run (one per catch-up policy), then, with the disk still full, the
# daemon is stopped, or killed with -9, or started on it without a spill
# file; the space is freed and it starts again.  The history the full disk
# kept waiting is saved (data/scheduler.db-spill) and written at the next
# start, and every fire instant is executed at most once whatever its
# catch-up policy, as an execution log the tasks append to (outside data/)
# proves.
set -u
. tests/faults/lib.sh
faults_setup

if ! faults_mount "$E2E_ROOT/data" -t tmpfs -o size=4m,mode=0700 tmpfs 2>"$E2E_ROOT/mount.err"; then
    e2e_not_ok full_disk_restart "cannot mount tmpfs ($(cat "$E2E_ROOT/mount.err")); run as root"
    e2e_done
fi
cat >"$E2E_ROOT/config/config.yaml" <<'EOF_CONFIG'
scheduler:
  timezone: UTC
  kill_grace: 1
  shutdown_timeout: 3
  max_catchup: 20
EOF_CONFIG
EXEC_LOG=$E2E_ROOT/exec.log   # on the root's file system, not on data/'s tmpfs
: >"$EXEC_LOG"
for policy in once all skip; do
    e2e_task "r_$policy" <<EOF_TASK
return { schedule = every(1).seconds, timeout = 10, catchup = "$policy",
         run = function(ctx)
           local f = assert(io.open("$EXEC_LOG", "a"))
           f:write(ctx.task, " ", ctx.scheduled_for, " ", ctx.trigger, "\n")
           f:close()
         end }
EOF_TASK
done

fill() {
    dd if=/dev/zero of="$E2E_ROOT/data/filler.$1" bs=4k 2>/dev/null
}
free_space() {
    rm -f "$E2E_ROOT"/data/filler.*
}
caught_up() {
    e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'r_all' AND \"trigger\" = 'catchup'
                  AND status = 'success' AND queued_at >= $1"
}
# restart PHASE: start again once the space is back; wait for r_all's
# catch-up, then stop.  $down_from..$restarted_at is the downtime.
restart() {
    free_space
    # Fires pass while the daemon is down: each policy's catch-up.  Long
    # enough that the first of them is found more than the engine's late
    # limit (2 s) late, so they are missed fires, not late ones.
    sleep 5
    # Taken before the start: the catch-up is queued before the daemon
    # answers, possibly in the second before faults_start returns.
    restarted_at=$(date +%s)
    if ! faults_start; then
        e2e_not_ok "full_disk_restart_${1}_restarts" "the daemon answering after the space returned"
        e2e_done
    fi
    e2e_check "full_disk_restart_${1}_catches_up" "r_all's catch-up runs recorded after the restart" \
        e2e_wait 10 caught_up "$restarted_at"
    sleep 2
    e2e_stop
}

# check PHASE STATUSES: per task, the instants it executed so far, once
# each, each with a row in one of STATUSES ('success', or also
# 'interrupted' after a kill -9), none recorded missed, and no success row
# for an instant that did not execute.
check() {
    for policy in once all skip; do
        task=r_$policy
        name=full_disk_restart_${1}_$policy
        twice=$(awk -v t="$task" '$1 == t { print $2 }' "$EXEC_LOG" | sort | uniq -d | tr '\n' ' ')
        e2e_check "${name}_no_instant_twice" \
            "each instant of $task executed once, these ran twice: $twice" [ -z "$twice" ]
        ran=$(awk -v t="$task" '$1 == t { printf "%s(%s)", (n++ ? "," : ""), $2 }' "$EXEC_LOG")
        if [ -z "$ran" ]; then
            e2e_not_ok "${name}_ran" "$task executed no instant"
            continue
        fi
        unrecorded=$(e2e_sql "WITH ran(at) AS (VALUES $ran) SELECT group_concat(at, ' ') FROM ran
                              WHERE NOT EXISTS (SELECT 1 FROM runs WHERE task = '$task'
                              AND scheduled_for = ran.at AND status IN ($2))")
        e2e_check "${name}_history_saved" \
            "a row ($2) for every instant $task executed, none for: $unrecorded" [ -z "$unrecorded" ]
        missed=$(e2e_sql "WITH ran(at) AS (VALUES $ran) SELECT group_concat(at, ' ') FROM ran
                          WHERE EXISTS (SELECT 1 FROM runs WHERE task = '$task'
                          AND scheduled_for = ran.at AND status = 'missed')")
        e2e_check "${name}_no_run_recorded_missed" \
            "no instant $task executed recorded missed, got: $missed" [ -z "$missed" ]
        claimed=$(e2e_sql "WITH ran(at) AS (VALUES $ran) SELECT group_concat(scheduled_for, ' ')
                           FROM runs WHERE task = '$task' AND status = 'success'
                           AND scheduled_for NOT IN (SELECT at FROM ran)")
        e2e_check "${name}_no_phantom_success" \
            "no success row of $task for an instant it did not execute, got: $claimed" [ -z "$claimed" ]
        rows_twice=$(e2e_sql "SELECT group_concat(scheduled_for, ' ') FROM (SELECT scheduled_for
                              FROM runs WHERE task = '$task' AND \"trigger\" <> 'retry'
                              GROUP BY scheduled_for HAVING count(*) > 1)")
        e2e_check "${name}_one_row_per_instant" \
            "one row per instant of $task, several for: $rows_twice" [ -z "$rows_twice" ]
    done
}

# catchups TASK SINCE: the task's successful catch-up runs queued since SINCE.
catchups() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND \"trigger\" = 'catchup'
             AND status = 'success' AND queued_at >= $2"
}

waiting() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
store = json.load(sys.stdin).get("store")
sys.exit(0 if store and store["pending"] > 0 else 1)'
}

# 1. Stopped while full.
if ! faults_start; then
    e2e_not_ok full_disk_restart_daemon_starts "the daemon answering on a tmpfs data/"
    e2e_done
fi
sleep 2
fill 1
full_at=$(date +%s)
sleep 5
fill 2   # what the store freed in between
e2e_check full_disk_restart_writes_waiting "--status showing writes waiting for the full store" waiting
e2e_stop
stopped_at=$(date +%s)
e2e_check full_disk_restart_stop_keeps_history \
    "nothing lost at the stop, got: $(grep 'could not be saved\|lost' "$E2E_ROOT/daemon.out" | tail -n 2)" \
    [ -z "$(grep 'could not be saved\|lost with this stop' "$E2E_ROOT/daemon.out")" ]
e2e_check full_disk_restart_stop_says_spilled "the stop naming the spill file it kept the waiting writes in" \
    grep -q 'kept in .*/data/scheduler.db-spill' "$E2E_ROOT/daemon.out"
restart stop
e2e_check full_disk_restart_spill_replayed "the restart writing the kept history to the store" \
    grep -q 'scheduler.db-spill by the last stop written to the store' "$E2E_ROOT/daemon.out"
check stop "'success'"
while_full=$(awk -v a="$full_at" -v b="$stopped_at" '$1 == "r_once" && $2 > a + 1 && $2 < b - 1' \
    "$EXEC_LOG" | wc -l)
e2e_check full_disk_restart_ran_while_full \
    "r_once executed its $((stopped_at - full_at - 3)) fires while the disk was full, got $while_full" \
    [ "$while_full" -ge $((stopped_at - full_at - 3)) ]
# The downtime: "all" ran each instant it missed, "once" one, "skip" none.
down=$((restarted_at - stopped_at - 1))
skip_missed=$(e2e_sql "SELECT count(*) FROM runs WHERE task = 'r_skip' AND status = 'missed'")
e2e_check full_disk_restart_all_runs_each_missed "r_all ran the $down+ instants of the downtime, got $(catchups r_all "$restarted_at")" \
    [ "$(catchups r_all "$restarted_at")" -ge "$down" ]
e2e_check full_disk_restart_once_runs_one_missed "r_once ran one missed instant, got $(catchups r_once "$restarted_at")" \
    [ "$(catchups r_once "$restarted_at")" = 1 ]
e2e_check full_disk_restart_skip_runs_none "r_skip ran none and recorded the $down+ missed, got $(catchups r_skip "$restarted_at") run, $skip_missed missed" \
    [ "$(catchups r_skip "$restarted_at")" = 0 ] && [ "$skip_missed" -ge "$down" ]

# 2. Killed with -9 while full: the spill is on disk as it was.
if ! faults_start; then
    e2e_not_ok full_disk_restart_kill9_starts "the daemon answering again"
    e2e_done
fi
sleep 1
fill 3
sleep 3
fill 4
faults_kill9
restart kill9
check kill9 "'success', 'interrupted'"

# 3. A first start with less room than the spill file reserves (256 KB
# free), then the disk fills: the fires whose times cannot be saved are
# held back, the stop names what it loses, and the restart still runs no
# instant twice.
rm -f "$E2E_ROOT/data/scheduler.db-spill"
fill 5
truncate -s -256K "$E2E_ROOT/data/filler.5"
if ! faults_start; then
    e2e_not_ok full_disk_restart_nospill_starts "the daemon answering on a nearly full disk"
    e2e_done
fi
fill 6
sleep 4
e2e_check full_disk_restart_nospill_warns "a warning that writes cannot be kept at start" \
    grep -q 'a stop loses the history kept in memory' "$E2E_ROOT/daemon.out"
e2e_check full_disk_restart_nospill_holds_back "fires held back as their times cannot be saved" \
    grep -q 'not run, as its fire time could not be saved' "$E2E_ROOT/daemon.out"
e2e_stop
e2e_check full_disk_restart_nospill_names_losses "the stop naming each write it loses" \
    grep -q 'lost with this stop: the missed row of r_' "$E2E_ROOT/daemon.out"
# Each fire the daemon said it held back ("TASK: the fire at ISO missed:
# not run, ..."), and which of them executed all the same.  Fires before
# the disk was really full may run: SQLite writes into space it holds.
ran_held=$(/usr/bin/python3 - "$E2E_ROOT/daemon.out" "$EXEC_LOG" <<'EOF_PY'
import datetime, re, sys
held = set()
for line in open(sys.argv[1]):
    m = re.search(r" (r_\w+): the fire at (\S+) missed: not run, as its fire time", line)
    if m:
        held.add((m[1], int(datetime.datetime.fromisoformat(m[2]).timestamp())))
ran = {(t, int(at)) for t, at, trig in (l.split() for l in open(sys.argv[2])) if trig == "schedule"}
print(" ".join("%s@%d" % x for x in sorted(held & ran)))
EOF_PY
)
e2e_check full_disk_restart_nospill_none_ran "no fire ran on time while its time could not be saved, got: $ran_held" \
    [ -z "$ran_held" ]
restart nospill
check nospill "'success', 'interrupted'"
e2e_check full_disk_restart_integrity_check_ok "PRAGMA integrity_check = ok" faults_integrity_ok

if ! faults_start; then
    e2e_not_ok full_disk_restart_daemon_restarts_at_end "the daemon answering at the end"
    e2e_done
fi
faults_show_log 60
faults_finish full_disk_restart
