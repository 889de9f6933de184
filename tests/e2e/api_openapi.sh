#!/bin/sh
# api_openapi.sh — the server against its OpenAPI document: the daemon with
# a few tasks (one that runs, one that fails, one broken, one running
# long) and some runs, then tests/fixtures/openapi_walk.py makes, for every
# documented route and status, a request that must get that status with a
# body valid against the documented schema (python3-jsonschema), and checks
# that undocumented methods answer 405 and undocumented paths 404 problems.
# Two SQL sources, one read and one failing, put both shapes of the
# status's sources under the walk.
# GET /api/v1/calendar gets its own cases here: the calendar command's
# instants, a DSL error naming expr, a bad zone naming tz, n out of bounds;
# ?task= gives the fires of a loaded task (those of `next TASK`), a broken or
# unknown one is 404, and task does not go with expr or tz.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
READ_TOKEN=reader-token-for-the-openapi-walk
OP_TOKEN=operator-token-for-the-openapi-walk
MAX_BODY=4096
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
  max_request_size: $MAX_BODY
  tokens:
    - { name: reader, role: read, sha256: $(sha256_of "$READ_TOKEN") }
    - { name: operator, role: operate, sha256: $(sha256_of "$OP_TOKEN") }
sources:
  - { name: empty, url: "sqlite:data/actions.db" }
  - { name: missing, url: "sqlite:data/no-such.db" }
EOF
# The status's sources (SqlSource) once read and once failing; no rows, so
# no more tasks for the walk.
sqlite3 "$E2E_ROOT/data/actions.db" "CREATE TABLE action (name TEXT, command TEXT, cron TEXT,
    merge_missed BOOLEAN, actuality_time INTEGER)" ||
    e2e_not_ok sources_table_made "sqlite3 makes data/actions.db"
e2e_task quick <<'EOF'
return { schedule = every(1).days, tags = { "walk" },
         run = function() print("a line of output"); log.info("logged", { n = 1 }) end }
EOF
e2e_task failing <<'EOF'
return { schedule = every(1).days, run = function() error("fails on purpose") end }
EOF
e2e_task long <<'EOF'
return { schedule = every(1).days, timeout = 600, command = { "sleep", "300" } }
EOF
e2e_task broken <<'EOF'
return { schedule = every(0).days, command = { "true" } }
EOF
run_now() {
    curl -s -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/tasks/$1/run")" |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])'
}
# cal QUERY: GET /api/v1/calendar?QUERY with the read token.
cal() {
    req -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/calendar?$1")"
}

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"
ADMIN_TOKEN=$(cat "$E2E_ROOT/data/api.token")

finished=$(run_now quick)
e2e_wait 10 e2e_sql_true "SELECT status = 'success' FROM runs WHERE id = ${finished:-0}"
failed_id=$(run_now failing)
e2e_wait 10 e2e_sql_true "SELECT status = 'failed' FROM runs WHERE id = ${failed_id:-0}"
running=$(run_now long)
e2e_wait 10 e2e_sql_true "SELECT status = 'running' FROM runs WHERE id = ${running:-0}"

# ---- the calendar route ---------------------------------------------------------

cli_fires=$(e2e_cli calendar 'every(2).hours' --tz Asia/Kolkata -n 3 --json |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["fires"])')
cal 'expr=every(2).hours&tz=Asia/Kolkata&n=3'
e2e_check calendar_is_the_calendar_command "the fires of calendar --json ($cli_fires), got $code $(cat "$out")" \
    body_is "d['expr'] == 'every(2).hours' and d['tz'] == 'Asia/Kolkata' and d['fires'] == $cli_fires and len(d['fires']) == 3"
cal 'expr=every(5).minutes'
e2e_check calendar_defaults_to_ten_fires_in_the_configured_zone "10 fires in UTC, got $code $(cat "$out")" \
    body_is "len(d['fires']) == 10 and d['fires'][0]['at'].endswith('+00:00') and d['fires'][0]['at_epoch'] % 300 == 0"
cal 'expr=0%209%20*%20*%20MON-FRI&n=2'
e2e_check calendar_takes_a_crontab_line "two 09:00 fires, got $code $(cat "$out")" \
    body_is "[f['at'][11:19] for f in d['fires']] == ['09:00:00', '09:00:00']"
cal 'expr=once(%222001-01-01%2000:00%22)'
e2e_check calendar_warns_of_a_schedule_that_never_fires "no fires and a warning, got $code $(cat "$out")" \
    body_is "d['fires'] == [] and 'never fires' in d['warnings'][0]"
cal 'expr=every(0).minutes'
e2e_check calendar_bad_expr_names_expr_with_the_dsl_error "400 naming expr, got $code $(cat "$out")" \
    problem 400 expr
e2e_check calendar_bad_expr_detail_is_the_dsl_error "the DSL's message, got $(cat "$out")" \
    body_is "'every(n): expected an integer >= 1, got 0' in d['detail']"
cal 'expr=(function()%20while%20true%20do%20end%20end)()'
e2e_check calendar_endless_expr_is_stopped "400 naming expr (a limit), got $code $(cat "$out")" \
    problem 400 expr
cal 'expr=every(5).minutes&tz=Mars/Olympus'
e2e_check calendar_bad_tz_names_tz "400 naming tz, got $code $(cat "$out")" problem 400 tz
for n in 0 1001 x; do
    cal "expr=every(5).minutes&n=$n"
    e2e_check "calendar_n_${n}_names_n" "400 naming n, got $code $(cat "$out")" problem 400 n
done
cal ''
e2e_check calendar_without_expr_names_expr "400 naming expr, got $code $(cat "$out")" problem 400 expr
next_fires=$(e2e_cli next quick -n 3 --json |
    /usr/bin/python3 -c 'import json, sys; print([f["at_epoch"] for f in json.load(sys.stdin)["fires"]])')
cal 'task=quick&n=3'
e2e_check calendar_of_a_task_is_next "the fires of next quick ($next_fires), got $code $(cat "$out")" \
    body_is "d['task'] == 'quick' and [f['at_epoch'] for f in d['fires']] == $next_fires"
cal 'task=broken'
e2e_check calendar_of_a_broken_task_is_404 "404 naming task, got $code $(cat "$out")" problem 404 task
cal 'task=quick&expr=every(5).minutes'
e2e_check calendar_task_and_expr_names_expr "400 naming expr, got $code $(cat "$out")" problem 400 expr
cal 'task=quick&tz=UTC'
e2e_check calendar_task_and_tz_names_tz "400 naming tz, got $code $(cat "$out")" problem 400 tz
req "$(url '/api/v1/calendar?expr=every(5).minutes')"
e2e_check calendar_needs_a_token "401, got $code" problem 401

# ---- the walk ---------------------------------------------------------------------

ADMIN_TOKEN=$ADMIN_TOKEN OPERATE_TOKEN=$OP_TOKEN READ_TOKEN=$READ_TOKEN TASK=quick BROKEN=broken \
    FINISHED=$finished RUNNING=$running MAX_BODY=$MAX_BODY \
    /usr/bin/python3 tests/fixtures/openapi_walk.py core/api/openapi.json "$PORT" || E2E_FAILED=1

e2e_stop
e2e_done
