#!/bin/sh
# clock_live.sh — wall-clock jumps of +2 h and then −1 h while the daemon
# runs, made through the test clock: TASKSCHED_CLOCK_OFFSET_FILE names a
# file whose change the daemon handles exactly as the kernel's report of a
# real jump (clockwatch.c), so the live path is the one exercised.
# Catch-up follows each task's policy, no instant runs twice, the daemon
# answers throughout, and a bad offset file is logged and ignored.
set -u
. tests/faults/lib.sh
faults_setup

HOUR=3600
OFFSET_FILE=$E2E_ROOT/clock_offset

cat >>"$E2E_ROOT/config/config.yaml" <<'EOF_CONFIG'
  max_catchup: 50
EOF_CONFIG
for policy in once all skip; do
    e2e_task "h_$policy" <<EOF_TASK
return { schedule = every(1).hours, catchup = "$policy", timeout = 10, run = function() end }
EOF_TASK
done
e2e_task m_once <<'EOF_TASK'
return { schedule = every(1).minutes, catchup = "once", timeout = 10, run = function() end }
EOF_TASK

# set_offset SECONDS: replace the offset file by a rename, as a clock step
# is atomic (an in-place write could be read half done).
set_offset() {
    printf '%s\n' "$1" >"$OFFSET_FILE.new" && mv "$OFFSET_FILE.new" "$OFFSET_FILE"
}

# daemon_now: the daemon's "now" (its shifted clock) in epoch seconds.
daemon_now() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(int(json.load(sys.stdin)["now_epoch"]))'
}

# daemon_now_within LO HI: true when the daemon's now is in [LO, HI].
daemon_now_within() {
    live_now=$(daemon_now) && [ "$live_now" -ge "$1" ] && [ "$live_now" -le "$2" ]
}

# logged TEXT: true when the daemon's output has a line with TEXT.
logged() {
    grep -q -- "$1" "$E2E_ROOT/daemon.out"
}

# Start 3 s before an hour boundary H, so each task runs H normally.
base=$(e2e_offset_before "$HOUR" 3)
set_offset "$base" || exit 1
if ! faults_start 0 env TASKSCHED_CLOCK_OFFSET_FILE="$OFFSET_FILE"; then
    e2e_not_ok live_daemon_starts "the daemon answering"
    e2e_done
fi
first_ran() {
    e2e_sql_true "SELECT count(*) = 4 FROM runs WHERE status = 'success'"
}
e2e_check live_boundary_runs "the four tasks run at the boundary" e2e_wait 8 first_ran
H=$(e2e_sql "SELECT min(scheduled_for) FROM runs")

# +2 h: the hourly instants H+1h and H+2h passed.
set_offset $((base + 2 * HOUR))
count() {   # count TASK STATUS TRIGGER: rows after H
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND status = '$2'
             AND \"trigger\" = '$3' AND scheduled_for > $H"
}
caught_up() {
    e2e_sql_true "SELECT count(*) = 0 FROM runs WHERE status IN ('queued', 'running')" &&
        [ "$(count h_all success catchup)" = 2 ] && [ "$(count m_once success catchup)" = 1 ]
}
e2e_wait 10 caught_up
e2e_check live_forward_logged "the log saying: clock offset changed by +7200 s (test clock)" \
    logged "clock offset changed by +7200 s (test clock)"
e2e_check live_forward_daemon_answers "--status answering 2 h later, now >= H+2h" \
    daemon_now_within $((H + 2 * HOUR)) $((H + 2 * HOUR + 60))
e2e_check live_forward_once_runs_latest_once \
    "h_once: 1 catch-up run of H+2h and 1 missed, got $(e2e_runs h_once)" \
    e2e_sql_true "SELECT count(*) = 2 AND sum(status = 'missed') = 1
                  AND sum(status = 'success' AND \"trigger\" = 'catchup'
                          AND scheduled_for = $H + 2 * $HOUR) = 1
                  FROM runs WHERE task = 'h_once' AND scheduled_for > $H"
e2e_check live_forward_all_runs_each_in_order \
    "h_all: catch-up runs of H+1h then H+2h, got $(e2e_runs h_all)" \
    e2e_sql_true "SELECT count(*) = 2 AND sum(status = 'success') = 2
                  AND group_concat(scheduled_for) = ($H + $HOUR) || ',' || ($H + 2 * $HOUR)
                  FROM (SELECT * FROM runs WHERE task = 'h_all' AND scheduled_for > $H
                        ORDER BY id)"
e2e_check live_forward_skip_runs_none \
    "h_skip: 2 missed, no run, got $(e2e_runs h_skip)" \
    e2e_sql_true "SELECT count(*) = 2 AND sum(status = 'missed') = 2
                  FROM runs WHERE task = 'h_skip' AND scheduled_for > $H"

# −1 h from there: instants H+1h … H+2h come again; none may run again,
# and each task's next fire is still its first instant not yet handled.
rows_before=$(e2e_sql "SELECT count(*) FROM runs")
set_offset $((base + HOUR))
e2e_check live_backward_logged "the log saying: clock offset changed by -3600 s (test clock)" \
    e2e_wait 5 logged "clock offset changed by -3600 s (test clock)"
sleep 2
rows_after=$(e2e_sql "SELECT count(*) FROM runs")
e2e_check live_backward_runs_nothing \
    "no new row 1 h back ($rows_before before, $rows_after after)" \
    [ "$rows_before" = "$rows_after" ]
e2e_check live_backward_daemon_answers "--status answering 1 h back, now >= H+1h" \
    daemon_now_within $((H + HOUR)) $((H + HOUR + 60))
e2e_check live_backward_next_fire_not_run \
    "next fires H+3h (hourly) and after H+2h (m_once), got
     $(e2e_sql "SELECT name, next_fire FROM tasks" | tr '\n' ' ')" \
    e2e_sql_true "SELECT sum(name LIKE 'h_%' AND next_fire = $H + 3 * $HOUR) = 3
                  AND sum(name = 'm_once' AND next_fire > $H + 2 * $HOUR) = 1 FROM tasks"

# A bad offset file is logged and ignored: the clock stays where it was.
printf 'soon\n' >"$OFFSET_FILE.new" && mv "$OFFSET_FILE.new" "$OFFSET_FILE"
e2e_check live_bad_file_logged "the log saying the offset file is not a number" \
    e2e_wait 5 logged "test clock: $OFFSET_FILE: 'soon' is not a number"
e2e_check live_bad_file_keeps_offset "--status answering, now still >= H+1h" \
    daemon_now_within $((H + HOUR)) $((H + HOUR + 60))

# Forward again, just before H+3h: it runs once, as a normal fire.
set_offset $((H + 3 * HOUR - 2 - $(date +%s)))
e2e_check live_next_boundary_runs_once "the hourly tasks run H+3h once, on schedule" \
    e2e_wait 8 e2e_sql_true "SELECT count(*) = 3 AND sum(\"trigger\" = 'schedule') = 3
                             FROM runs WHERE task LIKE 'h_%' AND scheduled_for = $H + 3 * $HOUR
                             AND status = 'success'"
dups=$(e2e_sql "SELECT task || '@' || scheduled_for FROM runs
                WHERE status NOT IN ('missed', 'skipped')
                GROUP BY task, scheduled_for HAVING count(*) > 1" | tr '\n' ' ')
e2e_check live_nothing_runs_twice "no instant run twice, got: $dups" [ -z "$dups" ]
faults_show_log 15
faults_finish live
