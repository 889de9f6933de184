#!/bin/sh
# task_recreate.sh — a task file deleted and created again under the same
# name does not handle an instant its first life handled (fires.c, rule 1).
# The store forgets a deleted task's schedule state but keeps its runs, and
# those tell the last instant handled.  In the wild the instant at stake is
# one prepared ahead (and cancelled by the delete) that is still a few
# hundred ms away when the file comes back (tests/faults/churn.sh); here
# the test clock steps back 3 s first, so the last instants of the first life
# lies ahead of the re-created task and the interleaving does not depend
# on timing.
set -u
. tests/e2e/lib.sh
e2e_setup

OFFSET_FILE=$E2E_ROOT/clock_offset
task_file=$E2E_ROOT/tasks/tick.lua

# set_offset SECONDS: replace the offset file by a rename (clock_live.sh).
set_offset() {
    printf '%s\n' "$1" >"$OFFSET_FILE.new" && mv "$OFFSET_FILE.new" "$OFFSET_FILE"
}
write_task() {
    printf 'return { schedule = every(1).seconds, timeout = 5, command = { "true" } }\n' \
        >"$task_file"
}
# logged_times N TEXT: true when the daemon's output has N lines with TEXT.
logged_times() {
    [ "$(grep -c -- "$2" "$E2E_ROOT/daemon.out")" = "$1" ]
}
ran_three() {
    e2e_sql_true "SELECT count(*) >= 3 FROM runs WHERE task = 'tick' AND status = 'success'"
}
next_fire() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(next(int(t["next_fire_epoch"]) for t in json.load(sys.stdin)["tasks"] if t["name"] == "tick"))'
}

write_task
set_offset 0 || exit 1
# The CLI reads the same clock as the daemon.
TASKSCHED_CLOCK_OFFSET_FILE=$OFFSET_FILE
export TASKSCHED_CLOCK_OFFSET_FILE
if ! e2e_start; then
    e2e_not_ok recreate_daemon_starts "the daemon answering"
    e2e_done
fi
e2e_check recreate_first_life_runs "three runs of tick" e2e_wait 10 ran_three

set_offset -3
e2e_check recreate_clock_stepped_back "the log saying: clock offset changed by -3 s" \
    e2e_wait 5 logged_times 1 "clock offset changed by -3 s"
last=$(e2e_sql "SELECT max(scheduled_for) FROM runs WHERE task = 'tick'")
rm -f "$task_file"
e2e_check recreate_deleted "the log saying: tick: task file deleted" \
    e2e_wait 5 logged_times 1 "tick: task file deleted"
write_task
e2e_check recreate_scheduled_again "the log saying tick is scheduled a second time" \
    e2e_wait 5 logged_times 2 "tick: scheduled; next fire"
next=$(next_fire)
e2e_check recreate_resumes_after_last "next fire after $last (the last instant handled), got $next" \
    [ "${next:-0}" -gt "$last" ]
sleep 3
dups=$(e2e_sql "SELECT scheduled_for FROM runs WHERE task = 'tick'
                GROUP BY scheduled_for HAVING count(*) > 1 LIMIT 5" | tr '\n' ' ')
e2e_check recreate_no_instant_twice "no instant of tick recorded twice, got: $dups" [ -z "$dups" ]
e2e_done
