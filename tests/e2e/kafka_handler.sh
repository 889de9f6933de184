#!/bin/sh
# kafka_handler.sh — tasks/example_actions/example_kafka_handler.lua, the
# Action Scheduler's Kafka callback, called by an every-second row of an
# SQLite table of actions.  The broker is librdkafka's mock cluster, made
# inside the run's producer by the property test.mock.num.brokers (Debian
# has no broker to start): the fire succeeds and logs "published"; with
# the brokers pointing at a closed port of 127.0.0.1 instead, the fire
# fails with the helper's message within its 1 s timeout.
set -u
. tests/e2e/lib.sh
e2e_setup
HANDLER=example_actions/example_kafka_handler
mkdir -p "$E2E_ROOT/tasks/example_actions"
cp "tasks/$HANDLER.lua" "$E2E_ROOT/tasks/$HANDLER.lua"
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
tasks:
  include_example_tasks: true
sources:
  - name: actions
    type: sql
    url: sqlite:data/actions.db
    poll: 60s
    handler: $HANDLER
EOF
# kafka_config BROKERS EXTRA: config/example_kafka.yaml, read afresh by each run.
kafka_config() {
    cat >"$E2E_ROOT/config/example_kafka.yaml.tmp" <<EOF
brokers: "$1"
topic: actions
timeout: 1
config: { acks: all$2 }
EOF
    mv "$E2E_ROOT/config/example_kafka.yaml.tmp" "$E2E_ROOT/config/example_kafka.yaml"
}
CLOSED=127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
kafka_config "$CLOSED" ', test.mock.num.brokers: 1'
sqlite3 "$E2E_ROOT/data/actions.db" <tests/fixtures/compat/action.sql &&
    sqlite3 "$E2E_ROOT/data/actions.db" \
        "INSERT INTO action VALUES ('fast', 'fast-cmd', '* * * * * *', NULL, NULL)" ||
    e2e_not_ok fixture_loads "action.sql and the row 'fast' in SQLite"
e2e_start || e2e_done

e2e_check handler_is_disabled_on_its_own "no next fire of $HANDLER" \
    sh -c '[ "$1" = null ] || [ "$1" = absent ]' sh "$(e2e_field "$HANDLER" next_fire_epoch)"
published() { grep -q 'published fast' "$E2E_ROOT/logs/tasks.log"; }
e2e_check fire_publishes_the_command "'published fast' in tasks.log within 10 s" \
    e2e_wait 10 published
e2e_check published_run_succeeded "a success of actions/fast in the history" \
    e2e_sql_true "SELECT count(*) > 0 FROM runs WHERE task = 'actions/fast' AND status = 'success'"

kafka_config "$CLOSED" ''
refused() {
    e2e_sql_true "SELECT count(*) > 0 FROM runs WHERE task = 'actions/fast' AND status = 'failed'
                  AND error LIKE '%kafka.produce: no delivery report within 1 s%$CLOSED%'"
}
e2e_check unreachable_broker_fails_the_fire "a failed run of actions/fast naming $CLOSED within 10 s" \
    e2e_wait 10 refused
e2e_stop
e2e_done
