#!/bin/sh
# live_reload.sh — task files dropped, edited, broken, fixed and deleted
# while the daemon runs, each checked through `--status --json`: the file
# watch, the last good version staying in force, continuity of next fires
# across edits, and the write patterns of editors and tools.
set -u
. tests/e2e/lib.sh
e2e_setup
SCRATCH=$E2E_ROOT/scratch   # outside tasks/, for atomic renames
mkdir -p "$SCRATCH"

# drop NAME: tasks/NAME.lua from stdin, written elsewhere and renamed in.
drop() {
    mkdir -p "$(dirname "$E2E_ROOT/tasks/$1")"
    cat >"$SCRATCH/new.lua" && mv "$SCRATCH/new.lua" "$E2E_ROOT/tasks/$1.lua"
}

# runs_of TASK HASH: successful runs of that version of TASK.
runs_of() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND status = 'success'
             AND file_hash = '$2'"
}

# error_mentions TASK TEXT: TASK's error in --status has TEXT.
error_mentions() {
    e2e_field "$1" error | grep -q "$2"
}

# text_status_says TEXT: the text --status has TEXT.
text_status_says() {
    e2e_cli --status | grep -q "$1"
}

# more_runs_than TASK HASH N: true when runs_of says more than N.
more_runs_than() {
    [ "$(runs_of "$1" "$2")" -gt "$3" ]
}

e2e_start || e2e_done

# ---- drop, and edits that keep or move the schedule -------------------------
drop ticker <<'EOF2'
return { title = "Ticker", schedule = every(1).seconds, run = function() end }
EOF2
e2e_check dropped_task_is_scheduled "ticker listed with a next fire" \
    e2e_wait 3 e2e_scheduled ticker
e2e_check dropped_task_runs "ticker ran" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'ticker' AND status = 'success'"

drop hourly <<'EOF2'
return { title = "Hourly", schedule = every(1).hours, run = function() end }
EOF2
e2e_wait 3 e2e_field_is hourly title '"Hourly"'
before=$(e2e_field hourly next_fire_epoch)
drop hourly <<'EOF2'
return { title = "Hourly v2", schedule = every(1).hours, run = function() end }
EOF2
e2e_wait 3 e2e_field_is hourly title '"Hourly v2"'
e2e_check edit_keeping_schedule_keeps_next_fire "next fire $before after the edit, got $(e2e_field hourly next_fire_epoch)" \
    e2e_field_is hourly next_fire_epoch "$before"

# A schedule moved to a time of day that passed a minute ago fires tomorrow,
# not now for the past.
past=$(date -u -d '@'$(( $(date +%s) - 60 )) +%H:%M)
drop hourly <<EOF2
return { title = "Daily", schedule = every().day.at("$past"), run = function() end }
EOF2
e2e_wait 3 e2e_field_is hourly title '"Daily"'
next=$(e2e_field hourly next_fire_epoch)
e2e_check schedule_moved_into_the_past_fires_tomorrow "next fire about a day away, got $next" \
    [ "$next" -gt $(( $(date +%s) + 86000 )) ]
sleep 1.2
e2e_check schedule_moved_into_the_past_does_not_fire "no run of hourly, got $(e2e_runs hourly)" \
    [ "$(e2e_sql "SELECT count(*) FROM runs WHERE task = 'hourly'")" = 0 ]

# Edits of a task firing every second never fire one instant twice.
for i in 1 2 3 4 5; do
    drop ticker <<EOF2
return { title = "Ticker $i", schedule = every(1).seconds, run = function() end }
EOF2
    sleep 0.3
done
sleep 1.5
e2e_check edits_never_refire_an_instant "one run per scheduled instant, got $(e2e_runs ticker)" \
    [ "$(e2e_sql "SELECT count(*) - count(DISTINCT scheduled_for) FROM runs
                  WHERE task = 'ticker' AND status != 'skipped'")" = 0 ]

# ---- break and fix ----------------------------------------------------------
good_hash=$(e2e_sql "SELECT file_hash FROM tasks WHERE name = 'ticker'")
drop ticker <<'EOF2'
return { title = "Ticker", schedule = every(1).seconds, run = function() end,
         timout = 5 }
EOF2
e2e_check broken_edit_shows_error "broken with file:line in --status" \
    e2e_wait 3 error_mentions ticker "ticker.lua:2: unknown field"
