#!/bin/sh
# api_runs.sh — the runs routes of the HTTP API against the real daemon on
# 127.0.0.1: GET /api/v1/runs with the filters of `main history` (bad
# values 400 naming the parameter) and its pages (limit, before, next),
# each run as `history --json` shows it; GET /api/v1/runs/{id} with its
# ETag, 404 and 400; POST /api/v1/runs/{id}/cancel: 403 for a read token,
# 202 for an operate one (the run recorded killed, by the token), 409 once
# it is over, 404 for no such run.  GET /api/v1/runs/{id}/log: exactly the
# run's output (stdout, stderr and its log lines), cut past
# logging.run_output_max with the cut marked (a new bound applying after a
# reload), and `show ID` / `history --show ID` printing the same.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
READ_TOKEN=reader-token-for-the-runs-test
OP_TOKEN=operator-token-for-the-runs-test
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
logging:
  run_output_max: 65536
api:
  listen: 127.0.0.1:$PORT
  tokens:
    - { name: reader, role: read, sha256: $(sha256_of "$READ_TOKEN") }
    - { name: operator, role: operate, sha256: $(sha256_of "$OP_TOKEN") }
EOF
e2e_task quick <<'EOF'
return { schedule = every(1).days, command = { "true" } }
EOF
e2e_task long <<'EOF'
return { schedule = every(1).days, timeout = 600, command = { "sleep", "300" } }
EOF
e2e_task chatty <<'EOF'
return { schedule = every(1).days,
         command = { "sh", "-c", "i=1; while [ $i -le 3000 ]; do echo \"line $i\"; i=$((i + 1)); done; echo to stderr >&2" } }
EOF
e2e_task logs <<'EOF'
return { schedule = every(1).days,
         run = function() print("before"); log.info("healthy", { status = 200 }); print("after") end }
EOF
e2e_task big <<'EOF'
return { schedule = every(1).days,
         command = { "sh", "-c", "head -c 100000 /dev/zero | tr '\\0' x" } }
EOF
bad() {
    problem 400 "$1" && body_is "\"parameter '$1'\" in d['detail']"
}
# status_and BODY-EXPR: the last response was 200 (or $want) and its body
# makes BODY-EXPR true.
status_and() {
    [ "$code" = "${want:-200}" ] && body_is "$1"
}
ids_of_last() {
    /usr/bin/python3 -c "import json; print(' '.join(str(r['id']) for r in json.load(open('$out'))['runs']))"
}
next_of_last() {
    /usr/bin/python3 -c "import json; print(json.load(open('$out'))['next'] or '')" 2>/dev/null
}
run_now() {
    curl -s -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/tasks/$1/run")" |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])'
}

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"

# ---- five finished runs of quick, one running run of long -------------------

for i in 1 2 3 4 5; do
    id=$(run_now quick)
    e2e_wait 10 e2e_sql_true "SELECT status = 'success' FROM runs WHERE id = ${id:-0}"
done
long_id=$(run_now long)
long_id=${long_id:-0}
e2e_wait 10 e2e_sql_true "SELECT status = 'running' FROM runs WHERE id = $long_id"
quick_ids=$(e2e_sql "SELECT id FROM runs WHERE task = 'quick' ORDER BY id DESC" | tr '\n' ' ')
first=$(echo "$quick_ids" | cut -d' ' -f1)

# ---- the list ------------------------------------------------------------------

req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/runs)"
e2e_check list_newest_first "200, 6 runs newest first, next null, got $code $(cat "$out")" \
    status_and "[r['id'] for r in d['runs']] == sorted([r['id'] for r in d['runs']], reverse=True) and len(d['runs']) == 6 and d['next'] is None and d['runs'][0]['id'] == $long_id"
e2e_cli history --json -n 100 >"$E2E_ROOT/history.json" 2>&1
e2e_check list_shape_is_history_json "each run as \`history --json\` shows it, got $(cat "$out")" \
    /usr/bin/python3 -c "
import json, sys
api = json.load(open('$out'))['runs']
cli = json.load(open('$E2E_ROOT/history.json'))
sys.exit(0 if [r['id'] for r in api] == [r['id'] for r in cli] and
         all(a == c for a, c in zip(api, cli)) else 1)"

