#!/bin/sh
# compat_jobs.sh — the APScheduler service's jobs.yaml, copied unchanged
# (tests/fixtures/compat/jobs.yaml) to tasks/jobs.yaml with a func handler
# configured: both entries load (`check`, `--status`), daily_backup fires
# at 02:30, api_health_check every 5 minutes from its anchor, an interval
# with a start_date counts from it, and the handler's run gets ctx.args
# { func, args, kwargs } when an entry fires (one PUT over the API too),
# and an edit of the handler is a new version of the entries.  The
# daemon's test clock is shifted next to the 5-minute boundary rather than
# waited for.  Without a func handler configured, the built-in one calls
# the function of the Lua module the dotted func names.
set -u
. tests/e2e/lib.sh
e2e_setup

. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
tasks:
  func_handler: func_handler
api:
  listen: 127.0.0.1:$PORT
EOF
e2e_task func_handler <<'EOF'
-- Runs the Python functions the APScheduler entries name: returns what it got.
return {
  schedule = every().day,
  enabled = false,
  run = function(ctx)
    return { func = ctx.args.func, endpoint = ctx.args.kwargs.api_endpoint,
             first = ctx.args.args[1], task = ctx.task }
  end,
}
EOF
cp tests/fixtures/compat/jobs.yaml "$E2E_ROOT/tasks/jobs.yaml"
# An interval counted from its start date: 2026-01-01T00:00:01Z + k * 7 s.
ANCHOR=1767225601
cat >"$E2E_ROOT/tasks/fast.yaml" <<'EOF'
- id: seven
  func: 'modules.fast.tick'
  trigger: {type: interval, seconds: 7, start_date: '2026-01-01 00:00:01'}
  args: [first]
  kwargs: {api_endpoint: 'http://127.0.0.1:9/'}
EOF

# result TASK: the JSON results of TASK's successful runs, one a line.
result() {
    e2e_sql "SELECT result_json FROM runs WHERE task = '$1' AND status = 'success' ORDER BY id"
}

e2e_check check_loads_both_entries "check: exit 0, jobs/api_health_check and jobs/daily_backup ok" \
    sh -c "'$E2E_MAIN' --root '$E2E_ROOT' check >'$E2E_ROOT/check.out' 2>&1 &&
           grep -q '^ok .*jobs/api_health_check — every 5 minutes' '$E2E_ROOT/check.out' &&
           grep -q '^ok .*jobs/daily_backup — cron .*: at 02:30:00; next' '$E2E_ROOT/check.out'"
e2e_check check_of_the_file_loads_both_entries "check tasks/jobs.yaml: exit 0, two ok lines" \
    sh -c "[ \$('$E2E_MAIN' --root '$E2E_ROOT' check '$E2E_ROOT/tasks/jobs.yaml' | grep -c '^ok ') = 2 ]"
e2e_check calendar_daily_backup_is_0230 "calendar jobs/daily_backup: 02:30 each day" \
    sh -c "[ \"\$('$E2E_MAIN' --root '$E2E_ROOT' calendar jobs/daily_backup \
              --from 2026-12-04T12:00:00Z -n 2 | tr '\n' ' ')\" = \
            '2026-12-05T02:30:00+00:00 2026-12-06T02:30:00+00:00 ' ]"
e2e_check calendar_health_check_every_5_minutes "calendar jobs/api_health_check: :00, :05, :10" \
    sh -c "[ \"\$('$E2E_MAIN' --root '$E2E_ROOT' calendar jobs/api_health_check \
              --from 2026-12-04T12:00:00Z -n 3 | tr '\n' ' ')\" = \
            '2026-12-04T12:05:00+00:00 2026-12-04T12:10:00+00:00 2026-12-04T12:15:00+00:00 ' ]"
e2e_check calendar_interval_counts_from_its_start_date "calendar fast/seven: 7 s from :01" \
    sh -c "[ \"\$('$E2E_MAIN' --root '$E2E_ROOT' calendar fast/seven \
              --from 2026-01-01T00:00:00Z -n 3 | tr '\n' ' ')\" = \
            '2026-01-01T00:00:01+00:00 2026-01-01T00:00:08+00:00 2026-01-01T00:00:15+00:00 ' ]"
e2e_check calendar_of_a_misspelt_task_suggests_the_name "exit 2 naming jobs/daily_backup" \
    sh -c "'$E2E_MAIN' --root '$E2E_ROOT' calendar jobs/daily_bakup 2>&1 >/dev/null |
               grep -q \"no task named 'jobs/daily_bakup' (did you mean 'jobs/daily_backup'?)\";
           [ \$? = 0 ] && { '$E2E_MAIN' --root '$E2E_ROOT' calendar jobs/daily_bakup 2>/dev/null;
                           [ \$? = 2 ]; }"

# Three seconds before a 5-minute boundary of the shifted clock.
OFFSET=$(e2e_offset_before 300 3)
e2e_start "$OFFSET" || exit 1
NOW=$(($(date +%s) + OFFSET))
BOUNDARY=$(((NOW + 299) / 300 * 300))
BACKUP=$((NOW / 86400 * 86400 + 9000))
[ "$BACKUP" -gt "$NOW" ] || BACKUP=$((BACKUP + 86400))

e2e_check status_shows_both_loaded "--status: both entries have a next fire" \
    eval 'e2e_scheduled jobs/api_health_check && e2e_scheduled jobs/daily_backup &&
          [ "$(e2e_field jobs/api_health_check error)" = null ]'
