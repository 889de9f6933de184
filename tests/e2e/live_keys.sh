#!/bin/sh
# live_keys.sh — every config.yaml key that the README says applies at once,
# changed while one daemon runs and observed from outside: log files rotating
# at the new max_size, keeping the new number of files, losing old ones at the
# new retention, written in the new format; next fires moving with a new
# timezone; runs killed at the new default_timeout and kill_grace; catch-up
# bounded by the new max_catchup; a notification reaching a channel's new
# URL; old runs deleted at the new retention_days; backups starting, kept and
# pruned with backup_interval and backup_keep; tasks read from a new
# tasks.directory (and the watch following it); a re-exec over a new
# max_memory_usage; a stop waiting the new shutdown_timeout.  logging.level,
# max_concurrent, tasks.pattern and include_example_tasks are in
# live_config.sh; dependencies.server in live_rocks.sh; alerts.heartbeat_url
# and heartbeat_interval in pings.sh.
set -u
. tests/e2e/lib.sh
e2e_setup
CONFIG=$E2E_ROOT/config/config.yaml
LOGS=$E2E_ROOT/logs
OUT=$E2E_ROOT/daemon.out # the foreground daemon's stderr: never rotated
BASE='scheduler:
  timezone: UTC
  kill_grace: 1
  shutdown_timeout: 3'

reloads() {
    grep -c 'config reloaded from' "$OUT"
}

reloaded_after() {
    [ "$(reloads)" -gt "$1" ]
}

# config [SCHEDULER_LINE...] [-- OTHER_LINE...]: config.yaml becomes the
# scheduler section of $BASE with the given lines replacing its keys, then
# the other sections (written atomically, as editors do), and the daemon
# has reloaded it.
config() {
    config_n=$(reloads)
    config_sched=
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        config_sched="$config_sched  $1
"
        shift
    done
    {
        echo 'scheduler:'
        for config_key in timezone kill_grace shutdown_timeout; do
            case $config_sched in
                *"  $config_key:"*) ;;
                *) printf '%s\n' "$BASE" | grep "^  $config_key:" ;;
            esac
        done
        printf '%s' "$config_sched"
        if [ $# -gt 0 ]; then
            shift
            printf '%s\n' "$@"
        fi
    } >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
    e2e_wait 5 reloaded_after "$config_n" || echo "# no reload seen after this config: $(cat "$CONFIG")"
}

logged() {
    grep -q -- "$1" "$OUT"
}

listed() {
    ! e2e_field_is "$1" name absent
}

# size_at_most FILE BYTES
size_at_most() {
    [ -f "$1" ] && [ "$(stat -c %s "$1")" -le "$2" ]
}

# last_run TASK COLUMNS: COLUMNS of TASK's newest run.
last_run() {
    e2e_sql "SELECT $2 FROM runs WHERE task = '$1' ORDER BY id DESC LIMIT 1"
}

printf '%s\n' "$BASE" 'logging:' '  rotation: 2' >"$CONFIG"
# A rotated file three days old: kept under the default retention (30 days).
touch "$LOGS/errors.log.2"
touch -d '3 days ago' "$LOGS/errors.log.2"
e2e_start || e2e_done

# ---- logging: retention, max_size, rotation, format -------------------------
e2e_check log_old_file_kept_at_start "errors.log.2 (3 days old) kept under retention 30" \
    [ -e "$LOGS/errors.log.2" ]
config -- 'logging:' '  rotation: 2' '  retention: 1'
e2e_check log_retention_applied_live "errors.log.2 deleted once retention is 1 day" \
    e2e_wait 3 sh -c "[ ! -e '$LOGS/errors.log.2' ]"

# Each second: an error line (errors.log, tasks.log, tasks/chatty.log) and
# the run's own line in scheduler.log.
e2e_task chatty <<'EOF2'
return { schedule = every(1).seconds,
         run = function() log.error(string.rep("x", 300)) end }
EOF2
e2e_wait 5 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'chatty'"
config -- 'logging:' '  rotation: 2' '  retention: 1' '  max_size: 512'
rotated_at_512() {
    for f in scheduler.log errors.log tasks.log tasks/chatty.log; do
        [ -e "$LOGS/$f.1" ] && size_at_most "$LOGS/$f" 512 || return 1
    done
}
e2e_check log_max_size_applied_live "scheduler.log, errors.log, tasks.log and tasks/chatty.log rotated at 512 bytes" \
    e2e_wait 15 rotated_at_512
e2e_wait 5 sh -c "[ -e '$LOGS/errors.log.2' ]"
sleep 2
e2e_check log_rotation_keeps_2 "errors.log.1 and .2, no .3" \
    sh -c "[ -e '$LOGS/errors.log.2' ] && [ ! -e '$LOGS/errors.log.3' ]"
config -- 'logging:' '  rotation: 3' '  retention: 1' '  max_size: 512'
e2e_check log_rotation_applied_live "errors.log.3 once rotation is 3" \
    e2e_wait 8 sh -c "[ -e '$LOGS/errors.log.3' ]"

