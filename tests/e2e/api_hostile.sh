#!/bin/sh
# api_hostile.sh — hostile HTTP clients against the real daemon on
# 127.0.0.1, with an every(1).seconds task running: 200 idle connections
# held at once (requests still answered meanwhile, the idle ones closed
# after api.connection_timeout), a client that sends half a request and
# stalls (closed after the timeout), a 10 MB body (413 problem+json when
# announced, the connection closed when sent chunked), and garbage bytes.
# Through all of it the task fires every second, each fire started
# promptly, and the daemon's RSS grows by less than 20 MiB.  The clients
# are /usr/bin/python3 processes with plain sockets, started and ended here.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
# The defaults but for the timeout, which the test waits out.
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
  connection_timeout: 3
EOF
e2e_task tick <<'EOF'
return { schedule = every(1).seconds, command = { "true" } }
EOF
CLIENT=$E2E_ROOT/client.py
cat >"$CLIENT" <<'EOF'
# client.py PORT MODE [N]: one hostile client.  Prints what it saw, one
# line per fact, and exits; `idle` and `half` wait (at most 20 s) for the
# server to close their connections and print after how many seconds.
import os, socket, sys, time

port, mode = int(sys.argv[1]), sys.argv[2]

def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    return s

def closed_by_server(s):
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass  # a reset is a close too

def reply_of(s):
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data.split(b"\r\n", 1)[0].decode("latin-1") or "(closed without a reply)"

if mode in ("idle", "half"):
    socks = [connect() for _ in range(int(sys.argv[3]))]
    if mode == "half":
        for s in socks:
            s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor")
    start = time.monotonic()
    print("connected %d" % len(socks), flush=True)
    for s in socks:
        closed_by_server(s)
    print("closed after %.1f" % (time.monotonic() - start), flush=True)
elif mode == "chunked":
    # 10 MB sent without a Content-Length: the server must stop reading.
    s = connect()
    token = open(sys.argv[3]).read().strip()
    s.sendall(("POST /api/v1/tasks/tick/run HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n"
               "Content-Type: application/json\r\n\r\n" % token).encode())
    piece = b"x" * 65536
    sent = 0
    try:
        while sent < 10 * 1024 * 1024:
            s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    print("chunked %s" % reply_of(s), flush=True)
elif mode == "garbage":
    for data in (os.urandom(1 << 20), b"\x00\xff\r\n\r\n", b"GET \x01\x02 HTTP/9.9\r\n\r\n",
                 b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(500)):
        s = connect()
        try:
            s.sendall(data)
        except OSError:
            pass
        print("garbage %s" % reply_of(s), flush=True)
EOF
client() {
    /usr/bin/python3 "$CLIENT" "$PORT" "$@"
}
rss_kb() {
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$E2E_DAEMON/status"
}
TOKEN_FILE=$E2E_ROOT/data/api.token
code=
status_answers() {
    req -m 2 -H "$(bearer "$(cat "$TOKEN_FILE")")" "$(url /api/v1/status)"
    [ "$code" = 200 ]
}
# wait_line FILE PATTERN SECONDS: FILE gets a line matching PATTERN in time.
wait_line() {
    e2e_wait "$3" grep -q "$2" "$1"
}

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"
e2e_wait 10 e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'tick'"
since=$(date +%s)
rss_before=$(rss_kb)

# ---- (a) 200 idle connections ---------------------------------------------------

client idle 200 >"$E2E_ROOT/idle.out" 2>&1 &
idle_pid=$!
E2E_PIDS="$E2E_PIDS $idle_pid"
wait_line "$E2E_ROOT/idle.out" '^connected 200' 10
e2e_check idle_connections_all_accepted "200 connections made: $(cat "$E2E_ROOT/idle.out")" \
    grep -q '^connected 200' "$E2E_ROOT/idle.out"
e2e_check requests_answer_beside_200_idle_connections \
    "GET /api/v1/status answering 200 within 2 s, got $code" status_answers
wait_line "$E2E_ROOT/idle.out" '^closed' 10
e2e_check idle_connections_closed_after_the_timeout \
    "the server closing them 3 s (connection_timeout) after, got: $(tail -n 1 "$E2E_ROOT/idle.out")" \
    grep -q '^closed after [3-5]\.' "$E2E_ROOT/idle.out"

