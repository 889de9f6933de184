#!/bin/sh
# api_basics.sh — the HTTP API against the real daemon on 127.0.0.1: the
# open /healthz, 401/403 with problem documents, tokens from api.tokens (by
# SHA-256 and by file) and data/api.token, status and tasks, run-now with
# 202 and Location, 404/405/400, ETag, `main dashboard`; a live reload onto
# [::1].  Hostile clients are api_hostile.sh's, the other reloads
# api_reload.sh's.  In `make test-valgrind` too.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
READ_TOKEN=reader-token-for-the-test
OP_TOKEN=operator-token-from-a-file
READ_SHA=$(sha256_of "$READ_TOKEN")
printf '%s\n' "$OP_TOKEN" >"$E2E_ROOT/config/op.token"
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
  tokens:
    - { name: reader, role: read, sha256: $READ_SHA }
    - { name: operator, role: operate, file: config/op.token }
EOF
e2e_task tick <<'EOF'
return { title = "Tick", schedule = every(1).seconds, timeout = 10,
         run = function() print("tick") end }
EOF
unauthorized() {
    problem 401 && has_header WWW-Authenticate 'Bearer'
}
etag_of_last() {
    tr -d '\r' <"$hdr" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'
}

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"

# ---- the local token ---------------------------------------------------------

ADMIN=$(cat "$E2E_ROOT/data/api.token" 2>/dev/null)
mode=$(stat -c %a "$E2E_ROOT/data/api.token" 2>/dev/null)
e2e_check local_token_made_private "data/api.token of 64 hex digits, mode 600, got '$ADMIN' ($mode)" \
    sh -c "[ '$mode' = 600 ] && echo '$ADMIN' | grep -Eqx '[0-9a-f]{64}'"

# ---- open and refused ------------------------------------------------------

req "$(url /healthz)"
e2e_check healthz_open_without_token "200 {status: ok}, got $code $(cat "$out")" \
    sh -c "[ $code = 200 ] && grep -q '\"status\":\"ok\"' '$out'"

req "$(url /api/v1/status)"
e2e_check no_token_is_401_problem "401 problem+json with WWW-Authenticate: Bearer, got $code $(cat "$hdr" "$out")" \
    unauthorized

req -H "$(bearer wrong-token)" "$(url /api/v1/tasks)"
e2e_check wrong_token_is_401 "401 problem with the challenge, got $code $(cat "$out")" unauthorized

req -H "$(bearer wrong-token)" "$(url /no/such/route)"
e2e_check unknown_route_without_token_is_401 "401 (no route is told to a stranger), got $code" \
    [ "$code" = 401 ]

# ---- the read token --------------------------------------------------------

req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/status)"
e2e_check read_token_sees_status "200 with the engine's status (pid, tasks), got $code $(cat "$out")" \
    body_is "'pid' in d and [t['name'] for t in d['tasks']] == ['tick']"
e2e_check json_content_type "Content-Type: application/json; charset=utf-8, got $(cat "$hdr")" \
    has_header Content-Type 'application/json; charset=utf-8'
e2e_check status_names_the_callers_token "token {name: reader, role: read}, got $(cat "$out")" \
    body_is "d['token'] == {'name': 'reader', 'role': 'read'}"

req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/tasks)"
e2e_check read_token_lists_tasks "200 {tasks: [tick]}, got $code $(cat "$out")" \
    body_is "[t['name'] for t in d['tasks']] == ['tick'] and d['tasks'][0]['schedule'] == 'every second'"

req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/tasks?q=TIC&state=enabled')"
e2e_check tasks_filtered_by_q_and_state "tick found by q=TIC&state=enabled, got $code $(cat "$out")" \
    body_is "[t['name'] for t in d['tasks']] == ['tick']"
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/tasks?state=paused')"
e2e_check tasks_filter_excludes "no paused task, got $code $(cat "$out")" \
    body_is "d['tasks'] == []"

req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/tasks/tick)"
etag=$(etag_of_last)
e2e_check task_document_with_etag "200 {name: tick} with an ETag, got $code '$etag' $(cat "$out")" \
    body_is "d['name'] == 'tick' and d['title'] == 'Tick' and '$etag'.startswith('\"')"
# The document changes with every run; ask again until one answer repeats.
matched=no
for i in 1 2 3 4 5; do
    req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/tasks/tick)"
    etag=$(etag_of_last)
    req -H "$(bearer "$READ_TOKEN")" -H "If-None-Match: $etag" "$(url /api/v1/tasks/tick)"
    if [ "$code" = 304 ]; then
        matched=yes
        break
    fi
done
e2e_check if_none_match_is_304 "304 for the current ETag, got $code" [ "$matched" = yes ]

req -X POST -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/tasks/tick/run)"
e2e_check read_token_cannot_run "403 problem, got $code $(cat "$out")" problem 403

# ---- 404, 405, 400 -----------------------------------------------------------

req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/tasks/nosuch)"
e2e_check unknown_task_is_404 "404 problem naming the task, got $code $(cat "$out")" \
    body_is "d['status'] == 404 and 'nosuch' in d['detail'] and d['parameter'] == 'name'"
req -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/nothing)"
e2e_check unknown_route_is_404 "404 problem, got $code $(cat "$out")" problem 404
req -X DELETE -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/tasks)"
allowed_get() {
    problem 405 && has_header Allow GET
}
e2e_check wrong_method_is_405_with_allow "405 problem with Allow: GET, got $code $(cat "$hdr")" \
    allowed_get
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/tasks?bogus=1')"
e2e_check unknown_parameter_is_400 "400 naming 'bogus', got $code $(cat "$out")" \
    body_is "d['status'] == 400 and d['parameter'] == 'bogus'"
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/tasks?state=sleepy')"
e2e_check bad_value_is_400 "400 naming 'state', got $code $(cat "$out")" \
    body_is "d['status'] == 400 and d['parameter'] == 'state' and 'sleepy' in d['detail']"
