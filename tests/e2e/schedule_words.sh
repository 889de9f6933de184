#!/bin/sh
# schedule_words.sh — schedules whose text says something else than what
# they do are described as they fire (check, list, --status, calendar),
# `check` warns about them (a cron step past its range too) and about
# schedules that never fire, still exiting 0; a bare cron line works as a
# schedule and as a calendar expression.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task every25 <<'EOF'
return {
  schedule = every(25).hours,
  run = function() end,
}
EOF
e2e_task past <<'EOF'
return {
  title = "Past",
  schedule = { every().day.at("10:00"), once("2020-01-01 10:00") },
  run = function() end,
}
EOF
e2e_task cronline <<'EOF'
return { schedule = "*/5 * * * *", run = function() end }
EOF
e2e_task steps <<'EOF'
return {
  schedule = cron("*/75 * * * *"),
  run = function() end,
}
EOF
e2e_task fine <<'EOF'
return { schedule = every(5).minutes, run = function() end }
EOF
out="$E2E_ROOT/out"
err="$E2E_ROOT/err"
tasks="$E2E_ROOT/tasks"
says25="every 25 hours — daily at 00:00 only: 25 does not divide 24 and the count restarts at midnight"

# exited_with CODE WANT: the last command exited with CODE ($rc) and
# printed exactly WANT.
exited_with() {
    [ "$rc" -eq "$1" ] && [ "$(cat "$out")" = "$2" ]
}

# has FILE TEXT...: every TEXT is a line, or part of one, of FILE.
has() {
    file=$1
    shift
    for text; do
        grep -qF -- "$text" "$file" || return 1
    done
}

e2e_cli check >"$out" 2>&1
rc=$?
e2e_check check_warnings_keep_exit_0 "exit 0, got $rc: $(cat "$out")" [ "$rc" -eq 0 ]
e2e_check check_describes_every_25_hours "'$says25', got: $(cat "$out")" \
    has "$out" "ok   $tasks/every25.lua  every25 — $says25; next "
e2e_check check_warns_at_the_schedule_line "a warn line for every(25).hours, got: $(cat "$out")" \
    has "$out" "warn $tasks/every25.lua:2: every(25).hours: daily at 00:00 only: 25 does not divide 24"
e2e_check check_warns_about_a_past_once "a warn line for the once(), got: $(cat "$out")" \
    has "$out" "warn $tasks/past.lua:3: once(\"2020-01-01 10:00\"): never fires: its time has passed"
e2e_check check_accepts_a_bare_cron_line "cronline described as cron, got: $(cat "$out")" \
    has "$out" "ok   $tasks/cronline.lua  cronline — cron '*/5 * * * *'; next "
e2e_check check_warns_about_a_step_past_its_range "a warn line for */75, got: $(cat "$out")" \
    has "$out" "warn $tasks/steps.lua:2: cron(\"*/75 * * * *\"): */75 in the minute field is minute 0 only"
only_the_three_warn() { [ "$(grep -c '^warn ' "$out")" -eq 3 ]; }
e2e_check check_is_quiet_about_the_rest "three warn lines, got: $(cat "$out")" only_the_three_warn

e2e_cli list >"$out" 2>&1
e2e_check list_describes_what_fires "'$says25', got: $(cat "$out")" has "$out" "$says25"
e2e_cli --status >"$out" 2>&1
e2e_check status_describes_what_fires "'$says25', got: $(cat "$out")" has "$out" "$says25"

e2e_cli calendar 'every(61).minutes' --from 2026-01-01T22:00:00Z -n 3 --tz UTC >"$out" 2>"$err"
rc=$?
want=$(printf '2026-01-01T22:22:00+00:00\n2026-01-01T23:23:00+00:00\n2026-01-02T00:00:00+00:00')
e2e_check calendar_stdout_stays_instants "exit 0 and three instants, got $rc: $(cat "$out")" \
    exited_with 0 "$want"
e2e_check calendar_warns_on_stderr "the day's last gap, got: $(cat "$err")" \
    has "$err" "calendar: warning: every(61).minutes: the day's last gap is 37 minutes"

e2e_cli calendar '0 9 * * MON-FRI' --from 2026-01-02T10:00:00Z -n 2 --tz UTC >"$out" 2>&1
rc=$?
want=$(printf '2026-01-05T09:00:00+00:00\n2026-01-06T09:00:00+00:00')
e2e_check calendar_takes_a_bare_cron_line "Monday and Tuesday 09:00, got $rc: $(cat "$out")" \
    exited_with 0 "$want"
e2e_cli calendar '61 * * * *' >"$out" 2>&1
rc=$?
e2e_check calendar_bad_cron_line_is_usage_error "exit 2 naming the field, got $rc: $(cat "$out")" \
    exited_with 2 "calendar: minute field: 61 is out of range 0-59"

e2e_done
