#!/bin/sh
# history_filters.sh — `history` filtered by --status, --trigger, --since
# and --until (bad values exit 2 naming the valid ones), the most telling
# line of a run in the table (a Lua error's message, a command's last
# stderr line), a downtime's missed rows as one table line while --json
# keeps every row, and `show RUN_ID` / `history --show RUN_ID` printing a
# run in full.  A every(1).seconds task runs on its schedule; the downtime
# is a restart with the clock shifted an hour ahead.
set -u
. tests/e2e/lib.sh
e2e_setup
out=$E2E_ROOT/out

e2e_task tick <<'EOF'
return { schedule = every(1).seconds, run = function() end }
EOF
e2e_task report <<'EOF'
return { schedule = every(10).minutes, catchup = "skip", run = function() end }
EOF
# Tasks run by hand only: a once() in the past never fires, not even in the
# shifted hour.  boom spends some CPU first: a forked run costs under 1 ms,
# and a CPU time of 0 is stored as unknown.
e2e_task boom <<'EOF'
return { schedule = once("2020-01-01 00:00"), run = function() local t = os.clock() + 0.02 repeat until os.clock() > t error("disk on fire") end }
EOF
e2e_task cmd <<'EOF'
return { schedule = once("2020-01-01 00:00"),
         command = { "sh", "-c", "echo 'warning: noise' >&2; echo done; echo 'the real problem' >&2; exit 3" } }
EOF
e2e_task fine <<'EOF'
return { schedule = once("2020-01-01 00:00"), run = function() print("all good") return { answer = 42 } end }
EOF

# report must not fire before the downtime: keep its first boundary a
# minute away at least.
offset=0
[ $(($(date +%s) % 600)) -lt 540 ] || offset=-90
e2e_start $offset || e2e_done
e2e_wait 10 e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'tick' AND status = 'success'"
for t in boom cmd fine; do
    e2e_cli --task "$t" >/dev/null 2>&1
done
e2e_stop
rm "$E2E_ROOT/tasks/tick.lua"
before=$(date +%s)
e2e_start 3600 || e2e_done
e2e_wait 10 e2e_sql_true "SELECT next_fire > $before + 3600 FROM tasks WHERE name = 'report'"
e2e_stop # the rows are all there: the table is read without a daemon

id_of() {
    e2e_sql "SELECT max(id) FROM runs WHERE task = '$1'"
}
# ids JSON: the "id"s of `history --json` on stdin, one line, sorted.
ids() {
    /usr/bin/python3 -c '
import json, sys
print(" ".join(str(r["id"]) for r in sorted(json.load(sys.stdin), key=lambda r: r["id"])))'
}
sql_ids() {
    e2e_sql "SELECT id FROM runs WHERE $1 ORDER BY id" | tr '\n' ' ' | sed 's/ $//'
}
# run_cli ARGS...: the CLI's stdout and stderr in $out, its status in $rc.
run_cli() {
    e2e_cli "$@" >"$out" 2>&1
    rc=$?
}

# ---- filters ------------------------------------------------------------

got=$(e2e_cli history --status failed --json | ids)
want=$(sql_ids "status = 'failed'")
e2e_check history_status_filter "the failed runs ($want), got ($got)" [ "$got" = "$want" ]

got=$(e2e_cli history --trigger manual --json | ids)
want=$(sql_ids "\"trigger\" = 'manual'")
e2e_check history_trigger_filter "the manual runs ($want), got ($got)" [ "$got" = "$want" ]

got=$(e2e_cli history --status success --trigger schedule -n 1000 --json | ids)
want=$(sql_ids "status = 'success' AND \"trigger\" = 'schedule'")
e2e_check history_filters_combine "tick's scheduled successes ($want), got ($got)" \
    [ -n "$want" ] && [ "$got" = "$want" ]

# The missed fires lie in the shifted hour; the manual runs now.
first_missed=$(e2e_sql "SELECT min(scheduled_for) FROM runs WHERE status = 'missed'")
iso_utc() {
    date -u -d "@$1" +%Y-%m-%dT%H:%M:%S+00:00
}
iso_berlin_like() { # the same instant written with a +01:00 offset
    date -u -d "@$(($1 + 3600))" +%Y-%m-%dT%H:%M:%S+01:00
}
got=$(e2e_cli history --since "$(iso_utc "$first_missed")" -n 1000 --json | ids)
want=$(sql_ids "status = 'missed'")
e2e_check history_since_iso_with_offset "the missed rows ($want), got ($got)" \
    [ -n "$want" ] && [ "$got" = "$want" ]
got=$(e2e_cli history --until "$(iso_berlin_like "$first_missed")" -n 1000 --json | ids)
want=$(sql_ids "status <> 'missed'")
e2e_check history_until_excludes_its_instant "every run but the missed ($want), got ($got)" \
    [ "$got" = "$want" ]
got=$(e2e_cli history --since "$(date -u -d "@$first_missed" '+%Y-%m-%d %H:%M:%S')" \
    --status missed -n 1000 --json | ids)
e2e_check history_since_without_offset_is_the_zone "the missed rows, got ($got)" \
    [ "$got" = "$(sql_ids "status = 'missed'")" ]
