#!/bin/sh
# api_events.sh — GET /api/v1/events against the real daemon on 127.0.0.1:
# a run-now's queued, started and finished events within a second (the POST's
# keep-alive connection left open), resuming
# after Last-Event-ID (header and ?last_event_id=), a `missed` event for an
# id no longer kept, pause and resume as task events, 401 without a token,
# the heartbeat comment, and a client that never reads while thousands of
# events go by: it is
# closed with a comment saying why, the daemon stays small and an
# every-second task keeps firing on time.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
EOF
e2e_task tick <<'EOF'
return { schedule = every(1).seconds, timeout = 10, run = function() end }
EOF
e2e_task job <<'EOF'
return { schedule = every(1).hours, timeout = 10, run = function() print("job") end }
EOF

# The stream client: sse.py PORT TOKEN MODE [ARG]; prints what it saw.
cat >"$E2E_ROOT/sse.py" <<'PY'
import http.client, json, socket, sys, time
port, token, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
arg = sys.argv[4] if len(sys.argv) > 4 else None
auth = {"Authorization": "Bearer " + token}

def stream(path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request("GET", path, headers=dict(auth, **(headers or {})))
    r = c.getresponse()
    if r.status != 200:
        print("status", r.status)
        sys.exit(1)
    print("content-type", r.getheader("Content-Type"))
    return r

def events(r):
    """Yield (id, event, data) per event; (None, ':', text) per comment."""
    ev = {}
    while True:
        line = r.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line.startswith(":"):
            yield (None, ":", line[1:].strip())
        elif line == "":
            if ev:
                yield (ev.get("id"), ev.get("event"), json.loads(ev.get("data", "null")))
            ev = {}
        else:
            k, _, v = line.partition(": ")
            ev[k] = v

kept = []  # POST connections stay open, as a browser's keep-alive ones do:
           # their closing must not be what gets the stream's events sent

def post(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    kept.append(c)
    c.request("POST", path, headers=auth)
    r = c.getresponse()
    return r.status, json.loads(r.read() or "null")

if mode == "run":
    # Run-now once the stream is open; the run's events and their delays.
    r = stream("/api/v1/events")
    it = events(r)
    assert next(it)[1] == ":"          # the stream is open
    t0 = time.time()
    status, doc = post("/api/v1/tasks/job/run")
    run_id = doc["run_id"]
    print("posted", status, run_id)
    for id_, name, data in it:
        if name == "run" and data.get("run_id") == run_id:
            print("%s %s %s %.3f %s" % (id_, name, data["type"], time.time() - t0,
                                      json.dumps(data, sort_keys=True)))
            if data["type"] == "finished":
                break
elif mode == "after":
    # The first events after ARG: header "h:ID", query "q:ID".
    kind, _, last = arg.partition(":")
    if kind == "h":
        r = stream("/api/v1/events", {"Last-Event-ID": last})
    else:
        r = stream("/api/v1/events?last_event_id=" + last)
    n = 0
    for id_, name, data in events(r):
        if name != ":":
            print("event", id_, name, json.dumps(data, sort_keys=True))
            n += 1
            if n == 3:
                break
elif mode == "pause":
    r = stream("/api/v1/events")
    it = events(r)
    next(it)
    for path in ("/api/v1/tasks/job/pause", "/api/v1/tasks/job/resume"):
        post(path)
    seen = []
    for id_, name, data in it:
        if name == "task" and data.get("task") == "job":
            print("task", data["type"], data.get("by"))
            seen.append(data["type"])
            if len(seen) == 2:
                break
elif mode == "heartbeat":
    # Seconds until the first heartbeat comment.
    t0 = time.time()
    r = stream("/api/v1/events")
    for id_, name, data in events(r):
        if name == ":" and data == "heartbeat":
            print("heartbeat after %.1f s" % (time.time() - t0))
            break
elif mode == "stalled":
    # A client that reads nothing while ARG pauses and resumes go by,
    # then reads what it is given.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
               % token).encode())
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(int(arg)):
        c.request("POST", "/api/v1/tasks/job/" + ("pause" if i % 2 == 0 else "resume"),
                  headers=auth)
        c.getresponse().read()
    print("flooded")
    sys.stdout.flush()
    s.settimeout(10)
    data = b""
    while True:
        try:
            piece = s.recv(65536)
        except socket.timeout:
            break
        if not piece:
            break
        data += piece
    text = data.decode(errors="replace")
    print("received %d bytes, %d events" % (len(data), text.count("\nevent: ")))
    print("closed comment:", "closed: this client fell more than" in text)
