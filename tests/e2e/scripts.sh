#!/bin/sh
# scripts.sh — scripts/monitor_scheduler.sh, setup_cron.sh and install.sh
# end to end.
#
# Run from the repository root after ./main is built.  Each case prints
# "ok - name" or "not ok - name: expected ..."; details of a failure follow
# as "#   " lines.  Project roots, crontab files and install prefixes live
# under one mktemp -d folder; the trap stops every daemon started on those
# roots (`main stop`, then SIGKILL to the pid in the lock file) and removes
# the folder.  Crontabs are temporary files (--crontab-file); install.sh
# runs only with --dry-run, or for real into the temporary folder with
# --user root --no-systemd, and only as root.  Takes a few seconds.

# The checks are shell expressions in single quotes, evaluated by check():
# to the linter, the variables and functions they use look unused and
# unexpanded, and cleanup() (called by the trap) unreachable.
# shellcheck disable=SC2016,SC2034,SC2317
set -u

MAIN=$(pwd)/main
SCRIPTS=$(pwd)/scripts
MONITOR=$SCRIPTS/monitor_scheduler.sh
CRON=$SCRIPTS/setup_cron.sh
INSTALL=$SCRIPTS/install.sh
. tests/e2e/lib.sh
TMP=$(mktemp -d "${TMPDIR:-/tmp}/scripts_e2e.XXXXXX") || exit 1
ROOTS=
OUT=$TMP/out
TZ=UTC
export TZ

cleanup() {
    status=$?
    for root in $ROOTS; do
        if lock_held "$root"; then
            "$MAIN" --root "$root" stop >/dev/null 2>&1
            pid=$(lock_pid "$root")
            if lock_held "$root" && [ -n "$pid" ]; then
                kill -KILL "$pid" 2>/dev/null
            fi
        fi
    done
    [ "$FAILED" = 0 ] || status=1
    e2e_remove_root "$TMP" "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$MAIN" ]; then
    echo "not ok - scripts_e2e: expected $MAIN to be built"
    exit 1
fi

# ---- helpers ------------------------------------------------------------------

ok() { echo "ok - $1"; }

# not_ok NAME EXPECTATION: the failure line, then $OUT as comments.
FAILED=0
not_ok() {
    FAILED=1
    echo "not ok - $1: expected $2"
    [ ! -s "$OUT" ] || sed 's/^/#   /' "$OUT"
}

# check NAME EXPECTATION EXPRESSION: ok when the shell EXPRESSION is true.
check() {
    if eval "$3"; then ok "$1"; else not_ok "$1" "$2"; fi
}

# new_root NAME: a project root whose daemon stops fast; its path on stdout.
new_root() {
    root=$TMP/$1
    mkdir -p "$root/tasks" "$root/config" "$root/data" "$root/logs"
    printf 'scheduler:\n  timezone: UTC\n  kill_grace: 1\n  shutdown_timeout: 3\n' \
        >"$root/config/config.yaml"
    echo "$root"
}

lock_held() {
    [ -e "$1/data/scheduler.lock" ] && ! flock -n "$1/data/scheduler.lock" true
}

lock_pid() {
    sed -n '1{s/[^0-9].*//;p;}' "$1/data/scheduler.lock" 2>/dev/null
}

started_lines() {
    grep -c 'started (pid' "$1/logs/monitor.log" 2>/dev/null || true
}

# wait_free ROOT: until nobody holds the lock (up to 5 s).
wait_free() {
    n=50
    while lock_held "$1" && [ "$n" -gt 0 ]; do
        sleep 0.1
        n=$((n - 1))
    done
    ! lock_held "$1"
}

# monitor ROOT: run the monitor on ROOT with our ./main; status in $rc.
monitor() {
    rc=0
    sh "$MONITOR" --root "$1" --bin "$MAIN" >"$OUT" 2>&1 || rc=$?
}

# ---- monitor_scheduler.sh ---------------------------------------------------------

R=$(new_root mon)
ROOTS="$ROOTS $R"

monitor "$R"
pid1=$(lock_pid "$R")
check monitor_starts_a_dead_daemon "exit 0 and the lock held (exit $rc)" \
    '[ "$rc" -eq 0 ] && lock_held "$R"'
check monitor_logs_the_start "one 'started (pid $pid1)' line in logs/monitor.log" \
    '[ "$(started_lines "$R")" -eq 1 ] && grep -q "started (pid $pid1)\$" "$R/logs/monitor.log"'

check monitor_files_are_private "data/monitor.lock and logs/monitor.log 600, got $(stat -c %a "$R/data/monitor.lock" "$R/logs/monitor.log" | tr '\n' ' ')" \
    '[ "$(stat -c %a "$R/data/monitor.lock" "$R/logs/monitor.log" | tr "\n" " ")" = "600 600 " ]'

