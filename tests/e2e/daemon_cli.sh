#!/bin/sh
# daemon_cli.sh — the CLI against a project root with and without a daemon:
# --status (text and --json shape), --task exit codes and streamed output,
# a second daemon refused, the control socket shrugging off bad requests,
# history, stop and reload.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task hello <<'EOF'
return { title = "Hello", schedule = every(1).hours, timeout = 10,
         run = function(ctx) print("hello from " .. ctx.task) end }
EOF
e2e_task boom <<'EOF'
return { title = "Boom", schedule = every(1).hours, timeout = 10,
         run = function() error("boom") end }
EOF
e2e_task alice_job <<'EOF'
return { title = "Alice's", schedule = every(1).days, user = "alice",
         run = function() end }
EOF
out="$E2E_ROOT/out"

# ---- without a daemon ------------------------------------------------------

# has PATTERN...: every pattern matches a line of $out.
has() {
    for pattern; do
        grep -q "$pattern" "$out" || return 1
    done
}

# exited CODE PATTERN...: the last command exited with CODE ($rc) and its
# output has every pattern.
exited() {
    [ "$rc" -eq "$1" ] || return 1
    shift
    has "$@"
}

e2e_cli --status >"$out" 2>&1
e2e_check status_without_daemon_says_not_running \
    "'daemon: not running' and the task names, got: $(cat "$out")" \
    has '^daemon: not running' '^hello ' '^boom '

e2e_cli --task hello >"$out" 2>&1
rc=$?
e2e_check task_without_daemon_succeeds "exit 0 and the task's output, got $rc: $(cat "$out")" \
    exited 0 'hello from hello'

e2e_cli --task boom >"$out" 2>&1
rc=$?
e2e_check task_without_daemon_failure_exits_1 "exit 1, got $rc: $(cat "$out")" \
    exited 1 boom

e2e_cli --task nosuch >"$out" 2>&1
rc=$?
e2e_check task_without_daemon_unknown_exits_1 "exit 1, got $rc" [ "$rc" -eq 1 ]

e2e_check task_without_daemon_is_recorded "a manual success and a manual failure in runs" \
    e2e_sql_true "SELECT count(*) = 2 FROM runs WHERE \"trigger\" = 'manual'
                  AND ((task = 'hello' AND status = 'success')
                       OR (task = 'boom' AND status = 'failed'))"

e2e_cli --user alice list >"$out" 2>&1
only_alice() { has '^alice_job ' && ! has '^hello '; }
e2e_check user_filter_keeps_that_users_tasks "only alice_job listed, got: $(cat "$out")" \
    only_alice

e2e_cli stop >/dev/null 2>&1
rc=$?
e2e_check stop_without_daemon_exits_1 "exit 1, got $rc" [ "$rc" -eq 1 ]

# ---- with a daemon ---------------------------------------------------------

if ! e2e_start; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi

e2e_cli --status --json >"$out" 2>&1
e2e_check status_json_shape "the documented keys, daemon pid $E2E_DAEMON: $(head -c 400 "$out")" \
    /usr/bin/python3 - "$out" "$E2E_DAEMON" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["daemon"] is True and doc["pid"] == int(sys.argv[2])
for key in ("version", "started_at", "uptime", "now", "running", "queued", "tasks"):
    assert key in doc, key
names = {t["name"]: t for t in doc["tasks"]}
assert {"hello", "boom", "alice_job"} <= set(names), names
t = names["hello"]
for key in ("title", "schedule", "user", "enabled", "paused", "broken", "error",
            "next_fire", "next_fire_epoch", "overdue", "last_run", "running"):
    assert key in t, key
assert t["title"] == "Hello" and isinstance(t["next_fire_epoch"], int) and t["broken"] is False
# Every instant: ISO-8601 with its offset, and the same instant in epoch seconds.
from datetime import datetime
for obj, key in ((t, "next_fire"), (doc, "now"), (doc, "started_at"),
                 (t["last_run"], "started_at"), (t["last_run"], "finished_at")):
    iso = datetime.fromisoformat(obj[key])
    assert iso.utcoffset() is not None, (key, obj[key])
    assert abs(iso.timestamp() - obj[key + "_epoch"]) < 1, (key, obj)
