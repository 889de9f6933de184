#!/bin/sh
# status_view.sh — `--status` shows the state that matters per task (failing
# with its streak and error, retrying, running, queued, paused, late,
# broken: file:line), the last run as "N ago, status, duration", a line of
# counts, and exits 3 without a daemon, 1 with a task failing or broken, 0
# otherwise; the JSON carries the same from the daemon's memory and from
# the store.  Tables fit $COLUMNS unless --wide; colour only on a terminal
# and without NO_COLOR.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task fails <<'EOF'
return { schedule = every(1).seconds, run = function() error("disk full\nsecond line") end }
EOF
e2e_task flaky <<'EOF'
return { schedule = every(1).days, retry_count = 2, retry_delay = 300,
         run = function() error("flaky") end }
EOF
e2e_task long <<'EOF'
return { schedule = every(1).days, run = function() os.execute("sleep 30") end }
EOF
e2e_task broken <<'EOF'
return { schedule = every(1).days,
  run = function() end
EOF
e2e_task fine <<'EOF'
return { schedule = every(1).days, run = function() end }
EOF
out="$E2E_ROOT/out"

# has PATTERN...: every pattern matches a line of $out.
has() {
    for pattern; do
        grep -q "$pattern" "$out" || return 1
    done
}
# row TASK: the task's line of the table in $out.
row() {
    grep "^$1 " "$out"
}
# json EXPR: a Python expression over `t` (tasks by name) in --status --json.
json() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
t = {task["name"]: task for task in json.load(sys.stdin)["tasks"]}
print(eval("(" + sys.argv[1] + ")"))' "$1"
}
json_true() {
    [ "$(json "$1")" = True ]
}

# An hour before midnight: the daily tasks do not fire by themselves, and a
# retry 300 s away is not dropped for the next fire.
offset=$(e2e_offset_before 86400 3600)
if ! e2e_start "$offset"; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi

# ---- with a daemon: from its memory ----------------------------------------

e2e_cli --task long >/dev/null 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
e2e_wait 5 json_true 't["long"]["running"] != []'
e2e_cli --task long >/dev/null 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
e2e_cli --task flaky >/dev/null 2>&1
e2e_wait 10 json_true 't["fails"]["failing_streak"] >= 3'

e2e_cli --status >"$out" 2>&1
rc=$?
e2e_check status_exits_1_when_failing "exit 1 with a failing and a broken task, got $rc" \
    [ "$rc" -eq 1 ]
e2e_check status_counts_the_states \
    "'5 tasks: 1 running, 1 failing, 1 broken, 0 paused, 0 overdue', got: $(cat "$out")" \
    has '^5 tasks: 1 running, 1 failing, 1 broken, 0 paused, 0 overdue; 2 open alerts (times in UTC)$'
e2e_check status_failing_streak_and_error \
    "fails: 'failing (N in a row): …disk full' without the second line, got: $(row fails)" \
    has '^fails .*failing ([0-9]* in a row): tasks/fails.lua:1: disk full$'
e2e_check status_last_run_ago_status_duration \
    "fails: 'just now|N s ago, failed, D', got: $(row fails)" \
    sh -c "grep -Eq '^fails .*(just now|[0-9]+ s ago), failed, [0-9.]+s ' '$out'"
e2e_check status_retrying_attempt_and_time \
    "flaky: 'retrying (2/3 at HH:MM:SS)', got: $(row flaky)" \
    sh -c "grep -Eq '^flaky .*retrying \(2/3 at [0-2][0-9]:[0-5][0-9]:[0-5][0-9]\)\$' '$out'"
e2e_check status_running_for "long: 'running Ns', got: $(row long)" \
    sh -c "grep -Eq '^long .*running [0-9.]+s\$' '$out'"
e2e_check status_broken_file_line "broken: 'broken: …/broken.lua:3', got: $(row broken)" \
    has '^broken .*broken: .*tasks/broken.lua:3$'
e2e_check status_ok "fine: ok, got: $(row fine)" has '^fine .* ok$'

e2e_check status_json_streak_error "failing_streak >= 3 and last_run.error its first line" \
    json_true 't["fails"]["failing_streak"] >= 3 and
               t["fails"]["last_run"]["error"] == "tasks/fails.lua:1: disk full"'
e2e_check status_json_retry \
    "flaky: retry {attempt 2, of 3, at 300 s after the failure}, streak 0: $(json 't["flaky"]')" \
    json_true '(lambda r, l: r["attempt"] == 2 and r["of"] == 3 and r["at"].endswith("+00:00")
                and 299 < r["at_epoch"] - l["finished_at_epoch"] < 301)(
                   t["flaky"]["retry"], t["flaky"]["last_run"])
               and t["flaky"]["failing_streak"] == 0'
e2e_check status_json_running_start "long: running[0].started_at(_epoch), queued behind it" \
    json_true 'isinstance(t["long"]["running"][0]["started_at_epoch"], float)
               and t["long"]["running"][0]["started_at"] is not None
               and t["long"]["queued"] and not t["fine"]["queued"]'

# ---- tables fit the terminal ------------------------------------------------