got=$(e2e_cli history --since 10m --until 0s --trigger manual --json | ids)
e2e_check history_relative_span "the manual runs of the last 10 minutes, got ($got)" \
    [ "$got" = "$(sql_ids "\"trigger\" = 'manual'")" ]
run_cli history --until 1w
e2e_check history_nothing_in_range "'no runs recorded', got: $(cat "$out")" \
    grep -q '^no runs recorded' "$out"

run_cli history --status faild
e2e_check history_unknown_status_exits_2 "exit 2 naming every status, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 2 ] && grep -q \"unknown status 'faild' (one of: queued, running, success, failed, timeout, killed, skipped, missed, interrupted)\" '$out'"
run_cli history --trigger cron
e2e_check history_unknown_trigger_exits_2 "exit 2 naming every trigger, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 2 ] && grep -q \"unknown trigger 'cron' (one of: schedule, catchup, retry, manual, api)\" '$out'"
run_cli history --since yesterday
e2e_check history_bad_since_exits_2 "exit 2 with the accepted forms, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 2 ] && grep -q \"since: expected an ISO-8601 time .* or a span before now .*got 'yesterday'\" '$out'"
run_cli history --since 1h --until 2h
e2e_check history_empty_range_exits_2 "exit 2, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 2 ] && grep -q 'since must be before --until' '$out'"

# ---- the table ------------------------------------------------------------

run_cli history boom
e2e_check history_shows_the_lua_error "the error's message and no '(exit 1)', got: $(cat "$out")" \
    sh -c "grep -q 'failed [0-9.]*s  *tasks/boom.lua:1: disk on fire\$' '$out' && ! grep -q 'exit 1' '$out'"
run_cli history cmd
e2e_check history_shows_a_commands_last_stderr_line "the last stderr line, got: $(cat "$out")" \
    grep -q 'command exited with code 3: the real problem$' "$out"

missed=$(e2e_sql "SELECT count(*) FROM runs WHERE task = 'report' AND status = 'missed'")
lo=$(e2e_sql "SELECT min(id) FROM runs WHERE task = 'report' AND status = 'missed'")
hi=$(e2e_sql "SELECT max(id) FROM runs WHERE task = 'report' AND status = 'missed'")
range="$(date -u -d "@$first_missed" '+%Y-%m-%d %H:%M:%S +00:00') … $(date -u -d \
    "@$(e2e_sql "SELECT max(scheduled_for) FROM runs WHERE task = 'report'")" '+%Y-%m-%d %H:%M:%S +00:00')"
run_cli history report
e2e_check history_groups_a_downtime "one line '$lo…$hi … missed ×$missed ($range)' of $missed rows, got: $(cat "$out")" \
    sh -c "[ $missed -ge 5 ] && [ \$(wc -l <'$out') -eq 3 ] && tail -n 1 '$out' | grep -q '^(times in UTC)' &&
           grep -q '^$lo…$hi  *report .*missed ×$missed ($range)' '$out'"
got=$(e2e_cli history report -n 1 --json | ids)
e2e_check history_json_keeps_every_missed_row "the $missed rows for -n 1, got ($got)" \
    [ "$got" = "$(sql_ids "task = 'report'")" ]

# ---- one run in full --------------------------------------------------------

boom=$(id_of boom)
run_cli show "$boom"
e2e_check show_prints_the_whole_error "the traceback, exit code, memory and CPU, got: $(cat "$out")" \
    sh -c "grep -q '^run $boom of boom: failed' '$out' && grep -q 'ended by  *exit code 1' '$out' &&
           grep -q 'peak memory  *[0-9.]* MiB' '$out' && grep -q 'cpu time  *[0-9]' '$out' &&
           grep -q '^  tasks/boom.lua:1: disk on fire' '$out' && grep -q '^  stack traceback:' '$out'"
e2e_cli history --show "$boom" >"$out.history" 2>&1
e2e_check history_show_is_show "the same text as show $boom" cmp -s "$out" "$out.history"
run_cli show "$(id_of cmd)"
e2e_check show_prints_the_output_tail "the command's output and its code, got: $(cat "$out")" \
    sh -c "grep -q 'ended by  *exit code 3' '$out' && grep -q '^  \\[stderr\\] warning: noise' '$out' &&
           grep -q '^  done' '$out'"
run_cli show "$(id_of fine)"
e2e_check show_prints_the_return_value "returned {\"answer\":42}, got: $(cat "$out")" \
    grep -q '^  returned  *{"answer":42}$' "$out"
got=$(e2e_cli show "$boom" --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["id"], r["status"], r["exit_code"], "traceback" in r["error"], r["finished_at_epoch"] > 0)')
e2e_check show_json_is_the_run "'$boom failed 1 True True', got '$got'" \
    [ "$got" = "$boom failed 1 True True" ]
run_cli show 999999
e2e_check show_unknown_run_exits_1 "exit 1 'no run 999999', got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 1 ] && grep -q 'no run 999999' '$out'"
run_cli show x12
e2e_check show_bad_id_exits_2 "exit 2, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 2 ] && grep -q \"expected a run id .*got 'x12'\" '$out'"
e2e_done
