#!/bin/sh
# sql_source.sh — SQLite tables of actions (sources: with a sqlite: URL,
# polled every second), made and changed with the sqlite3 CLI while the
# daemon runs: the rows are tasks SOURCE/NAME; an inserted row is
# scheduled within a poll, an updated cron moves the next fire, a deleted
# row goes; a bad value breaks only its row's task, naming source, row and
# column; a database that goes missing, or is replaced by a file that is
# no database, keeps the last good rows firing and is reported (log,
# status, a daemon event, a broken alert) until it is back; a handler task
# gets ctx.args, a row without one runs under /bin/sh -c with ACTION_NAME
# and ACTION_SOURCE; `sources` is in --status (plain and JSON), GET
# /api/v1/status and config --effective (whose YAML reads back), never
# with a password.  Last, the daemon stops and starts again an hour later
# on its test clock, without actions.db (its rows kept in data/sources/
# are scheduled still): merge_missed TRUE runs a missed fire once, FALSE
# each of them, actuality_time is the grace (as daemon_catchup.sh does for
# task files).
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
sources:
  - name: acts
    type: sql
    url: sqlite:data/actions.db
    poll: 1s
  - name: hs
    url: sqlite:data/actions.db
    table: hact
    poll: 1s
    handler: handler
  - name: late
    url: sqlite:data/late.db
    poll: 1s
    defaults: { merge_missed: false, actuality_time: -1 }
  - name: pw
    url: postgresql://someone:s3cret@127.0.0.1:1/db?password=s3cret2&connect_timeout=1
    poll: 1m
EOF
e2e_task handler <tests/fixtures/tasks/source_handler.lua

DB=$E2E_ROOT/data/actions.db
db() {
    sqlite3 -batch -cmd '.timeout 5000' "$DB" "$1"
}
db "CREATE TABLE action (name TEXT PRIMARY KEY, command TEXT NOT NULL, cron TEXT NOT NULL,
                         merge_missed BOOLEAN, actuality_time INTEGER, enabled BOOLEAN,
                         timezone TEXT, timeout INTEGER);
    INSERT INTO action (name, command, cron, enabled, timezone, timeout) VALUES
      ('bad', 'true', 'not a cron', NULL, NULL, NULL),
      ('badtimeout', 'true', '* * * * *', NULL, NULL, 'soon'),
      ('off', 'true', '* * * * *', 0, NULL, NULL),
      ('sh', 'echo \"\$ACTION_SOURCE \$ACTION_NAME\" >>\"\$TASKSCHED_ROOT/ran.txt\"',
       '* * * * * *', NULL, NULL, NULL),
      ('slow', 'sleep 5', '* * * * * *', NULL, NULL, 1),
      ('tokyo', 'true', '0 9 * * *', NULL, 'Asia/Tokyo', NULL),
      ('yearly', 'true', '0 0 1 1 *', NULL, NULL, NULL);
    CREATE TABLE hact (name TEXT, command TEXT, cron TEXT, merge_missed BOOLEAN,
                       actuality_time INTEGER);
    INSERT INTO hact VALUES ('h1', 'the command', '* * * * * *', NULL, NULL);" ||
    e2e_not_ok tables_made "sqlite3 makes the tables"
sqlite3 -batch "$E2E_ROOT/data/late.db" \
    "CREATE TABLE action (name TEXT, command TEXT, cron TEXT, merge_missed BOOLEAN,
                          actuality_time INTEGER);
     INSERT INTO action VALUES
       ('m_once', 'true', '*/10 * * * *', 1, -1),
       ('m_all', 'true', '*/10 * * * *', 0, -1),
       ('m_grace', 'true', '*/10 * * * *', 0, 300),
       ('m_grace_none', 'true', '*/10 * * * *', 1, 10),
       ('m_default', 'true', '*/10 * * * *', NULL, NULL);" ||
    e2e_not_ok late_table_made "sqlite3 makes late.db"

e2e_start || e2e_done
ADMIN_TOKEN=$(cat "$E2E_ROOT/data/api.token")

# ---- rows as tasks ----------------------------------------------------------------

e2e_check rows_scheduled "acts/sh, acts/yearly and hs/h1 with next fires" \
    e2e_wait 10 sh -c '. tests/e2e/lib.sh; E2E_ROOT=$1
        e2e_scheduled acts/sh && e2e_scheduled acts/yearly && e2e_scheduled hs/h1' sh "$E2E_ROOT"
e2e_check source_is_the_table "source {type sql, path acts/action, line 4}, got $(e2e_field acts/sh source)" \
    [ "$(e2e_field acts/sh source)" = '{"type": "sql", "path": "acts/action", "line": 4}' ]
