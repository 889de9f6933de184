#!/bin/sh
# daemon_pause.sh — `pause` and `resume`, with and without a daemon: a
# paused task keeps its schedule but does not run, each of its fires is one
# skipped row with the error "paused", the pause holds across a restart and
# shows in --status, list and history; `--task` still runs it; unknown
# names suggest the nearest and change nothing.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task p_tick <<'EOF'
return { schedule = every(1).seconds, command = { "true" } }
EOF
e2e_task p_other <<'EOF'
return { schedule = every(1).seconds, command = { "true" } }
EOF
# Fails after a second, and would be retried a second later.
e2e_task p_fail <<'EOF'
return { schedule = every(1).days, retry_count = 2, retry_delay = 1,
         run = function() os.execute("sleep 1.5"); error("fails") end }
EOF
out="$E2E_ROOT/out"

# exited CODE PATTERN...: the last command exited with CODE ($rc) and every
# pattern matches a line of its output.
exited() {
    [ "$rc" -eq "$1" ] || return 1
    shift
    for pattern; do
        grep -q -- "$pattern" "$out" || return 1
    done
}
stored_paused() {
    e2e_sql "SELECT paused FROM tasks WHERE name = '$1'"
}
# count TASK STATUS [SQL]: rows of TASK with STATUS (and SQL).
count() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND status = '$2' ${3:-}"
}
at_least() {
    [ "$(count "$1" "$2" "${4:-}")" -ge "$3" ]
}

# ---- without a daemon: the store, for the next start -----------------------

e2e_cli pause >"$out" 2>&1
rc=$?
e2e_check pause_without_tasks_is_usage_error "exit 2, got $rc: $(cat "$out")" \
    exited 2 'name at least one task' '^usage: main pause TASK'

e2e_cli pause p_tik >"$out" 2>&1
rc=$?
e2e_check pause_unknown_suggests_nearest "exit 1 suggesting p_tick, got $rc: $(cat "$out")" \
    exited 1 "no task named 'p_tik' (did you mean 'p_tick'?)"

e2e_cli pause p_tick p_nosuch >"$out" 2>&1
rc=$?
e2e_check pause_unknown_changes_nothing "exit 1 and no row, got $rc, paused='$(stored_paused p_tick)'" \
    [ "$rc" -eq 1 -a -z "$(stored_paused p_tick)" ]

e2e_cli pause p_tick >"$out" 2>&1
rc=$?
e2e_check pause_without_daemon_saves_it "exit 0, paused=1, got $rc, $(stored_paused p_tick): $(cat "$out")" \
    exited 0 '^p_tick: paused$' 'no daemon runs: saved for its next start'
e2e_check pause_without_daemon_is_in_store "paused=1, got '$(stored_paused p_tick)'" \
    [ "$(stored_paused p_tick)" = 1 ]

e2e_cli list >"$out" 2>&1
e2e_check list_without_daemon_shows_paused "p_tick listed paused: $(cat "$out")" \
    grep -q '^p_tick .*(paused)' "$out"

# ---- the daemon starts with it paused ---------------------------------------

if ! e2e_start; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_wait 10 at_least p_tick skipped 3 "AND error = 'paused'"
e2e_wait 5 at_least p_other success 2
e2e_check paused_fires_are_skipped_rows "3+ skipped 'paused' rows: $(e2e_runs p_tick)" \
    at_least p_tick skipped 3 "AND error = 'paused' AND \"trigger\" = 'schedule'"
e2e_check paused_task_does_not_run "no started run of p_tick: $(e2e_runs p_tick)" \
    [ "$(e2e_sql "SELECT count(*) FROM runs WHERE task = 'p_tick' AND started_at > 0")" = 0 ]
e2e_check paused_skips_one_row_per_fire "one row per fire instant: $(e2e_runs p_tick)" \
    e2e_sql_true "SELECT count(*) = count(DISTINCT scheduled_for) FROM runs
                  WHERE task = 'p_tick' AND status = 'skipped'"
e2e_check other_tasks_run "p_other runs: $(e2e_runs p_other)" at_least p_other success 2
e2e_check status_json_says_paused "\"paused\": true, got $(e2e_field p_tick paused)" \
    e2e_field_is p_tick paused true
e2e_check status_json_keeps_schedule "a next fire, got $(e2e_field p_tick next_fire)" \
    e2e_scheduled p_tick