PY
sse() {
    /usr/bin/python3 "$E2E_ROOT/sse.py" "$PORT" "$@" >"$out" 2>&1
}

e2e_start || exit 1
e2e_wait 10 curl -sf "http://127.0.0.1:$PORT/healthz"
TOKEN=$(cat "$E2E_ROOT/data/api.token")

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/events")
e2e_check events_need_a_token "401 without a token, got $code" [ "$code" = 401 ]

sse "$TOKEN" run
e2e_check stream_is_event_stream "Content-Type text/event-stream, got $(cat "$out")" \
    grep -q '^content-type text/event-stream' "$out"
e2e_check run_now_events_within_a_second "queued, started, finished of the posted run, each < 1 s after the POST, got $(cat "$out")" \
    /usr/bin/python3 -c '
import json, sys
lines = [l.split(" ", 4) for l in open(sys.argv[1]) if l[0].isdigit()]
types = [l[2] for l in lines]
assert types == ["queued", "started", "finished"], types
assert all(float(l[3]) < 1.0 for l in lines), lines
ids = [int(l[0]) for l in lines]
assert ids == sorted(ids) and len(set(ids)) == 3, ids
fin = json.loads(lines[2][4])
assert fin["status"] == "success" and fin["task"] == "job" and fin["trigger"] == "api", fin
assert isinstance(fin["duration"], float) and fin["duration"] >= 0, fin
' "$out"
queued_id=$(awk '$3 == "queued" { print $1 }' "$out")

sse "$TOKEN" "after" "h:$queued_id"
e2e_check last_event_id_header_resumes "the events after $queued_id, from $((queued_id + 1)) on, got $(cat "$out")" \
    /usr/bin/python3 -c '
import sys
ids = [int(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("event ")]
assert ids == [int(sys.argv[2]) + 1, int(sys.argv[2]) + 2, int(sys.argv[2]) + 3], ids
' "$out" "$queued_id"
sse "$TOKEN" "after" "q:$queued_id"
e2e_check last_event_id_query_resumes "?last_event_id=$queued_id resumes the same, got $(cat "$out")" \
    grep -q "^event $((queued_id + 1)) " "$out"
sse "$TOKEN" "after" "h:99999999"
e2e_check unknown_id_gives_missed "a missed event first, then the oldest kept (1), got $(cat "$out")" \
    sh -c "head -n 2 '$out' | tail -n 1 | grep -q '^event None missed .*\"after\": 99999999' &&
           grep -q '^event 1 ' '$out'"

sse "$TOKEN" pause
e2e_check pause_and_resume_are_task_events "task paused then resumed, by the token, got $(cat "$out")" \
    sh -c "grep -q \"^task paused token 'local' via API\" '$out' && grep -q '^task resumed' '$out'"

sse "$TOKEN" heartbeat
e2e_check heartbeat_every_15_s "a heartbeat comment within 15 s of the stream's opening, got $(cat "$out")" \
    /usr/bin/python3 -c '
import sys
t = [float(l.split()[2]) for l in open(sys.argv[1]) if l.startswith("heartbeat after")]
assert t and t[0] < 16, t
' "$out"

# ---- a client that never reads ---------------------------------------------------

since=$(date +%s)
sse "$TOKEN" stalled 3000
until=$(date +%s)
e2e_check stalled_client_closed_with_reason "closed with the comment, after fewer events than were sent, got $(cat "$out")" \
    sh -c "grep -q 'closed comment: True' '$out' &&
           [ \"\$(sed -n 's/^received [0-9]* bytes, \([0-9]*\) events/\1/p' '$out')\" -lt 3000 ]"
if [ "$E2E_VALGRIND" = 1 ]; then
    e2e_ok "fires_on_time_beside_a_stalled_stream # SKIP valgrind"
else
    e2e_check fires_on_time_beside_a_stalled_stream \
    "a scheduled run per second from $since to $until, each started < 1 s late: $(e2e_runs tick)" \
    e2e_sql_true "SELECT count(*) >= $until - $since - 1 AND max(started_at - scheduled_for) < 1.0
                  FROM runs WHERE task = 'tick' AND \"trigger\" = 'schedule'
                  AND scheduled_for > $since AND scheduled_for < $until"
fi
# The ring of 1024 events and one stalled client: far below this.
e2e_daemon_small daemon_small_beside_a_stalled_stream 65536
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
e2e_check daemon_answers_after_the_flood "200, got $code" [ "$code" = 200 ]

e2e_stop
e2e_done