monitor "$R"
pid2=$(lock_pid "$R")
check monitor_twice_starts_one_daemon "exit 0, same pid ($pid1 then $pid2), one 'started' line, no output" \
    '[ "$rc" -eq 0 ] && [ "$pid1" = "$pid2" ] && [ "$(started_lines "$R")" -eq 1 ] && [ ! -s "$OUT" ]'

check daemon_does_not_keep_the_monitor_lock "a free data/monitor.lock while the daemon runs" \
    'flock -n "$R/data/monitor.lock" true'

"$MAIN" --root "$R" stop >/dev/null 2>&1
wait_free "$R"
: >"$R/logs/monitor.log"
sh "$MONITOR" --root "$R" --bin "$MAIN" >"$TMP/race1" 2>&1 &
race=$!
sh "$MONITOR" --root "$R" --bin "$MAIN" >"$TMP/race2" 2>&1
rc=$?
wait "$race"
rc_bg=$?
cat "$TMP/race1" "$TMP/race2" >"$OUT"
check racing_monitors_start_one_daemon "both exit 0 ($rc_bg, $rc), one 'started' line" \
    '[ "$rc" -eq 0 ] && [ "$rc_bg" -eq 0 ] && [ "$(started_lines "$R")" -eq 1 ] && lock_held "$R"'

pid1=$(lock_pid "$R")
[ -z "$pid1" ] || kill -KILL "$pid1" 2>/dev/null
wait_free "$R"
monitor "$R"
pid2=$(lock_pid "$R")
check monitor_restarts_a_killed_daemon "exit 0 ($rc), a new pid (was $pid1, now $pid2), a second 'started' line" \
    '[ "$rc" -eq 0 ] && lock_held "$R" && [ -n "$pid2" ] && [ "$pid1" != "$pid2" ] && [ "$(started_lines "$R")" -eq 2 ]'

B=$(new_root broken)
ROOTS="$ROOTS $B"
printf 'scheduler:\n  max_concurrent: [\n' >"$B/config/config.yaml"
monitor "$B"
check monitor_reports_a_failed_start "exit 1 ($rc) and the daemon's error in logs/monitor.log" \
    '[ "$rc" -eq 1 ] && ! lock_held "$B" && grep -q "failed to start: .*config.yaml:" "$B/logs/monitor.log"'

# The daemon's error quotes the config: its control characters must not
# reach monitor.log as they are.
E=$(new_root escapes)
ROOTS="$ROOTS $E"
printf 'scheduler:\n  timezone: "Nowhere/\\e[2J\\rforged\\nline"\n' >"$E/config/config.yaml"
monitor "$E"
controls=$(printf '[\001-\010\013-\037\177]')
check monitor_log_has_no_control_characters \
    "exit 1 ($rc) and one line naming the zone, without control characters, in logs/monitor.log" \
    '[ "$rc" -eq 1 ] && [ "$(wc -l <"$E/logs/monitor.log")" -eq 1 ] &&
     grep -q "Nowhere/?\[2J?forged line" "$E/logs/monitor.log" &&
     ! LC_ALL=C grep -q "$controls" "$E/logs/monitor.log"'

rc=0
sh "$MONITOR" --root "$R" --no-such-option >"$OUT" 2>&1 || rc=$?
check monitor_usage_error_exits_2 "exit 2 ($rc)" '[ "$rc" -eq 2 ]'

# ---- setup_cron.sh -------------------------------------------------------------------

C=$(new_root cron)
LINE="*/5 * * * * $SCRIPTS/monitor_scheduler.sh --root $C >/dev/null 2>&1"
REBOOT="@reboot $SCRIPTS/monitor_scheduler.sh --root $C >/dev/null 2>&1"
MARK="# task-scheduler monitor $C"

sh "$CRON" --root "$C" >"$OUT" 2>&1
check setup_cron_prints_the_lines "the marker, '$LINE' and the @reboot line" \
    'grep -qxF -- "$LINE" "$OUT" && grep -qxF -- "$REBOOT" "$OUT" && grep -qxF -- "$MARK" "$OUT"'

CT=$TMP/crontab
printf 'MAILTO=ops@example.com\n0 3 * * * /usr/bin/backup --nightly\n' >"$CT"
sh "$CRON" --install --root "$C" --crontab-file "$CT" >"$OUT" 2>&1
sh "$CRON" --install --root "$C" --crontab-file "$CT" >>"$OUT" 2>&1
cat "$CT" >>"$OUT"
check setup_cron_install_twice_adds_one_block "one monitor line and one @reboot line" \
    '[ "$(grep -cxF -- "$LINE" "$CT")" -eq 1 ] && [ "$(grep -cxF -- "$REBOOT" "$CT")" -eq 1 ] && [ "$(grep -cxF -- "$MARK" "$CT")" -eq 1 ]'
check setup_cron_install_keeps_other_lines "MAILTO and the backup line kept, first" \
    '[ "$(sed -n 1p "$CT")" = "MAILTO=ops@example.com" ] && [ "$(sed -n 2p "$CT")" = "0 3 * * * /usr/bin/backup --nightly" ]'

