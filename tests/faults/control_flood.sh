#!/bin/sh
# control_flood.sh — the control socket under attack by its own user: two
# processes connect and close as fast as they can for 4 s while a third
# sends status requests without ever reading a reply, then 100
# connections each send half a request and hold it.  Meanwhile a task fires
# every second.  No fire is late or missed, the daemon's peak RSS stays
# small, `--status` and `stop` answer while the half-sent connections are
# held, and those are closed once their time is up (CONTROL_IDLE_MS, 5 s)
# or to make room for newer clients.  A daemon that takes no connection at
# all (stopped with SIGSTOP) makes the CLI give up after 10 s, not hang.
set -u
. tests/faults/lib.sh
faults_setup

flood_seconds=4
held=100                # more than the daemon's 64 client slots
idle_s=5                # CONTROL_IDLE_MS
rss_limit_kb=65536      # about 11 MB at rest; 300-800 MB before the fix
late_limit=1.0          # seconds from a fire's instant to its start
SOCK=$E2E_ROOT/data/scheduler.sock

e2e_task tick <<'EOF_TASK'
return { schedule = every(1).seconds, timeout = 10, run = function() end }
EOF_TASK

# Tasks that never fire, to make each status reply some 15 kB.
for i in $(seq 1 30); do
    e2e_task "idle_$i" <<EOF_TASK
return { title = "an idle task with a title of some length, number $i", enabled = false,
         schedule = every(1).minutes, run = function() end }
EOF_TASK
done

# pipeline SECONDS: send status requests on one connection for SECONDS,
# never reading a reply; prints how many the daemon took.
pipeline() {
    /usr/bin/python3 - "$SOCK" "$1" <<'EOF_PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
request = b'{"cmd":"status"}\n'
chunk, sent, end = request * 4096, 0, time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        sent += s.send(chunk)
    except (socket.timeout, OSError):
        break
print(sent // len(request))
EOF_PY
}

# flood SECONDS: connect and close at once, in a loop; prints the count.
flood() {
    /usr/bin/python3 - "$SOCK" "$1" <<'EOF_PY'
import socket, sys, time
end, n = time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < end:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sys.argv[1])
        n += 1
    except OSError:
        pass
    s.close()
print(n)
EOF_PY
}

# hold COUNT SECONDS OUT: open COUNT connections, send half a request on
# each ("held N" into OUT once all are open), then watch them for SECONDS
# and append one line per connection the daemon closed: "idle T" (closed
# as idle, T seconds after its connect), "room T" (dropped for a newer
# client) or "other T", and "open N" for those still open at the end.
hold() {
    /usr/bin/python3 - "$SOCK" "$1" "$2" >"$3" <<'EOF_PY' &
import select, socket, sys, time
path, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
socks, opened = [], {}
for _ in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    try:
        s.sendall(b'{"cmd":"sta')
    except OSError:  # refused at once: seen below as closed
        pass
    socks.append(s)
    opened[s] = time.monotonic()
print("held", len(socks), flush=True)
end = time.monotonic() + seconds
while socks and time.monotonic() < end:
    ready, _, _ = select.select(socks, [], [], max(0.0, end - time.monotonic()))
    for s in ready:
        try:
            said = s.recv(4096).decode(errors="replace")
        except OSError:
            said = ""
        kind = "idle" if "no whole request" in said else \
               "room" if "too many clients" in said else "other"
        print(kind, "%.2f" % (time.monotonic() - opened[s]), flush=True)
        socks.remove(s)
        s.close()
print("open", len(socks), flush=True)
EOF_PY
    E2E_PIDS="$E2E_PIDS $!"
}

held_all() { grep -q "^held $held\$" "$1"; }
count_of() { grep -c "^$1 " "$2"; }

if ! faults_start; then
    e2e_not_ok control_daemon_starts "the daemon answering"
    e2e_done
fi
flood_from=$(date +%s)

# 1. The connect-and-close flood, with --status asked in its midst.
flood "$flood_seconds" >"$E2E_ROOT/flood1" &
flood_a=$!
flood "$flood_seconds" >"$E2E_ROOT/flood2" &
flood_b=$!
pipeline "$flood_seconds" >"$E2E_ROOT/pipelined" &
flood_c=$!
E2E_PIDS="$E2E_PIDS $flood_a $flood_b $flood_c"
sleep 1
# exit 0, or 1 for a failing or broken task (not 3, no daemon; not 124)
status_answers() {
    timeout 10 "$E2E_MAIN" --root "$E2E_ROOT" --status >/dev/null 2>&1
    [ $? -le 1 ]
}
e2e_check control_status_answers_during_flood "--status answering during the flood" \
    status_answers
wait "$flood_a" "$flood_b" "$flood_c"
connects=$(($(cat "$E2E_ROOT/flood1") + $(cat "$E2E_ROOT/flood2")))
echo "# $connects connects and $(cat "$E2E_ROOT/pipelined") pipelined requests in $flood_seconds s"
e2e_check control_flood_connected "thousands of connects, got $connects" \
    [ "$connects" -gt 1000 ]