assert t["last_run"]["status"] == "success", t["last_run"]
EOF

e2e_cli --status >"$out" 2>&1
e2e_check status_text_shows_daemon_and_tasks "'daemon: running (pid $E2E_DAEMON' and rows" \
    has "^daemon: running (pid $E2E_DAEMON" '^hello .*every'

e2e_cli --task hello >"$out" 2>&1
rc=$?
e2e_check task_through_daemon_streams_output "exit 0 and the output, got $rc: $(cat "$out")" \
    exited 0 'hello from hello'

e2e_cli --task boom >"$out" 2>&1
rc=$?
e2e_check task_through_daemon_failure_exits_1 "exit 1, got $rc: $(cat "$out")" \
    exited 1 boom

e2e_cli --task nosuch >"$out" 2>&1
rc=$?
e2e_check task_through_daemon_unknown_exits_1 "exit 1 naming the task, got $rc: $(cat "$out")" \
    exited 1 nosuch

e2e_cli history hello -n 1 --json >"$out" 2>&1
e2e_check history_newest_first_json "one run of hello, the manual one: $(cat "$out")" \
    /usr/bin/python3 - "$out" <<'EOF'
import json, sys
runs = json.load(open(sys.argv[1]))
assert len(runs) == 1 and runs[0]["task"] == "hello" and runs[0]["status"] == "success"
from datetime import datetime
for key in ("queued_at", "started_at", "finished_at"):
    assert abs(datetime.fromisoformat(runs[0][key]).timestamp()
               - runs[0][key + "_epoch"]) < 1, (key, runs[0])
assert runs[0]["scheduled_for"] is None and runs[0]["scheduled_for_epoch"] is None, runs[0]
EOF

"$E2E_MAIN" --root "$E2E_ROOT" >"$out" 2>&1 &
second=$!
E2E_PIDS="$E2E_PIDS $second"
e2e_wait 10 e2e_gone "$second"
wait "$second"
rc=$?
e2e_check second_daemon_refused_with_pid "exit 1 naming pid $E2E_DAEMON, got $rc: $(cat "$out")" \
    exited 1 "pid $E2E_DAEMON"

/usr/bin/python3 - "$E2E_ROOT/data/scheduler.sock" >"$out" 2>&1 <<'EOF'
import json, socket, sys

def talk(payload):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.sendall(payload)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return s, json.loads(data.splitlines()[0])

_, r = talk(b"this is not json\n")
assert r["ok"] is False and "bad request" in r["error"], r
_, r = talk(b'{"cmd": 42}\n')
assert r["ok"] is False, r
_, r = talk(b'{"cmd": "frobnicate"}\n')
assert r == {"ok": False, "error": "unknown command 'frobnicate'"}, r
_, r = talk(b'["cmd", "ping"]\n')
assert r["ok"] is False, r
s, r = talk(b"x" * 70000)
assert r["ok"] is False and "longer" in r["error"], r
s.sendall(b'xx\n{"cmd": "ping"}\n')
assert json.loads(s.recv(65536))["ok"] is True, "no recovery after an oversized line"
_, r = talk(b'{"cmd": "run", "task": 7}\n')
assert r["ok"] is False, r
_, r = talk(b'{"cmd": "ping"}\n')
assert r["ok"] is True and r["pid"] > 0, r
print("fine")
EOF
e2e_check control_socket_refuses_bad_requests "error replies, got: $(cat "$out")" \
    grep -q '^fine' "$out"
e2e_check daemon_survives_bad_requests "--status still answered" e2e_daemon_up

e2e_cli reload >"$out" 2>&1
rc=$?
e2e_check reload_through_daemon "exit 0, got $rc: $(cat "$out")" [ "$rc" -eq 0 ]

e2e_cli stop >"$out" 2>&1
rc=$?
stopped() { [ "$rc" -eq 0 ] && e2e_gone "$E2E_DAEMON"; }
e2e_check stop_waits_for_the_daemon "exit 0 and the daemon gone, got $rc: $(cat "$out")" \
    stopped

e2e_done
