#!/bin/sh
# cli_conventions.sh — what every command shares: --json before or after
# the command (instants as NAME + NAME_epoch), the help on stdout (COMMAND
# --help, help COMMAND), unknown commands and task names answered with the
# one meant, and the program named by argv[0].
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task cameras/copy <<'EOF2'
return { title = "Copy", schedule = every(5).minutes, timeout = 10,
         run = function(ctx) print("copied") return { files = 3 } end }
EOF2
out="$E2E_ROOT/out"
err="$E2E_ROOT/err"

# run ARGS...: the CLI's stdout in $out, stderr in $err, exit code in $rc.
run() {
    e2e_cli "$@" >"$out" 2>"$err"
    rc=$?
}

# json_is PYTHON-EXPRESSION: true when $out is one JSON document `d` for
# which the expression holds.
json_is() {
    /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$out" "$1" 2>/dev/null
}

# An instant in JSON: ISO-8601 with an offset beside its Unix seconds.
INSTANT='lambda o, k: o[k].endswith("+00:00") and isinstance(o[k + "_epoch"], (int, float))'

# ---- --json, before or after the command ------------------------------------

run next cameras/copy -n 3 --json
e2e_check next_json_after_the_command "exit 0, 3 fires with at/at_epoch, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and d['task'] == 'cameras/copy' and len(d['fires']) == 3 and all(($INSTANT)(f, 'at') for f in d['fires'])"
run --json next cameras/copy -n 1
e2e_check next_json_before_the_command "one fire, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and len(d['fires']) == 1"

run calendar 'every(25).hours' -n 2 --from 2026-01-01T00:00:00Z --tz UTC --json
e2e_check calendar_json_has_fires_and_warnings "fires at midnight and the warning, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and [f['at'] for f in d['fires']] == ['2026-01-02T00:00:00+00:00', '2026-01-03T00:00:00+00:00'] and len(d['warnings']) == 1 and d['from_epoch'] == 1767225600 and not open('$err').read()"

run check --json
e2e_check check_json_lists_each_file "ok with the file and its next fire, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and d['ok'] and d['files'][0]['title'] == 'Copy' and ($INSTANT)(d['files'][0], 'next_fire')"

run config --effective --json
e2e_check config_effective_json "the zone from the file with its origin, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and d['scheduler']['timezone'] == 'UTC' and d['origin']['scheduler.timezone'].endswith('config.yaml:2:13') and d['origin']['logging.level'] == 'default' and d['scheduler']['kill_grace'] == 1"
TASKSCHED_LOGGING__LEVEL=debug e2e_cli config --effective --json >"$out" 2>"$err"
rc=$?
e2e_check config_effective_json_names_env "env origin, got $rc: $(cat "$out" "$err")" \
    json_is "d['logging']['level'] == 'debug' and d['origin']['logging.level'] == 'env TASKSCHED_LOGGING__LEVEL'"

run --task cameras/copy --json
e2e_check task_json_is_the_recorded_run "the run with its result and instants alone on stdout, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and d['status'] == 'success' and d['result'] == {'files': 3} and d['exit_code'] == 0 and d['duration'] >= 0 and isinstance(d['id'], int) and ($INSTANT)(d, 'started_at') and ($INSTANT)(d, 'finished_at')"
e2e_check task_json_output_goes_to_stderr "the task's print on stderr, got: $(cat "$err")" \
    grep -q copied "$err"

# ---- help -------------------------------------------------------------------

run next --help
e2e_check command_help_on_stdout "exit 0 and the usage of next on stdout, got $rc: $(cat "$out" "$err")" \
    [ "$rc" -eq 0 ] && grep -q '^usage: main next TASK' "$out" && grep -q -- '-n N' "$out" && [ ! -s "$err" ]
run help calendar
e2e_check help_command_names_one "exit 0 and calendar's options, got $rc: $(cat "$out" "$err")" \
    [ "$rc" -eq 0 ] && grep -q -- '--from ISO' "$out"
run help
e2e_check help_alone_is_help "exit 0 and the commands, got $rc: $(cat "$out" "$err")" \
    [ "$rc" -eq 0 ] && grep -q '^Commands' "$out"

# ---- errors -----------------------------------------------------------------

run status
e2e_check status_suggests_the_option "exit 2 and --status meant, got $rc: $(cat "$err")" \
    [ "$rc" -eq 2 ] && grep -q "^main: unknown command 'status' (did you mean '--status'?)" "$err"
run foo
e2e_check unknown_command_exits_2 "exit 2 and the word named, got $rc: $(cat "$err")" \
    [ "$rc" -eq 2 ] && grep -q "^main: unknown command 'foo'" "$err"
run --task camera/copy
e2e_check task_suggests_the_nearest_name "exit 1 and cameras/copy meant, got $rc: $(cat "$err")" \
    [ "$rc" -eq 1 ] && grep -q "no task named 'camera/copy' (did you mean 'cameras/copy'?)" "$err"
run history nosuch
e2e_check history_of_no_task_exits_1 "exit 1, got $rc: $(cat "$out" "$err")" \
    [ "$rc" -eq 1 ] && grep -q "^history: no task named 'nosuch'" "$err"

ln -s "$E2E_MAIN" "$E2E_ROOT/task-scheduler"
"$E2E_ROOT/task-scheduler" --root "$E2E_ROOT" bogus >"$out" 2>"$err"
e2e_check program_named_by_argv0 "task-scheduler in the error and usage lines, got: $(cat "$err")" \
    grep -q "^task-scheduler: unknown command 'bogus'" "$err" && grep -q '^usage: task-scheduler ' "$err"

# ---- the daemon's commands ----------------------------------------------------

e2e_start || exit 1
run reload --json
e2e_check reload_json "{\"reloading\": true}, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and d == {'reloading': True}"
old=$E2E_DAEMON
run restart --json
e2e_check restart_json "the old pid stopped and a new daemon, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and d == {'stopped': True, 'pid': $old, 'started': True}"
new=$(e2e_cli --status --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
E2E_PIDS="$E2E_PIDS $new"
run stop --json
e2e_check stop_json "{\"stopped\": true, \"pid\": $new}, got $rc: $(cat "$out" "$err")" \
    json_is "$rc == 0 and d == {'stopped': True, 'pid': $new}"
e2e_done