e2e_check daily_backup_next_fire_is_0230 "next fire $BACKUP, got $(e2e_field jobs/daily_backup next_fire_epoch)" \
    e2e_field_is jobs/daily_backup next_fire_epoch "$BACKUP"
e2e_check health_check_fires_at_the_boundary "a success at $BOUNDARY: $(e2e_runs jobs/api_health_check)" \
    e2e_wait 10 e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'jobs/api_health_check'
                              AND status = 'success' AND scheduled_for = $BOUNDARY"
e2e_check health_check_next_fire_is_5_minutes_on "next fire $((BOUNDARY + 300))" \
    e2e_field_is jobs/api_health_check next_fire_epoch "$((BOUNDARY + 300))"
e2e_check handler_gets_func_and_kwargs "result: $(result jobs/api_health_check)" \
    sh -c "[ '$(result jobs/api_health_check)' = \
            '{\"endpoint\":\"http://127.0.0.1:8000/\",\"func\":\"modules.scheduler.tasks.monitoring.check_api_status\",\"task\":\"jobs/api_health_check\"}' ]"

# Two fires of the 7-second interval: 7 s apart, on its start date's count.
e2e_check interval_from_start_date_fires_on_its_count "runs: $(e2e_runs fast/seven)" \
    e2e_wait 20 e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'fast/seven'
                              AND status = 'success'"
e2e_check interval_fires_are_7_seconds_from_the_anchor "runs: $(e2e_runs fast/seven)" \
    e2e_sql_true "SELECT count(*) >= 2 AND sum((scheduled_for - $ANCHOR) % 7) = 0
                  FROM runs WHERE task = 'fast/seven'"
e2e_check handler_gets_args "result: $(result fast/seven | head -1)" \
    sh -c "[ '$(result fast/seven | head -1)' = \
            '{\"endpoint\":\"http://127.0.0.1:9/\",\"first\":\"first\",\"func\":\"modules.fast.tick\",\"task\":\"fast/seven\"}' ]"

# A job with a Python func made over the API is checked with the handler
# and runs it.
req -X PUT -H "$(bearer "$(cat "$E2E_ROOT/data/api.token")")" \
    -d '{"func": "modules.api.made", "trigger": {"type": "interval", "seconds": 2},
         "kwargs": {"api_endpoint": "http://127.0.0.1:7/"}}' "$(url /api/v1/tasks/made)"
e2e_check api_put_of_a_python_func_is_201 "201, got $code $(cat "$out")" \
    sh -c '[ "$1" = 201 ]' - "$code"
e2e_check api_made_job_runs_the_handler "made's results: $(result made)" \
    e2e_wait 10 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'made'
                              AND result_json LIKE '%\"func\":\"modules.api.made\"%'"

# An edit of the handler is a new version of the entries it runs, in force
# at once.
HASH=$(e2e_sql "SELECT file_hash FROM tasks WHERE name = 'fast/seven'")
sed 's/task = ctx.task }/task = ctx.task, edited = true }/' "$E2E_ROOT/tasks/func_handler.lua" \
    >"$E2E_ROOT/handler.new" && mv "$E2E_ROOT/handler.new" "$E2E_ROOT/tasks/func_handler.lua"
e2e_check handler_edit_is_a_new_version_of_its_entries "fast/seven's hash was $HASH" \
    e2e_wait 5 e2e_sql_true "SELECT file_hash != '$HASH' FROM tasks WHERE name = 'fast/seven'"
e2e_check edited_handler_runs "results: $(result fast/seven | tr '\n' ' ')" \
    e2e_wait 20 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'fast/seven'
                              AND result_json LIKE '%\"edited\":true%'"

e2e_stop

# Without tasks.func_handler the built-in handler runs a dotted func as
# APScheduler would import it: the function of a Lua module in tasks/lib.
BUILTIN="env TASKSCHED_TASKS__FUNC_HANDLER= $E2E_MAIN --root $E2E_ROOT"
e2e_check builtin_handler_loads_the_entries "check without a handler: both entries ok" \
    sh -c "$BUILTIN check '$E2E_ROOT/tasks/jobs.yaml' >'$E2E_ROOT/builtin.out' 2>&1 &&
           [ \$(grep -c '^ok ' '$E2E_ROOT/builtin.out') = 2 ]"
mkdir -p "$E2E_ROOT/tasks/lib/modules/scheduler/tasks"
cat >"$E2E_ROOT/tasks/lib/modules/scheduler/tasks/monitoring.lua" <<'EOF'
return { check_api_status = function(kwargs) return { checked = kwargs.api_endpoint } end }
EOF
# ran_checked: a run by hand succeeds with the module function's result.
ran_checked() {
    $BUILTIN --task jobs/api_health_check >"$E2E_ROOT/builtin.run" 2>&1 &&
        e2e_sql_true "SELECT result_json = '{\"checked\":\"http://127.0.0.1:8000/\"}' FROM runs
                      WHERE task = 'jobs/api_health_check' ORDER BY id DESC LIMIT 1"
}
e2e_check builtin_handler_calls_the_module_function "the run's result names the endpoint: $(cat "$E2E_ROOT/builtin.run" 2>/dev/null)" \
    ran_checked
rm "$E2E_ROOT/tasks/lib/modules/scheduler/tasks/monitoring.lua"
e2e_check builtin_handler_names_a_missing_module "a failed run naming tasks/lib/modules/scheduler/tasks/monitoring.lua" \
    sh -c "! $BUILTIN --task jobs/api_health_check >'$E2E_ROOT/builtin.run' 2>&1 &&
           grep -q 'tasks/lib/modules/scheduler/tasks/monitoring.lua' '$E2E_ROOT/builtin.run'"
e2e_done