e2e_check command_runs_under_sh_with_action_env "ran.txt holds 'acts sh'" \
    e2e_wait 5 grep -q '^acts sh$' "$E2E_ROOT/ran.txt"
e2e_check handler_receives_args "handled.txt holds 'hs|h1|the command'" \
    e2e_wait 5 grep -q '^hs|h1|the command$' "$E2E_ROOT/handled.txt"
e2e_check timeout_column_is_the_timeout "a run of acts/slow (sleep 5, timeout 1) ends in timeout within 4 s" \
    e2e_wait 4 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'acts/slow' AND status = 'timeout'"
e2e_check enabled_column_disables "acts/off enabled false, got $(e2e_field acts/off enabled)" \
    [ "$(e2e_field acts/off enabled)" = false ]
now=$(date +%s)
midnight=$(( now / 86400 * 86400 + 86400 ))
e2e_check timezone_column_is_the_zone "acts/tokyo next at 09:00 Tokyo ($midnight), got $(e2e_field acts/tokyo next_fire_epoch)" \
    [ "$(e2e_field acts/tokyo next_fire_epoch)" = "$midnight" ]

# ---- bad rows -----------------------------------------------------------------------

bad_error=$(e2e_field acts/bad error)
e2e_check bad_cron_breaks_its_task "acts/bad broken, got $(e2e_field acts/bad broken)" \
    [ "$(e2e_field acts/bad broken)" = true ]
e2e_check bad_cron_error_names_source_and_row "an error starting acts/bad (row 1), got $bad_error" \
    sh -c 'case $1 in "\"acts/bad (row 1): "*) exit 0;; esac; exit 1' sh "$bad_error"
bad_error=$(e2e_field acts/badtimeout error)
e2e_check bad_value_names_row_and_column "acts/badtimeout (row 2): column 'timeout': …, got $bad_error" \
    sh -c 'case $1 in "\"acts/badtimeout (row 2): column '"'timeout'"'"*) exit 0;; esac; exit 1' sh "$bad_error"
e2e_check bad_rows_break_no_other_task "acts/sh and acts/yearly not broken" \
    [ "$(e2e_field acts/sh broken)$(e2e_field acts/yearly broken)" = falsefalse ]

# ---- insert, update, delete ------------------------------------------------------------

db "INSERT INTO action (name, command, cron) VALUES ('zz_new', 'true', '0 0 1 1 *')"
e2e_check insert_scheduled_within_a_poll "acts/zz_new scheduled within 2 s (poll 1 s)" \
    e2e_wait 2 e2e_scheduled acts/zz_new
now=$(date +%s)
noon=$(( now / 86400 * 86400 + 43200 ))
[ "$noon" -gt "$now" ] || noon=$((noon + 86400))
db "UPDATE action SET cron = '0 12 * * *' WHERE name = 'yearly'"
e2e_check update_moves_the_next_fire "acts/yearly next at $noon within 2 s, got $(e2e_field acts/yearly next_fire_epoch)" \
    e2e_wait 2 e2e_field_is acts/yearly next_fire_epoch "$noon"
db "DELETE FROM action WHERE name = 'zz_new'"
gone() { [ "$(e2e_field acts/zz_new name)" = absent ]; }
e2e_check delete_unschedules "acts/zz_new gone within 2 s" e2e_wait 2 gone

# ---- where the sources are shown ------------------------------------------------------

# status_source SOURCE PYTHON-EXPR: the source in --status --json makes EXPR (on `s`) true.
status_source() {
    e2e_cli --status --json | /usr/bin/python3 -c '
import json, sys
s = [s for s in json.load(sys.stdin)["sources"] if s["name"] == sys.argv[1]][0]
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
}
e2e_check status_json_has_the_source "acts: type sql, url, table, poll 1, 7 rows, read_at, no error" \
    status_source acts "s['type'] == 'sql' and s['url'] == 'sqlite:data/actions.db' and
        s['table'] == 'action' and s['poll'] == 1 and s['rows'] == 7 and
        isinstance(s['read_at_epoch'], (int, float)) and s['read_at'] and s['error'] is None"
e2e_check status_json_hides_the_password "pw's url without s3cret, and an error" \
    status_source pw "'s3cret' not in s['url'] and 'someone' in s['url'] and
        s['read_at'] is None and s['error']"
e2e_cli --status >"$E2E_ROOT/status.txt"
e2e_check plain_status_lists_the_sources "a line 'source acts: sqlite:data/actions.db, table action, every 1s, 7 rows'" \
    grep -q '^source acts: sqlite:data/actions.db, table action, every 1s, 7 rows, read ' "$E2E_ROOT/status.txt"
