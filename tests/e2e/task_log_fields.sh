#!/bin/sh
# task_log_fields.sh — `--task NAME` prints a run's log lines with their
# fields ("healthy status=200 bytes=3"), as logs/tasks/NAME.log has them,
# whether the daemon runs it or the CLI does.
set -u
. tests/e2e/lib.sh
e2e_setup
out=$E2E_ROOT/out

e2e_task probe <<'EOF_TASK'
return { schedule = once("2020-01-01 00:00"), run = function()
  log.info("healthy", { status = 200 })
  log.warn("slow", { ms = "12 ms" })
end }
EOF_TASK

# shown WHERE: both lines of $out carry their fields, and the task's log has
# the same text.
shown() {
    grep -qx 'healthy status=200' "$out" && grep -qx 'slow ms="12 ms"' "$out" &&
        grep -q 'INFO \[probe\] healthy status=200$' "$E2E_ROOT/logs/tasks/probe.log"
}

e2e_cli --task probe >"$out" 2>&1
e2e_check task_log_line_has_its_fields_without_daemon \
    "'healthy status=200' and 'slow ms=\"12 ms\"', got: $(cat "$out")" shown

e2e_start || e2e_done
e2e_cli --task probe >"$out" 2>&1
e2e_check task_log_line_has_its_fields_through_daemon \
    "'healthy status=200' and 'slow ms=\"12 ms\"', got: $(cat "$out")" shown
e2e_stop
e2e_done
