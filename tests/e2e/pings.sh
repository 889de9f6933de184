#!/bin/sh
# pings.sh — a task's `ping` URL against a server of the test on
# 127.0.0.1: a succeeding run POSTs /start then the URL with its output
# tail in the body, a failing one /start then /fail, in that order; a ping
# answered 500 is retried once; a failed ping is logged with the URL's
# userinfo and query string left out; alerts.heartbeat_url, set by a live
# reload, is POSTed every heartbeat_interval; a bad ping URL is a load
# error naming file:line and the field.
set -u
. tests/e2e/lib.sh
e2e_setup

# The server: answers 200 (500 to the first request of a path under
# /flaky/), records "METHOD PATH BODY-ON-ONE-LINE" in requests.log, and
# exits when its stdin closes.
cat >"$E2E_ROOT/server.py" <<'EOF_PY'
import sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = set()
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path.split("?", 1)[0]
        with lock:
            first = path not in seen
            seen.add(path)
            with open(sys.argv[1], "a") as log:
                log.write("%s %s %s\n" % (self.command, path,
                          body.decode().replace("\n", "\\n")))
        status = 500 if first and path.startswith("/flaky/") else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
EOF_PY
LOG=$E2E_ROOT/requests.log
: >"$LOG"
e2e_http_server "$E2E_ROOT/server.py" "$LOG" || exit 1
URL=http://127.0.0.1:$SERVER_PORT

e2e_task good <<EOF_TASK
return { schedule = every(3).seconds, ping = "$URL/good?secret=s3cr3t",
         run = function() print("all fine here") end }
EOF_TASK
e2e_task bad <<EOF_TASK
return { schedule = every(3).seconds, ping = "$URL/flaky/bad", ping_timeout = 5,
         run = function() print("about to fail"); error("broken on purpose") end }
EOF_TASK

# Unreachable: its failure is logged with the userinfo and query left out.
e2e_task lost <<EOF_TASK
return { schedule = every(3).seconds, ping = "http://joe:pw0rd@127.0.0.1:1/lost?key=s3cr3t",
         ping_timeout = 1, run = function() end }
EOF_TASK

# paths PREFIX: the paths POSTed under PREFIX, in order, one line.
paths() {
    grep "^POST $1" "$LOG" | cut -d' ' -f2 | tr '\n' ' '
}

e2e_start || e2e_done
e2e_wait 20 sh -c "grep -c '^POST /good' '$LOG' | grep -q '^[4-9]'"
e2e_check success_pings_start_then_url "'/good/start /good /good/start /good …', got: $(paths /good)" \
    sh -c "paths=\$1; case \$paths in '/good/start /good /good/start /good '*) ;; *) exit 1 ;; esac" \
    - "$(paths /good)"
e2e_check success_body_has_exit_status_and_tail \
    "a body 'success: exit status 0\\n…all fine here…', got: $(grep '^POST /good ' "$LOG" | head -n 1)" \
    sh -c "grep '^POST /good ' '$LOG' | head -n 1 | grep -q 'success: exit status 0.*all fine here'"

e2e_wait 20 sh -c "grep -c '^POST /flaky/bad/fail' '$LOG' | grep -q '^[2-9]'"
# The first /start is answered 500 and sent again; /fail once, then (200).
e2e_check failure_pings_start_then_fail "'/flaky/bad/start /flaky/bad/start /flaky/bad/fail /flaky/bad/fail …', got: $(paths /flaky/bad)" \
    sh -c "paths=\$1; case \$paths in '/flaky/bad/start /flaky/bad/start /flaky/bad/fail /flaky/bad/fail /flaky/bad/start /flaky/bad/fail'*) ;; *) exit 1 ;; esac" \
    - "$(paths /flaky/bad)"
e2e_check failure_body_has_error_and_tail \
    "a /fail body 'failed: …about to fail…', got: $(grep '^POST /flaky/bad/fail ' "$LOG" | head -n 1)" \
    sh -c "grep '^POST /flaky/bad/fail ' '$LOG' | head -n 1 | grep -q '^POST /flaky/bad/fail failed: exit status [0-9]*.*about to fail'"
e2e_wait 10 grep -q 'ping http://…@127.0.0.1:1/lost/start…' "$E2E_ROOT/daemon.out"
e2e_check failed_ping_is_logged_without_secrets \
    "'notify: ping http://…@127.0.0.1:1/lost/start…: …' in the daemon's output" \
    grep -q 'notify: ping http://…@127.0.0.1:1/lost/start…: ' "$E2E_ROOT/daemon.out"

# The heartbeat, switched on by a live reload: every second.
cat >>"$E2E_ROOT/config/config.yaml" <<EOF_CONFIG
alerts:
  heartbeat_url: $URL/hb?key=s3cr3t
  heartbeat_interval: 1
EOF_CONFIG
e2e_wait 15 sh -c "grep -c '^POST /hb ' '$LOG' | grep -q '^[3-9]'"
e2e_check heartbeat_repeats "3 POST /hb within 15 s, got $(grep -c '^POST /hb ' "$LOG")" \
    sh -c "grep -c '^POST /hb ' '$LOG' | grep -q '^[3-9]'"
e2e_stop

# A bad ping URL: a load error naming file:line and the field.
e2e_task typo <<EOF_TASK
return { schedule = every(3).seconds,
         ping = "ftp://example.com/x",
         run = function() end }
EOF_TASK
e2e_check bad_ping_url_is_a_load_error "check names tasks/typo.lua:2 and ping, got: $(e2e_cli check 2>&1 | grep typo)" \
    sh -c "\"\$1\" --root \"\$2\" check 2>&1 | grep -q 'typo.lua:2: .*ping.*expected an http:// or https:// URL'" \
    - "$E2E_MAIN" "$E2E_ROOT"
e2e_check ping_secrets_never_logged "no 's3cr3t' nor 'pw0rd' in the logs" \
    sh -c "! grep -rqE 's3cr3t|pw0rd' '$E2E_ROOT/daemon.out' '$E2E_ROOT/logs'"
e2e_done
