#!/bin/sh
# check_and_calendar.sh — `main check` and `main calendar` end to end.
#
# Run from the repository root after ./main is built.  Checks exit codes
# and output on the fixtures of tests/fixtures/tasks/ in a temporary
# project root, and the calendar example of the product owner.  Prints
# "ok - name" / "not ok - name" per case; output of failures is shown.
set -u
MAIN=${MAIN:-./main}
FIXTURES=tests/fixtures/tasks
. tests/e2e/lib.sh
FAILED=0
ROOT=$(mktemp -d) || exit 1
trap 'e2e_remove_root "$ROOT" "$FAILED"' EXIT
trap 'exit 1' INT TERM
OUT="$ROOT/out"

# expect NAME STATUS CMD...: run CMD, pass when it exits with STATUS.
expect() {
    name=$1 want=$2
    shift 2
    "$@" >"$OUT" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then
        echo "ok - $name"
    else
        echo "not ok - $name (exit $got, want $want)"
        FAILED=1
        sed 's/^/#   /' "$OUT"
    fi
}

# contains NAME TEXT: pass when the last command's output has TEXT.
contains() {
    if grep -qF -- "$2" "$OUT"; then
        echo "ok - $1"
    else
        echo "not ok - $1 (no '$2' in output)"
        FAILED=1
        sed 's/^/#   /' "$OUT"
    fi
}

mkdir -p "$ROOT/tasks" "$ROOT/config" "$ROOT/data" "$ROOT/logs"
cp -R "$FIXTURES/good/." "$ROOT/tasks/"
# `check` installs a task's LuaRocks dependencies, which would reach the
# network here; rocks.sh tests that against a local rocks server.
sed -i '/^ *dependencies *=/d' "$ROOT/tasks/all_fields.lua"

expect check_good_tasks_exits_0 0 "$MAIN" --root "$ROOT" check
contains check_prints_ok_line "ok   $ROOT/tasks/example_hello_world.lua  Hello World Task — every 10 minutes; next "
contains check_finds_tasks_in_sub_folders "ok   $ROOT/tasks/cameras/copy.lua  cameras/copy — "
contains check_lists_disabled_tasks "; disabled"

cp "$FIXTURES/bad/unknown_field.lua" "$ROOT/tasks/typo.lua"
expect check_with_a_bad_task_exits_1 1 "$MAIN" --root "$ROOT" check
contains check_reports_file_and_line "FAIL $ROOT/tasks/typo.lua:3: unknown field 'timout' (did you mean 'timeout'?)"
contains check_still_checks_the_others "ok   $ROOT/tasks/example_hello_world.lua"

expect check_given_files_exits_1 1 "$MAIN" --root "$ROOT" check \
    "$FIXTURES/bad/wrong_type.lua" "$FIXTURES/good/cameras/copy.lua"
contains check_given_file_fails "FAIL $FIXTURES/bad/wrong_type.lua:3: field 'timeout': expected a number >= 0, got string"
contains check_given_file_passes "ok   $FIXTURES/good/cameras/copy.lua"

expect check_nested_key_exits_1 1 "$MAIN" --root "$ROOT" check "$FIXTURES/bad/nested_key.lua"
contains check_names_the_top_level_key "FAIL $FIXTURES/bad/nested_key.lua:5: field 'timeout': expected a number >= 0, got string"

expect check_stops_endless_loops 1 "$MAIN" --root "$ROOT" check "$FIXTURES/bad/endless_loop.lua"
contains check_names_the_loop_line "endless_loop.lua:2: instruction limit exceeded"

expect check_unknown_option_is_usage_error 2 "$MAIN" --root "$ROOT" check --bogus

expect calendar_example_exits_0 0 "$MAIN" --root "$ROOT" calendar 'every().day.at("02:30")' \
    --from 2026-03-28T12:00:00+01:00 -n 2 --tz Europe/Berlin
if printf '2026-03-29T03:00:00+02:00\n2026-03-30T02:30:00+02:00\n' | cmp -s - "$OUT"; then
    echo "ok - calendar_example_skips_the_dst_gap"
else
    echo "not ok - calendar_example_skips_the_dst_gap"
    FAILED=1
    sed 's/^/#   /' "$OUT"
fi

expect calendar_once_prints_fewer_lines 0 "$MAIN" --root "$ROOT" calendar \
    'once("2026-12-01 10:00")' --from 2026-01-01T00:00:00Z --tz UTC
if [ "$(cat "$OUT")" = "2026-12-01T10:00:00+00:00" ]; then
    echo "ok - calendar_once_prints_one_line"
else
    echo "not ok - calendar_once_prints_one_line"
    FAILED=1
    sed 's/^/#   /' "$OUT"
fi

# APScheduler's cron fields: the last Sunday of March at 02:30, in Berlin's
# spring-forward gap, is 03:00 as any wall time there.
expect calendar_apscheduler_cron_exits_0 0 "$MAIN" --root "$ROOT" calendar \
    'cron{ month = 3, day = "last sun", hour = 2, minute = 30 }' \
    --from 2026-01-01T00:00:00+01:00 -n 2 --tz Europe/Berlin
contains calendar_apscheduler_cron_first_fire "2026-03-29T03:00:00+02:00"
contains calendar_apscheduler_cron_second_fire "2027-03-28T03:00:00+02:00"
expect calendar_apscheduler_never_fires_is_usage_error 2 "$MAIN" --root "$ROOT" calendar \
    'cron{ month = 2, day = 30 }'
contains calendar_apscheduler_never_fires_message "cron 'month=2; day=30' never fires"

expect calendar_bad_expression_is_usage_error 2 "$MAIN" --root "$ROOT" calendar 'every(0).minutes'
contains calendar_bad_expression_message "calendar: every(n): expected an integer >= 1, got 0"
expect calendar_without_expression_is_usage_error 2 "$MAIN" --root "$ROOT" calendar
expect calendar_bad_count_is_usage_error 2 "$MAIN" --root "$ROOT" calendar 'every().day' -n zero
# Usage errors say what was wrong, not only the usage line.
expect unknown_option_is_usage_error 2 "$MAIN" --root "$ROOT" --bogus
contains unknown_option_is_named "main: --bogus: unknown option"
expect unknown_command_is_usage_error 2 "$MAIN" --root "$ROOT" lst
contains unknown_command_suggests_one "main: unknown command 'lst' (did you mean 'list'?)"
expect bad_count_is_usage_error 2 "$MAIN" --root "$ROOT" history -n abc
contains bad_count_is_explained "main: history: -n: expected a whole number from 1 to 1000000, got 'abc'"
expect missing_value_is_usage_error 2 "$MAIN" --root "$ROOT" next demo -n
contains missing_value_is_explained "main: next: '-n' needs a value"
expect unknown_subcommand_option_is_usage_error 2 "$MAIN" --root "$ROOT" list --foo
contains unknown_subcommand_option_is_named "main: list: unknown option '--foo'"

exit "$FAILED"
