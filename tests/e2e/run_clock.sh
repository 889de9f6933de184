#!/bin/sh
# run_clock.sh — run() starts at or after its instant on every wall clock a
# task can read: over ten fires of every(1).seconds, os.time() is never the
# second before ctx.scheduled_for, os.date() names the instant's own second
# (a backup named by os.date("%H%M%S") at 17:55:00 is not "…175459"), and
# the start the run reports, read from the precise clock, is at or after
# the instant and not more than a bound later.
set -u
. tests/e2e/lib.sh
e2e_setup

# A bound for "on the instant", not a speed (make bench-compare measures
# lateness): it allows for a loaded machine and sanitizer builds.
prompt=0.5
fires=10

e2e_task stamp <<'EOF_TASK'
return {
  schedule = every(1).seconds,
  run = function(ctx)
    -- both readings first: anything done before them would add lateness
    local now, named = os.time(), os.date("!%H%M%S")
    local f = assert(io.open("stamps.txt", "a"))
    f:write(ctx.run_id, " ", ctx.scheduled_for, " ", now, " ", named, "\n")
    f:close()
  end,
}
EOF_TASK

e2e_start || e2e_done

stamped() {
    [ "$(wc -l <"$E2E_ROOT/stamps.txt")" -ge "$fires" ]
}
e2e_check fires_of_every_second_run "$fires runs within 20 s: $(e2e_runs stamp)" \
    e2e_wait 20 stamped
e2e_stop

# early: the lines whose os.time() or os.date() lie before the instant.
early=$(while read -r id scheduled now named; do
    [ "$now" -ge "$scheduled" ] && [ "$named" = "$(date -u -d "@$scheduled" +%H%M%S)" ] ||
        echo "run $id scheduled_for $scheduled os.time $now os.date $named;"
done <"$E2E_ROOT/stamps.txt")
e2e_check os_time_and_date_not_before_the_instant \
    "os.time() >= scheduled_for and os.date() in its second, got: $early" [ -z "$early" ]

e2e_check runs_start_on_their_instant \
    "every run started between its instant and $prompt s after: $(e2e_runs stamp)" \
    e2e_sql_true "SELECT count(*) >= $fires AND min(started_at >= scheduled_for
                         AND started_at - scheduled_for < $prompt)
                  FROM runs WHERE task = 'stamp' AND status = 'success'"
e2e_done