sh "$CRON" --install --root "$C" --every 10 --crontab-file "$CT" >"$OUT" 2>&1
cat "$CT" >>"$OUT"
check setup_cron_install_replaces_its_own_line "*/10 replacing */5, still one block" \
    '[ "$(grep -c "monitor_scheduler.sh --root $C " "$CT")" -eq 2 ] && grep -q "^\*/10 " "$CT" && ! grep -qxF -- "$LINE" "$CT"'

O=$(new_root other)
sh "$CRON" --install --root "$O" --crontab-file "$CT" >/dev/null 2>&1
sh "$CRON" --remove --root "$C" --crontab-file "$CT" >"$OUT" 2>&1
cat "$CT" >>"$OUT"
check setup_cron_remove_removes_only_ours "no line for $C; MAILTO, backup and the other root's block kept" \
    '! grep -qF -- "--root $C " "$CT" && ! grep -qxF -- "$MARK" "$CT" && grep -qx "MAILTO=ops@example.com" "$CT" && grep -qF "/usr/bin/backup" "$CT" && [ "$(grep -c -- "--root $O " "$CT")" -eq 2 ]'

sh "$CRON" --install --root "$C" --crontab-file "$TMP/no-crontab-yet" >"$OUT" 2>&1
check setup_cron_install_without_a_crontab "a new crontab holding exactly the 3 lines" \
    '[ "$(wc -l <"$TMP/no-crontab-yet")" -eq 3 ] && grep -qxF -- "$LINE" "$TMP/no-crontab-yet"'

rc=0
sh "$CRON" --every 0 >"$OUT" 2>&1 || rc=$?
check setup_cron_rejects_a_bad_interval "exit 2 ($rc)" '[ "$rc" -eq 2 ]'

# ---- install.sh -------------------------------------------------------------------------

if [ "$(id -u)" -ne 0 ]; then
    ok "install_dry_run_changes_nothing # SKIP not root"
    ok "install_into_a_temporary_prefix # SKIP not root"
else
    I=$TMP/inst
    mkdir -p "$I"
    before=$(getent passwd task-scheduler || true)
    ls -la /etc/systemd/system >"$TMP/etc-before" 2>&1
    rc=0
    sh "$INSTALL" --dry-run --root "$I/root" --prefix "$I/prefix" --no-systemd >"$OUT" 2>&1 || rc=$?
    ls -la /etc/systemd/system >"$TMP/etc-after" 2>&1
    check install_dry_run_prints_the_actions "exit 0 ($rc), '+ install ... $I/prefix/bin/task-scheduler.new' and the config copy" \
        '[ "$rc" -eq 0 ] && grep -q "^+ install .*$I/prefix/bin/task-scheduler.new\$" "$OUT" && grep -q "^+ install .*config.yaml $I/root/config/config.yaml\$" "$OUT" && grep -q "^+ install -d .*$I/root/data\$" "$OUT"'
    check install_dry_run_changes_nothing "no $I/root, no $I/prefix, same user and unit folder" \
        '[ ! -e "$I/root" ] && [ ! -e "$I/prefix" ] && [ "$(getent passwd task-scheduler || true)" = "$before" ] && cmp -s "$TMP/etc-before" "$TMP/etc-after"'

    rc=0
    sh "$INSTALL" --root "$I/root" --prefix "$I/prefix" --user root --no-systemd >"$OUT" 2>&1 || rc=$?
    check install_into_a_temporary_prefix "exit 0 ($rc), the binary, the scripts, the root with its config" \
        '[ "$rc" -eq 0 ] && [ -x "$I/prefix/bin/task-scheduler" ] && [ -x "$I/prefix/share/task-scheduler/scripts/monitor_scheduler.sh" ] && [ -f "$I/root/config/config.yaml" ] && [ -d "$I/root/tasks" ] && [ -d "$I/root/data" ] && [ -d "$I/root/logs" ]'
    check install_makes_data_and_logs_private "data/ and logs/ 700, got $(stat -c %a "$I/root/data" "$I/root/logs" | tr '\n' ' ')" \
        '[ "$(stat -c %a "$I/root/data" "$I/root/logs" | tr "\n" " ")" = "700 700 " ]'

    echo "# mine" >>"$I/root/config/config.yaml"
    echo "return {}" >"$I/root/tasks/mine.lua"
    rc=0
    sh "$INSTALL" --root "$I/root" --prefix "$I/prefix" --user root --no-systemd >"$OUT" 2>&1 || rc=$?
    check install_again_keeps_config_and_tasks "exit 0 ($rc), config.yaml and tasks/mine.lua untouched" \
        '[ "$rc" -eq 0 ] && tail -n 1 "$I/root/config/config.yaml" | grep -qx "# mine" && [ "$(cat "$I/root/tasks/mine.lua")" = "return {}" ]'
fi

exit "$FAILED"
