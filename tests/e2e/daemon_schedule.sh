#!/bin/sh
# daemon_schedule.sh — fires land on their clock boundaries and start at once:
# every(2).seconds on even seconds, every(1).minutes on the minute (the
# daemon's clock is shifted to a few seconds before one), each instant once.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task every2s <<'EOF_TASK'
return { schedule = every(2).seconds, run = function() end }
EOF_TASK
e2e_task minutely <<'EOF_TASK'
return { schedule = every(1).minutes, run = function() end }
EOF_TASK

# run() is released on the instant itself; this proves "on the boundary",
# not a speed (make bench-compare measures lateness), so it allows for a
# loaded machine and sanitizer builds.
prompt=1

if ! e2e_start "$(e2e_offset_before 60 3)"; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi

successes() {
    e2e_sql_true "SELECT count(*) >= $2 FROM runs WHERE task = '$1' AND status = 'success'"
}

e2e_wait 10 successes minutely 1
e2e_check every_minute_fires_on_the_minute \
    "one success on a minute, started within $prompt s: $(e2e_runs minutely)" \
    e2e_sql_true "SELECT count(*) = 1 AND min(scheduled_for % 60 = 0
                         AND started_at - scheduled_for BETWEEN 0 AND $prompt)
                  FROM runs WHERE task = 'minutely'"

e2e_wait 10 successes every2s 3
e2e_check every_2_seconds_fires_on_even_seconds \
    "successes on even seconds, started within $prompt s: $(e2e_runs every2s)" \
    e2e_sql_true "SELECT count(*) >= 3 AND min(scheduled_for % 2 = 0
                         AND started_at - scheduled_for BETWEEN 0 AND $prompt)
                  FROM runs WHERE task = 'every2s' AND status = 'success'"
e2e_check no_instant_fires_twice "distinct scheduled_for values" \
    e2e_sql_true "SELECT count(*) = count(DISTINCT scheduled_for) FROM runs WHERE task = 'every2s'"
e2e_check consecutive_fires_two_seconds_apart "no fire skipped between runs" \
    e2e_sql_true "SELECT max(scheduled_for) - min(scheduled_for) = 2 * (count(*) - 1)
                  FROM runs WHERE task = 'every2s'"

e2e_stop
e2e_done
