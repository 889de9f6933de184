#!/bin/sh
# security.sh — another local user against a root daemon: a throw-away
# system user (made here, removed at the end, whatever happens) can reach
# neither the lock (so it cannot keep the daemon from starting), nor the
# control socket, nor the database with a task's stored secret, nor the
# logs, nor config/secrets.yaml and what config.save wrote.  And the daemon
# refuses a data/ other users can write (0777) or that another user owns,
# with a message saying what to do, unless scheduler.strict_modes is
# false (README, Files and logs).
set -u
. tests/faults/lib.sh

if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null 2>&1 ||
    ! command -v setpriv >/dev/null 2>&1; then
    echo "ok - security # SKIP needs root, useradd and setpriv"
    exit 0
fi
faults_setup
SECRET=s3cret-$$-token
OTHER=tsched-sec-$$
security_cleanup() {
    security_status=$?
    (exit "$security_status")
    faults_cleanup
    userdel "$OTHER" 2>/dev/null
    ! getent group "$OTHER" >/dev/null || groupdel "$OTHER"
}
trap security_cleanup EXIT
if ! useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$OTHER" 2>"$E2E_ROOT/useradd.err"; then
    e2e_not_ok security_user_made "useradd $OTHER: $(cat "$E2E_ROOT/useradd.err")"
    e2e_done
fi
# as_other COMMAND...: run COMMAND as that user, output and status as they come.
as_other() {
    setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups -- "$@"
}
chmod 755 "$E2E_ROOT"   # the root itself is open, as a project folder usually is
: >"$E2E_ROOT/daemon.out"
chmod 600 "$E2E_ROOT/daemon.out"   # the test's own capture of the daemon's stderr
cat >"$E2E_ROOT/config/secrets.yaml" <<EOF
api_token: $SECRET
EOF
chmod 644 "$E2E_ROOT/config/secrets.yaml"   # as cp from the example leaves it
e2e_task keeper <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10,
         run = function()
           local token = assert(config.get("api_token", "secrets.yaml"))
           assert(state.set("token", token))
           log.info("using " .. token)
           print("token " .. token)
           assert(config.save({ token = token }, "saved.yaml"))
         end }
EOF_TASK

if ! faults_start; then
    e2e_not_ok security_daemon_starts "the daemon answering"
    e2e_done
fi
stored() {
    [ "$(e2e_sql "SELECT count(*) FROM state WHERE value_json LIKE '%$SECRET%'")" -ge 1 ] &&
        grep -q "$SECRET" "$E2E_ROOT/logs/tasks/keeper.log" 2>/dev/null
}
if e2e_wait 10 stored; then
    e2e_ok security_secret_stored
else
    e2e_not_ok security_secret_stored "the task's secret in the state table and its log"
    e2e_done
fi

# refused_to_other NAME WHAT COMMAND...: COMMAND, as the other user, fails
# with "Permission denied" (sqlite3: "unable to open database file") and
# shows nothing of the secret.
refused_to_other() {
    name=$1 what=$2
    shift 2
    got=$(as_other "$@" 2>&1)
    rc=$?
    if [ "$rc" != 0 ] && echo "$got" | grep -q 'Permission denied\|unable to open database file' &&
        ! echo "$got" | grep -q "$SECRET"; then
        e2e_ok "$name"
    else
        e2e_not_ok "$name" "$what refused (Permission denied), got status $rc: $(echo "$got" | head -n 3)"
    fi
}
refused_to_other security_lock_unreachable "flock on data/scheduler.lock" \
    flock -n "$E2E_ROOT/data/scheduler.lock" true
refused_to_other security_socket_unreachable "a connection to data/scheduler.sock" \
    /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"{\"cmd\":\"status\"}\n")
print(s.recv(4096))' "$E2E_ROOT/data/scheduler.sock"
refused_to_other security_db_unreachable "sqlite3 on data/scheduler.db" \
    sqlite3 "$E2E_ROOT/data/scheduler.db" 'SELECT * FROM state'
for f in scheduler errors tasks tasks/keeper; do
    refused_to_other "security_logs_$(echo "$f" | tr / _)_unreachable" "cat logs/$f.log" \
        cat "$E2E_ROOT/logs/$f.log"
done
refused_to_other security_secrets_unreachable "cat config/secrets.yaml" \
    cat "$E2E_ROOT/config/secrets.yaml"
refused_to_other security_saved_config_unreachable "cat config/saved.yaml (config.save's)" \
    cat "$E2E_ROOT/config/saved.yaml"
found=$(as_other grep -rl "$SECRET" "$E2E_ROOT" 2>/dev/null)
e2e_check security_secret_nowhere_readable "no file the other user can read holds the secret, got: $found" \
    [ -z "$found" ]

# The original fault: a lock another user holds kept the daemon from
# starting.  Now it cannot even open the file.
e2e_stop
as_other flock -n "$E2E_ROOT/data/scheduler.lock" sleep 20 >/dev/null 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
sleep 0.5
if faults_start; then
    e2e_ok security_other_user_cannot_block_the_start
else
    e2e_not_ok security_other_user_cannot_block_the_start "the daemon starting: $(tail -n 1 "$E2E_ROOT/daemon.out")"
fi
e2e_stop

# start_refused NAME EXPECTATION PATTERN: the daemon exits 1 at once with
# PATTERN in its message.
start_refused() {
    out=$(timeout 10 env FAULTS_MARK="$E2E_ROOT" "$E2E_MAIN" --root "$E2E_ROOT" 2>&1)
    rc=$?
    if [ "$rc" = 1 ] && echo "$out" | grep -q "$3"; then
        e2e_ok "$1"
    else
        e2e_not_ok "$1" "$2, got status $rc: $(echo "$out" | tail -n 2)"
    fi
}
chmod 777 "$E2E_ROOT/data"
start_refused security_writable_data_refused "exit 1: data: writable by others (mode 0777) … scheduler.strict_modes: false" \
    "/data: writable by others (mode 0777): another user may have put files in it; check what it holds, then chmod 700 .*/data, or set scheduler.strict_modes: false to start anyway"
e2e_check security_writable_data_left_as_it_is "data/ still 777 (the daemon does not hide it), got $(stat -c %a "$E2E_ROOT/data")" \
    [ "$(stat -c %a "$E2E_ROOT/data")" = 777 ]
echo "  strict_modes: false" >>"$E2E_ROOT/config/config.yaml"   # scheduler: is the last section
if faults_start; then
    e2e_ok security_strict_modes_false_starts
else
    e2e_not_ok security_strict_modes_false_starts "the daemon answering with scheduler.strict_modes: false"
fi
e2e_stop
sed -i '/strict_modes: false/d' "$E2E_ROOT/config/config.yaml"
chmod 700 "$E2E_ROOT/data"
chown "$OTHER:$OTHER" "$E2E_ROOT/logs"
start_refused security_foreign_logs_refused "exit 1: logs: owned by $OTHER, not by root" \
    "/logs: owned by $OTHER (uid [0-9]*), not by root (uid 0), the user the daemon runs as"
chown root:root "$E2E_ROOT/logs"

if ! faults_start; then
    e2e_not_ok security_daemon_restarts_at_end "the daemon answering"
    e2e_done
fi
faults_finish security
