#!/bin/sh
# monitor_scheduler.sh — start the scheduler daemon of a project root if it
# is not running.  Meant for cron (see setup_cron.sh):
#
#   */5 * * * * /path/scripts/monitor_scheduler.sh --root /path >/dev/null 2>&1
#
# usage: monitor_scheduler.sh [--root DIR] [--bin PATH]
#
#   --root DIR   the project root (tasks/ config/ data/ logs/); default: the
#                folder above this script's folder
#   --bin PATH   the scheduler binary; default: ROOT/main when executable,
#                else `task-scheduler` on PATH (cron's PATH is extended with
#                /usr/local/bin and the bin/ of the prefix this script is
#                installed under)
#
# "Running" means the daemon holds its flock on ROOT/data/scheduler.lock; a
# pid alone proves nothing (pids are reused).  When it runs, the script exits
# 0 and writes nothing.  Otherwise it runs `BIN --root ROOT --daemon`, waits
# up to MONITOR_WAIT seconds (default 10) for the lock to be held, and logs
# one line to ROOT/logs/monitor.log: "started (pid N)", or the failure with
# the daemon's stderr.  The check-and-start is serialised by a flock on
# ROOT/data/monitor.lock, so two monitors racing start one daemon.  What it
# creates (data/ and logs/ when missing, the lock, the log) is private, as
# the daemon's own files are; the daemon starts with the umask cron gave.
#
# Exit codes: 0 running or started, 1 failed to start (or cannot check),
#             2 usage error.
set -eu

PROG=monitor_scheduler.sh
START_UMASK=$(umask)          # the daemon's, handed on to its tasks
umask 077
WAIT=${MONITOR_WAIT:-10}
MONITOR_LOCK_WAIT=60          # seconds to wait for another monitor
SCRIPT_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
PATH=$PATH:/usr/local/bin:/usr/local/sbin:/usr/sbin:/sbin:$SCRIPT_DIR/../../../bin
export PATH

usage() {
    echo "usage: $PROG [--root DIR] [--bin PATH]" >&2
    exit 2
}

ROOT=
BIN=
while [ $# -gt 0 ]; do
    case $1 in
        --root) [ $# -ge 2 ] || usage; ROOT=$2; shift 2 ;;
        --root=*) ROOT=${1#--root=}; shift ;;
        --bin) [ $# -ge 2 ] || usage; BIN=$2; shift 2 ;;
        --bin=*) BIN=${1#--bin=}; shift ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$PROG: unknown argument: $1" >&2; usage ;;
    esac
done
[ -n "$ROOT" ] || ROOT=$SCRIPT_DIR/..
case $WAIT in ''|*[!0-9]*) echo "$PROG: MONITOR_WAIT must be whole seconds" >&2; exit 2 ;; esac

if [ ! -d "$ROOT" ]; then
    echo "$PROG: $ROOT: no such directory" >&2
    exit 1
fi
ROOT=$(CDPATH='' cd -- "$ROOT" && pwd -P)
DAEMON_LOCK=$ROOT/data/scheduler.lock
LOG=$ROOT/logs/monitor.log

# log MESSAGE: one timestamped line in logs/monitor.log (and on stderr when
# the log cannot be written, so cron mails it).  The message may quote the
# daemon's stderr, whose text comes from config files: a newline becomes a
# space and any other control character a '?', so that it cannot forge a
# line or drive the terminal of whoever reads the log.
log() {
    line="$(date '+%Y-%m-%dT%H:%M:%S%z') [$$] $(printf '%s' "$1" |
        LC_ALL=C tr '\012\001-\011\013-\037\177' ' [?*]')"
    printf '%s\n' "$line" >>"$LOG" 2>/dev/null || printf '%s\n' "$line" >&2
}

# fail MESSAGE: log it, say it on stderr, exit 1.
fail() {
    log "$1"
    echo "$PROG: $1" >&2
    exit 1
}

if ! command -v flock >/dev/null 2>&1; then
    echo "$PROG: flock(1) not found (Debian: apt-get install util-linux)" >&2
    exit 1
fi
mkdir -p "$ROOT/data" "$ROOT/logs" || { echo "$PROG: cannot create $ROOT/data or $ROOT/logs" >&2; exit 1; }

# daemon_running: true while some process holds the daemon's lock.  flock -n
# takes the lock for an instant when it is free; a daemon starting in that
# instant would see it held, which is why starts go through this script's
# own lock.  75 is our "held" code, to tell it from an error of flock itself.
daemon_running() {
    [ -e "$DAEMON_LOCK" ] || return 1
    rc=0
    flock -n -E 75 "$DAEMON_LOCK" true 2>/dev/null || rc=$?
    case $rc in
        0) return 1 ;;
        75) return 0 ;;
        *) fail "cannot check $DAEMON_LOCK (flock exit $rc)" ;;
    esac
}

daemon_pid() {
    sed -n '1{s/[^0-9].*//;p;}' "$DAEMON_LOCK" 2>/dev/null
}

# The quick answer, without waiting for another monitor.
if daemon_running; then
    exit 0
fi

if [ -z "$BIN" ]; then
    if [ -x "$ROOT/main" ] && [ -f "$ROOT/main" ]; then
        BIN=$ROOT/main
    elif command -v task-scheduler >/dev/null 2>&1; then
        BIN=$(command -v task-scheduler)
    else
        fail "cannot start: no $ROOT/main and no task-scheduler on PATH (use --bin)"
    fi
fi
if [ ! -f "$BIN" ] || [ ! -x "$BIN" ]; then
    found=$(command -v "$BIN" 2>/dev/null) || fail "cannot start: $BIN is not executable"
    BIN=$found
fi

# Serialise check-and-start with other monitors of this root.  Descriptor 9
# holds the lock; the daemon must not inherit it (it would keep the monitor
# lock for its whole life), hence the 9>&- below.
exec 9>>"$ROOT/data/monitor.lock" || fail "cannot open $ROOT/data/monitor.lock"
if ! flock -w "$MONITOR_LOCK_WAIT" 9; then
    fail "another monitor has held $ROOT/data/monitor.lock for ${MONITOR_LOCK_WAIT}s; giving up"
fi
if daemon_running; then
    exit 0     # another monitor started it while we waited
fi

ERR=$(mktemp "${TMPDIR:-/tmp}/monitor_scheduler.XXXXXX") || fail "cannot create a temporary file"
trap 'rm -f "$ERR"' EXIT
trap 'exit 1' INT TERM HUP

rc=0
(umask "$START_UMASK" && exec "$BIN" --root "$ROOT" --daemon) </dev/null >"$ERR" 2>&1 9>&- || rc=$?
if [ "$rc" -ne 0 ]; then
    msg=$(tr '\n' ' ' <"$ERR" | sed 's/ *$//')
    fail "failed to start: $BIN --root $ROOT --daemon exited $rc${msg:+: $msg}"
fi

polls=$((WAIT * 10))
while ! daemon_running; do
    if [ "$polls" -le 0 ]; then
        msg=$(tr '\n' ' ' <"$ERR" | sed 's/ *$//')
        fail "failed to start: the daemon does not hold $DAEMON_LOCK after ${WAIT}s${msg:+: $msg}"
    fi
    sleep 0.1
    polls=$((polls - 1))
done

pid=$(daemon_pid)
log "started (pid ${pid:-unknown})"
echo "started (pid ${pid:-unknown})"
exit 0
