#!/bin/sh
# setup_cron.sh — the crontab lines that keep a scheduler daemon running
# through monitor_scheduler.sh, printed, installed or removed.
#
# usage: setup_cron.sh [--install | --remove] [--root DIR] [--every MINUTES]
#                      [--bin PATH] [--user NAME] [--crontab-file FILE]
#
#   (neither)            print the lines, change nothing
#   --install            add them to the crontab unless they are there
#                        already; lines of an earlier --install for the same
#                        root are replaced, never duplicated
#   --remove             remove this root's lines, and only those
#   --root DIR           project root; default: the folder above this
#                        script's folder
#   --every MINUTES      how often the monitor runs, 1-59 (default 5)
#   --bin PATH           scheduler binary passed on to the monitor (default:
#                        the monitor's own choice, ROOT/main or task-scheduler)
#   --user NAME          edit NAME's crontab (crontab -u NAME; needs root)
#   --crontab-file FILE  operate on FILE instead of `crontab -l` / `crontab -`
#                        (for tests; a missing FILE is an empty crontab)
#
# The lines, for root /srv/sched and the monitor next to this script:
#   # task-scheduler monitor /srv/sched
#   */5 * * * * /path/scripts/monitor_scheduler.sh --root /srv/sched >/dev/null 2>&1
#   @reboot /path/scripts/monitor_scheduler.sh --root /srv/sched >/dev/null 2>&1
# The comment marks the block: --install and --remove touch the marker line
# and the monitor lines for that root that follow it, nothing else.
#
# Exit codes: 0 ok, 1 failure (no crontab command, cannot write), 2 usage.
set -eu

PROG=setup_cron.sh
SCRIPT_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
MONITOR=$SCRIPT_DIR/monitor_scheduler.sh
DEFAULT_EVERY=5

usage() {
    echo "usage: $PROG [--install | --remove] [--root DIR] [--every MINUTES] [--bin PATH] [--user NAME] [--crontab-file FILE]" >&2
    exit 2
}

die() {
    echo "$PROG: $1" >&2
    exit 1
}

ACTION=print
ROOT=
EVERY=$DEFAULT_EVERY
BIN=
CRON_USER=
CRONTAB_FILE=
while [ $# -gt 0 ]; do
    case $1 in
        --install) ACTION=install; shift ;;
        --remove) ACTION=remove; shift ;;
        --root) [ $# -ge 2 ] || usage; ROOT=$2; shift 2 ;;
        --every) [ $# -ge 2 ] || usage; EVERY=$2; shift 2 ;;
        --bin) [ $# -ge 2 ] || usage; BIN=$2; shift 2 ;;
        --user) [ $# -ge 2 ] || usage; CRON_USER=$2; shift 2 ;;
        --crontab-file) [ $# -ge 2 ] || usage; CRONTAB_FILE=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$PROG: unknown argument: $1" >&2; usage ;;
    esac
done
case $EVERY in
    ''|*[!0-9]*) echo "$PROG: --every takes whole minutes, 1-59" >&2; exit 2 ;;
esac
EVERY=$((EVERY + 0))
if [ "$EVERY" -lt 1 ] || [ "$EVERY" -gt 59 ]; then
    echo "$PROG: --every takes whole minutes, 1-59" >&2
    exit 2
fi