e2e_cli --status >"$out" 2>&1
e2e_check status_text_says_paused "p_tick paused: $(cat "$out")" grep -q '^p_tick .*paused' "$out"
e2e_cli list >"$out" 2>&1
e2e_check list_shows_paused "p_tick (paused): $(cat "$out")" grep -q '^p_tick .*(paused)' "$out"
e2e_cli history p_tick -n 3 >"$out" 2>&1
e2e_check history_shows_paused_fires "skipped paused rows: $(cat "$out")" \
    grep -q 'skipped.*paused' "$out"

e2e_cli --task p_tick >"$out" 2>&1
rc=$?
e2e_check manual_run_of_paused_task_runs "exit 0 and a manual success, got $rc: $(e2e_runs p_tick)" \
    [ "$rc" -eq 0 -a "$(count p_tick success "AND \"trigger\" = 'manual'")" = 1 ]

e2e_cli pause p_tick >"$out" 2>&1
rc=$?
e2e_check pause_again_is_not_an_error "exit 0, already paused, got $rc: $(cat "$out")" \
    exited 0 '^p_tick: already paused$'
e2e_cli pause --json p_tick >"$out" 2>&1
e2e_check pause_json "{paused: [p_tick], unchanged: [p_tick]}, got $(cat "$out")" \
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(d != {"paused": ["p_tick"], "unchanged": ["p_tick"]})' "$out"
e2e_cli pause p_othr >"$out" 2>&1
rc=$?
e2e_check daemon_pause_unknown_suggests "exit 1 suggesting p_other, got $rc: $(cat "$out")" \
    exited 1 "no task named 'p_othr' (did you mean 'p_other'?)"

# Paused while it runs: the run goes on to its end, and no retry follows.
e2e_cli --task p_fail >/dev/null 2>&1 &
e2e_wait 5 e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'p_fail' AND status = 'running'"
e2e_cli pause p_fail >/dev/null 2>&1
e2e_wait 5 e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'p_fail' AND status = 'failed'"
sleep 2
e2e_check running_run_finishes_when_paused "one failed run, no retry: $(e2e_runs p_fail)" \
    e2e_sql_true "SELECT count(*) = 1 AND min(status) = 'failed' FROM runs WHERE task = 'p_fail'"

# ---- across a restart --------------------------------------------------------

e2e_stop
skipped_before=$(count p_tick skipped)
if ! e2e_start; then
    e2e_not_ok daemon_restarts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_wait 10 at_least p_tick skipped $((skipped_before + 2))
e2e_check pause_holds_across_restart "still paused and skipping: $(e2e_field p_tick paused), $(e2e_runs p_tick)" \
    [ "$(e2e_field p_tick paused)" = true -a "$(count p_tick skipped)" -ge $((skipped_before + 2)) ]

# ---- resume ------------------------------------------------------------------

e2e_cli resume p_tick >"$out" 2>&1
rc=$?
e2e_check resume_answers "exit 0, resumed, got $rc: $(cat "$out")" exited 0 '^p_tick: resumed$'
e2e_wait 5 at_least p_tick success 1 "AND \"trigger\" = 'schedule'"
e2e_check resumed_task_runs_on_schedule "a scheduled success: $(e2e_runs p_tick)" \
    at_least p_tick success 1 "AND \"trigger\" = 'schedule'"
e2e_check resume_is_saved "paused=0, got '$(stored_paused p_tick)'" [ "$(stored_paused p_tick)" = 0 ]

e2e_cli pause p_other >"$out" 2>&1
e2e_stop
e2e_cli resume --json p_other >"$out" 2>&1
rc=$?
e2e_check resume_without_daemon "exit 0, paused=0, got $rc, $(stored_paused p_other): $(cat "$out")" \
    [ "$rc" -eq 0 -a "$(stored_paused p_other)" = 0 ]
e2e_cli resume p_other >"$out" 2>&1
rc=$?
e2e_check resume_again_is_not_an_error "exit 0, not paused, got $rc: $(cat "$out")" \
    exited 0 '^p_other: already not paused$'

# The daemon is down and p_tick's stored next fire passed an hour ago: a
# reset of the paused task gives it its next fire, as the daemon would (it
# keeps its schedule while paused).
e2e_cli pause p_tick >/dev/null 2>&1
e2e_sql "UPDATE tasks SET next_fire = $(($(date +%s) - 3600)) WHERE name = 'p_tick'"
e2e_check paused_task_is_not_overdue "overdue false while paused, got $(e2e_field p_tick overdue)" \
    e2e_field_is p_tick overdue false
e2e_cli reset --json --future-only --task p_tick >"$out" 2>&1
e2e_check reset_keeps_paused_schedule "a new next fire for p_tick, got $(cat "$out")" \
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not (len(d) == 1 and d[0]["new_next_fire"]))' "$out"

e2e_done
