#!/bin/sh
# task_moves.sh — a task file moved to another folder keeps its history,
# state and next fire: live (the daemon renames it in the store) when its
# content is unchanged, and across a stop when an `id` names it although
# it was edited too.  An `id` is a plain name, unique among tasks: a
# second file with the same id is broken with both files named.
set -u
. tests/e2e/lib.sh
e2e_setup

tasks_dir=$E2E_ROOT/tasks
body='run = function()
           local n = (state.get("n") or 0) + 1
           assert(state.set("n", n))
           print("count=" .. n)
         end'
e2e_task backup <<EOF
return { schedule = every(1).hours, catchup = "skip", $body }
EOF
e2e_task report <<EOF
return { id = "weekly-report", schedule = every(1).hours, catchup = "skip", $body }
EOF
out=$E2E_ROOT/out
runs_of() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1'"
}
listed() {
    e2e_cli --status --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(t["name"] for t in json.load(sys.stdin)["tasks"])))'
}
listed_is() {
    [ "$(listed)" = "$1" ]
}

if ! e2e_start; then
    e2e_not_ok moves_daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_cli --task backup >/dev/null 2>&1
e2e_cli --task backup >/dev/null 2>&1
e2e_cli --task report >/dev/null 2>&1
next_before=$(e2e_sql "SELECT next_fire FROM tasks WHERE name = 'backup'")

# A live move, content unchanged.
mkdir "$tasks_dir/nightly"
mv "$tasks_dir/backup.lua" "$tasks_dir/nightly/backup.lua"
e2e_wait 10 listed_is "nightly/backup report"
e2e_check move_lists_new_name "nightly/backup report, got: $(listed)" listed_is "nightly/backup report"
e2e_check move_keeps_history "2 runs of nightly/backup, none of backup, got $(runs_of nightly/backup) and $(runs_of backup)" \
    [ "$(runs_of nightly/backup) $(runs_of backup)" = "2 0" ]
e2e_check move_keeps_next_fire "next fire $next_before, got $(e2e_sql "SELECT next_fire FROM tasks WHERE name = 'nightly/backup'")" \
    e2e_sql_true "SELECT count(*) = 1 FROM tasks WHERE name = 'nightly/backup' AND next_fire = $next_before"
e2e_cli --task nightly/backup >"$out" 2>&1
e2e_check move_keeps_state "count=3, got: $(cat "$out")" grep -q '^count=3$' "$out"
e2e_cli history nightly/backup >"$out" 2>&1
e2e_check move_history_command "3 runs listed under nightly/backup, got: $(cat "$out")" \
    [ "$(grep -c ' nightly/backup ' "$out")" -eq 3 ]
e2e_check move_logged "'moved from backup' in the log" \
    grep -q 'nightly/backup: moved from backup' "$E2E_ROOT/logs/scheduler.log"
e2e_stop

# Moved and edited while the daemon is down: the id names it.
mkdir "$tasks_dir/office"
sed 's/every(1).hours/every(2).hours/' "$tasks_dir/report.lua" >"$tasks_dir/office/weekly.lua"
rm "$tasks_dir/report.lua"
if ! e2e_start; then
    e2e_not_ok moves_daemon_restarts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_check id_move_keeps_history "1 run of office/weekly, none of report, got $(runs_of office/weekly) and $(runs_of report)" \
    [ "$(runs_of office/weekly) $(runs_of report)" = "1 0" ]
e2e_cli --task office/weekly >"$out" 2>&1
e2e_check id_move_keeps_state "count=2, got: $(cat "$out")" grep -q '^count=2$' "$out"

# A second file with the same id is broken, with both files named; the
# first keeps running.
e2e_task copy <<EOF
return { id = "weekly-report", schedule = every(1).hours, $body }
EOF
e2e_wait 10 e2e_field_is copy broken true
e2e_field copy error >"$out"
e2e_check duplicate_id_broken "copy broken: id 'weekly-report' is already used by office/weekly.lua, got: $(cat "$out")" \
    grep -q "copy.lua: id 'weekly-report' is already used by $tasks_dir/office/weekly.lua" "$out"
e2e_check duplicate_id_first_kept "office/weekly not broken, got: $(e2e_field office/weekly broken)" \
    e2e_field_is office/weekly broken false
e2e_stop
e2e_cli check >"$out" 2>&1
e2e_check check_duplicate_id "FAIL naming both files, got: $(cat "$out")" \
    grep -q "^FAIL $tasks_dir/office/weekly.lua: id 'weekly-report' is already used by $tasks_dir/copy.lua" "$out"
rm "$tasks_dir/copy.lua"
e2e_task bad_id <<'EOF'
return { id = "two words", schedule = every(1).hours, run = function() end }
EOF
e2e_cli check "$tasks_dir/bad_id.lua" >"$out" 2>&1
e2e_check check_plain_id "FAIL bad_id.lua:1: id: expected a plain name, got: $(cat "$out")" \
    grep -q "^FAIL $tasks_dir/bad_id.lua:1: .*expected a plain name" "$out"
e2e_done