req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?task=quick&limit=2')"
next=$(next_of_last)
e2e_check first_page "2 runs of quick and a next link with before=, got $code $(cat "$out")" \
    sh -c "[ $code = 200 ] && echo '$next' | grep -Eqx '/api/v1/runs\?task=quick&limit=2&before=[0-9]+'"
seen="$(ids_of_last) "
pages=0
while [ -n "$next" ] && [ $pages -lt 10 ]; do
    req -H "$(bearer "$READ_TOKEN")" "$(url "$next")"
    seen="$seen$(ids_of_last) "
    next=$(next_of_last)
    pages=$((pages + 1))
done
e2e_check pages_cover_every_run "the 5 runs of quick on 3 pages ($quick_ids), got $((pages + 1)) pages: $seen" \
    [ "$pages:$seen" = "2:$quick_ids" ]

req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?status=running')"
e2e_check filter_status "only the running run of long, got $code $(cat "$out")" \
    status_and "[r['id'] for r in d['runs']] == [$long_id]"
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?trigger=schedule')"
e2e_check filter_trigger "no scheduled run, got $code $(cat "$out")" status_and "d['runs'] == []"
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?since=1h&until=2099-01-01T00:00Z&task=long')"
e2e_check filter_since_until "the run of long within the last hour, got $code $(cat "$out")" \
    status_and "[r['id'] for r in d['runs']] == [$long_id]"
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?until=1h')"
e2e_check filter_until_excludes "no run before an hour ago, got $code $(cat "$out")" \
    status_and "d['runs'] == []"

req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?status=faild')"
e2e_check bad_status_is_400 "400 naming status, got $code $(cat "$out")" bad status
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?trigger=cron')"
e2e_check bad_trigger_is_400 "400 naming trigger, got $code $(cat "$out")" bad trigger
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?since=yesterday')"
e2e_check bad_since_is_400 "400 naming since, got $code $(cat "$out")" bad since
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?since=1h&until=2h')"
e2e_check since_after_until_is_400 "400 naming since, got $code $(cat "$out")" problem 400 since
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?limit=501')"
e2e_check limit_over_max_is_400 "400 naming limit, got $code $(cat "$out")" bad limit
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/runs?before=x')"
e2e_check bad_before_is_400 "400 naming before, got $code $(cat "$out")" bad before
req "$(url /api/v1/runs)"
e2e_check list_needs_token "401, got $code" problem 401

# ---- one run -------------------------------------------------------------------

req -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/runs/$first")"
etag=$(tr -d '\r' <"$hdr" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
e2e_check get_run "200 with run $first of quick and an ETag, got $code $(cat "$hdr" "$out")" \
    status_and "d['id'] == $first and d['task'] == 'quick' and d['status'] == 'success' and '$etag' != ''"
req -H "$(bearer "$READ_TOKEN")" -H "If-None-Match: $etag" "$(url "/api/v1/runs/$first")"
e2e_check get_run_not_modified "304 for its ETag, got $code" [ "$code" = 304 ]
req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/runs/999999)"
e2e_check unknown_run_is_404 "404 naming id, got $code $(cat "$out")" problem 404 id
req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/runs/abc)"
e2e_check run_id_not_a_number_is_400 "400 naming id, got $code $(cat "$out")" \
    problem 400 id

# ---- a run's log ----------------------------------------------------------------

chatty_id=$(run_now chatty)
chatty_id=${chatty_id:-0}
big_id=$(run_now big)
big_id=${big_id:-0}
e2e_wait 10 e2e_sql_true "SELECT count(*) = 2 FROM runs WHERE id IN ($chatty_id, $big_id) AND finished_at IS NOT NULL"
i=1
while [ $i -le 3000 ]; do
    echo "line $i"
    i=$((i + 1))
done >"$E2E_ROOT/chatty.expected"
echo '[stderr] to stderr' >>"$E2E_ROOT/chatty.expected"
req -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/runs/$chatty_id/log")"
e2e_check log_is_the_whole_output "200 text/plain, the 3001 lines exactly, got $code $(head -c 300 "$out")" \
    sh -c "[ $code = 200 ] && tr -d '\r' <'$hdr' | grep -qix 'Content-Type: text/plain; charset=utf-8' && cmp -s '$out' '$E2E_ROOT/chatty.expected'"
