#!/bin/sh
# live_config.sh — config/config.yaml edited while the daemon runs: each
# live setting applied, a broken edit and a "billion laughs" refused with
# file:line while the last good config stays (and the CLI still reaches the
# daemon, which stays small), SIGHUP and
# `main reload`, environment overrides, and database.path needing a restart.
set -u
. tests/e2e/lib.sh
e2e_setup
CONFIG=$E2E_ROOT/config/config.yaml
LOG=$E2E_ROOT/logs/scheduler.log

# config TEXT...: replace config.yaml (atomically, as editors do) with the
# base settings plus TEXT.
config() {
    { printf 'scheduler:\n  timezone: UTC\n  kill_grace: 1\n  shutdown_timeout: 3\n'
      printf '%s\n' "$@"; } >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
}

logged() {
    grep -q "$1" "$LOG"
}

# reloads: how many times the daemon reloaded its config so far.
reloads() {
    grep -c 'config reloaded' "$LOG"
}

reloaded_after() {
    [ "$(reloads)" -gt "$1" ]
}

listed() {
    ! e2e_field_is "$1" name absent
}

e2e_task keep_a <<'EOF2'
return { schedule = every(1).seconds, run = function() exec.run{ "sleep", "1.5" } end }
EOF2
e2e_task keep_b <<'EOF2'
return { schedule = every(1).seconds, run = function() exec.run{ "sleep", "1.5" } end }
EOF2
e2e_task example_demo <<'EOF2'
return { schedule = every(1).hours, run = function() end }
EOF2
e2e_task other <<'EOF2'
return { schedule = every(1).hours, run = function() end }
EOF2
e2e_task daily <<'EOF2'
return { schedule = every().day.at("10:00"), run = function() end }
EOF2
{ printf 'scheduler:\n  timezone: UTC\n  kill_grace: 1\n  shutdown_timeout: 3\n  max_concurrent: 1\n'; } >"$CONFIG"

TASKSCHED_LOGGING__FORMAT=json e2e_start || e2e_done
e2e_check env_override_applies_at_start "scheduler.log lines in JSON" \
    sh -c "tail -n 1 '$LOG' | grep -q '^{'"

# ---- max_concurrent --------------------------------------------------------
e2e_wait 3 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE status = 'running'"
e2e_check max_concurrent_1_runs_one_at_a_time "never two running" \
    sh -c "! { for i in 1 2 3 4 5 6 7 8 9 10; do sqlite3 '$E2E_ROOT/data/scheduler.db' \"SELECT count(*) FROM runs WHERE status='running'\"; sleep 0.1; done | grep -q 2; }"
n=$(reloads)
printf 'scheduler:\n  timezone: UTC\n  kill_grace: 1\n  shutdown_timeout: 3\n  max_concurrent: 2\n' >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
e2e_wait 3 reloaded_after "$n"
e2e_check max_concurrent_raised_live "two runs at once after the edit" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) = 2 FROM runs WHERE status = 'running'"

# ---- logging, examples, pattern ---------------------------------------------
config 'logging:' '  format: text' '  level: debug'
e2e_check log_level_applied_live "debug lines after the edit" \
    e2e_wait 5 logged '"level":"debug"'
e2e_check env_override_outlives_reloads "format stays json (TASKSCHED_LOGGING__FORMAT)" \
    sh -c "tail -n 1 '$LOG' | grep -q '^{'"

e2e_check examples_hidden_by_default "example_demo not listed" e2e_field_is example_demo name absent
config 'tasks:' '  include_example_tasks: true'
e2e_check include_example_tasks_applied_live "example_demo listed after the edit" \
    e2e_wait 3 listed example_demo

config 'tasks:' '  pattern: "keep_*.lua"'
pattern_applied() {
    e2e_field_is other name absent && listed keep_a
}
e2e_check pattern_applied_live "other unscheduled, keep_a kept" e2e_wait 3 pattern_applied
config
e2e_wait 3 listed other

# ---- a broken edit ----------------------------------------------------------
n=$(grep -c 'config.yaml:' "$E2E_ROOT/logs/errors.log" 2>/dev/null)
printf 'scheduler:\n  max_concurrent: [\n' >"$CONFIG"
e2e_check broken_config_refused_with_file_line "config.yaml:LINE in errors.log" \
    e2e_wait 3 sh -c "[ \$(grep -c 'config.yaml:[0-9]' '$E2E_ROOT/logs/errors.log') -gt ${n:-0} ]"
e2e_check broken_config_keeps_last_good "the tasks are still listed" listed other
e2e_cli --status >"$E2E_ROOT/out" 2>"$E2E_ROOT/err"
rc=$?
e2e_check status_works_with_broken_config "exit 0, running, warning with file:line; got $rc: $(cat "$E2E_ROOT/err")" \
    sh -c "[ $rc = 0 ] && grep -q '^daemon: running' '$E2E_ROOT/out' && grep -q 'config.yaml:[0-9]' '$E2E_ROOT/err'"
e2e_check check_fails_fast_with_broken_config "check exits 1" sh -c "! '$E2E_MAIN' --root '$E2E_ROOT' check >/dev/null 2>&1"

