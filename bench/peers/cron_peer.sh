#!/bin/sh
# cron_peer.sh — Debian's cron daemon (package cron) in the foreground, in a
# private mount namespace, so the system's crontabs are neither read nor
# changed: DIR/crontab is bind-mounted over /etc/crontab, empty folders over
# /etc/cron.d and /var/spool/cron/crontabs, and DIR/run over /run (pid file).
# Needs root (unshare --mount).  Nothing outside DIR is written; the mounts
# vanish with the process.
#
#   cron_peer.sh DIR idle JOBS_FILE   one line "MM HH * * *" per "HH:MM" line
#   cron_peer.sh DIR late OUT_FILE    a job every minute that appends its own
#                                     start time (date +%s.%N) to OUT_FILE
#   cron_peer.sh DIR burst OUT_FILE N N such jobs, all every minute
set -eu
usage="usage: cron_peer.sh DIR idle JOBS_FILE | DIR late OUT_FILE | DIR burst OUT_FILE N"
[ $# -eq 3 ] || { [ $# -eq 4 ] && [ "$2" = burst ]; } || { echo "$usage" >&2; exit 2; }
dir=$1
mkdir -p "$dir/cron.d" "$dir/crontabs" "$dir/run"
case $2 in
    idle) awk -F: '{ printf "%d %d * * * root /bin/true\n", $2, $1 }' "$3" >"$dir/crontab" ;;
    late) echo "* * * * * root date +\\%s.\\%N >>$3" >"$dir/crontab" ;;
    burst) awk -v n="$4" -v out="$3" 'BEGIN { for (i = 0; i < n; i++)
               printf "* * * * * root date +\\%%s.\\%%N >>%s\n", out }' >"$dir/crontab" ;;
    *) echo "cron_peer.sh: unknown workload $2" >&2; exit 2 ;;
esac
chmod 644 "$dir/crontab"
export dir
# shellcheck disable=SC2016 # $dir is expanded by the inner shell, in the namespace
exec unshare --mount sh -c '
    mount --bind "$dir/crontab" /etc/crontab
    mount --bind "$dir/cron.d" /etc/cron.d
    mount --bind "$dir/crontabs" /var/spool/cron/crontabs
    mount --bind "$dir/run" /run
    exec cron -f'
