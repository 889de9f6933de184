#!/bin/sh
# hostile_files.sh — what lands in tasks/ cannot trap, flood or break the
# daemon and its listings: a link loop is walked once, a link out of the
# folder is not followed, a file name that is not printable UTF-8 (invalid
# bytes, a newline) is listed escaped and broken, and a FIFO named like a
# task file never blocks `check` or a scan.
set -u
. tests/e2e/lib.sh
e2e_setup
LOG=$E2E_ROOT/logs/scheduler.log

e2e_task tick <<'EOF_TASK'
return { schedule = every(1).seconds, run = function() end }
EOF_TASK
mkdir -p "$E2E_ROOT/tasks/sub" "$E2E_ROOT/outside"
e2e_task sub/inner <<'EOF_TASK'
return { schedule = every(1).hours, run = function() end }
EOF_TASK
cp "$E2E_ROOT/tasks/tick.lua" "$E2E_ROOT/outside/stranger.lua"
e2e_start || e2e_done

# tasks: how many tasks --status --json lists.
tasks() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(len(json.load(sys.stdin)["tasks"]))'
}

tasks_are() {
    [ "$(tasks)" = "$1" ]
}

# ---- link loops and links out of the folder --------------------------------
ln -s . "$E2E_ROOT/tasks/loop"
ln -s .. "$E2E_ROOT/tasks/sub/up"
ln -s "$E2E_ROOT/outside" "$E2E_ROOT/tasks/away"
ln -s "$E2E_ROOT/outside/stranger.lua" "$E2E_ROOT/tasks/stranger.lua"
e2e_check link_loop_logged "scheduler.log names the loop" \
    e2e_wait 5 grep -q 'tasks/loop: a folder already walked' "$LOG"
e2e_check link_loop_walked_once "two tasks listed, got $(tasks)" tasks_are 2
e2e_check link_out_of_folder_not_followed "scheduler.log names tasks/away and tasks/stranger.lua" \
    sh -c "grep -q 'tasks/away: a link to outside' '$LOG' && grep -q 'tasks/stranger.lua: a link to outside' '$LOG'"
e2e_check loop_costs_no_cpu "the daemon is not spinning" \
    sh -c "[ \$(ps -o pcpu= -p $E2E_DAEMON | cut -d. -f1) -lt 50 ]"

# ---- names that are not printable UTF-8 -------------------------------------
cp "$E2E_ROOT/tasks/tick.lua" "$E2E_ROOT/tasks/$(printf 'bad\377\376').lua"
cp "$E2E_ROOT/tasks/tick.lua" "$E2E_ROOT/tasks/$(printf 'evil\n2026-01-01 forged').lua"
e2e_check bad_names_listed "four tasks" e2e_wait 5 tasks_are 4
e2e_check invalid_utf8_name_escaped_and_broken 'bad\xff\xfe broken' \
    e2e_wait 5 e2e_field_is 'bad\xff\xfe' broken true
e2e_check newline_name_escaped_and_broken 'evil\n2026-01-01 forged broken' \
    e2e_field_is 'evil\n2026-01-01 forged' broken true
e2e_cli --status >"$E2E_ROOT/out" 2>&1
e2e_check status_works_with_bad_names "exit 0, got $?: $(head -c 300 "$E2E_ROOT/out")" \
    grep -q '^daemon: running' "$E2E_ROOT/out"
e2e_check status_shows_escaped_name 'bad\xff\xfe in --status' grep -qF 'bad\xff\xfe' "$E2E_ROOT/out"
e2e_check no_line_forged_in_status "no line starting 2026-01-01 forged" \
    sh -c "! grep -q '^2026-01-01 forged' '$E2E_ROOT/out'"
e2e_cli list >"$E2E_ROOT/out" 2>&1
e2e_check list_works_with_bad_names "exit 0 listing tick, got $?" grep -q 'tick' "$E2E_ROOT/out"
e2e_cli list --json >"$E2E_ROOT/out" 2>&1
e2e_check list_json_is_valid "JSON from list --json" \
    /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$E2E_ROOT/out"
e2e_check no_line_forged_in_log "no scheduler.log line starting with 2026-01-01 forged" \
    sh -c "! grep -q '^2026-01-01 forged' '$LOG'"

# ---- a FIFO where a task file is expected -----------------------------------
mkfifo "$E2E_ROOT/tasks/fifo.lua"
timeout 10 "$E2E_MAIN" --root "$E2E_ROOT" check "$E2E_ROOT/tasks/fifo.lua" >"$E2E_ROOT/out" 2>&1
rc=$?
e2e_check check_refuses_a_fifo_at_once "exit 1 with 'not a regular file', got $rc: $(cat "$E2E_ROOT/out")" \
    sh -c "[ $rc = 1 ] && grep -q 'not a regular file' '$E2E_ROOT/out'"
touch "$E2E_ROOT/tasks/tick.lua"
e2e_check daemon_answers_with_a_fifo_in_tasks "--status after a rescan" e2e_wait 5 e2e_daemon_up
e2e_check fires_go_on "tick ran in the last two seconds" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) > 0 FROM runs WHERE task = 'tick'
                             AND status = 'success' AND started_at > strftime('%s','now') - 2"
e2e_stop
e2e_done
