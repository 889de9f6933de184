#!/bin/sh
# daemon_private.sh — what the daemon keeps is its user's alone (README,
# Files and logs): a fresh root gets 0700 folders and 0600 files from the
# first start (database, -wal, -shm, lock, pid file, socket, backups, every
# log file, rotated ones too, config.save's new files), and so does a data/
# made again after its removal; an older install (0755 folders, 0644 files)
# is made private at the next start with one log line per change, once;
# task code keeps the umask the daemon was started with, across a
# self-restart too; a lock held by something else than a daemon is named
# for what it is.
set -u
. tests/e2e/lib.sh
e2e_setup
OUT=$E2E_ROOT/out
LOG=$E2E_ROOT/logs/scheduler.log
PIDFILE=$E2E_ROOT/data/scheduler.pid
rmdir "$E2E_ROOT/data" "$E2E_ROOT/logs" # a fresh root: the daemon makes them
umask 022
cat >>"$E2E_ROOT/config/config.yaml" <<'EOF'
database:
  backup_interval: 1d   # one backup at start
logging:
  max_size: 1KB         # every run rotates its task's log
  rotation: 1
EOF
e2e_task keeper <<'EOF'
return { schedule = every(1).seconds, timeout = 10,
         run = function(ctx)
           assert(state.set("token", "s3cret-" .. ctx.run_id))
           log.info("kept " .. string.rep("x", 1200))
           assert(config.save({ token = "s3cret" }, "saved.yaml"))
           exec.shell("rm -f task_output.txt; echo x >task_output.txt")
         end }
EOF

