#!/bin/sh
# api_follow.sh — GET /api/v1/runs/{id}/log?follow=1 against the real
# daemon on 127.0.0.1: a run that prints a line every 0.2 s for 2 s is
# streamed while it runs (its first line read while the run is still
# `running`, its lines arriving spread over the run), the response ends
# once the run is over and holds exactly the non-follow answer, which
# `history --show ID` prints too; a finished run's follow answers at once;
# a follower that never reads a run printing megabytes neither stops the
# run nor the loop, and one that goes away mid-run leaves the daemon
# serving; a `follow` that is not 1/0/true/false is 400 naming it.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
TOKEN=reader-token-for-the-follow-test
OP_TOKEN=operator-token-for-the-follow-test
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
  tokens:
    - { name: reader, role: read, sha256: $(sha256_of "$TOKEN") }
    - { name: operator, role: operate, sha256: $(sha256_of "$OP_TOKEN") }
EOF
e2e_task ticker <<'EOF'
return { schedule = every(1).days,
         command = { "sh", "-c", "i=1; while [ $i -le 10 ]; do echo \"tick $i\"; sleep 0.2; i=$((i + 1)); done; echo done >&2" } }
EOF
e2e_task flood <<'EOF'
return { schedule = every(1).days,
         command = { "sh", "-c", "head -c 8000000 /dev/zero | tr '\\0' y | fold -w 99" } }
EOF
run_now() {
    curl -s -X POST -H "$(bearer "$OP_TOKEN")" "$(url "/api/v1/tasks/$1/run")" |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])'
}
status_of() {
    curl -s -H "$(bearer "$TOKEN")" "$(url "/api/v1/runs/$1")" |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'
}
# stamp: each line of stdin as "SECONDS LINE", SECONDS since the start,
# then "SECONDS END EPOCH" at its end.
stamp() {
    /usr/bin/python3 -c '
import sys, time
t0 = time.monotonic()
for line in sys.stdin.buffer:
    sys.stdout.buffer.write(b"%.3f " % (time.monotonic() - t0) + line)
    sys.stdout.flush()
print("%.3f END %.3f" % (time.monotonic() - t0, time.time()))'
}

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"

# ---- a live run, followed ------------------------------------------------------

id=$(run_now ticker)
id=${id:-0}
curl -sN -H "$(bearer "$TOKEN")" "$(url "/api/v1/runs/$id/log?follow=1")" |
    stamp >"$E2E_ROOT/follow.out" &
follower=$!
e2e_wait 10 test -s "$E2E_ROOT/follow.out"
first_status=$(status_of "$id")
e2e_check first_line_while_running "the first line read while run $id is running, got '$first_status' ($(cat "$E2E_ROOT/follow.out"))" \
    [ "$first_status" = running ]
e2e_wait 15 e2e_gone "$follower"
finished=$(e2e_sql "SELECT finished_at FROM runs WHERE id = $id")
e2e_check response_ends_after_the_run "the follow ended, after run $id finished at ${finished:-?}, got $(tail -1 "$E2E_ROOT/follow.out")" \
    /usr/bin/python3 -c "
import sys
last = open('$E2E_ROOT/follow.out').read().splitlines()[-1].split()
sys.exit(0 if last[1] == 'END' and float(last[2]) >= float('${finished:-inf}') else 1)"
e2e_check lines_arrive_spread_over_time "tick 1 and tick 10 at least 1 s apart, got $(cat "$E2E_ROOT/follow.out")" \
    /usr/bin/python3 -c "
import sys
rows = [l.split(' ', 1) for l in open('$E2E_ROOT/follow.out').read().splitlines()[:-1]]
at = {text: float(t) for t, text in rows}
sys.exit(0 if at['tick 10'] - at['tick 1'] >= 1.0 else 1)"
sed '$d' "$E2E_ROOT/follow.out" | cut -d' ' -f2- >"$E2E_ROOT/follow.body"
req -H "$(bearer "$TOKEN")" "$(url "/api/v1/runs/$id/log")"
e2e_check follow_holds_the_whole_log "the 10 ticks and done, as the non-follow log, got $(cat "$E2E_ROOT/follow.body") / $(cat "$out")" \
    sh -c "[ $code = 200 ] && cmp -s '$out' '$E2E_ROOT/follow.body' && [ \"\$(grep -c '^tick ' '$out')\" = 10 ] && grep -qx '\\[stderr\\] done' '$out'"
e2e_cli history --show "$id" >"$E2E_ROOT/show.out" 2>&1
sed -n '/^output:$/,$p' "$E2E_ROOT/show.out" | sed '1d; s/^  //' >"$E2E_ROOT/show.body"
e2e_check history_show_prints_the_log "\`history --show $id\`'s output is the API's log, got $(cat "$E2E_ROOT/show.out")" \
    cmp -s "$E2E_ROOT/show.body" "$out"

# ---- a finished run, followed --------------------------------------------------

start=$(date +%s%N)
req -H "$(bearer "$TOKEN")" "$(url "/api/v1/runs/$id/log?follow=true")"
took=$((($(date +%s%N) - start) / 1000000))
e2e_check follow_of_finished_run_at_once "200 with the whole log in well under a second, got $code in $took ms" \
    sh -c "[ $code = 200 ] && [ $took -lt 1000 ] && cmp -s '$out' '$E2E_ROOT/follow.body'"
req -H "$(bearer "$TOKEN")" "$(url "/api/v1/runs/$id/log?follow=0")"
e2e_check follow_0_is_the_plain_log "200 with the log, got $code" \
    sh -c "[ $code = 200 ] && cmp -s '$out' '$E2E_ROOT/follow.body'"
req -H "$(bearer "$TOKEN")" "$(url "/api/v1/runs/$id/log?follow=yes")"
e2e_check bad_follow_is_400 "400 naming follow, got $code $(cat "$out")" problem 400 follow

# ---- followers that do not read, or go away ------------------------------------

id=$(run_now flood)
id=${id:-0}
/usr/bin/python3 - "$PORT" "$TOKEN" "$id" >"$E2E_ROOT/stall.out" 2>&1 <<'EOF' &
import socket, sys, time
port, token, run = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", int(port)))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(("GET /api/v1/runs/%s/log?follow=1 HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\n\r\n" % (run, token)).encode())
time.sleep(30)  # never reads
EOF
staller=$!
curl -sN -H "$(bearer "$TOKEN")" "$(url "/api/v1/runs/$id/log?follow=1")" >/dev/null &
quitter=$!
sleep 0.3
kill "$quitter" 2>/dev/null
e2e_wait 20 e2e_sql_true "SELECT status = 'success' FROM runs WHERE id = $id"
e2e_check stalled_follower_blocks_nothing "the flood run ended while a follower read nothing, got $(e2e_runs flood)" \
    e2e_sql_true "SELECT status = 'success' FROM runs WHERE id = $id"
req -m 2 -H "$(bearer "$TOKEN")" "$(url /api/v1/status)"
e2e_check loop_answers_beside_stalled_follower "status 200 at once, got $code" [ "$code" = 200 ]
kill "$staller" 2>/dev/null
wait "$staller" 2>/dev/null
wait "$follower" "$quitter" 2>/dev/null

e2e_stop
e2e_done