e2e_cli show "$chatty_id" >"$E2E_ROOT/show.out" 2>&1
e2e_check show_prints_the_whole_output "\`show $chatty_id\` with the output's first and last lines, got $(tail -5 "$E2E_ROOT/show.out")" \
    sh -c "grep -qx 'output:' '$E2E_ROOT/show.out' && grep -qx '  line 1' '$E2E_ROOT/show.out' && grep -qx '  line 3000' '$E2E_ROOT/show.out' && grep -qx '  \\[stderr\\] to stderr' '$E2E_ROOT/show.out'"
e2e_cli history --show "$chatty_id" >"$E2E_ROOT/show2.out" 2>&1
e2e_check history_show_is_show "\`history --show\` prints what \`show\` does" \
    cmp -s "$E2E_ROOT/show.out" "$E2E_ROOT/show2.out"
req -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/runs/$big_id/log")"
e2e_check log_over_the_bound_is_cut "65536 x, then the mark of 34464 bytes cut, got $code $(wc -c <"$out") bytes, ending $(tail -c 60 "$out")" \
    /usr/bin/python3 -c "import sys; d = open('$out', 'rb').read(); sys.exit(0 if d == b'x' * 65536 + '\\n… (34464 bytes cut)\\n'.encode() else 1)"
logs_id=$(run_now logs)
logs_id=${logs_id:-0}
e2e_wait 10 e2e_sql_true "SELECT finished_at IS NOT NULL FROM runs WHERE id = $logs_id"
req -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/runs/$logs_id/log")"
e2e_check log_has_output_and_log_lines "before, INFO healthy status=200, after, got $code $(cat "$out")" \
    /usr/bin/python3 -c "import sys; sys.exit(0 if sorted(open('$out').read().splitlines()) == ['INFO healthy status=200', 'after', 'before'] else 1)"
sed -i 's/run_output_max: 65536/run_output_max: 1000/' "$E2E_ROOT/config/config.yaml"
e2e_cli reload >/dev/null 2>&1
big_id=$(run_now big)
big_id=${big_id:-0}
e2e_wait 10 e2e_sql_true "SELECT finished_at IS NOT NULL FROM runs WHERE id = $big_id"
req -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/runs/$big_id/log")"
e2e_check run_output_max_applies_live "1000 x and 99000 bytes cut after a reload, got $code $(wc -c <"$out") bytes, ending $(tail -c 60 "$out")" \
    /usr/bin/python3 -c "import sys; d = open('$out', 'rb').read(); sys.exit(0 if d == b'x' * 1000 + '\\n… (99000 bytes cut)\\n'.encode() else 1)"
req -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/runs/$long_id/log")"
e2e_check log_of_a_running_run_is_404 "404: kept when it ends, got $code $(cat "$out")" \
    sh -c "[ $code = 404 ] && grep -q 'kept when the run ends' '$out'"
req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/runs/999999/log)"
e2e_check log_of_unknown_run_is_404 "404, got $code $(cat "$out")" problem 404 id

# ---- cancel --------------------------------------------------------------------

req -X POST -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/runs/$long_id/cancel")"
e2e_check read_cannot_cancel "403, got $code $(cat "$out")" problem 403
e2e_check read_cancel_left_it_running "run $long_id still running" \
    e2e_sql_true "SELECT status = 'running' FROM runs WHERE id = $long_id"
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/runs/$first/cancel")"
e2e_check cancel_finished_is_409 "409 for the finished run $first, got $code $(cat "$out")" \
    problem 409 id
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url /api/v1/runs/999999/cancel)"
e2e_check cancel_unknown_is_404 "404, got $code $(cat "$out")" problem 404 id
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/runs/$long_id/cancel")"
want=202
e2e_check operate_cancels "202 with run $long_id, got $code $(cat "$out")" \
    status_and "d['id'] == $long_id and d['task'] == 'long'"
want=200
e2e_wait 10 e2e_sql_true "SELECT status = 'killed' FROM runs WHERE id = $long_id"
e2e_check cancelled_run_recorded_killed "killed, cancelled by token 'operator' via API, got $(e2e_runs long) $(e2e_sql "SELECT error FROM runs WHERE id = $long_id")" \
    e2e_sql_true "SELECT status = 'killed' AND error LIKE '%token ''operator'' via API%' FROM runs WHERE id = $long_id"
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/runs/$long_id/cancel")"
e2e_check cancel_again_is_409 "409 once it is killed, got $code $(cat "$out")" problem 409 id

e2e_stop
e2e_done
