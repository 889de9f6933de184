#!/bin/sh
# daemon_catchup.sh — fires missed while the daemon was down.  The daemon
# runs once, stops, and restarts in a world shifted about an hour ahead, 30 s
# after a ten-minute boundary; each catch-up policy then does its thing:
# once, all, skip, and grace (fires older than it are not run).
set -u
. tests/e2e/lib.sh
e2e_setup

task() {
    e2e_task "$1" <<EOF_TASK
return { schedule = every(10).minutes, $2, run = function() end }
EOF_TASK
}
task c_once 'catchup = "once"'
task c_all 'catchup = "all"'
task c_skip 'catchup = "skip"'
task c_grace 'catchup = "all", grace = 300'
task c_grace_none 'catchup = "once", grace = 10'

if ! e2e_start; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_wait 5 e2e_sql_true "SELECT count(*) = 5 FROM tasks WHERE next_fire > 0"
e2e_stop

# The first fire the second daemon finds missed, and the last: the boundary
# its clock starts 30 s after.
first=$(e2e_sql "SELECT next_fire FROM tasks WHERE name = 'c_all'")
now=$(date +%s)
last=$(( (now + 3600) / 600 * 600 ))
missed=$(( (last - first) / 600 + 1 ))
e2e_start $((last + 30 - now)) || e2e_not_ok daemon_restarts "the daemon answering again"

catchups() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND \"trigger\" = 'catchup'"
}
missed_rows() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND status = 'missed'"
}
e2e_wait 15 e2e_sql_true "SELECT count(*) = $missed FROM runs WHERE task = 'c_all'
                          AND \"trigger\" = 'catchup' AND status = 'success'"

e2e_check catchup_all_runs_each_missed_fire \
    "$missed catch-up runs from $first to $last: $(e2e_runs c_all)" \
    e2e_sql_true "SELECT count(*) = $missed AND min(scheduled_for) = $first
                         AND max(scheduled_for) = $last
                         AND count(DISTINCT scheduled_for) = $missed
                  FROM runs WHERE task = 'c_all' AND \"trigger\" = 'catchup'"
e2e_check catchup_once_runs_once "1 catch-up run, got $(catchups c_once)" \
    [ "$(catchups c_once)" -eq 1 ]
e2e_check catchup_once_records_the_rest_missed "missed rows, got $(missed_rows c_once)" \
    [ "$(missed_rows c_once)" -ge 1 ]
e2e_check catchup_skip_runs_none "0 catch-up runs, got $(catchups c_skip)" \
    [ "$(catchups c_skip)" -eq 0 ]
e2e_check catchup_skip_records_missed "missed rows, got $(missed_rows c_skip)" \
    [ "$(missed_rows c_skip)" -ge 1 ]
e2e_check grace_runs_only_recent_fires \
    "1 catch-up run, of $last: $(e2e_runs c_grace)" \
    e2e_sql_true "SELECT count(*) = 1 AND min(scheduled_for) = $last FROM runs
                  WHERE task = 'c_grace' AND \"trigger\" = 'catchup'"
e2e_check grace_shorter_than_the_delay_runs_none \
    "0 catch-up runs, got $(catchups c_grace_none)" \
    [ "$(catchups c_grace_none)" -eq 0 ]
e2e_check next_fire_after_catchup "every next fire at $((last + 600))" \
    e2e_sql_true "SELECT count(*) = 5 FROM tasks WHERE next_fire = $((last + 600))"

e2e_stop
e2e_done