# open_entries: files and folders under data/ and logs/ with any group or
# other bit, as "MODE PATH" lines (none expected).
open_entries() {
    find "$E2E_ROOT/data" "$E2E_ROOT/logs" -perm /077 -printf '%m %P\n' 2>/dev/null
}
private() {
    [ -z "$(open_entries)" ]
}
mode_of() {
    stat -c %a "$E2E_ROOT/$1" 2>/dev/null
}
# the daemon's log, rotated files too (logging.max_size is small here)
log_text() {
    cat "$LOG" "$LOG".[0-9]* 2>/dev/null
}
mode_lines() {
    log_text | grep -c ': mode [0-7]* -> [0-7]* (was '
}
successes() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = 'keeper' AND status = 'success'" 2>/dev/null
}
ran_twice() {
    [ "$(successes)" -ge 2 ] && [ -e "$E2E_ROOT/logs/tasks/keeper.log.1" ] &&
        ls "$E2E_ROOT"/data/backups/*.db >/dev/null 2>&1
}

# ---- a fresh root ------------------------------------------------------------
e2e_cli --daemon >"$OUT" 2>&1
E2E_DAEMON=$(cat "$PIDFILE" 2>/dev/null)
E2E_PIDS="$E2E_PIDS $E2E_DAEMON"
e2e_wait 10 ran_twice
every_file_there() {
    for f in data/scheduler.db data/scheduler.db-wal data/scheduler.db-shm \
        data/scheduler.lock data/scheduler.pid data/scheduler.sock logs/scheduler.log \
        logs/errors.log logs/tasks.log logs/tasks/keeper.log logs/tasks/keeper.log.1; do
        [ -e "$E2E_ROOT/$f" ] || { echo "missing $f"; return 1; }
    done
}
e2e_check fresh_root_has_every_file "the store, lock, pid, socket, backups and logs: $(every_file_there)" \
    every_file_there
e2e_check fresh_root_is_private "nothing under data/ or logs/ open to group or others, got: $(open_entries | tr '\n' ';')" \
    private
e2e_check fresh_root_folders_0700 "data/ logs/ logs/tasks/ data/backups/ 700, got $(mode_of data) $(mode_of logs) $(mode_of logs/tasks) $(mode_of data/backups)" \
    [ "$(mode_of data) $(mode_of logs) $(mode_of logs/tasks) $(mode_of data/backups)" = "700 700 700 700" ]
e2e_check fresh_root_logs_no_mode_change "no 'mode … -> …' line on a fresh root, got $(mode_lines)" \
    [ "$(mode_lines)" = 0 ]
e2e_check config_save_new_file_0600 "config/saved.yaml 600, got $(mode_of config/saved.yaml)" \
    [ "$(mode_of config/saved.yaml)" = 600 ]
e2e_check task_keeps_the_starters_umask "task_output.txt 644 under umask 022, got $(mode_of task_output.txt)" \
    [ "$(mode_of task_output.txt)" = 644 ]

# data/ removed: made again 0700, and the self-restart it takes keeps the
# tasks' umask.
rm -rf "$E2E_ROOT/data" "$E2E_ROOT/task_output.txt"
e2e_wait 15 sh -c "[ -e '$E2E_ROOT/task_output.txt' ] && [ -e '$E2E_ROOT/data/scheduler.db' ]"
e2e_check data_made_again_is_private "data/ 700 and private after its removal, got $(mode_of data): $(open_entries | tr '\n' ';')" \
    sh -c "[ '$(mode_of data)' = 700 ] && [ -z '$(open_entries)' ]"
e2e_check task_umask_survives_self_restart "task_output.txt 644 after the re-exec, got $(mode_of task_output.txt)" \
    [ "$(mode_of task_output.txt)" = 644 ]
e2e_stop

# ---- an older install --------------------------------------------------------
# (with the rotated files the first part left, and no rotation from now on,
# so scheduler.log keeps every line)
sed -i '/^logging:/,$d' "$E2E_ROOT/config/config.yaml"
cp config/secrets.yaml.example "$E2E_ROOT/config/secrets.yaml" # as a user would
find "$E2E_ROOT/data" "$E2E_ROOT/logs" -type d -exec chmod 755 {} +
find "$E2E_ROOT/data" "$E2E_ROOT/logs" -type f -exec chmod 644 {} +
before=$(cd "$E2E_ROOT" && find data logs \( -type d -printf '%p/\n' \) -o \( -type f -printf '%p\n' \))
e2e_start || e2e_done
e2e_check older_install_made_private "nothing open to group or others after the start, got: $(open_entries | tr '\n' ';')" \
    private
e2e_check older_install_secrets_0600 "config/secrets.yaml 600, got $(mode_of config/secrets.yaml)" \
    [ "$(mode_of config/secrets.yaml)" = 600 ]
e2e_check older_install_data_line "'data/: mode 0755 -> 0700 (was readable by others)' in scheduler.log" \
    sh -c "cat '$LOG'* | grep -q ' WARN data/: mode 0755 -> 0700 (was readable by others)\$'"
# one_line_each: exactly one line for each folder and file that was open.
one_line_each() {
    for rel in $before; do
        case $rel in
        */) want="$rel: mode 0755 -> 0700 (was readable by others)" ;;
        *) want="$rel: mode 0644 -> 0600 (was readable by others)" ;;
        esac
        [ "$(log_text | grep -cF " WARN $want")" = 1 ] || { echo "$want"; return 1; }
    done
    [ "$(log_text | grep -cF ' WARN config/secrets.yaml: mode 0644 -> 0600 (was readable by others)')" = 1 ]
}
e2e_check older_install_one_line_each "one line per folder and file, missing or repeated: $(one_line_each)" \
    one_line_each
lines=$(mode_lines)
e2e_stop
e2e_start || e2e_done
e2e_check private_root_logs_nothing_more "no new 'mode' line at the next start ($lines, then $(mode_lines))" \
    [ "$(mode_lines)" = "$lines" ]
e2e_stop

# ---- a lock held by something else -------------------------------------------
flock "$E2E_ROOT/data/scheduler.lock" sleep 30 &
holder=$!
E2E_PIDS="$E2E_PIDS $holder"
e2e_wait 5 sh -c "! flock -n '$E2E_ROOT/data/scheduler.lock' true"
e2e_cli >"$OUT" 2>&1
rc=$?
e2e_check held_lock_named_for_what_it_is "exit 1, 'is locked, but not by the daemon it names', got $rc: $(cat "$OUT")" \
    sh -c "[ $rc = 1 ] && grep -q 'scheduler.lock is locked, but not by the daemon it names (pid [0-9]* is not running)' '$OUT'"
kill "$holder"
e2e_done
