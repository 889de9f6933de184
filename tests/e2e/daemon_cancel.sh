#!/bin/sh
# daemon_cancel.sh — `cancel RUN_ID`: a running run is stopped as a
# timeout stops one (SIGTERM to its session, SIGKILL after
# scheduler.kill_grace), grandchildren that ignore SIGTERM included; it is
# recorded killed with who cancelled it, and no retry follows.  A run id
# that is not running, or no daemon, is an error (exit 1); a bad id is a
# usage error (exit 2).
set -u
. tests/e2e/lib.sh
e2e_setup

# Its background sleep ignores SIGTERM: only the SIGKILL ends it.
e2e_task c_long <<EOF
return { schedule = every(1).seconds, overlap = "skip", timeout = 60,
         retry_count = 2, retry_delay = 1,
         command = { "sh", "-c", "trap '' TERM; sleep 300 & echo \$! > $E2E_ROOT/gc.pid; wait" } }
EOF
# Fails once by hand, then waits a minute for its retry: a queued run.
e2e_task c_fail <<'EOF'
return { schedule = every(1).days, retry_count = 1, retry_delay = 60,
         run = function() error("fails") end }
EOF
e2e_task c_quick <<'EOF'
return { schedule = every(1).seconds, command = { "true" } }
EOF
out="$E2E_ROOT/out"

exited() {
    [ "$rc" -eq "$1" ] || return 1
    shift
    for pattern; do
        grep -q -- "$pattern" "$out" || return 1
    done
}
running_id() {
    e2e_sql "SELECT id FROM runs WHERE task = 'c_long' AND status = 'running' ORDER BY id LIMIT 1"
}
has_running() {
    [ -n "$(running_id)" ]
}

e2e_cli cancel 1 >"$out" 2>&1
rc=$?
e2e_check cancel_without_daemon_fails "exit 1, no daemon, got $rc: $(cat "$out")" \
    exited 1 'run 1 is not running: no daemon runs'
e2e_cli cancel abc >"$out" 2>&1
rc=$?
e2e_check cancel_bad_id_is_usage_error "exit 2, got $rc: $(cat "$out")" \
    exited 2 "RUN_ID: expected a run id" '^usage: main cancel RUN_ID'
e2e_cli cancel >"$out" 2>&1
rc=$?
e2e_check cancel_without_id_is_usage_error "exit 2, got $rc: $(cat "$out")" exited 2 '^usage:'

if ! e2e_start; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_wait 10 has_running
e2e_wait 5 e2e_sql_true "SELECT count(*) > 0 FROM runs WHERE task = 'c_quick' AND status = 'success'"
id=$(running_id)
done_id=$(e2e_sql "SELECT id FROM runs WHERE task = 'c_quick' AND status = 'success' LIMIT 1")

e2e_cli cancel "$done_id" >"$out" 2>&1
rc=$?
e2e_check cancel_finished_run_fails "exit 1 for run $done_id, got $rc: $(cat "$out")" \
    exited 1 "run $done_id is not running"
e2e_cli --task c_fail >/dev/null 2>&1
retry_id=$(e2e_sql "SELECT id FROM runs WHERE task = 'c_fail' AND status = 'queued'")
e2e_cli cancel "$retry_id" >"$out" 2>&1
rc=$?
e2e_check cancel_queued_run_fails "exit 1 for the waiting retry $retry_id, got $rc: $(cat "$out")" \
    exited 1 "run $retry_id of 'c_fail' has not started yet"
e2e_cli cancel 999999 >"$out" 2>&1
rc=$?
e2e_check cancel_unknown_run_fails "exit 1, got $rc: $(cat "$out")" exited 1 'run 999999 is not running'

e2e_wait 3 test -s "$E2E_ROOT/gc.pid"
grandchild=$(cat "$E2E_ROOT/gc.pid") # before the next run writes its own
e2e_cli cancel --json "$id" >"$out" 2>&1
rc=$?
me="$(id -un) (uid $(id -u)) via CLI"
e2e_check cancel_answers_json "exit 0 with {cancelled: $id, task: c_long, by: $me}, got $rc: $(cat "$out")" \
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(d != {"cancelled": int(sys.argv[2]), "task": "c_long", "by": sys.argv[3]})' \
    "$out" "$id" "$me"

e2e_wait 10 e2e_sql_true "SELECT status <> 'running' FROM runs WHERE id = $id"
row=$(e2e_sql "SELECT status, error FROM runs WHERE id = $id")
e2e_check cancelled_run_is_killed "killed, cancelled by $me, got: $row" \
    [ "$row" = "killed|cancelled by $me" ]
e2e_check cancel_kills_the_grandchild "the TERM-ignoring sleep gone" \
    e2e_wait 3 e2e_gone "$grandchild"

# A retry would be due 1 s after the end; give it 2.
sleep 2
e2e_check cancelled_run_not_retried "no retry row: $(e2e_runs c_long)" \
    e2e_sql_true "SELECT count(*) = 0 FROM runs WHERE task = 'c_long' AND \"trigger\" = 'retry'"
e2e_cli history c_long -n 5 >"$out" 2>&1
e2e_check history_shows_who_cancelled "killed, cancelled by: $(cat "$out")" \
    grep -q 'killed.*cancelled by' "$out"

e2e_stop
e2e_done
