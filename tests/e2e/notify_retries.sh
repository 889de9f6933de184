#!/bin/sh
# notify_retries.sh — a task's automatic notifications against a real
# webhook on 127.0.0.1 (tests/fixtures/http_server.py records each POST):
# a fire whose retries end in success sends nothing; a fire whose last
# attempt fails sends one "failure" naming the run and "attempt 3/3"; the
# same failure again (also after a restart) is counted, not sent; the
# recovery tells how many times it failed; `attempt_failure` sends every
# failed attempt.
set -u
. tests/e2e/lib.sh
e2e_setup
MODE=$E2E_ROOT/mode

e2e_http_server || exit 1
PORT=$SERVER_PORT
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
notifications:
  hook:
    type: webhook
    url: http://127.0.0.1:$PORT/ok
EOF

# Fails as $MODE says: "flaky" fails attempts 1 and 2, "fail" every one.
e2e_task backup <<EOF_TASK
return { schedule = every(5).seconds, retry_count = 2, retry_delay = 1, retry_backoff = 1,
         notify = { on = { "failure", "recovery" }, channels = { "hook" } },
         run = function(ctx)
             local f = assert(io.open("$MODE"))
             local mode = f:read("l")
             f:close()
             if mode == "fail" or (mode == "flaky" and ctx.attempt < 3) then
                 error(mode == "fail" and "disk full" or "flaky")
             end
         end }
EOF_TASK
e2e_task every_attempt <<EOF_TASK
return { schedule = every(5).seconds, retry_count = 1, retry_delay = 1,
         notify = { on = { "attempt_failure" }, channels = { "hook" } },
         run = function() error("always") end }
EOF_TASK

# hooks TASK: one line per webhook POST about TASK, in order:
# "event|attempt/attempts|run_id|title|message" (newlines in it as '\n').
hooks() {
    curl -s "http://127.0.0.1:$PORT/requests" | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["method"] != "POST":
        continue
    b = json.loads(r["body"])
    if b.get("task") == sys.argv[1]:
        print("%s|%s/%s|%s|%s|%s" % (b.get("event"), b.get("attempt"), b.get("attempts"),
              b.get("run_id"), b.get("title"), b.get("message", "").replace("\n", "\\n")))' "$1"
}
hook_count() {
    hooks "$1" | wc -l
}
# finals N: true once N fires of backup have ended their last attempt
# (attempt 3, or a first or second attempt that succeeded).
finals() {
    e2e_sql_true "SELECT count(*) >= $1 FROM runs WHERE task = 'backup' AND finished_at > 0
                  AND (attempt = 3 OR status = 'success')"
}
# mode_after N MODE: once N fires have ended, switch the task's mode (the
# next fire is 5 s away, its attempts all see the new mode).
mode_after() {
    e2e_wait 20 finals "$1" || e2e_not_ok "fire_$1_ended" "fire $1 to end: $(e2e_runs backup)"
    echo "$2" >"$MODE"
}
# A notification is sent by a child of the daemon: give it a moment.
settle() {
    sleep 1
}

echo flaky >"$MODE"
e2e_start || e2e_done
mode_after 1 fail
settle
e2e_check retried_failure_is_not_notified "no webhook for a fire whose retries succeeded, got: $(hooks backup)" \
    [ "$(hook_count backup)" = 0 ]

mode_after 2 fail
settle
e2e_check last_attempt_failure_is_notified "one 'failure' webhook, got: $(hooks backup)" \
    [ "$(hook_count backup)" = 1 ]
final_id=$(e2e_sql "SELECT max(id) FROM runs WHERE task = 'backup' AND attempt = 3")
e2e_check failure_names_run_and_attempt \
    "failure|3/3|$final_id|backup: failed|run $final_id failed (attempt 3/3): tasks/backup.lua…disk full" \
    sh -c "printf '%s\n' \"\$1\" | grep -q '^failure|3/3|$final_id|backup: failed|run $final_id failed (attempt 3/3): tasks/backup.lua:[0-9]*: disk full'" \
    - "$(hooks backup | head -n 1)"

# The same failure again, across a restart: counted, not sent.
e2e_stop
e2e_start || e2e_done
mode_after 3 fail
settle
e2e_check repeated_failure_is_not_sent "still one webhook after a restart and a repeat, got: $(hooks backup)" \
    [ "$(hook_count backup)" = 1 ]
mode_after 4 ok
e2e_wait 20 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'backup' AND status = 'success'
                          AND id > (SELECT max(id) FROM runs WHERE task = 'backup' AND status = 'failed')"
settle
recovery=$(hooks backup | sed -n 2p)
e2e_check recovery_tells_the_repeats \
    "'recovery|1/3|…|backup: recovered|… \"tasks/backup.lua:N: disk full\" failed N times in a row since HH:MM (M not notified)', got: $recovery" \
    sh -c "printf '%s\n' \"\$1\" | grep -Eq '^recovery\|1/3\|[0-9]+\|backup: recovered\|run [0-9]+ succeeded \(attempt 1/3\); \"tasks/backup.lua:[0-9]+: disk full\" failed [2-9] times in a row since [0-9]{2}:[0-9]{2} \([1-8] not notified\)'" \
    - "$recovery"
e2e_check streak_is_saved "the store's alerts:backup entry emptied by the recovery" \
    e2e_sql_true "SELECT value = '{}' FROM meta WHERE key = 'alerts:backup'"

e2e_check attempt_failure_sends_each_attempt \
    "'attempt_failure|1/2|…' then 'failure|2/2|…' for every_attempt, got: $(hooks every_attempt | head -n 2)" \
    sh -c "hooks=\$1; printf '%s\n' \"\$hooks\" | sed -n 1p | grep -q '^attempt_failure|1/2|[0-9]*|every_attempt: attempt 1/2 failed|' &&
           printf '%s\n' \"\$hooks\" | sed -n 2p | grep -q '^failure|2/2|'" - "$(hooks every_attempt)"
e2e_done
