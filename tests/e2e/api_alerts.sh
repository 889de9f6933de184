#!/bin/sh
# api_alerts.sh — the alerts routes of the HTTP API against the real daemon
# on 127.0.0.1: a task that fails opens a `failing` alert, listed by GET
# /api/v1/alerts (state, task, kind filters; bad values 400 naming the
# parameter; pages with next), counted by /alerts/summary and /metrics,
# published as an `alert` event; POST /alerts/{id}/resolve is 403 for a
# read token, 200 for an operate one (resolved by the token, with the
# note), 409 the second time, 404 for no such alert.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
READ_TOKEN=reader-token-for-the-alerts-test
OP_TOKEN=operator-token-for-the-alerts-test
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
  tokens:
    - { name: reader, role: read, sha256: $(sha256_of "$READ_TOKEN") }
    - { name: operator, role: operate, sha256: $(sha256_of "$OP_TOKEN") }
EOF
e2e_task fails <<'EOF'
return { schedule = every(1).seconds, run = function() error("disk full") end }
EOF
e2e_task broken <<'EOF'
return { schedule = every(1).seconds, run = function() end, colour = "red" }
EOF
get() {
    req -H "$(bearer "$READ_TOKEN")" "$(url "$1")"
}

e2e_start || e2e_done
e2e_wait 10 e2e_sql_true "SELECT count(*) = 2 FROM alerts"

get "/api/v1/alerts"
e2e_check list_open_alerts "200 with the failing and broken alerts, next null, got $code: $(cat "$out")" \
    body_is "sorted(a['kind'] + ':' + a['task'] + ':' + a['state'] for a in d['alerts']) == ['broken:broken:open', 'failing:fails:open'] and d['next'] is None and all(a['resolved_at'] is None and a['opened_at_epoch'] > 0 and a['count'] >= 1 for a in d['alerts'])"
get "/api/v1/alerts?kind=failing&task=fails"
e2e_check list_filters "only fails' failing alert, got: $(cat "$out")" \
    body_is "[a['kind'] for a in d['alerts']] == ['failing']"
get "/api/v1/alerts?limit=1"
e2e_check list_pages "one alert and a next link with before=, got: $(cat "$out")" \
    body_is "len(d['alerts']) == 1 and d['next'].startswith('/api/v1/alerts?limit=1&before=')"
get "/api/v1/alerts?kind=exploded"
e2e_check bad_kind_is_400 "400 naming kind, got $code: $(cat "$out")" problem 400 kind
get "/api/v1/alerts?state=closed"
e2e_check bad_state_is_400 "400 naming state, got $code: $(cat "$out")" problem 400 state

get "/api/v1/alerts/summary"
e2e_check summary_counts "open 2 by kind and task, got: $(cat "$out")" \
    body_is "d == {'open': 2, 'by_kind': {'failing': 1, 'broken': 1}, 'tasks': {'fails': 1, 'broken': 1}}"
get "/metrics"
e2e_check metrics_open_by_kind "alerts_open gauges, got: $(grep alerts_open "$out")" \
    sh -c "grep -q '^taskscheduler_alerts_open{kind=\"failing\"} 1\$' '$out' && grep -q '^taskscheduler_alerts_open{kind=\"late\"} 0\$' '$out'"

id=$(e2e_sql "SELECT id FROM alerts WHERE kind = 'failing'")
get "/api/v1/alerts/$id"
e2e_check get_one "the alert $id, got $code: $(cat "$out")" \
    body_is "d['id'] == $id and d['kind'] == 'failing' and d['state'] == 'open'"
get "/api/v1/alerts/999"
e2e_check unknown_alert_404 "404 naming id, got $code" problem 404 id

events=$(curl -s --max-time 2 -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/events?last_event_id=0")")
e2e_check alert_event_published "an 'alert' event of type opened with the alert, got: $(printf '%s' "$events" | grep -A1 'event: alert' | head -n 4)" \
    sh -c "printf '%s\n' \"\$1\" | grep -A1 '^event: alert' | grep -q '\"type\": *\"opened\".*\"kind\": *\"failing\"\|\"kind\": *\"failing\".*\"type\": *\"opened\"'" - "$events"

req -X POST -H "$(bearer "$READ_TOKEN")" "$(url "/api/v1/alerts/$id/resolve")"
e2e_check resolve_needs_operate "403 for a read token, got $code" [ "$code" = 403 ]
req -X POST -H "$(bearer "$OP_TOKEN")" -d '{"note": 5}' "$(url "/api/v1/alerts/$id/resolve")"
e2e_check resolve_bad_note_400 "400 naming note, got $code: $(cat "$out")" problem 400 note
req -X POST -H "$(bearer "$OP_TOKEN")" -d '{"note": "looking into it"}' "$(url "/api/v1/alerts/$id/resolve")"
e2e_check resolve_records_token_and_note "200, resolved by token 'operator' with the note, got $code: $(cat "$out")" \
    body_is "d['state'] == 'resolved' and d['resolved_by'] == \"token 'operator' via API\" and d['note'] == 'looking into it' and d['resolved_at_epoch'] > 0"
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/alerts/$id/resolve")"
e2e_check second_resolve_409 "409, got $code: $(cat "$out")" problem 409 id
req -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/alerts/999/resolve")"
e2e_check resolve_unknown_404 "404, got $code" problem 404 id
# fails goes on failing: its next failure opens a new alert
e2e_wait 10 e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'failing' AND resolved_at IS NULL AND id > $id"
e2e_check failure_after_resolve_opens_anew "a new open failing alert after $id, got: $(e2e_sql 'SELECT id, kind, resolved_by FROM alerts')" \
    e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'failing' AND resolved_at IS NULL AND id > $id"
get "/api/v1/alerts?state=resolved"
e2e_check list_resolved "the resolved one, got: $(cat "$out")" \
    body_is "[a['id'] for a in d['alerts']] == [$id]"
e2e_stop
e2e_done
