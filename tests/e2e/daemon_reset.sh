#!/bin/sh
# daemon_reset.sh — `reset` with and without a daemon: --future-only resets
# only the overdue tasks, a --dry-run without tasks looks at all of them and
# changes nothing, a real reset names its tasks or says --all, and the
# changes print with their task names either way.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task backup <<'EOF'
return { schedule = every(1).hours, catchup = "skip", run = function() end }
EOF
e2e_task report <<'EOF'
return { schedule = every(1).hours, catchup = "skip", run = function() end }
EOF
out="$E2E_ROOT/out"

# exited CODE PATTERN...: the last command exited with CODE ($rc) and every
# pattern matches a line of its output.
exited() {
    [ "$rc" -eq "$1" ] || return 1
    shift
    for pattern; do
        grep -q "$pattern" "$out" || return 1
    done
}
stored_next() {
    e2e_sql "SELECT next_fire FROM tasks WHERE name = '$1'"
}

# A daemon writes both tasks' next fires; then backup's passes while it is
# down, as after a night with the machine off.
if ! e2e_start; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_wait 5 e2e_sql_true "SELECT count(*) = 2 FROM tasks WHERE next_fire > 0"
e2e_stop
overdue_at=$(($(date +%s) - 7200))
e2e_sql "UPDATE tasks SET next_fire = $overdue_at WHERE name = 'backup'"
report_next=$(stored_next report)

# ---- without a daemon ------------------------------------------------------

e2e_cli reset >"$out" 2>&1
rc=$?
e2e_check reset_without_tasks_is_usage_error "exit 2 asking for --task or --all, got $rc: $(cat "$out")" \
    exited 2 'name the tasks (--task NAME) or say --all'

e2e_cli reset --dry-run >"$out" 2>&1
rc=$?
e2e_check dry_run_alone_covers_all_tasks "exit 0 listing backup, got $rc: $(cat "$out")" \
    exited 0 '^backup: ' '(dry run: nothing was changed)'
e2e_check dry_run_changes_nothing "backup still due at $overdue_at, got $(stored_next backup)" \
    [ "$(stored_next backup)" = "$overdue_at" ]

e2e_cli reset --future-only --dry-run --task backup >"$out" 2>&1
rc=$?
e2e_check future_only_takes_the_overdue_task "exit 0 listing backup, got $rc: $(cat "$out")" \
    exited 0 '^backup: ' '(dry run'

e2e_cli reset --future-only --dry-run --task report >"$out" 2>&1
rc=$?
e2e_check future_only_leaves_a_task_on_time "nothing to reset for report, got $rc: $(cat "$out")" \
    exited 0 '^nothing to reset'

e2e_cli reset --future-only --all >"$out" 2>&1
rc=$?
reset_overdue_only() {
    exited 0 '^backup: ' && ! grep -q '^report' "$out" &&
        [ "$(stored_next backup)" -gt "$(date +%s)" ] &&
        [ "$(stored_next report)" = "$report_next" ]
}
e2e_check future_only_all_resets_the_overdue_ones \
    "backup moved to the future, report kept at $report_next, got $rc: $(cat "$out")" \
    reset_overdue_only
e2e_cli overdue >"$out" 2>&1
rc=$?
e2e_check nothing_overdue_after_reset "exit 0, got $rc: $(cat "$out")" exited 0 'no task is overdue'

# ---- with a daemon ---------------------------------------------------------

# A daemon whose clock ran a day ahead leaves both tasks' next fires a day
# away; a daemon on the right clock keeps them (no instant fires twice), and
# only a reset brings them back.  A daemon never keeps an overdue task (it
# catches it up at once), so --future-only finds nothing to do.
e2e_start 86400 || e2e_not_ok daemon_ahead_starts "the daemon answering"
e2e_wait 5 e2e_sql_true "SELECT count(*) = 2 FROM tasks WHERE next_fire > $(date +%s) + 80000"
e2e_stop
if ! e2e_start; then
    e2e_not_ok daemon_restarts "the daemon answering --status within 10 s"
    e2e_done
fi

e2e_cli reset >"$out" 2>&1
rc=$?
e2e_check daemon_reset_without_tasks_is_usage_error "exit 2, got $rc: $(cat "$out")" exited 2 'or say --all'

e2e_cli reset --future-only --dry-run >"$out" 2>&1
rc=$?
e2e_check daemon_future_only_without_overdue "nothing to reset, got $rc: $(cat "$out")" \
    exited 0 '^nothing to reset'

e2e_cli reset --dry-run >"$out" 2>&1
rc=$?
e2e_check daemon_dry_run_names_each_change "exit 0 listing backup and report, got $rc: $(cat "$out")" \
    exited 0 '^backup: .* -> ' '^report: .* -> ' '(dry run'

e2e_cli reset --dry-run --json >"$out" 2>&1
e2e_check daemon_dry_run_json_shape "name, old_next_fire, new_next_fire: $(cat "$out")" \
    /usr/bin/python3 - "$out" <<'EOF'
import json, sys, time
changes = json.load(open(sys.argv[1]))
assert sorted(c["name"] for c in changes) == ["backup", "report"], changes
for c in changes:
    assert set(c) == {"name", "old_next_fire", "new_next_fire", "old_next_fire_epoch",
                      "new_next_fire_epoch"}, c
    assert c["old_next_fire_epoch"] > c["new_next_fire_epoch"] > time.time(), c
EOF

e2e_cli reset --task report >"$out" 2>&1
rc=$?
report_soon() {
    exited 0 '^report: ' && ! grep -q '^backup' "$out" &&
        [ "$(e2e_field report next_fire_epoch)" -le $(($(date +%s) + 3600)) ] &&
        [ "$(e2e_field backup next_fire_epoch)" -gt $(($(date +%s) + 80000)) ]
}
e2e_check daemon_reset_named_task "report within the hour, backup left, got $rc: $(cat "$out")" \
    report_soon

e2e_stop
e2e_done
