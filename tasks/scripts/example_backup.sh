#!/bin/sh
# example_backup.sh — the daily backup of tasks/example_jobs.yaml: a dated
# archive of the project's config/ in $BACKUP_DIR (default /tmp), the last
# 7 kept.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${BACKUP_DIR:-/tmp}
archive="$dir/taskscheduler-config-$(date +%Y-%m-%d).tar.gz"
tar -czf "$archive" -C "$root" config
ls -1t "$dir"/taskscheduler-config-*.tar.gz | tail -n +8 | xargs -r rm --
echo "backup: $archive"
