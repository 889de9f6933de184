#!/bin/sh
# live_dotenv.sh — the root's .env edited while the daemon runs reloads the
# config as an edit of config.yaml does: a value set there takes over, a
# bad line is refused with .env:LINE while the last good config stays, and
# removing the file goes back to config.yaml's value.
set -u
. tests/e2e/lib.sh
e2e_setup
LOG=$E2E_ROOT/logs/scheduler.log

# dotenv TEXT: replace .env atomically, as editors do.
dotenv() {
    printf '%s\n' "$1" >"$E2E_ROOT/.env.new" && mv "$E2E_ROOT/.env.new" "$E2E_ROOT/.env"
}

reloads() {
    grep -c 'config reloaded' "$LOG"
}

e2e_task tick <<'EOF'
return { schedule = every(1).minutes, run = function() end }
EOF
e2e_start || exit 1
e2e_check starts_in_the_config_zone "zone UTC, got $(e2e_field tick zone)" \
    e2e_wait 5 e2e_field_is tick zone '"UTC"'

dotenv 'TASKSCHED_SCHEDULER__TIMEZONE=Asia/Tokyo   # set beside config.yaml'
e2e_check dotenv_edit_reloads "zone Asia/Tokyo after .env appeared, got $(e2e_field tick zone)" \
    e2e_wait 5 e2e_field_is tick zone '"Asia/Tokyo"'

before=$(reloads)
dotenv 'TASKSCHED_SCHEDULER__TIMEZONE Europe/Berlin'
e2e_check bad_dotenv_refused_with_its_line "a refusal naming .env:1 in the log" \
    e2e_wait 5 grep -q 'config not reloaded.*\.env:1' "$LOG"
e2e_check bad_dotenv_keeps_the_last_good "still Asia/Tokyo, got $(e2e_field tick zone)" \
    e2e_field_is tick zone '"Asia/Tokyo"'
e2e_check bad_dotenv_is_no_reload "no reload counted" [ "$(reloads)" -eq "$before" ]

rm "$E2E_ROOT/.env"
e2e_check removed_dotenv_goes_back "zone UTC again, got $(e2e_field tick zone)" \
    e2e_wait 5 e2e_field_is tick zone '"UTC"'

e2e_stop
e2e_done