e2e_check plain_status_hides_the_password "no s3cret in --status" \
    sh -c '! grep -q s3cret "$1" && grep -q "^source pw: .*error: " "$1"' sh "$E2E_ROOT/status.txt"
req -H "$(bearer "$ADMIN_TOKEN")" "$(url /api/v1/status)"
e2e_check api_status_has_the_sources "GET /api/v1/status: sources acts, hs, late, pw; got $code" \
    body_is "[s['name'] for s in d['sources']] == ['acts', 'hs', 'late', 'pw'] and
             d['sources'][0]['rows'] == 7 and 's3cret' not in json.dumps(d['sources'])"
req -X DELETE -H "$(bearer "$ADMIN_TOKEN")" "$(url /api/v1/tasks/acts%2Fsh)"
refused_as_a_row() { problem 409 name && body_is "'a sql source' in d['detail']"; }
e2e_check api_refuses_to_delete_a_row "DELETE acts/sh: 409 naming name, a sql source; got $code $(cat "$out")" \
    refused_as_a_row
e2e_cli config --effective >"$E2E_ROOT/effective.yaml"
e2e_check config_effective_prints_the_sources "sources: with acts, its url, poll and defaults" \
    sh -c 'grep -q "^sources:" "$1" && grep -q "^  - name: acts" "$1" &&
           grep -q "^    url: \"sqlite:data/actions.db\"" "$1" && grep -q "^    poll: 1s$" "$1" &&
           grep -q "^    defaults: { merge_missed: false, actuality_time: -1 }" "$1"' sh "$E2E_ROOT/effective.yaml"
# Read back as a config file, the printed YAML has the same sources (the
# urls as shown).
same_sources_read_back() {
    "$E2E_MAIN" --root "$E2E_ROOT" config --effective --json >"$E2E_ROOT/effective.json" &&
        "$E2E_MAIN" --root "$E2E_ROOT" --config "$E2E_ROOT/effective.yaml" config --effective --json \
            >"$E2E_ROOT/read_back.json" &&
        /usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(f))["sources"] for f in sys.argv[1:])
sys.exit(0 if a == b and len(a) == 4 else 1)' "$E2E_ROOT/effective.json" "$E2E_ROOT/read_back.json"
}
e2e_check config_effective_sources_read_back "config --effective's YAML as a config: the same sources" \
    same_sources_read_back
e2e_check config_effective_hides_the_password "no s3cret in config --effective (YAML and JSON)" \
    sh -c '! grep -q s3cret "$1" && ! "$2" --root "$3" config --effective --json | grep -q s3cret' \
    sh "$E2E_ROOT/effective.yaml" "$E2E_MAIN" "$E2E_ROOT"
e2e_check config_effective_json_has_the_sources "sources[0] acts with handler null, columns and defaults" \
    sh -c '"$1" --root "$2" config --effective --json | /usr/bin/python3 -c "
