#!/bin/sh
# pg_source.sh — a PostgreSQL table of actions (sources: with a
# postgresql:// URL) against a private server this test starts
# (pg_lib.sh): the Action Scheduler's sample rows are scheduled and a
# every-second row calls the handler with its command; with the trigger of
# `main sources install-trigger` installed, an inserted row is scheduled
# within 1 s although the poll is a minute (only LISTEN can explain it);
# the server stopped under the daemon keeps the last good rows firing and
# is reported, and once it is back (and after pg_terminate_backend of the
# daemon's connection) the daemon reconnects and LISTENs again.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/pg_lib.sh
pg_start || e2e_done
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
sources:
  - name: pg
    type: sql
    url: $PG_URL
    poll: 60s
    handler: handler
EOF
e2e_task handler <tests/fixtures/tasks/source_handler.lua
pg_sql "$(cat tests/fixtures/compat/action.sql)" >/dev/null || e2e_not_ok fixture_loads "action.sql in PostgreSQL"
pg_sql "INSERT INTO action VALUES ('fast', 'fast-cmd', '* * * * * *', NULL, NULL)" >/dev/null
e2e_start || e2e_done

samples_scheduled() { e2e_scheduled pg/command1 && e2e_scheduled pg/command2 && e2e_scheduled pg/fast; }
e2e_check rows_scheduled "pg/command1, pg/command2 and pg/fast with next fires" \
    e2e_wait 10 samples_scheduled
e2e_check source_is_the_table "source {type sql, path pg/action, line 1}, got $(e2e_field pg/command1 source)" \
    [ "$(e2e_field pg/command1 source)" = '{"type": "sql", "path": "pg/action", "line": 1}' ]
e2e_check handler_receives_command "handled.txt holds 'pg|fast|fast-cmd'" \
    e2e_wait 5 grep -q '^pg|fast|fast-cmd$' "$E2E_ROOT/handled.txt"

e2e_cli sources install-trigger pg >"$E2E_ROOT/trigger.sql"
e2e_check install_trigger_prints_sql "CREATE TRIGGER in the output" \
    grep -q 'CREATE TRIGGER' "$E2E_ROOT/trigger.sql"
e2e_check trigger_sql_runs "psql runs it" pg_sql "$(cat "$E2E_ROOT/trigger.sql")"
pg_sql "INSERT INTO action VALUES ('listened', 'l-cmd', '0 0 1 1 *', NULL, NULL)" >/dev/null
e2e_check notify_picks_up_an_insert_within_1s "pg/listened scheduled within 1 s (poll 60 s)" \
    e2e_wait 1 e2e_scheduled pg/listened
e2e_check install_trigger_refuses_an_unknown_source "exit 1" \
    sh -c '! "$1" --root "$2" sources install-trigger nope 2>/dev/null' sh "$E2E_MAIN" "$E2E_ROOT"

# The server goes away: the rows keep firing, the loss is reported.
pg_stop_server
before=$(grep -c '^pg|fast|' "$E2E_ROOT/handled.txt")
more_fires() { [ "$(grep -c '^pg|fast|' "$E2E_ROOT/handled.txt")" -ge $((before + 2)) ]; }
e2e_check last_good_rows_fire_while_the_database_is_down "two more fires of pg/fast" \
    e2e_wait 5 more_fires
e2e_check unreachable_database_reported "scheduler.log says the database is unreachable" \
    e2e_wait 5 grep -q 'source pg: the database is unreachable' "$E2E_ROOT/logs/scheduler.log"
e2e_check rows_kept_while_down "pg/command1 still scheduled" e2e_scheduled pg/command1
pg_start_server
pg_sql "INSERT INTO action VALUES ('after', 'a-cmd', '0 0 1 1 *', NULL, NULL)" >/dev/null
e2e_check reconnects_and_listens_again "pg/after scheduled within 20 s of the restart" \
    e2e_wait 20 e2e_scheduled pg/after

pg_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
        WHERE datname = 'test' AND pid <> pg_backend_pid()" >/dev/null
sleep 0.5
pg_sql "INSERT INTO action VALUES ('after_kill', 'k-cmd', '0 0 1 1 *', NULL, NULL)" >/dev/null
e2e_check reconnects_after_terminate_backend "pg/after_kill scheduled within 10 s" \
    e2e_wait 10 e2e_scheduled pg/after_kill
pg_sql "DELETE FROM action WHERE name = 'after_kill'" >/dev/null
gone() { [ "$(e2e_field pg/after_kill name)" = absent ]; }
e2e_check deleted_row_unscheduled "pg/after_kill gone within 2 s" e2e_wait 2 gone
e2e_check fires_kept_running "pg/fast still fires" \
    e2e_wait 5 sh -c "[ \$(grep -c '^pg|fast|' '$E2E_ROOT/handled.txt') -gt $((before + 2)) ]"

e2e_stop
e2e_done