last_good_in_force() {
    e2e_field_is ticker last_good true && e2e_scheduled ticker
}
e2e_check broken_edit_keeps_last_good_in_force "last_good true and a next fire" \
    last_good_in_force
e2e_check broken_edit_in_store "tasks.load_error set" \
    [ "$(e2e_sql "SELECT load_error LIKE '%unknown field%' FROM tasks WHERE name = 'ticker'")" = 1 ]
e2e_check broken_edit_in_text_status "the STATE column says the last good version runs" \
    text_status_says 'broken: .*ticker.lua:[0-9]* (last good version runs)'
count=$(runs_of ticker "$good_hash")
e2e_check last_good_version_keeps_running "more successful runs of the last good version" \
    e2e_wait 4 more_runs_than ticker "$good_hash" "$count"
touch "$E2E_ROOT/tasks/unrelated.txt"   # another rescan
sleep 0.3
e2e_check broken_edit_logged_once "one line in errors.log, got $(grep -c 'ticker.lua:2' "$E2E_ROOT/logs/errors.log")" \
    [ "$(grep -c 'ticker.lua:2' "$E2E_ROOT/logs/errors.log")" = 1 ]

drop ticker <<'EOF2'
return { title = "Ticker fixed", schedule = every(1).seconds, run = function() end }
EOF2
fixed() {
    e2e_field_is ticker broken false && e2e_field_is ticker title '"Ticker fixed"'
}
e2e_check fix_clears_the_error "broken false, title updated" e2e_wait 3 fixed
e2e_check fix_clears_the_stored_error "tasks.load_error NULL" \
    [ "$(e2e_sql "SELECT load_error IS NULL FROM tasks WHERE name = 'ticker'")" = 1 ]

# ---- delete while a run is in progress ------------------------------------
drop slow <<'EOF2'
return { schedule = every(1).hours, timeout = 20,
         run = function() exec.run{ "sleep", "1.5" } end }
EOF2
e2e_wait 3 e2e_field_is slow broken false
e2e_cli --task slow >/dev/null 2>&1 &
task_pid=$!
e2e_wait 5 e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'slow' AND status = 'running'"
rm "$E2E_ROOT/tasks/slow.lua"
e2e_check deleted_task_is_unscheduled "slow no longer listed" e2e_wait 3 e2e_field_is slow name absent
wait "$task_pid"
e2e_check run_of_deleted_task_finishes "the running run ended success, got $(e2e_runs slow)" \
    [ "$(e2e_sql "SELECT status FROM runs WHERE task = 'slow'")" = success ]

# ---- sub-folders and editors ------------------------------------------------
mkdir -p "$E2E_ROOT/tasks/new/deeper"
sleep 0.2   # the watch now covers new/ and new/deeper/
drop new/deeper/job <<'EOF2'
return { schedule = every(1).hours, run = function() end }
EOF2
e2e_check new_subfolder_task_is_scheduled "new/deeper/job listed with a next fire" \
    e2e_wait 3 e2e_scheduled new/deeper/job

# A tool that truncates and then writes (a shell redirection, in two steps).
: >"$E2E_ROOT/tasks/hourly.lua"
sleep 0.01
cat >"$E2E_ROOT/tasks/hourly.lua" <<'EOF2'
return { title = "Rewritten", schedule = every(1).hours, run = function() end }
EOF2
rewritten() {
    e2e_field_is hourly title '"Rewritten"' && e2e_field_is hourly broken false
}
e2e_check truncate_then_write_takes_the_new_version "title Rewritten, not broken" \
    e2e_wait 3 rewritten

# vim: a swap file and a backup file beside the task; neither is a task.
printf 'garbage(' >"$E2E_ROOT/tasks/.hourly.lua.swp"
printf 'return {' >"$E2E_ROOT/tasks/hourly.lua~"
touch "$E2E_ROOT/tasks/hourly.lua"
sleep 0.4
task_count() {
    e2e_cli --status --json | /usr/bin/python3 -c 'import json, sys; print(len(json.load(sys.stdin)["tasks"]))'
}
only_real_tasks() {
    e2e_field_is hourly broken false && [ "$(task_count)" = 3 ]
}
e2e_check editor_swap_and_backup_files_ignored "only the 3 real tasks listed, hourly still fine" \
    only_real_tasks

e2e_stop
e2e_done