[ -n "$ROOT" ] || ROOT=$SCRIPT_DIR/..
[ -d "$ROOT" ] || die "$ROOT: no such directory"
ROOT=$(CDPATH='' cd -- "$ROOT" && pwd -P)
if [ -n "$BIN" ]; then
    case $BIN in
        /*) ;;
        *) BIN=$(CDPATH='' cd -- "$(dirname -- "$BIN")" && pwd -P)/$(basename -- "$BIN") ;;
    esac
fi

# quote WORD: WORD as the shell cron hands the line to must see it.  Plain
# paths stay as they are; others go in single quotes.  A newline, a quote
# or '%' (cron turns it into a newline) cannot be written safely.
quote() {
    case $1 in
        *"'"*|*%*|*"
"*) die "cannot put this path in a crontab: $1" ;;
        *[!A-Za-z0-9_./+,:@=-]*) printf "'%s'" "$1" ;;
        *) printf '%s' "$1" ;;
    esac
}

MARKER="# task-scheduler monitor $ROOT"
COMMAND="$(quote "$MONITOR") --root $(quote "$ROOT")"
[ -z "$BIN" ] || COMMAND="$COMMAND --bin $(quote "$BIN")"
COMMAND="$COMMAND >/dev/null 2>&1"
if [ "$EVERY" -eq 1 ]; then
    MINUTE='*'
else
    MINUTE="*/$EVERY"
fi

our_lines() {
    printf '%s\n' "$MARKER" "$MINUTE * * * * $COMMAND" "@reboot $COMMAND"
}

if [ "$ACTION" = print ]; then
    our_lines
    exit 0
fi

# ---- reading and writing the crontab --------------------------------------

if [ -z "$CRONTAB_FILE" ]; then
    command -v crontab >/dev/null 2>&1 || die "no crontab command (Debian: apt-get install cron)"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/setup_cron.XXXXXX") || die "cannot create a temporary folder"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

# read_crontab: the current crontab on stdout; empty when there is none.
read_crontab() {
    if [ -n "$CRONTAB_FILE" ]; then
        [ ! -e "$CRONTAB_FILE" ] || cat -- "$CRONTAB_FILE"
        return
    fi
    set -- -l
    [ -z "$CRON_USER" ] || set -- -u "$CRON_USER" -l
    # `crontab -l` fails with "no crontab for USER" when there is none yet.
    if ! crontab "$@" 2>"$TMP/err"; then
        grep -qi 'no crontab' "$TMP/err" || die "crontab -l: $(cat "$TMP/err")"
    fi
}

# write_crontab FILE: make FILE the crontab.
write_crontab() {
    if [ -n "$CRONTAB_FILE" ]; then
        cat -- "$1" >"$CRONTAB_FILE" || die "cannot write $CRONTAB_FILE"
        return
    fi
    if [ -n "$CRON_USER" ]; then
        crontab -u "$CRON_USER" "$1" || die "crontab -u $CRON_USER failed"
    else
        crontab "$1" || die "crontab failed"
    fi
}

# split_ours KEEP: stdin without our block (KEEP=0), or only our block
# (KEEP=1).  The block is the marker line and the monitor lines for this
# root right after it.  Plain string comparisons, never regexps, so any
# path is safe.
split_ours() {
    SPLIT_MARKER=$MARKER SPLIT_TAIL=" --root $(quote "$ROOT") " awk -v keep="$1" '
        BEGIN { marker = ENVIRON["SPLIT_MARKER"]; tail = ENVIRON["SPLIT_TAIL"] }
        $0 == marker { ours = 1 }
        ours && $0 != marker && !(index($0, "monitor_scheduler.sh") && index($0, tail)) { ours = 0 }
        (ours && keep == 1) || (!ours && keep == 0) { print }
    '
}

read_crontab >"$TMP/old"
split_ours 0 <"$TMP/old" >"$TMP/new"
split_ours 1 <"$TMP/old" >"$TMP/found"

case $ACTION in
    install)
        our_lines >"$TMP/ours"
        if cmp -s "$TMP/found" "$TMP/ours"; then
            echo "already installed for $ROOT"
            exit 0
        fi
        cat "$TMP/ours" >>"$TMP/new"
        write_crontab "$TMP/new"
        echo "installed for $ROOT:"
        sed 's/^/  /' "$TMP/ours"
        ;;
    remove)
        if [ ! -s "$TMP/found" ]; then
            echo "nothing to remove for $ROOT"
            exit 0
        fi
        write_crontab "$TMP/new"
        echo "removed the monitor lines for $ROOT"
        ;;
esac
exit 0