# ---- a misspelt time zone ---------------------------------------------------
# Accepting it would move every wall-time schedule to another zone.
config
e2e_wait 3 reloaded_after "$(reloads)"
daily_next=$(e2e_field daily next_fire_epoch)
n=$(grep -c "unknown time zone 'Asia/Tokio'" "$E2E_ROOT/logs/errors.log" 2>/dev/null)
{ printf 'scheduler:\n  timezone: "Asia/Tokio"\n'; } >"$CONFIG.new" && mv "$CONFIG.new" "$CONFIG"
e2e_check misspelt_zone_refused_with_file_line_and_suggestion \
    "config.yaml:2:13: scheduler.timezone: unknown time zone 'Asia/Tokio' (did you mean 'Asia/Tokyo'?) in errors.log" \
    e2e_wait 3 sh -c "[ \$(grep -c \"config.yaml:2:13: scheduler.timezone: unknown time zone 'Asia/Tokio' (did you mean 'Asia/Tokyo'?)\" '$E2E_ROOT/logs/errors.log') -gt ${n:-0} ]"
e2e_check misspelt_zone_keeps_schedules "daily's next fire stays $daily_next, got $(e2e_field daily next_fire_epoch)" \
    [ "$(e2e_field daily next_fire_epoch)" = "$daily_next" ]
e2e_cli list >"$E2E_ROOT/out" 2>"$E2E_ROOT/err"
rc=$?
e2e_check list_warns_on_misspelt_zone "exit 0 with the file:line warning; got $rc: $(cat "$E2E_ROOT/err")" \
    sh -c "[ $rc = 0 ] && grep -q 'warning: .*config.yaml:2:13: scheduler.timezone' '$E2E_ROOT/err'"
e2e_cli next daily >"$E2E_ROOT/out" 2>"$E2E_ROOT/err"
rc=$?
e2e_check next_warns_on_misspelt_zone "exit 0 with the warning; got $rc: $(cat "$E2E_ROOT/err")" \
    sh -c "[ $rc = 0 ] && grep -q 'warning: .*scheduler.timezone' '$E2E_ROOT/err'"

# ---- a billion laughs -------------------------------------------------------
# Nine levels of nine aliases: 387 million nodes if expanded.  Refused with
# file:line after a few megabytes (the daemon grew to 170 MB before), and
# the last good config stays: its pattern would unschedule `other`.
laughs=$(printf '  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
         prev=a
         for level in b c d e f g h i; do
             printf '\n  %s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]' "$level" \
                 "$level" $prev $prev $prev $prev $prev $prev $prev $prev $prev
             prev=$level
         done)
n=$(grep -c 'document too large' "$E2E_ROOT/logs/errors.log" 2>/dev/null)
config 'tasks:' '  pattern: "keep_*.lua"' 'laughs:' "$laughs"
e2e_check alias_bomb_refused_with_file_line "config.yaml:LINE: document too large in errors.log" \
    e2e_wait 5 sh -c "[ \$(grep -c 'config.yaml:[0-9]*:[0-9]*: document too large' \
                        '$E2E_ROOT/logs/errors.log') -gt ${n:-0} ]"
e2e_check alias_bomb_keeps_last_good "other still listed" listed other
e2e_daemon_small alias_bomb_daemon_stays_small 65536
config
e2e_wait 3 listed other

# ---- SIGHUP and `main reload` with watching off --------------------------------
n=$(reloads)
config 'tasks:' '  reload_on_change: false'
e2e_wait 3 reloaded_after "$n"
n=$(reloads)
config 'tasks:' '  reload_on_change: false' '  pattern: "keep_*.lua"'
sleep 0.3
e2e_check watch_off_ignores_edits "no reload without a signal" [ "$(reloads)" = "$n" ]
kill -HUP "$E2E_DAEMON"
e2e_check sighup_reloads "other unscheduled after SIGHUP" e2e_wait 3 e2e_field_is other name absent
config 'tasks:' '  reload_on_change: false'
e2e_cli reload >/dev/null 2>&1
e2e_check main_reload_reloads "other back after main reload" e2e_wait 3 listed other

# ---- database.path ---------------------------------------------------------
config 'tasks:' '  reload_on_change: false' 'database:' '  path: data/other.db'
e2e_cli reload >/dev/null 2>&1
e2e_check database_path_change_needs_restart "the log says a restart is needed" \
    e2e_wait 3 logged 'database.path changes need a restart'
e2e_check database_path_kept "data/other.db not created" [ ! -e "$E2E_ROOT/data/other.db" ]

# ---- environment overrides in config --effective ------------------------------
config
TASKSCHED_SCHEDULER__MAX_CONCURRENT=3 e2e_cli config --effective >"$E2E_ROOT/out" 2>&1
e2e_check env_override_listed_in_effective "max_concurrent: 3 from the environment" \
    grep -q 'max_concurrent: 3.*TASKSCHED_SCHEDULER__MAX_CONCURRENT' "$E2E_ROOT/out"
TASKSCHED_SCHEDULER__MAX_CONCURRENT=many e2e_cli config --effective >"$E2E_ROOT/out" 2>&1
rc=$?
e2e_check env_override_typed "exit 1 naming the variable, got $rc: $(cat "$E2E_ROOT/out")" \
    sh -c "[ $rc = 1 ] && grep -q TASKSCHED_SCHEDULER__MAX_CONCURRENT '$E2E_ROOT/out'"

# ---- stop with a broken config -------------------------------------------------
printf 'scheduler: [\n' >"$CONFIG"
e2e_cli stop >/dev/null 2>&1
rc=$?
e2e_check stop_works_with_broken_config "exit 0 and the daemon gone, got $rc" \
    sh -c "[ $rc = 0 ] && ! kill -0 $E2E_DAEMON 2>/dev/null"
e2e_done