req -H "$(bearer "$READ_TOKEN")" "$(url '/api/v1/tasks/%ZZ')"
e2e_check bad_escape_is_400 "400 for a segment that does not decode, got $code $(cat "$out")" \
    problem 400

# ---- run now -----------------------------------------------------------------

req -X POST -H "$(bearer "$ADMIN")" "$(url /api/v1/tasks/tick/run)"
run_id=$(/usr/bin/python3 -c "import json; print(json.load(open('$out'))['run_id'])" 2>/dev/null)
e2e_check admin_token_runs_a_task "202 {run_id} with Location /api/v1/runs/ID, got $code $(cat "$hdr" "$out")" \
    sh -c "[ $code = 202 ] && [ -n '$run_id' ] && tr -d '\r' <'$hdr' | grep -qx 'Location: /api/v1/runs/$run_id'"
e2e_wait 10 e2e_sql_true "SELECT status = 'success' FROM runs WHERE id = ${run_id:-0}"
e2e_cli history tick >"$out" 2>&1
e2e_check api_run_in_history "run $run_id with trigger api in \`main history\`, got $(cat "$out")" \
    grep -Eq "^$run_id +tick +api " "$out"

req -X POST -H "$(bearer "$OP_TOKEN")" "$(url /api/v1/tasks/tick/run)"
e2e_check file_token_operates "202 for the operate token read from its file, got $code $(cat "$out")" \
    [ "$code" = 202 ]
req -X POST -H "$(bearer "$ADMIN")" "$(url /api/v1/tasks/nosuch/run)"
e2e_check run_unknown_is_404 "404 problem, got $code $(cat "$out")" problem 404

# ---- pause, resume; PUT and DELETE not yet -------------------------------------

req -X POST -H "$(bearer "$READ_TOKEN")" "$(url /api/v1/tasks/tick/pause)"
e2e_check read_token_cannot_pause "403 problem, got $code $(cat "$out")" problem 403
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url /api/v1/tasks/tick/pause)"
e2e_check operate_token_pauses "200 with the task paused, got $code $(cat "$out")" \
    body_is "d['name'] == 'tick' and d['paused'] is True"
e2e_cli --status --json >"$out" 2>&1
e2e_check pause_seen_by_the_cli "--status --json shows tick paused, got $(cat "$out")" \
    body_is "[t['paused'] for t in d['tasks'] if t['name'] == 'tick'] == [True]"
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url /api/v1/tasks/tick/resume)"
e2e_check operate_token_resumes "200 with the task resumed, got $code $(cat "$out")" \
    body_is "d['name'] == 'tick' and d['paused'] is False"
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url /api/v1/tasks/nosuch/pause)"
e2e_check pause_unknown_is_404 "404 problem, got $code $(cat "$out")" problem 404
req -X PUT -H "$(bearer "$OP_TOKEN")" -d '{}' "$(url /api/v1/tasks/tick)"
e2e_check put_needs_admin "403 for an operate token, got $code $(cat "$out")" problem 403
req -X DELETE -H "$(bearer "$ADMIN")" "$(url /api/v1/tasks/tick)"
e2e_check delete_of_a_lua_task_is_409 "409 problem naming name, got $code $(cat "$out")" \
    problem 409 name

# ---- dashboard, and no token in a log ----------------------------------------

e2e_cli dashboard >"$out" 2>&1
e2e_check dashboard_prints_url "http://127.0.0.1:$PORT/#token=<data/api.token>, got $(cat "$out")" \
    grep -qx "http://127.0.0.1:$PORT/#token=$ADMIN" "$out"
e2e_check tokens_never_logged "no token in daemon.out or logs/" \
    sh -c "! grep -rqF -e '$ADMIN' -e '$READ_TOKEN' -e '$OP_TOKEN' '$E2E_ROOT/daemon.out' '$E2E_ROOT/logs'"

# ---- IPv6 (a reload onto [::1]; api_reload.sh has the other reloads) -----------

cp "$E2E_ROOT/config/config.yaml" "$E2E_ROOT/good.yaml"
if /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
    V6_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])')
    sed "s/127.0.0.1:$PORT/\"[::1]:$V6_PORT\"/" "$E2E_ROOT/good.yaml" >"$E2E_ROOT/config/config.yaml"
    e2e_cli reload >/dev/null 2>&1
    e2e_wait 5 curl -sfg "http://[::1]:$V6_PORT/healthz"
    req -g -H "$(bearer "$READ_TOKEN")" "http://[::1]:$V6_PORT/api/v1/tasks/tick"
    e2e_check ipv6_loopback_listens "200 for the tick task on [::1]:$V6_PORT, got $code" \
        body_is "d['name'] == 'tick'"
    e2e_cli dashboard >"$out" 2>&1
    e2e_check dashboard_url_with_ipv6 "http://[::1]:$V6_PORT/#token=…, got $(cat "$out")" \
        grep -qxF "http://[::1]:$V6_PORT/#token=$ADMIN" "$out"
else
    e2e_ok "ipv6_loopback_listens # SKIP no ::1 on this machine"
fi

# ---- the token outlives a restart ---------------------------------------------

e2e_stop
e2e_start || exit 1
e2e_check local_token_kept_across_restart "the same data/api.token" \
    [ "$(cat "$E2E_ROOT/data/api.token")" = "$ADMIN" ]
e2e_stop
e2e_done
