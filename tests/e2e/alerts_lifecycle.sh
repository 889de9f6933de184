#!/bin/sh
# alerts_lifecycle.sh — the daemon's own alerts, end to end, with a real
# webhook on 127.0.0.1 (tests/fixtures/http_server.py records each POST):
# with failure_streak = 2 two failures open one `failing` alert, a third
# bumps its count, a success resolves it, and the webhook heard exactly one
# "opened" and one "resolved"; a broken edit opens `broken` and the fix
# resolves it; a restart ten minutes later (shifted clock) with catchup =
# "skip" opens `missed` with the count; a person resolves it with a note,
# and a second resolve is refused.
set -u
. tests/e2e/lib.sh
e2e_setup
MODE=$E2E_ROOT/mode

e2e_http_server || exit 1
PORT=$SERVER_PORT
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
notifications:
  hook:
    type: webhook
    url: http://127.0.0.1:$PORT/ok
alerts:
  channels: hook
EOF

e2e_task flaky <<EOF_TASK
return { schedule = every(1).seconds, alerts = { failure_streak = 2 },
         run = function()
             local f = assert(io.open("$MODE"))
             local mode = f:read("l")
             f:close()
             if mode == "fail" then error("disk full") end
         end }
EOF_TASK
e2e_task nightly <<'EOF_TASK'
return { schedule = every(5).minutes, catchup = "skip", run = function() end }
EOF_TASK
e2e_task quiet <<'EOF_TASK'
return { schedule = every(1).seconds, alerts = false, run = function() error("no") end }
EOF_TASK

# hooks TASK: one "event|title|message" line per webhook POST about TASK.
hooks() {
    curl -s "http://127.0.0.1:$PORT/requests" | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["method"] != "POST":
        continue
    b = json.loads(r["body"])
    if b.get("task") == sys.argv[1] and b.get("event", "").startswith("alert_"):
        print("%s|%s|%s" % (b.get("event"), b.get("title"), b.get("message", "").replace("\n", "\\n")))' "$1"
}
alert() { # alert KIND TASK COLUMN: that column of the newest alert of KIND about TASK
    e2e_sql "SELECT $3 FROM alerts WHERE kind = '$1' AND task = '$2' ORDER BY id DESC LIMIT 1"
}
failures() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = 'flaky' AND status = 'failed'"
}

echo fail >"$MODE"
e2e_start || e2e_done
e2e_wait 15 e2e_sql_true "SELECT count(*) >= 1 FROM alerts WHERE kind = 'failing'"
e2e_check failing_opens_at_the_streak \
    "one open failing alert after 2 failures, count 2; got count $(alert failing flaky count) after $(failures) failures" \
    e2e_sql_true "SELECT count(*) = 1 AND max(count) = 2 FROM alerts WHERE kind = 'failing'"
e2e_wait 10 e2e_sql_true "SELECT count >= 3 FROM alerts WHERE kind = 'failing'"
e2e_check repeat_bumps_not_opens "still one failing alert, its count 3 or more, got: $(e2e_sql 'SELECT id, count, resolved_at FROM alerts')" \
    e2e_sql_true "SELECT count(*) = 1 AND min(count) >= 3 AND max(resolved_at) IS NULL FROM alerts WHERE kind = 'failing'"
e2e_check alerts_false_opens_none "no alert of quiet, got: $(e2e_sql "SELECT kind FROM alerts WHERE task = 'quiet'")" \
    e2e_sql_true "SELECT count(*) = 0 FROM alerts WHERE task = 'quiet'"
listed=$(e2e_cli alerts)
e2e_check cli_lists_the_open_alert "a row 'N failing flaky' in 'alerts', got: $listed" \
    sh -c "printf '%s\n' \"\$1\" | grep -Eq '^[0-9]+ +failing +flaky '" - "$listed"
status=$(e2e_cli --status)
e2e_check status_counts_open_alerts "'1 open alert' in the header of --status, got: $status" \
    sh -c "printf '%s\n' \"\$1\" | grep -q '; 1 open alert (times in UTC)'" - "$status"
e2e_check status_shows_the_kind "flaky's ALERTS cell 'failing' before its state, got: $status" \
    sh -c "printf '%s\n' \"\$1\" | grep -Eq '^flaky .* failing +failing \('" - "$status"