config -- 'logging:' '  format: json'
json_logs() {
    tail -n 1 "$LOGS/scheduler.log" | grep -q '^{"ts":' &&
        tail -n 1 "$LOGS/tasks.log" | grep -q '^{"ts":'
}
e2e_check log_format_applied_live "JSON lines in scheduler.log and tasks.log" \
    e2e_wait 5 json_logs
rm "$E2E_ROOT/tasks/chatty.lua"
config

# ---- scheduler.timezone -----------------------------------------------------
e2e_task daily <<'EOF2'
return { schedule = every().day.at("10:00"), run = function() end }
EOF2
e2e_wait 3 e2e_scheduled daily
daily_at() {
    [ "$(e2e_sql "SELECT next_fire % 86400 FROM tasks WHERE name = 'daily'")" = "$1" ]
}
e2e_check timezone_utc_at_start "daily's next fire at 10:00 UTC" daily_at 36000
config 'timezone: Asia/Tokyo'
e2e_check timezone_applied_live "daily's next fire at 10:00 Tokyo, 01:00 UTC" \
    e2e_wait 3 daily_at 3600
config

# ---- default_timeout and kill_grace -------------------------------------------
# The shell and its sleep ignore SIGTERM: only the SIGKILL after kill_grace
# ends them.
e2e_task stubborn <<'EOF2'
return { schedule = once("2099-01-01 00:00"),
         command = { "sh", "-c", "trap '' TERM; sleep 10" } }
EOF2
e2e_wait 3 listed stubborn
# took CONDITION: the newest run of stubborn timed out, and its duration
# in seconds (d) meets CONDITION.
took() {
    e2e_sql_true "SELECT status = 'timeout' AND $1 FROM (SELECT finished_at - started_at AS d,
                  status FROM runs WHERE task = 'stubborn' ORDER BY id DESC LIMIT 1)"
}
config 'default_timeout: 1' 'kill_grace: 0'
e2e_cli --task stubborn >/dev/null 2>&1
e2e_check default_timeout_applied_live "killed as timeout after about 1 s, got $(last_run stubborn "status, finished_at - started_at")" \
    took 'd >= 0.9 AND d < 2.8'
config 'default_timeout: 1' 'kill_grace: 2'
e2e_cli --task stubborn >/dev/null 2>&1
e2e_check kill_grace_applied_live "SIGKILL 2 s after the SIGTERM, at about 3 s; got $(last_run stubborn "status, finished_at - started_at")" \
    took 'd >= 2.8 AND d < 9'
config

# ---- max_catchup ------------------------------------------------------------
# A stopped daemon finds its fires late when it resumes: the catch-up path
# of a downtime or a clock jump, bounded by max_catchup.
e2e_task tick <<'EOF2'
return { schedule = every(1).seconds, catchup = "all", run = function() end }
EOF2
e2e_wait 5 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'tick' AND status = 'success'"
# caught_up_after SECONDS: stop the daemon that long; print how many
# catch-up runs of tick followed.
caught_up_after() {
    caught_from=$(e2e_sql "SELECT max(id) FROM runs")
    caught_lines=$(grep -c 'caught up now' "$OUT")
    kill -STOP "$E2E_DAEMON"
    sleep "$1"
    kill -CONT "$E2E_DAEMON"
    e2e_wait 5 sh -c "[ \$(grep -c 'caught up now' '$OUT') -gt $caught_lines ]"
    sleep 0.5
    e2e_sql "SELECT count(*) FROM runs WHERE task = 'tick' AND \"trigger\" = 'catchup'
             AND id > $caught_from"
}
config 'max_catchup: 2'
n=$(caught_up_after 5)
e2e_check max_catchup_2_applied_live "2 catch-up runs after 5 s stopped, got $n" [ "$n" = 2 ]
config 'max_catchup: 3'
n=$(caught_up_after 6)
e2e_check max_catchup_3_applied_live "3 catch-up runs after 6 s stopped, got $n" [ "$n" = 3 ]
rm "$E2E_ROOT/tasks/tick.lua"
config

# ---- notifications ------------------------------------------------------------
e2e_http_server || e2e_done
PORT=$SERVER_PORT
# server_got PATH: the server received a POST to PATH.
server_got() {
    /usr/bin/python3 -c '
import json, sys, urllib.request
got = json.load(urllib.request.urlopen("http://127.0.0.1:%s/requests" % sys.argv[1]))
sys.exit(0 if any(r["method"] == "POST" and r["path"] == sys.argv[2] for r in got) else 1)' \
        "$PORT" "$1"
}
e2e_task notified <<'EOF2'
return { schedule = once("2099-01-01 00:00"), run = function() end,
         notify = { on = { "success" }, channels = { "ops" } } }