# ---- (b) half a request, then silence -------------------------------------------

client half 1 >"$E2E_ROOT/half.out" 2>&1 &
half_pid=$!
E2E_PIDS="$E2E_PIDS $half_pid"
wait_line "$E2E_ROOT/half.out" '^connected' 10
e2e_check requests_answer_beside_a_stalled_one "GET /api/v1/status answering, got $code" \
    status_answers
wait_line "$E2E_ROOT/half.out" '^closed' 10
e2e_check stalled_request_closed_after_the_timeout \
    "closed 3 s after, got: $(tail -n 1 "$E2E_ROOT/half.out")" \
    grep -q '^closed after [3-5]\.' "$E2E_ROOT/half.out"

# ---- (c) a 10 MB body -------------------------------------------------------------

head -c 10485760 /dev/zero | tr '\0' x >"$E2E_ROOT/big.json"
req -m 10 -X POST -H "$(bearer "$(cat "$TOKEN_FILE")")" -H 'Content-Type: application/json' \
    --data-binary @"$E2E_ROOT/big.json" "$(url /api/v1/tasks/tick/run)"
e2e_check announced_10mb_body_is_413 "413 problem+json, got $code: $(cat "$out")" problem 413
req -m 10 -X POST --data-binary @"$E2E_ROOT/big.json" "$(url /api/v1/tasks/tick/run)"
e2e_check announced_10mb_body_without_token_is_401 "401 before any body, got $code" problem 401
client chunked "$TOKEN_FILE" >"$E2E_ROOT/chunked.out" 2>&1
e2e_check chunked_10mb_body_closes_the_connection \
    "the connection closed without running the task, got: $(cat "$E2E_ROOT/chunked.out")" \
    grep -q '^chunked (closed without a reply)' "$E2E_ROOT/chunked.out"
e2e_check oversized_bodies_start_no_run "no run of tick but by its schedule: $(e2e_runs tick)" \
    e2e_sql_true "SELECT count(*) = 0 FROM runs WHERE task = 'tick' AND \"trigger\" <> 'schedule'"

# ---- (d) garbage -------------------------------------------------------------------

client garbage >"$E2E_ROOT/garbage.out" 2>&1
e2e_check garbage_gets_an_error_or_a_close "four answers, each a 4xx/5xx or a close: $(cat "$E2E_ROOT/garbage.out")" \
    [ "$(grep -c '^garbage \(HTTP/1.1 [45][0-9][0-9] \|(closed without a reply)\)' "$E2E_ROOT/garbage.out")" = 4 ]
e2e_check requests_answer_after_the_garbage "GET /api/v1/status answering, got $code" \
    status_answers

# ---- the task fired on time through all of it, and memory stayed bounded --------

rss_after=$(rss_kb)
sleep 1.5
until=$(($(date +%s) - 1))
# Lateness: run() starts on the instant itself (the run is prepared ahead);
# the bound allows for a loaded 2-core machine, not for a blocked loop.
late=0.5
e2e_check task_fired_every_second "one fire per second from $since to $until: $(e2e_runs tick)" \
    e2e_sql_true "SELECT count(DISTINCT scheduled_for) = $until - $since + 1 FROM runs
                  WHERE task = 'tick' AND scheduled_for BETWEEN $since AND $until"
e2e_check fires_started_on_time "every fire started within $late s: $(e2e_runs tick)" \
    e2e_sql_true "SELECT max(started_at - scheduled_for) < $late FROM runs
                  WHERE task = 'tick' AND scheduled_for BETWEEN $since AND $until"
if e2e_sanitized || [ "$E2E_VALGRIND" = 1 ]; then
    e2e_ok "rss_bounded # SKIP sanitizer or valgrind build"
else
    e2e_check rss_bounded "RSS grown by < 20 MiB: ${rss_before:-?} kB before, ${rss_after:-?} kB after" \
        [ $((${rss_after:-999999} - ${rss_before:-0})) -lt 20480 ]
fi
echo "# RSS ${rss_before} kB before, ${rss_after} kB after; idle: $(tail -n 1 "$E2E_ROOT/idle.out")"
kill "$idle_pid" "$half_pid" 2>/dev/null
e2e_done