# fits WIDTH: the table's six rows in $out are at most WIDTH characters.
fits() {
    /usr/bin/python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
table = [l for l in lines if l.split(" ")[0] in ("TASK", "fails", "flaky", "long", "fine", "broken")]
sys.exit(0 if len(table) == 6 and max(len(l) for l in table) <= int(sys.argv[2]) else 1)' \
        "$out" "$1"
}
COLUMNS=70 e2e_cli --status >"$out" 2>&1
e2e_check table_fits_columns "every row of the table within 70 columns, got: $(cat "$out")" \
    fits 70
e2e_check table_cuts_with_ellipsis "the fails row cut with '…', got: $(row fails)" \
    has '^fails .*…$'
COLUMNS=70 e2e_cli --wide --status >"$out" 2>&1
e2e_check table_wide_keeps_cells_whole "--wide: 'disk full' whole, got: $(row fails)" \
    has '^fails .*tasks/fails.lua:1: disk full$'
e2e_cli --status >"$out" 2>&1
e2e_check table_not_cut_in_a_pipe "no '…' without COLUMNS when stdout is no terminal" \
    sh -c "! grep -q '…' '$out'"

# ---- colour: only on a terminal, never with NO_COLOR -------------------------

esc=$(printf '\033')
e2e_check no_colour_in_a_pipe "no escape sequence when stdout is no terminal" \
    sh -c "! grep -q '$esc' '$out'"
# on_tty ARGS...: --status ARGS on a pseudo-terminal (script(1)), into $out.
on_tty() {
    script -qec "$E2E_MAIN --root $E2E_ROOT --status $*" /dev/null >"$out" 2>&1
}
if command -v script >/dev/null 2>&1; then
    NO_COLOR= on_tty
    e2e_check colour_on_a_terminal "failing in red on a terminal, got: $(row fails)" \
        has "^fails .*${esc}\[31mfailing (" "^fine .*${esc}\[32mok"
    NO_COLOR=1 on_tty
    e2e_check no_colour_with_no_color "NO_COLOR=1: no escape sequence, got: $(row fails)" \
        sh -c "grep -q '^fails ' '$out' && ! grep -q '$esc' '$out'"
    NO_COLOR=1 on_tty --json
    e2e_check no_colour_in_json "--json on a terminal: no escape sequence" \
        sh -c "grep -q failing_streak '$out' && ! grep -q '$esc' '$out'"
    NO_COLOR= on_tty --json
    e2e_check no_colour_in_json_ever "--json on a terminal without NO_COLOR: no escape" \
        sh -c "grep -q failing_streak '$out' && ! grep -q '$esc' '$out'"
else
    e2e_ok "colour_on_a_terminal # SKIP no script(1)"
fi

# ---- without a daemon: from the store ---------------------------------------

e2e_stop
e2e_sql "UPDATE tasks SET paused = 1 WHERE name = 'fine'"
# Two days on: the daily tasks' stored next fires have passed.
TASKSCHED_CLOCK_OFFSET=$((offset + 2 * 86400)) e2e_cli --status >"$out" 2>&1
rc=$?
e2e_check status_exits_3_without_daemon "exit 3 as systemctl status, got $rc" [ "$rc" -eq 3 ]
e2e_check status_without_daemon_lists_tasks "the rows from the store, got: $(cat "$out")" \
    has '^daemon: not running' '^5 tasks: 0 running, 3 failing, 1 broken, 1 paused, 3 overdue; 3 open alerts (times in UTC)$' \
    '^fails .*failing ([0-9]* in a row): tasks/fails.lua:1: disk full$' '^fine .* paused$' \
    '^broken .*broken: .*tasks/broken.lua:3$' '^fails .*2 days ago, failed, '
# The retry never came (cancelled by the stop): flaky's failure is final.
e2e_check status_store_streak_counts_the_cancelled_retry \
    "flaky: failing (1 in a row), got: $(row flaky)" \
    has '^flaky .*failing (1 in a row): tasks/flaky.lua:2: flaky$'
e2e_check status_store_same_shape "the store's JSON: failing_streak, queued, retry, last_run.error" \
    json_true 't["fails"]["failing_streak"] >= 3 and t["flaky"]["retry"] is None
               and t["fails"]["last_run"]["error"] == "tasks/fails.lua:1: disk full"
               and t["fine"]["queued"] is False and t["long"]["running"] == []'
e2e_cli --status --json >/dev/null 2>&1
rc=$?
e2e_check status_json_exits_3_without_daemon "--json too, got $rc" [ "$rc" -eq 3 ]

# late: a task whose fire passed with no run of it
rm "$E2E_ROOT/tasks/fails.lua" "$E2E_ROOT/tasks/flaky.lua" "$E2E_ROOT/tasks/broken.lua"
e2e_sql "UPDATE tasks SET paused = 0 WHERE name = 'fine'"
TASKSCHED_CLOCK_OFFSET=$((offset + 2 * 86400)) e2e_cli --status >"$out" 2>&1
e2e_check status_late "fine: late, got: $(row fine)" has '^fine .* late$'

# ---- exit 0: a daemon and nothing failing -----------------------------------

rm "$E2E_ROOT/tasks/long.lua"
if e2e_start "$offset"; then
    e2e_cli --status >"$out" 2>&1
    rc=$?
    e2e_check status_exits_0_when_all_is_well "exit 0, got $rc: $(cat "$out")" [ "$rc" -eq 0 ]
else
    e2e_not_ok daemon_restarts "the daemon answering --status within 10 s"
fi
e2e_done