echo ok >"$MODE"
e2e_wait 10 e2e_sql_true "SELECT resolved_at > 0 FROM alerts WHERE kind = 'failing'"
e2e_check success_resolves_failing "resolved by 'daemon: a run succeeded', got: $(alert failing flaky resolved_by)" \
    [ "$(alert failing flaky resolved_by)" = "daemon: a run succeeded" ]
sleep 1 # a notification is sent by a child of the daemon
e2e_check one_opened_one_resolved_notification \
    "alert_opened then alert_resolved, nothing more, got: $(hooks flaky)" \
    [ "$(hooks flaky | cut -d'|' -f1 | tr '\n' ' ')" = "alert_opened alert_resolved " ]
e2e_check notification_names_task_kind_error \
    "the opened message names flaky, failing and the last error, got: $(hooks flaky | head -n 1)" \
    sh -c "printf '%s\n' \"\$1\" | grep -q '^alert_opened|flaky: failing alert opened|flaky: failing.*first seen .*last error: .*disk full'" \
    - "$(hooks flaky | head -n 1)"

# broken, then fixed
cp "$E2E_ROOT/tasks/nightly.lua" "$E2E_ROOT/nightly.good"
echo 'return { schedule = every(5).minutes, run = function() end, colour = "red" }' \
    >"$E2E_ROOT/tasks/nightly.lua"
e2e_cli reload >/dev/null 2>&1
e2e_wait 10 e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'broken' AND resolved_at IS NULL"
e2e_check broken_edit_opens_broken "an open broken alert naming the field, got: $(alert broken nightly message)" \
    sh -c "printf '%s' \"\$1\" | grep -q colour" - "$(alert broken nightly message)"
cp "$E2E_ROOT/nightly.good" "$E2E_ROOT/tasks/nightly.lua"
e2e_cli reload >/dev/null 2>&1
e2e_wait 10 e2e_sql_true "SELECT resolved_at > 0 FROM alerts WHERE kind = 'broken'"
e2e_check fix_resolves_broken "resolved by the daemon, got: $(alert broken nightly resolved_by)" \
    [ "$(alert broken nightly resolved_by)" = "daemon: the task file is good again" ]

# ten minutes down, catchup = "skip": two fires of nightly missed
e2e_stop
e2e_start 600 || e2e_done
e2e_wait 10 e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'missed' AND task = 'nightly'"
e2e_check restart_opens_missed_with_count "a missed alert of nightly with count 2, got: $(alert missed nightly count)" \
    [ "$(alert missed nightly count)" = 2 ]
e2e_check failing_survives_restart "the resolved failing alert still there" \
    e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'failing' AND resolved_at > 0"

id=$(alert missed nightly id)
out=$(e2e_cli alerts resolve "$id" --note "known outage" 2>&1)
e2e_check person_resolves_with_note \
    "the note and 'via CLI' recorded, got: $out / $(alert missed nightly resolved_by) / $(alert missed nightly note)" \
    e2e_sql_true "SELECT note = 'known outage' AND resolved_by LIKE '%via CLI%' FROM alerts WHERE id = $id"
e2e_cli alerts resolve "$id" >"$E2E_ROOT/again.out" 2>&1
again=$?
e2e_check second_resolve_is_refused "exit 1 and 'already resolved', got $again: $(cat "$E2E_ROOT/again.out")" \
    sh -c "[ $again = 1 ] && grep -q 'already resolved' '$E2E_ROOT/again.out'"
e2e_cli alerts resolve nine >/dev/null 2>&1
bad=$?
e2e_check resolve_bad_id_is_usage "exit 2 for a non-number id, got $bad" [ "$bad" = 2 ]
all=$(e2e_cli alerts --all --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted("%s:%s:%s" % (a["kind"], a["task"], a["state"]) for a in json.load(sys.stdin))))')
# flaky (catchup "once") missed fires too, and its catch-up run's success resolved that
e2e_check cli_all_json "every alert with its state, got: $all" \
    [ "$all" = "broken:nightly:resolved failing:flaky:resolved missed:flaky:resolved missed:nightly:resolved" ]
e2e_stop
e2e_done