flood_till=$(date +%s)
sleep 1.5   # the fire of the flood's last second is recorded

# No fire of the flood's seconds was missed or late: one run per second,
# each started within late_limit of its instant.
runs=$(e2e_sql "SELECT count(*) FROM runs WHERE task = 'tick' AND status = 'success'
                AND scheduled_for BETWEEN $flood_from + 1 AND $flood_till
                AND started_at - scheduled_for < $late_limit")
want=$((flood_till - flood_from))
e2e_check control_flood_no_fire_late \
    "$want on-time runs of tick in the flood's seconds, got $runs: $(e2e_runs tick)" \
    [ "$runs" -ge "$want" ]
missed=$(e2e_sql "SELECT count(*) FROM runs WHERE status = 'missed'")
e2e_check control_flood_no_fire_missed "no missed fire, got $missed" [ "$missed" = 0 ]
e2e_daemon_small control_flood_rss_bounded "$rss_limit_kb"

# 2. 100 half-sent requests held: --status still answers, and they are
# closed once their time is up, or to make room.
hold "$held" $((idle_s + 4)) "$E2E_ROOT/held1"
e2e_wait 10 held_all "$E2E_ROOT/held1"
e2e_check control_held_connections_open "$held connections held, got: $(head -n 1 "$E2E_ROOT/held1")" \
    held_all "$E2E_ROOT/held1"
e2e_check control_status_answers_while_held "--status answering with $held half-sent requests held" \
    status_answers
e2e_wait $((idle_s + 6)) grep -q '^open ' "$E2E_ROOT/held1"
idle=$(count_of idle "$E2E_ROOT/held1")
room=$(count_of room "$E2E_ROOT/held1")
idle_times=$(sed -n 's/^idle //p' "$E2E_ROOT/held1" | sort -n | sed -n '1p;$p' | tr '\n' ' ')
e2e_check control_held_dropped_for_room "the oldest $((held - 64)) or more dropped for newer clients, got $room" \
    [ "$room" -ge $((held - 64)) ]
in_time() {
    [ "$idle" -ge 60 ] && [ "$((idle + room))" = "$held" ] && /usr/bin/python3 -c '
import sys
first, last, idle = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
sys.exit(not (idle - 0.5 <= first and last <= idle + 2))' $idle_times "$idle_s"
}
e2e_check control_held_closed_when_idle \
    "the others closed as idle after ${idle_s} s (60 or more, all $held in all), got $idle idle, $room room, first/last after: $idle_times; $(tail -n 1 "$E2E_ROOT/held1")" \
    in_time

# 3. A daemon that takes no connection (stopped, its queue of connections
# full): the CLI gives up after its 10 s instead of waiting for ever.
kill -STOP "$E2E_DAEMON"
/usr/bin/python3 - "$SOCK" >"$E2E_ROOT/queued" <<'EOF_PY' &
import socket, sys, time
socks = []
while len(socks) < 1000:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(sys.argv[1])
    except BlockingIOError:
        break
    socks.append(s)
print(len(socks), flush=True)
time.sleep(15)
EOF_PY
E2E_PIDS="$E2E_PIDS $!"
e2e_wait 5 test -s "$E2E_ROOT/queued"
hung_from=$(date +%s)
timeout 20 "$E2E_MAIN" --root "$E2E_ROOT" --status >"$E2E_ROOT/hung.out" 2>&1
hung_rc=$?
hung_took=$(($(date +%s) - hung_from))
kill -CONT "$E2E_DAEMON"
gave_up() {
    [ "$hung_rc" = 1 ] && [ "$hung_took" -le 13 ] &&
        grep -q 'took no connection within 10 s' "$E2E_ROOT/hung.out"
}
e2e_check control_cli_gives_up_on_hung_daemon \
    "--status exits 1 within 13 s saying so ($(cat "$E2E_ROOT/queued") connections queued), got status $hung_rc after $hung_took s: $(head -c 200 "$E2E_ROOT/hung.out")" \
    gave_up

# 4. Held again: stop still answers and the daemon goes.
hold "$held" 20 "$E2E_ROOT/held2"
e2e_wait 10 held_all "$E2E_ROOT/held2"
stopped() { timeout 20 "$E2E_MAIN" --root "$E2E_ROOT" stop >/dev/null 2>&1; }
e2e_check control_stop_answers_while_held "stop answering with $held half-sent requests held" \
    stopped
e2e_check control_stop_daemon_gone "the daemon gone after stop" e2e_gone "$E2E_DAEMON"
if e2e_wait 10 faults_none_left; then
    e2e_ok control_no_process_left
else
    e2e_not_ok control_no_process_left \
        "no process of the test after the stop, got $(faults_describe $(faults_procs))"
fi
faults_show_log 20
e2e_done
