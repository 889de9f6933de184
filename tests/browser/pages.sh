#!/bin/sh
# pages.sh — the dashboard's task list, task, run, alerts and job form pages
# in a real headless chromium (tests/browser/pages.py) against a daemon
# with every-second tasks: one ticking, one failing (an alert), one that
# prints a line, sleeps a second and prints another (the live tail), and an
# hourly one in Asia/Tokyo, in a queue of its own, run by hand.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOC
api:
  listen: 127.0.0.1:$PORT
EOC
e2e_task tick <<'EOT'
return { title = "Tick tock", tags = { "fast" }, schedule = every(1).seconds, timeout = 10, run = function() print("tick") end }
EOT
e2e_task boom <<'EOT'
return { title = "Boom", tags = { "bad" }, schedule = every(2).seconds, timeout = 10, run = function() error("boom") end }
EOT
e2e_task slow <<'EOT'
return { title = "Slow talker", schedule = every(1).hours:tz("Asia/Tokyo"), timeout = 20, queue = "slowq", run = function()
  print("first line")
  io.stderr:write("an error line\n")
  io.stdout:flush()
  os.execute("sleep 1.5")
  print("second line")
end }
EOT
export TASKSCHED_SCHEDULER__QUEUES__SLOWQ__MAX_CONCURRENT=1 # a bounded queue the pages show
e2e_start || exit 1
unset TASKSCHED_SCHEDULER__QUEUES__SLOWQ__MAX_CONCURRENT
e2e_wait 10 curl -sf "$(url /healthz)"
sleep 3
url=$(e2e_cli dashboard)
mkdir -p tests/out
/usr/bin/python3 tests/browser/pages.py "$PORT" "${url#*#token=}" "$E2E_ROOT" tests/out \
    >"$E2E_ROOT/browser.out" 2>&1
cat "$E2E_ROOT/browser.out"
grep -q '^not ok\|Traceback' "$E2E_ROOT/browser.out" && E2E_FAILED=1
e2e_stop
e2e_done