import json, sys
s = json.load(sys.stdin)[\"sources\"]
sys.exit(0 if s[0][\"name\"] == \"acts\" and s[0][\"handler\"] is None and
         s[0][\"columns\"][\"cron\"] == \"cron\" and s[1][\"handler\"] == \"handler\" and
         s[2][\"defaults\"] == {\"merge_missed\": False, \"actuality_time\": -1} else 1)"' \
    sh "$E2E_MAIN" "$E2E_ROOT"

# ---- the database goes missing, then is no database ------------------------------------------

mv "$DB" "$DB.away"
before=$(grep -c '^acts sh$' "$E2E_ROOT/ran.txt")
more_fires() { [ "$(grep -c '^acts sh$' "$E2E_ROOT/ran.txt")" -ge $((before + 2)) ]; }
e2e_check missing_database_logged "scheduler.log: source acts: …: cannot open" \
    e2e_wait 3 grep -q 'source acts: .*actions.db: cannot open.*last good rows (7) stay scheduled' \
    "$E2E_ROOT/logs/scheduler.log"
e2e_check missing_database_in_status "acts: error 'cannot open', rows 7" \
    status_source acts "'cannot open' in s['error'] and s['rows'] == 7"
e2e_check last_good_rows_fire_while_the_database_is_missing "two more fires of acts/sh" \
    e2e_wait 5 more_fires
e2e_check rows_kept_while_missing "acts/yearly and hs/h1 still scheduled" \
    sh -c '. tests/e2e/lib.sh; E2E_ROOT=$1; e2e_scheduled acts/yearly && e2e_scheduled hs/h1' \
    sh "$E2E_ROOT"
e2e_check missing_database_is_a_broken_alert "the daemon's open broken alert says actions.db: cannot open" \
    e2e_sql_true "SELECT count(*) = 1 FROM alerts WHERE kind = 'broken' AND task = ''
                  AND resolved_at IS NULL AND message LIKE '%actions.db: cannot open%'"
# A file that is no database in its place: unreadable, reported the same.
echo "not a database, only text that is long enough to be read as a header" >"$DB"
e2e_check unreadable_database_in_status "acts: error 'not a database', rows 7" \
    e2e_wait 3 status_source acts "'not a database' in s['error'] and s['rows'] == 7"
e2e_check rows_kept_while_unreadable "acts/yearly still scheduled" e2e_scheduled acts/yearly
mv "$DB.away" "$DB"
e2e_check database_back_read_again "acts: error null within 3 s" \
    e2e_wait 3 status_source acts "s['error'] is None"
curl -s -N --max-time 1 -H "$(bearer "$ADMIN_TOKEN")" "$(url '/api/v1/events?last_event_id=0')" \
    >"$E2E_ROOT/events.txt"
e2e_check failure_and_recovery_are_daemon_events "source_failed and source_read of acts in /api/v1/events" \
    sh -c 'grep -q "\"type\": *\"source_failed\".*\"source\": *\"acts\"\|\"source\": *\"acts\".*\"type\": *\"source_failed\"" "$1" &&
           grep -q "source_read" "$1"' sh "$E2E_ROOT/events.txt"

# ---- merge_missed and actuality_time over a downtime ------------------------------------

e2e_wait 5 e2e_sql_true "SELECT count(*) = 5 FROM tasks WHERE name LIKE 'late/%' AND next_fire > 0"
e2e_stop
# The next daemon starts without actions.db: the rows kept in data/sources/
# are scheduled until it can read it.
mv "$DB" "$DB.away"
first=$(e2e_sql "SELECT next_fire FROM tasks WHERE name = 'late/m_all'")
now=$(date +%s)
last=$(( (now + 3600) / 600 * 600 ))
missed=$(( (last - first) / 600 + 1 ))
e2e_start $((last + 30 - now)) || e2e_not_ok daemon_restarts "the daemon answering again"
catchups() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = 'late/$1' AND \"trigger\" = 'catchup'"
}
e2e_wait 15 e2e_sql_true "SELECT count(*) = $missed FROM runs WHERE task = 'late/m_all'
                          AND \"trigger\" = 'catchup' AND status = 'success'"
e2e_check kept_rows_scheduled_at_a_start_without_the_database "acts/yearly and hs/h1 scheduled, acts failing with 7 rows" \
    sh -c '. tests/e2e/lib.sh; E2E_ROOT=$1; e2e_wait 5 e2e_scheduled acts/yearly && e2e_scheduled hs/h1' \
    sh "$E2E_ROOT"
e2e_check kept_rows_are_reported "acts: 7 rows, an error 'cannot open', a read_at" \
    status_source acts "s['rows'] == 7 and 'cannot open' in s['error'] and s['read_at']"
e2e_check kept_rows_file_is_private "data/sources/acts.json mode 600, got $(stat -c %a "$E2E_ROOT/data/sources/acts.json")" \
    [ "$(stat -c %a "$E2E_ROOT/data/sources/acts.json")" = 600 ]
e2e_check merge_missed_false_runs_each_missed_fire "$missed catch-up runs of late/m_all: $(e2e_runs late/m_all)" \
    e2e_sql_true "SELECT count(*) = $missed AND min(scheduled_for) = $first
                         AND max(scheduled_for) = $last
                  FROM runs WHERE task = 'late/m_all' AND \"trigger\" = 'catchup'"
e2e_check merge_missed_true_runs_once "1 catch-up run of late/m_once, got $(catchups m_once)" \
    [ "$(catchups m_once)" -eq 1 ]
e2e_check actuality_time_runs_only_recent_fires "1 catch-up run of late/m_grace, of $last: $(e2e_runs late/m_grace)" \
    e2e_sql_true "SELECT count(*) = 1 AND min(scheduled_for) = $last FROM runs
                  WHERE task = 'late/m_grace' AND \"trigger\" = 'catchup'"
e2e_check actuality_time_shorter_than_the_delay_runs_none "0 catch-up runs of late/m_grace_none, got $(catchups m_grace_none)" \
    [ "$(catchups m_grace_none)" -eq 0 ]
e2e_check null_columns_take_the_source_defaults "$missed catch-up runs of late/m_default (merge_missed false, actuality_time -1), got $(catchups m_default)" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) = $missed FROM runs WHERE task = 'late/m_default' AND \"trigger\" = 'catchup'"

e2e_stop
e2e_done
