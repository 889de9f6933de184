#!/bin/sh
# dashboard.sh — the dashboard in a real headless chromium (Debian's),
# driven over the DevTools protocol by tests/browser/dashboard.py against a
# daemon with every-second tasks (one failing) and an hourly one: login by
# the #token= URL, the overview's counts, the timeline's bars, legend, ticks
# and zoom, run-now seen live, pause and resume, a failing task's alert
# opening and resolving, a read token without actions, the headers, no
# console errors, and the daemon restarted under the page.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
READ_TOKEN=browser-read-token-0123456789
READ_SHA=$(sha256_of "$READ_TOKEN")
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
  tokens:
    - { name: reader, role: read, sha256: $READ_SHA }
EOF
e2e_task tick <<'EOF'
return { title = "Tick", schedule = every(1).seconds, timeout = 10, run = function() print("tick") end }
EOF
e2e_task boom <<'EOF'
return { schedule = every(2).seconds, timeout = 10, run = function() error("boom") end }
EOF
e2e_task job <<'EOF'
return { schedule = every(1).hours, timeout = 10, run = function() print("job") end }
EOF
e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"
sleep 3
url=$(e2e_cli dashboard)
e2e_check dashboard_prints_url "http://127.0.0.1:$PORT/#token=…, got $url" \
    sh -c "echo '$url' | grep -q '^http://127.0.0.1:$PORT/#token='"
mkdir -p tests/out
E2E_MAIN=$E2E_MAIN E2E_ROOT=$E2E_ROOT /usr/bin/python3 tests/browser/dashboard.py "$PORT" "${url#*#token=}" "$READ_TOKEN" tests/out \
    >"$E2E_ROOT/browser.out" 2>&1
cat "$E2E_ROOT/browser.out"
grep -q '^not ok\|Traceback' "$E2E_ROOT/browser.out" && E2E_FAILED=1
e2e_stop
e2e_done