EOF2
e2e_wait 3 listed notified
config -- 'notifications:' '  ops:' '    type: webhook' "    url: http://127.0.0.1:$PORT/ok"
e2e_cli --task notified >/dev/null 2>&1
e2e_check notification_reaches_channel "a POST /ok" e2e_wait 5 server_got /ok
config -- 'notifications:' '  ops:' '    type: webhook' "    url: http://127.0.0.1:$PORT/echo"
e2e_cli --task notified >/dev/null 2>&1
e2e_check notification_channel_applied_live "a POST /echo after the URL changed" \
    e2e_wait 5 server_got /echo
config

# ---- database.retention_days --------------------------------------------------
old_day=$(( $(date +%s) - 3 * 86400 ))
e2e_sql "INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, status)
         VALUES ('gone', 'schedule', $old_day, $old_day, 'success')"
sleep 1
e2e_check old_runs_kept_under_retention_90 "the 3-day-old run is kept" \
    e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'gone'"
config -- 'database:' '  retention_days: 1'
e2e_check retention_days_applied_live "the 3-day-old run deleted at once, not at the next hourly sweep" \
    e2e_wait 3 e2e_sql_true "SELECT count(*) = 0 FROM runs WHERE task = 'gone'"

# ---- backup_interval and backup_keep ----------------------------------------
backups() {
    ls "$E2E_ROOT"/data/backups/*.db 2>/dev/null | wc -l
}
backups_are() {
    [ "$(backups)" = "$1" ]
}
config -- 'database:' '  backup_interval: 1' '  backup_keep: 1'
e2e_check backup_interval_applied_live "a backup within 3 s" e2e_wait 3 backups_are 1
sleep 2
e2e_check backup_keep_1 "still one backup 2 s later, got $(backups)" backups_are 1
config -- 'database:' '  backup_interval: 1' '  backup_keep: 3'
e2e_check backup_keep_raised_live "three backups kept" e2e_wait 6 backups_are 3
config -- 'database:' '  backup_keep: 1'
e2e_check backup_keep_lowered_prunes_at_once "one backup left at once, though no backup is due" \
    e2e_wait 2 backups_are 1
kept=$(ls "$E2E_ROOT"/data/backups/)
sleep 2
e2e_check backup_interval_0_stops_backups "no new backup, got $(ls "$E2E_ROOT"/data/backups/)" \
    [ "$(ls "$E2E_ROOT"/data/backups/)" = "$kept" ]
config

# ---- tasks.directory ------------------------------------------------------------
mkdir "$E2E_ROOT/elsewhere"
printf 'return { schedule = every(1).hours, run = function() end }\n' \
    >"$E2E_ROOT/elsewhere/moved.lua"
config -- 'tasks:' '  directory: elsewhere'
directory_followed() {
    listed moved && e2e_field_is daily name absent
}
e2e_check tasks_directory_applied_live "moved listed, daily gone" e2e_wait 3 directory_followed
printf 'return { schedule = every(1).hours, run = function() end }\n' \
    >"$E2E_ROOT/elsewhere/dropped.lua"
e2e_check watch_follows_new_directory "a file dropped there is listed" \
    e2e_wait 3 listed dropped
config
e2e_wait 3 listed daily

# ---- max_memory_usage -----------------------------------------------------------
e2e_task tick <<'EOF2'
return { schedule = every(1).seconds, run = function() end }
EOF2
config 'max_memory_usage: 1'
e2e_check max_memory_usage_applied_live "the daemon re-executes itself" \
    e2e_wait 5 logged 'restarting: exec'
# Each image may be re-executing as the limit goes: wait for 2 s without one.
printf '%s\n' "$BASE" >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
no_more_reexecs() {
    reexecs=$(grep -c 'restarting: exec' "$OUT")
    sleep 2
    [ "$(grep -c 'restarting: exec' "$OUT")" = "$reexecs" ] && e2e_daemon_up
}
reexecs_stopped() {
    e2e_wait 10 no_more_reexecs && kill -0 "$E2E_DAEMON"
}
e2e_check max_memory_usage_removed_live "the re-execs stop once the limit is gone, same pid" \
    reexecs_stopped
rm "$E2E_ROOT/tasks/tick.lua"

# ---- shutdown_timeout --------------------------------------------------------------
config 'shutdown_timeout: 1' 'default_timeout: 0'
e2e_cli --task stubborn >/dev/null 2>&1 &
client=$!
E2E_PIDS="$E2E_PIDS $client"
e2e_wait 5 e2e_sql_true "SELECT count(*) = 1 FROM runs WHERE task = 'stubborn' AND status = 'running'"
started=$(date +%s%N)
e2e_stop
stopped=$(( ($(date +%s%N) - started) / 1000000 ))
# The daemon's log says which timeout it applied; the time taken agrees
# (1 s, then SIGTERM and 1 s of kill_grace; 3 s would take 4 s).
e2e_check shutdown_timeout_applied_live "'waiting up to 1 s' and a stop in under 3.9 s, took $stopped ms" \
    sh -c "grep -q 'shutdown: waiting up to 1 s' '$OUT' && [ $stopped -lt 3900 ]"
e2e_done
