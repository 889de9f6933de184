#!/bin/sh
# yaml_jobs.sh — YAML job files in a running daemon: a list file dropped
# into tasks/ is scheduled within a second and fires, its entries are tasks
# FILE/ID with their source, an edit of one entry leaves the others' next
# fires alone, a broken edit keeps the last good version, a removed entry
# is unscheduled, and the project root's jobs.yaml is read as jobs/ID.
set -u
. tests/e2e/lib.sh
e2e_setup
SCRATCH=$E2E_ROOT/scratch # outside tasks/, for atomic renames
mkdir -p "$SCRATCH"

# drop PATH: PATH (under the root) from stdin, written elsewhere and renamed in.
drop() {
    cat >"$SCRATCH/new.yaml" && mv "$SCRATCH/new.yaml" "$E2E_ROOT/$1"
}

error_mentions() {
    e2e_field "$1" error | grep -qF "$2"
}

# list_says TEXT: `list` has a line matching TEXT.
list_says() {
    e2e_cli list | grep -q "$1"
}

# sources_listed: the SOURCE column of `list` and `--status`, relative to
# the root, with the line.
sources_listed() {
    for view in list --status; do
        e2e_cli "$view" | grep -q '^jobs/ticker .* tasks/jobs.yaml:1\( \|$\)' &&
            e2e_cli "$view" | grep -q '^jobs/hourly .* tasks/jobs.yaml:7\( \|$\)' || return 1
    done
}

# next_fires_are HOURLY DAILY: the two jobs' next fires.
next_fires_are() {
    [ "$(e2e_field jobs/hourly next_fire_epoch)" = "$1" ] &&
        [ "$(e2e_field jobs/daily next_fire_epoch)" = "$2" ]
}

last_good_in_force() {
    e2e_field_is jobs/ticker last_good true && e2e_scheduled jobs/ticker
}

# source_line NAME: the line of NAME's source in `list --json` (no daemon yet).
source_line() {
    e2e_cli list --json | /usr/bin/python3 -c '
import json, sys
print([t["source"]["line"] for t in json.load(sys.stdin) if t["name"] == sys.argv[1]])' "$1"
}

printf 'schedule: every(2).hours\ncommand: [/bin/true]\n' | drop tasks/solo.yaml
printf -- '- id: a\n  schedule: every(2).hours\n  command: [/bin/true]\n- id: b\n  schedule: every(3).hours\n  shell: "echo hi"\n' |
    drop tasks/pair.yaml
e2e_check yaml_lines_without_a_daemon "list --json: solo line 1, pair/a 1, pair/b 4" \
    eval '[ "$(source_line solo)" = "[1]" ] && [ "$(source_line pair/a)" = "[1]" ] &&
          [ "$(source_line pair/b)" = "[4]" ]'
rm "$E2E_ROOT/tasks/solo.yaml" "$E2E_ROOT/tasks/pair.yaml"

e2e_start || e2e_done

drop tasks/jobs.yaml <<'EOF'
- id: ticker
  title: Ticker
  schedule: every(1).seconds
  shell: echo tick >>"$OUT"
  kwargs: {OUT: ticks.txt}
  cwd: /tmp
- id: hourly
  trigger: {type: interval, hours: 1}
  command: [/bin/true]
- id: daily
  trigger: {type: cron, hour: '2', minute: '30', day_of_week: 'mon-sun'}
  command: [/bin/true]
EOF
e2e_check yaml_list_is_scheduled_within_a_second "jobs/ticker listed with a next fire" \
    e2e_wait 1 e2e_scheduled jobs/ticker
e2e_check yaml_job_fires "jobs/ticker ran" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'jobs/ticker'
                             AND status = 'success'"
e2e_check yaml_job_shows_its_source "source {type yaml, path, line 7}" \
    e2e_field_is jobs/hourly source \
    "{\"type\": \"yaml\", \"path\": \"$E2E_ROOT/tasks/jobs.yaml\", \"line\": 7}"
e2e_check yaml_first_entry_shows_its_line "jobs/ticker source line 1" \
    e2e_field_is jobs/ticker source \
    "{\"type\": \"yaml\", \"path\": \"$E2E_ROOT/tasks/jobs.yaml\", \"line\": 1}"
e2e_check list_shows_the_source "SOURCE of list and --status: tasks/jobs.yaml:1 and :7" sources_listed
e2e_check apscheduler_cron_maps_onto_cron "jobs/daily at 02:30 every day" \
    list_says "jobs/daily *cron 'day_of_week=mon-sun; hour=2; minute=30': at 02:30:00"
hourly=$(e2e_field jobs/hourly next_fire_epoch)
daily=$(e2e_field jobs/daily next_fire_epoch)
hourly_hash=$(e2e_sql "SELECT file_hash FROM tasks WHERE name = 'jobs/hourly'")

