#!/bin/sh
# alerts_flap.sh — a task that fails every other run opens and resolves
# its `failing` alert again and again; past alerts.flap_limit changes an
# hour the webhook hears one "flapping" notification with the count, and
# nothing more, however often it flaps.
set -u
. tests/e2e/lib.sh
e2e_setup
COUNT=$E2E_ROOT/count
echo 0 >"$COUNT"

e2e_http_server || exit 1
PORT=$SERVER_PORT
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
notifications:
  hook:
    type: webhook
    url: http://127.0.0.1:$PORT/ok
alerts:
  channels: hook
  flap_limit: 2
EOF
e2e_task flappy <<EOF_TASK
return { schedule = every(1).seconds,
         run = function()
             local f = assert(io.open("$COUNT"))
             local n = tonumber(f:read("l"))
             f:close()
             f = assert(io.open("$COUNT", "w"))
             f:write(tostring(n + 1), "\n")
             f:close()
             if n % 2 == 0 then error("odd one out") end
         end }
EOF_TASK
events() {
    curl -s "http://127.0.0.1:$PORT/requests" | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["method"] == "POST":
        b = json.loads(r["body"])
        print(b.get("event"), "|", b.get("message", "").replace("\n", " "))'
}

e2e_start || e2e_done
# 4 opens: 7 changes, past the limit of 2 by far
e2e_wait 20 e2e_sql_true "SELECT count(*) >= 4 FROM alerts WHERE kind = 'failing'"
sleep 1 # a notification is sent by a child of the daemon
got=$(events | cut -d'|' -f1 | tr -d ' ' | tr '\n' ' ')
e2e_check flapping_notified_once "alert_opened alert_resolved, then one alert_flapping, got: $got" \
    [ "$got" = "alert_opened alert_resolved alert_flapping " ]
e2e_check flapping_names_the_count "the flapping message counts the changes, got: $(events | tail -n 1)" \
    sh -c "events_out=\$1; printf '%s\n' \"\$events_out\" | tail -n 1 | grep -q 'opened or resolved 3 times in the last hour'" - "$(events)"
e2e_stop
e2e_done
