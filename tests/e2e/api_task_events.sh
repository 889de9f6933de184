#!/bin/sh
# api_task_events.sh — the `task` and `daemon` events of GET /api/v1/events
# as the files change under a running daemon: a task file dropped in is
# `added`, an edit `changed`, a bad edit `broken` (the last good version
# kept), the fix `changed` again, a deletion `removed`, pause and resume
# through the CLI `paused`/`resumed`; a config reload is a `daemon`
# `config_reloaded` event, a refused one `config_refused` naming
# config.yaml:LINE.  One stream sees all of them, in that order, and the
# whole task list (GET /api/v1/tasks, kept serialised between events) shows
# each change as soon as its event is out.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
EOF
cp "$E2E_ROOT/config/config.yaml" "$E2E_ROOT/good.yaml"
e2e_task base <<'EOF'
return { schedule = every(1).days, command = { "true" } }
EOF

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"
TOKEN=$(cat "$E2E_ROOT/data/api.token")

# The stream, read in the background: one line "KIND TYPE TASK-OR-DETAIL"
# per event, flushed as it comes.
STREAM=$E2E_ROOT/stream.out
/usr/bin/python3 - "$PORT" "$TOKEN" >"$STREAM" 2>&1 <<'EOF' &
import http.client, json, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=60)
c.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + sys.argv[2]})
r = c.getresponse()
print("status", r.status, flush=True)
kind = None
while True:
    line = r.readline()
    if not line:
        break
    line = line.decode().rstrip("\n")
    if line.startswith("event: "):
        kind = line[7:]
    elif line.startswith("data: ") and kind in ("task", "daemon"):
        d = json.loads(line[6:])
        print(kind, d["type"], d.get("task") or d.get("error") or "-", flush=True)
EOF
reader=$!
E2E_PIDS="$E2E_PIDS $reader"
e2e_wait 5 grep -q '^status 200' "$STREAM"

# seen NAME PATTERN EXPECTATION: a stream line matching PATTERN arrives
# within 5 s.
seen() {
    e2e_wait 5 grep -q "$2" "$STREAM"
    e2e_check "$1" "$3, got: $(tr '\n' ';' <"$STREAM")" grep -q "$2" "$STREAM"
}

# listed EXPR: the whole task list, as `tasks` (name -> task), makes EXPR
# true.
listed() {
    req -H "$(bearer "$TOKEN")" "$(url /api/v1/tasks)"
    [ "$code" = 200 ] && body_is "(lambda tasks: $1)({t['name']: t for t in d['tasks']})"
}
listed "'dropped' not in tasks" # the list is made (and kept) before the file comes

e2e_task dropped <<'EOF'
return { schedule = every(1).days, command = { "true" } }
EOF
seen dropped_file_is_added '^task added dropped$' "task added for the new file"
e2e_check list_shows_the_added_task "dropped in GET /api/v1/tasks, got $code" \
    listed "'dropped' in tasks"

e2e_task dropped <<'EOF'
return { schedule = every(2).days, command = { "true" } }
EOF
seen edit_is_changed '^task changed dropped$' "task changed for the edit"

e2e_task dropped <<'EOF'
return { schedule = every(2).days, command = { "true" }
EOF
seen bad_edit_is_broken '^task broken dropped$' "task broken for the bad edit"

e2e_task dropped <<'EOF'
return { schedule = every(3).days, command = { "true" } }
EOF
e2e_wait 5 sh -c "[ \$(grep -c '^task changed dropped$' '$STREAM') -ge 2 ]"
e2e_check fixed_file_is_changed "a second task changed once fixed, got: $(tr '\n' ';' <"$STREAM")" \
    sh -c "[ \$(grep -c '^task changed dropped$' '$STREAM') -ge 2 ]"

e2e_cli pause base >/dev/null 2>&1
seen cli_pause_is_paused '^task paused base$' "task paused for \`main pause base\`"
e2e_check list_shows_the_pause "base paused in GET /api/v1/tasks" listed "tasks['base']['paused']"
req -H "$(bearer "$TOKEN")" "$(url '/api/v1/tasks?state=paused')"
e2e_check filtered_list_shows_the_pause "only base in ?state=paused, got $code $(cat "$out")" \
    body_is "[t['name'] for t in d['tasks']] == ['base']"
e2e_cli resume base >/dev/null 2>&1
seen cli_resume_is_resumed '^task resumed base$' "task resumed for \`main resume base\`"
e2e_check list_shows_the_resume "base not paused in GET /api/v1/tasks" \
    listed "not tasks['base']['paused']"

rm "$E2E_ROOT/tasks/dropped.lua"
seen deleted_file_is_removed '^task removed dropped$' "task removed for the deleted file"
e2e_check list_drops_the_removed_task "dropped gone from GET /api/v1/tasks" \
    listed "'dropped' not in tasks"

e2e_cli reload >/dev/null 2>&1
seen reload_is_config_reloaded '^daemon config_reloaded -$' "daemon config_reloaded"
# The watch may see this edit and refuse it before `main reload` does too:
# the order check takes one refusal or two in a row.
printf '  max_conections: 3\n' >>"$E2E_ROOT/config/config.yaml"
line=$(grep -n max_conections "$E2E_ROOT/config/config.yaml" | cut -d: -f1)
e2e_cli reload >/dev/null 2>&1
seen refused_reload_is_config_refused "^daemon config_refused .*config.yaml:$line:" \
    "daemon config_refused naming config.yaml:$line"
cp "$E2E_ROOT/good.yaml" "$E2E_ROOT/config/config.yaml"

e2e_check events_in_order "added, changed, broken, changed, paused, resumed, removed, reloaded, refused, got: $(tr '\n' ';' <"$STREAM")" \
    sh -c "grep -v '^status\|^task added base' '$STREAM' | cut -d' ' -f1-2 | uniq | tr '\n' ' ' |
           grep -qx 'task added task changed task broken task changed task paused task resumed task removed daemon config_reloaded daemon config_refused '"
kill "$reader" 2>/dev/null
e2e_stop
e2e_done
