#!/bin/sh
# install.sh — install the task scheduler as a system service.
#
# usage: install.sh [--prefix DIR] [--root DIR] [--user NAME] [--no-systemd]
#                   [--dry-run]
#
#   --prefix DIR   where the binary goes: DIR/bin/task-scheduler, and the
#                  scripts, unit template and README under
#                  DIR/share/task-scheduler/ (default /usr/local)
#   --root DIR     the project root the service runs on (default
#                  /var/lib/task-scheduler)
#   --user NAME    the system user the daemon runs as, created when missing
#                  with useradd --system (default task-scheduler)
#   --no-systemd   install no unit and touch no systemd; keep the daemon up
#                  with setup_cron.sh instead
#   --dry-run      print each action, do none of them
#
# Steps, each printed as "+ command" before it runs:
#   1. build ./main with make when the repository has none;
#   2. create the user (and its group) when missing;
#   3. create ROOT with tasks/ config/ data/ logs/ owned by the user; copy
#      config/config.yaml and secrets.yaml.example when ROOT has none, and
#      the example tasks into a tasks/ folder created now; an existing
#      config or task is never overwritten;
#   4. install the binary (atomically: a running daemon keeps its copy) and
#      the scripts;
#   5. unless --no-systemd: install /etc/systemd/system/task-scheduler.service
#      from scripts/task-scheduler.service with the paths filled in, and when
#      systemd is running, `systemctl daemon-reload` and `enable --now`.
# Re-running it upgrades the binary and the unit and keeps the data.
#
# Must run as root (a --dry-run may run as anyone).
# Exit codes: 0 installed (or dry run done), 1 failure, 2 usage error.
set -eu

PROG=install.sh
SCRIPT_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd -P)
REPO=$(CDPATH='' cd -- "$SCRIPT_DIR/.." && pwd -P)
UNIT_NAME="task-scheduler.service"
UNIT_DIR=/etc/systemd/system
STOP_MARGIN=15          # seconds on top of shutdown_timeout + kill_grace
DIR_MODE=0750
PRIVATE_DIR_MODE=0700   # data/ and logs/: the daemon's user's alone (README, Files and logs)
FILE_MODE=0640

usage() {
    echo "usage: $PROG [--prefix DIR] [--root DIR] [--user NAME] [--no-systemd] [--dry-run]" >&2
    exit 2
}

die() {
    echo "$PROG: $1" >&2
    exit 1
}

PREFIX=/usr/local
ROOT=/var/lib/task-scheduler
SVC_USER="task-scheduler"
SYSTEMD=1
DRY=0
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || usage; PREFIX=$2; shift 2 ;;
        --root) [ $# -ge 2 ] || usage; ROOT=$2; shift 2 ;;
        --user) [ $# -ge 2 ] || usage; SVC_USER=$2; shift 2 ;;
        --no-systemd) SYSTEMD=0; shift ;;
        --dry-run) DRY=1; shift ;;
        -h|--help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$PROG: unknown argument: $1" >&2; usage ;;
    esac
done

# absolute PATH: PATH made absolute against the current folder (it need not
# exist yet), without a trailing slash.
absolute() {
    case $1 in
        /) printf '/' ;;
        /*) printf '%s' "${1%/}" ;;
        *) printf '%s/%s' "$(pwd -P)" "${1%/}" ;;
    esac
}
if [ -z "$PREFIX" ] || [ -z "$ROOT" ]; then usage; fi
PREFIX=$(absolute "$PREFIX")
ROOT=$(absolute "$ROOT")
case $SVC_USER in
    ''|-*|*[!A-Za-z0-9_.-]*) echo "$PROG: --user: not a valid user name: $SVC_USER" >&2; exit 2 ;;
esac
for p in "$PREFIX" "$ROOT"; do
    case $p in
        *[!A-Za-z0-9_./+,:@=-]*) echo "$PROG: $p: only letters, digits and _./+,:@=- please (the path goes into a systemd unit)" >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" -ne 0 ]; then
    [ "$DRY" -eq 1 ] || die "must be run as root: it creates a system user and installs into $PREFIX and $UNIT_DIR"
    echo "# not root: a real run would stop here"
fi
[ "$DRY" -eq 0 ] || echo "# dry run: printing the actions, changing nothing"

BIN=$PREFIX/bin/task-scheduler
SHARE=$PREFIX/share/task-scheduler

# act COMMAND...: print it, then run it unless this is a dry run.
act() {
    line=+
    for word in "$@"; do
        case $word in
            *[!A-Za-z0-9_./+,:@=-]*|'') line="$line '$word'" ;;
            *) line="$line $word" ;;
        esac
    done
    echo "$line"
    [ "$DRY" -eq 1 ] || "$@" || die "failed: ${line#+ }"
}

# ---- 1. the binary ----------------------------------------------------------
if [ ! -x "$REPO/main" ]; then
    command -v make >/dev/null 2>&1 || die "$REPO/main is not built and make is missing"
    act make -C "$REPO" main
fi

# ---- 2. the user --------------------------------------------------------------
if id -u "$SVC_USER" >/dev/null 2>&1; then
    SVC_GROUP=$(id -gn "$SVC_USER")
    echo "# user $SVC_USER exists (group $SVC_GROUP)"
else
    command -v useradd >/dev/null 2>&1 || die "useradd not found: create the user $SVC_USER yourself"
    NOLOGIN=/usr/sbin/nologin
    [ -x "$NOLOGIN" ] || NOLOGIN=/bin/false
    if getent group "$SVC_USER" >/dev/null 2>&1; then
        act useradd --system --gid "$SVC_USER" --home-dir "$ROOT" --no-create-home \
            --shell "$NOLOGIN" --comment "task scheduler" "$SVC_USER"
    else
        act useradd --system --user-group --home-dir "$ROOT" --no-create-home \
            --shell "$NOLOGIN" --comment "task scheduler" "$SVC_USER"
    fi
    SVC_GROUP=$SVC_USER
fi

# ---- 3. the project root --------------------------------------------------------
NEW_TASKS=0
[ -d "$ROOT/tasks" ] || NEW_TASKS=1
for dir in "$ROOT" "$ROOT/tasks" "$ROOT/config" "$ROOT/data" "$ROOT/logs"; do
    case $dir in
        "$ROOT/data"|"$ROOT/logs") mode=$PRIVATE_DIR_MODE ;;
        *) mode=$DIR_MODE ;;
    esac
    if [ -d "$dir" ]; then
        echo "# $dir exists"
    else
        act install -d -m "$mode" -o "$SVC_USER" -g "$SVC_GROUP" "$dir"
    fi
done
# The daemon writes data/ and logs/; files there from an earlier run as
# another user would stop it.
for dir in "$ROOT/data" "$ROOT/logs"; do
    [ ! -d "$dir" ] || act chown -R "$SVC_USER:$SVC_GROUP" "$dir"
done
for file in config.yaml secrets.yaml.example; do
    if [ -e "$ROOT/config/$file" ]; then
        echo "# $ROOT/config/$file exists: kept"
    elif [ -f "$REPO/config/$file" ]; then
        act install -m "$FILE_MODE" -o "$SVC_USER" -g "$SVC_GROUP" "$REPO/config/$file" "$ROOT/config/$file"
    fi
done
if [ "$NEW_TASKS" -eq 1 ]; then
    for task in "$REPO"/tasks/example_*.lua; do
        [ -f "$task" ] || continue
        act install -m "$FILE_MODE" -o "$SVC_USER" -g "$SVC_GROUP" "$task" "$ROOT/tasks/${task##*/}"
    done