# An edit of one entry (the ticker's title, on its line: the others'
# positions, which their versions include, stay) leaves the others alone.
drop tasks/jobs.yaml <<'EOF'
- id: ticker
  title: Ticker v2
  schedule: every(1).seconds
  shell: echo tick >>"$OUT"
  kwargs: {OUT: ticks.txt}
  cwd: /tmp
- id: hourly
  trigger: {type: interval, hours: 1}
  command: [/bin/true]
- id: daily
  trigger: {type: cron, hour: '2', minute: '30', day_of_week: 'mon-sun'}
  command: [/bin/true]
EOF
e2e_wait 3 e2e_field_is jobs/ticker title '"Ticker v2"'
e2e_check edit_of_one_entry_keeps_the_others_next_fires \
    "hourly $hourly daily $daily, got $(e2e_field jobs/hourly next_fire_epoch) $(e2e_field jobs/daily next_fire_epoch)" \
    next_fires_are "$hourly" "$daily"
e2e_check edit_of_one_entry_keeps_the_others_versions "jobs/hourly hash $hourly_hash" \
    [ "$(e2e_sql "SELECT file_hash FROM tasks WHERE name = 'jobs/hourly'")" = "$hourly_hash" ]

# A broken edit of one entry keeps its last good version, and names
# file:line:column with the nearest field.
drop tasks/jobs.yaml <<'EOF'
- id: ticker
  title: Ticker v2
  schedule: every(1).seconds
  shell: echo tick >>"$OUT"
  kwargs: {OUT: ticks.txt}
  cwd: /tmp
  timout: 5
- id: hourly
  trigger: {type: interval, hours: 1}
  command: [/bin/true]
EOF
e2e_check broken_entry_names_file_line_column "jobs.yaml:7:3: unknown field 'timout' (did you mean 'timeout'?)" \
    e2e_wait 3 error_mentions jobs/ticker "jobs.yaml:7:3: unknown field 'timout' (did you mean 'timeout'?)"
e2e_check broken_entry_keeps_last_good "last_good true and a next fire" \
    last_good_in_force
e2e_check removed_entry_is_unscheduled "jobs/daily gone" \
    e2e_wait 3 e2e_field_is jobs/daily name absent

# The root's jobs.yaml, watched too: jobs/ID as well.
drop jobs.yaml <<'EOF'
- id: rooted
  schedule: "*/5 * * * * *"
  command: [/bin/true]
EOF
e2e_check root_jobs_yaml_is_read_when_dropped "jobs/rooted scheduled within a second" \
    e2e_wait 1 e2e_scheduled jobs/rooted
rm "$E2E_ROOT/tasks/jobs.yaml"
e2e_wait 3 e2e_field_is jobs/ticker name absent
e2e_check removed_file_unschedules_its_jobs "jobs/ticker gone" \
    e2e_field_is jobs/ticker name absent

# A script relative to its job file's folder runs by its shebang, whatever
# the job's cwd.
mkdir -p "$E2E_ROOT/tasks/tools"
printf '#!/bin/sh\necho scripted\n' >"$E2E_ROOT/tasks/tools/hello.sh"
chmod +x "$E2E_ROOT/tasks/tools/hello.sh"
drop tasks/scripted.yaml <<'EOF'
schedule: every(1).seconds
script: tools/hello.sh
cwd: /tmp
EOF
e2e_check relative_script_runs_from_another_cwd "scripted ran successfully" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'scripted' AND status = 'success'"

# The APScheduler service's jobs.yaml as written (tests/fixtures/compat/):
# the cron job is scheduled as APScheduler would, the job naming a Python
# function is scheduled too (the built-in func handler), both with their source.
cp tests/fixtures/compat/jobs.yaml "$SCRATCH/compat.yaml"
mv "$SCRATCH/compat.yaml" "$E2E_ROOT/tasks/jobs.yaml"
e2e_check compat_cron_job_is_scheduled_at_0230 "jobs/daily_backup at 02:30" \
    e2e_wait 3 list_says "jobs/daily_backup *cron 'day_of_week=mon-sun; hour=2; minute=30': at 02:30:00"
e2e_check compat_python_func_is_scheduled "jobs/api_health_check with a next fire" \
    e2e_wait 3 e2e_scheduled jobs/api_health_check
# shows_source TASK LINE: TASK's source is line LINE of tasks/jobs.yaml.
shows_source() {
    e2e_field "$1" source | grep -q "\"type\": \"yaml\", \"path\": \".*/tasks/jobs.yaml\", \"line\": $2}"
}
e2e_check compat_jobs_show_their_source "yaml tasks/jobs.yaml:4 and :15, got $(e2e_field jobs/api_health_check source)" \
    eval 'shows_source jobs/api_health_check 4 && shows_source jobs/daily_backup 15'

e2e_done
