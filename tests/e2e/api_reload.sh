#!/bin/sh
# api_reload.sh — the `api:` section in a live config reload, against the
# real daemon on 127.0.0.1.  A broken section (an address that does not
# parse, a value of the wrong type, an unknown key, an address that cannot
# be bound) is refused with config.yaml:LINE in scheduler.log and
# errors.log, and the old listener keeps answering with the old tokens; a
# valid new api.listen moves the listener: the old port closed, the new one
# answering; api.listen "" turns the API off and a later reload back on.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
CONFIG=$E2E_ROOT/config/config.yaml
cat >>"$CONFIG" <<EOF
api:
  listen: 127.0.0.1:$PORT
EOF
cp "$CONFIG" "$E2E_ROOT/good.yaml"
e2e_task tick <<'EOF'
return { schedule = every(1).days, command = { "true" } }
EOF

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"
TOKEN=$(cat "$E2E_ROOT/data/api.token")

# answers PORT: GET /api/v1/tasks on PORT is 200 with the local token.
answers() {
    [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' -H "$(bearer "$TOKEN")" \
        "http://127.0.0.1:$1/api/v1/tasks")" = 200 ]
}
# refused NAME LINE: FILE-TEXT: the good config with LINE added to api:
# (or the api: section's listen replaced, when LINE starts with "listen:"),
# reloaded, is refused naming config.yaml at that line and matching
# PATTERN, in scheduler.log and errors.log; the old listener still answers.
refused() {
    name=$1 line=$2 pattern=$3
    case "$line" in
    listen:*) sed "s|^  listen: .*|  $line|" "$E2E_ROOT/good.yaml" >"$CONFIG" ;;
    *) { cat "$E2E_ROOT/good.yaml"; echo "  $line"; } >"$CONFIG" ;;
    esac
    at=$(grep -n "^  $line\$" "$CONFIG" | cut -d: -f1)
    n=$(grep -c 'config not reloaded' "$E2E_ROOT/logs/errors.log" 2>/dev/null)
    e2e_cli reload >/dev/null 2>&1
    e2e_wait 5 sh -c "[ \$(grep -c 'config not reloaded' '$E2E_ROOT/logs/errors.log') -gt ${n:-0} ]"
    e2e_check "${name}_refused_with_file_line" \
        "'config not reloaded … config.yaml:$at:…$pattern' in errors.log, got $(tail -n 1 "$E2E_ROOT/logs/errors.log" 2>/dev/null)" \
        sh -c "tail -n 1 '$E2E_ROOT/logs/errors.log' | grep -q 'config not reloaded.*config/config.yaml:$at:[0-9]*: .*$pattern' &&
               grep -q 'config not reloaded.*config/config.yaml:$at:' '$E2E_ROOT/logs/scheduler.log'"
    e2e_check "${name}_leaves_the_old_listener" "200 on the old port $PORT" answers "$PORT"
}

refused listen_nonsense 'listen: "nonsense"' 'api.listen'
refused listen_bad_port 'listen: 127.0.0.1:99999' 'api.listen'
refused max_connections_not_a_number 'max_connections: lots' 'api.max_connections: expected an integer'
refused connection_timeout_zero 'connection_timeout: 0' 'api.connection_timeout: expected an integer >= 1'
refused unknown_key 'max_conections: 3' 'unknown key .max_conections. in section .api.'

# An address that parses but is taken: the bind fails, the reload too.
TAKEN=$(free_port)
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
print("held", flush=True); time.sleep(60)' "$TAKEN" >"$E2E_ROOT/holder.out" &
holder=$!
E2E_PIDS="$E2E_PIDS $holder"
e2e_wait 5 grep -q held "$E2E_ROOT/holder.out"
refused listen_taken "listen: 127.0.0.1:$TAKEN" "cannot listen on 127.0.0.1:$TAKEN"
kill "$holder" 2>/dev/null

# ---- a valid change moves the listener ------------------------------------------

NEW_PORT=$(free_port)
sed "s/127.0.0.1:$PORT/127.0.0.1:$NEW_PORT/" "$E2E_ROOT/good.yaml" >"$CONFIG"
e2e_cli reload >/dev/null 2>&1
e2e_wait 5 answers "$NEW_PORT"
e2e_check reload_moves_the_listener "200 on the new port $NEW_PORT" answers "$NEW_PORT"
e2e_check old_port_closed "nothing on the old port $PORT" \
    sh -c "! curl -s -o /dev/null -m 2 'http://127.0.0.1:$PORT/healthz'"
e2e_check move_logged "'api: listening on http://127.0.0.1:$NEW_PORT/' in scheduler.log" \
    grep -q "api: listening on http://127.0.0.1:$NEW_PORT/" "$E2E_ROOT/logs/scheduler.log"

# ---- off, and on again ------------------------------------------------------------

sed 's/^  listen: .*/  listen: ""/' "$E2E_ROOT/good.yaml" >"$CONFIG"
e2e_cli reload >/dev/null 2>&1
e2e_wait 5 sh -c "! curl -s -o /dev/null -m 1 'http://127.0.0.1:$NEW_PORT/healthz'"
e2e_check empty_listen_turns_the_api_off "nothing on $NEW_PORT, 'api: off' logged" \
    sh -c "! curl -s -o /dev/null -m 2 'http://127.0.0.1:$NEW_PORT/healthz' &&
           grep -q 'api: off' '$E2E_ROOT/logs/scheduler.log'"
cp "$E2E_ROOT/good.yaml" "$CONFIG"
e2e_cli reload >/dev/null 2>&1
e2e_wait 5 answers "$PORT"
e2e_check api_back_on "200 on $PORT again" answers "$PORT"
e2e_check daemon_kept_running "the daemon running through all reloads" e2e_daemon_up
e2e_stop
e2e_done
