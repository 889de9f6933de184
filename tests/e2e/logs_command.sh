#!/bin/sh
# logs_command.sh — `logs TASK [-n N]` prints the last lines of
# logs/tasks/TASK.log (10 by default, as tail), an unknown task is an error
# naming the nearest one; `logs TASK -f` follows the file from before it
# exists, through size rotations and a truncation, showing every line once,
# and ends with exit 0 at SIGINT.  The followed task runs every second.
set -u
. tests/e2e/lib.sh
e2e_setup
out=$E2E_ROOT/out
LOG=$E2E_ROOT/logs/tasks

e2e_task note <<'EOF'
return { schedule = once("2020-01-01 00:00"),
         run = function() for i = 1, 15 do log.info("line " .. i, { i = i }) end end }
EOF

run_cli() {
    e2e_cli "$@" >"$out" 2>&1
    rc=$?
}

run_cli logs note
e2e_check logs_before_any_line_says_so "exit 0 and a note, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 0 ] && grep -q 'note has logged nothing yet' '$out'"
e2e_cli --task note >/dev/null 2>&1
run_cli logs note
e2e_check logs_prints_the_last_10_lines "lines 6 to 15 with their fields, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 0 ] && [ \$(wc -l <'$out') -eq 10 ] &&
           head -n 1 '$out' | grep -q 'INFO \[note\] line 6 i=6\$' &&
           tail -n 1 '$out' | grep -q 'INFO \[note\] line 15 i=15\$'"
run_cli logs note -n 3
e2e_check logs_n_lines "lines 13 to 15, got: $(cat "$out")" \
    sh -c "[ \$(wc -l <'$out') -eq 3 ] && head -n 1 '$out' | grep -q 'line 13 i=13\$'"
run_cli logs nte
e2e_check logs_unknown_task_suggests "exit 1 and did you mean 'note', got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 1 ] && grep -q \"no task named 'nte' (did you mean 'note'?)\" '$out'"
run_cli logs ../../etc/passwd
e2e_check logs_stays_in_its_folder "exit 1, got $rc: $(cat "$out")" \
    sh -c "[ $rc -eq 1 ] && grep -q \"no task named '../../etc/passwd'\" '$out'"
run_cli logs note -n many
e2e_check logs_bad_count_exits_2 "exit 2, got $rc: $(cat "$out")" [ "$rc" -eq 2 ]
run_cli logs
e2e_check logs_without_task_exits_2 "exit 2, got $rc: $(cat "$out")" [ "$rc" -eq 2 ]

# ---- following --------------------------------------------------------------

cat >>"$E2E_ROOT/config/config.yaml" <<'EOF'
logging:
  max_size: 1KB
  rotation: 3
EOF
e2e_task chatty <<'EOF'
return { schedule = every(1).seconds, run = function(ctx)
  local pad = string.rep("x", 300)
  log.info("tick " .. ctx.scheduled_for .. " a", { pad = pad })
  log.info("tick " .. ctx.scheduled_for .. " b", { pad = pad })
end }
EOF
follow=$E2E_ROOT/follow.out
"$E2E_MAIN" --root "$E2E_ROOT" logs chatty -f -n 0 >"$follow" 2>&1 &
follower=$!
E2E_PIDS="$E2E_PIDS $follower"
sleep 0.3 # the follower watches before the first line

e2e_start || e2e_done
e2e_wait 20 test -e "$LOG/chatty.log.2"
sleep 0.5
until=$(date +%s.%N)
sleep 0.5

# shown_twice SF: both lines of the run scheduled at SF were followed.
missing=
for sf in $(e2e_sql "SELECT scheduled_for FROM runs WHERE task = 'chatty'
                     AND status = 'success' AND finished_at < $until"); do
    [ "$(grep -c "tick $sf [ab] pad=" "$follow")" = 2 ] || missing="$missing $sf"
done
e2e_check logs_follow_through_rotations \
    "every line of each run once, across chatty.log.1 and .2; missing or doubled:$missing" \
    sh -c "[ -z '$missing' ] && [ -e '$LOG/chatty.log.2' ] &&
           [ -z \"\$(sort '$follow' | uniq -d)\" ] && grep -q 'tick ' '$follow'"

: >"$LOG/chatty.log"
after=$(date +%s)
e2e_wait 10 e2e_sql_true "SELECT count(*) > 0 FROM runs WHERE task = 'chatty'
                          AND status = 'success' AND scheduled_for > $after + 1"
late=$(e2e_sql "SELECT max(scheduled_for) FROM runs WHERE task = 'chatty' AND status = 'success'")
e2e_wait 5 grep -q "tick $late b" "$follow"
e2e_check logs_follow_after_truncation "the lines of the run at $late after the truncation" \
    grep -q "tick $late b" "$follow"

kill -INT "$follower"
e2e_wait 5 e2e_gone "$follower"
wait "$follower"
rc=$?
e2e_check logs_follow_ends_at_sigint "exit 0 at SIGINT, got $rc: $(grep -v 'tick ' "$follow")" \
    [ "$rc" -eq 0 ]
e2e_stop
e2e_done