fi

# ---- 4. binary and scripts --------------------------------------------------------
act install -d -m 0755 "$PREFIX/bin" "$SHARE/scripts"
act install -m 0755 "$REPO/main" "$BIN.new"
act mv -f "$BIN.new" "$BIN"
for script in monitor_scheduler.sh setup_cron.sh; do
    act install -m 0755 "$SCRIPT_DIR/$script" "$SHARE/scripts/$script"
done
act install -m 0644 "$SCRIPT_DIR/$UNIT_NAME" "$SHARE/scripts/$UNIT_NAME"
[ ! -f "$REPO/README.md" ] || act install -m 0644 "$REPO/README.md" "$SHARE/README.md"

CRON_HINT="$SHARE/scripts/setup_cron.sh --install --root $ROOT --user $SVC_USER --bin $BIN"

if [ "$SYSTEMD" -eq 0 ]; then
    echo "# --no-systemd: no unit installed.  To keep the daemon running from cron:"
    echo "#   $CRON_HINT"
    exit 0
fi

# ---- 5. the systemd unit -------------------------------------------------------------

# config_seconds KEY DEFAULT: scheduler.KEY from the root's config (the
# repository's when the root has none yet), when it is a plain number.
config_seconds() {
    conf=$ROOT/config/config.yaml
    [ -f "$conf" ] || conf=$REPO/config/config.yaml
    value=
    [ ! -f "$conf" ] || value=$(awk -v key="$1" '
        /^[^ #]/ { in_scheduler = ($1 == "scheduler:") }
        in_scheduler && $1 == key ":" { print $2; exit }
    ' "$conf")
    case $value in
        ''|*[!0-9]*) printf '%s' "$2" ;;
        *) printf '%s' "$value" ;;
    esac
}
STOP_TIMEOUT=$(( $(config_seconds shutdown_timeout 30) + $(config_seconds kill_grace 10) + STOP_MARGIN ))

UNIT=$UNIT_DIR/$UNIT_NAME
echo "+ sed -e s|@BIN@|$BIN| -e s|@ROOT@|$ROOT| -e s|@USER@|$SVC_USER| -e s|@GROUP@|$SVC_GROUP| -e s|@PREFIX@|$PREFIX| -e s|@STOP_TIMEOUT@|$STOP_TIMEOUT| $SCRIPT_DIR/$UNIT_NAME > $UNIT"
if [ "$DRY" -eq 0 ]; then
    mkdir -p "$UNIT_DIR" || die "cannot create $UNIT_DIR"
    # The paths were checked above: none holds '|', '&' or '\'.
    if ! sed -e "s|@BIN@|$BIN|g" -e "s|@ROOT@|$ROOT|g" -e "s|@USER@|$SVC_USER|g" \
            -e "s|@GROUP@|$SVC_GROUP|g" -e "s|@PREFIX@|$PREFIX|g" \
            -e "s|@STOP_TIMEOUT@|$STOP_TIMEOUT|g" "$SCRIPT_DIR/$UNIT_NAME" >"$UNIT.new" ||
       ! chmod 0644 "$UNIT.new" || ! mv -f "$UNIT.new" "$UNIT"; then
        die "cannot write $UNIT"
    fi
fi

# sd_booted(3): systemd is the running init when this folder exists.
if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null 2>&1; then
    echo "# systemd is not running here: $UNIT_NAME is not enabled."
    echo "# To keep the daemon running from cron instead:"
    echo "#   $CRON_HINT"
    exit 0
fi
WAS_ACTIVE=0
systemctl is-active --quiet "$UNIT_NAME" 2>/dev/null && WAS_ACTIVE=1
act systemctl daemon-reload
act systemctl enable --now "$UNIT_NAME"
if [ "$WAS_ACTIVE" -eq 1 ]; then
    echo "# $UNIT_NAME was already running; to run the new binary:"
    echo "#   systemctl restart $UNIT_NAME"
fi
exit 0
