#!/bin/sh
# forkserver.sh — runs forked by the fork server (run/forkserver.h) are
# what an exec'd `main __run` is: a process of its own leading its own
# session, named `main __run`, with the task's memory_limit and (under a
# root daemon) the task's user, and a fresh Lua VM (a global one run sets
# is absent in the next).  Killing the fork server with -9 while twenty
# tasks fire every second loses no fire and records each one once: runs
# are exec'd by the daemon meanwhile, and a new fork server takes over.
# With scheduler.fork_server: false every run is exec'd by the daemon.
set -u
. tests/e2e/lib.sh
e2e_setup
chmod 755 "$E2E_ROOT" # a run of another user writes its probe line here
mkdir -m 777 "$E2E_ROOT/probe"
: >"$E2E_ROOT/probe/probe.txt"
chmod 666 "$E2E_ROOT/probe/probe.txt"

account=
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null; then
    account=tsf$$
    useradd -M -d /nonexistent -s /bin/sh "$account" 2>/dev/null || account=
fi
fs_cleanup() {
    fs_status=$?
    [ -n "$account" ] && userdel "$account" 2>/dev/null
    e2e_cleanup "$fs_status"
}
trap fs_cleanup EXIT

# memory_limit 64 MB, but not under AddressSanitizer, whose shadow memory
# is address space no 64 MB limit leaves room for (a forked run could not
# allocate at all).
if e2e_sanitized; then
    MEMORY_LIMIT=0 AS_LIMIT=unlimited
else
    MEMORY_LIMIT=64 AS_LIMIT=67108864
fi

# One line per run in probe/probe.txt: task scheduled_for pid sid ppid
# uid address-space-limit mark, where mark is what the global MARK held
# when the run began (nil in a fresh VM).
probe() {
    e2e_task "$1" <<EOF_TASK
return {
  schedule = every(1).seconds,
  memory_limit = $MEMORY_LIMIT,
  $2
  run = function(ctx)
    local seen = MARK
    MARK = ctx.run_id
    local st = assert(io.open("/proc/self/stat")):read("a")
    local pid, ppid, sid = st:match("^(%d+) %b() %a (%d+) %d+ (%d+)")
    local uid = assert(io.open("/proc/self/status")):read("a"):match("Uid:%s+(%d+)")
    local lim = assert(io.open("/proc/self/limits")):read("a")
    lim = lim:match("Max address space%s+(%S+)")
    local cmd = assert(io.open("/proc/self/cmdline")):read("a"):match("^[^%z]*%z([^%z]*)")
    local f = assert(io.open(os.getenv("TASKSCHED_ROOT") .. "/probe/probe.txt", "a"))
    f:write(ctx.task, " ", ctx.scheduled_for, " ", pid, " ", sid, " ", ppid, " ", uid, " ",
            lim, " ", cmd, " ", tostring(seen), "\n")
    f:close()
  end,
}
EOF_TASK
}
probe p00 ""
[ -n "$account" ] && probe user "user = \"$account\","

# The fork server of this test's daemon (other tests run daemons too).
forkserver_pid() {
    pgrep -P "$E2E_DAEMON" -f "^$E2E_MAIN __forkserver\$" | head -n 1
}
probes() {
    [ "$(awk -v t="$1" '$1 == t' "$E2E_ROOT/probe/probe.txt" 2>/dev/null | wc -l)" -ge "$2" ]
}

e2e_start || e2e_done
e2e_check runs_fire "three runs of p00 within 10 s" e2e_wait 10 probes p00 3
server=$(forkserver_pid)
e2e_check fork_server_runs "a process '$E2E_MAIN __forkserver' while the daemon runs" \
    [ -n "$server" ]

# Every probe line so far: its own session, forked by the server, named
# `main __run`, memory_limit applied, a VM no other run touched.
bad=$(awk -v s="$server" -v l="$AS_LIMIT" '$4 != $3 || $5 != s || $7 != l || $8 != "__run" || $9 != "nil"' \
    "$E2E_ROOT/probe/probe.txt")
e2e_check forked_runs_are_fresh_run_processes \
    "pid = sid, ppid = the fork server $server, address space $AS_LIMIT, cmdline __run, MARK nil; got: $bad" \
    [ -z "$bad" ]
if [ -n "$account" ]; then
    uid=$(id -u "$account")
    e2e_wait 10 probes user 1
    got=$(awk '$1 == "user" {print $6; exit}' "$E2E_ROOT/probe/probe.txt")
    e2e_check forked_run_takes_the_task_user "uid $uid, got ${got:-none}" [ "$got" = "$uid" ]
else
    e2e_ok "forked_run_takes_the_task_user # SKIP needs root and useradd"
fi
e2e_stop

# The burst: twenty tasks every second, the fork server killed in the middle.
rm -f "$E2E_ROOT/tasks/user.lua"
i=1
while [ $i -lt 20 ]; do
    probe "p$(printf %02d $i)" ""
    i=$((i + 1))
done
: >"$E2E_ROOT/probe/probe.txt"
e2e_start || e2e_done
e2e_wait 10 probes p19 2
server=$(forkserver_pid)
# Late in a second, while the next fire's twenty runs, forked ahead of it,
# sleep until their instant: the server's death orphans them.
while [ "$(date +%N | cut -c1)" != 8 ]; do sleep 0.01; done
kill -KILL "$server"
since=$(date +%s)
e2e_wait 10 probes p19 6
back() {
    new=$(forkserver_pid)
    [ -n "$new" ] && [ "$new" != "$server" ]
}
e2e_check fork_server_comes_back "a new fork server after $server was killed" e2e_wait 10 back
e2e_wait 3 probes p19 9
e2e_stop
daemon=$E2E_DAEMON
new=$(awk -v d="$daemon" -v s="$server" '$5 != d && $5 != s {print $5; exit}' \
    "$E2E_ROOT/probe/probe.txt")
exec_runs=$(awk -v d="$daemon" '$5 == d' "$E2E_ROOT/probe/probe.txt" | wc -l)
e2e_check runs_exec_while_the_server_is_down \
    "some runs exec'd by the daemon $daemon, then forked by a new server; got $exec_runs, ${new:-none}" \
    [ "$exec_runs" -gt 0 ] && [ -n "$new" ]
# No fire lost: every second between a task's first and last fire has its
# one row; none twice; each one ran to success.
gaps=$(e2e_sql "SELECT task || ' ' || count(*) || ' ' || (max(scheduled_for) - min(scheduled_for) + 1)
                FROM runs WHERE \"trigger\" = 'schedule' AND status != 'skipped' OR
                      (status = 'skipped' AND error NOT LIKE '%shutting down%')
                GROUP BY task HAVING count(*) != max(scheduled_for) - min(scheduled_for) + 1")
e2e_check no_fire_lost_when_the_server_dies "one row per second per task, got: $gaps" [ -z "$gaps" ]
twice=$(e2e_sql "SELECT task, scheduled_for FROM runs GROUP BY task, scheduled_for
                 HAVING count(*) > 1")
e2e_check each_fire_recorded_once "no fire with two rows, got: $twice" [ -z "$twice" ]
failed=$(e2e_sql "SELECT task || ' ' || scheduled_for || ' ' || status || ' ' || coalesce(error, '')
                  FROM runs WHERE status NOT IN ('success', 'skipped') LIMIT 3")
e2e_check runs_succeed_across_the_loss "every run succeeded, got: $failed" [ -z "$failed" ]
echo "# fork server $server killed at $since; runs exec'd meanwhile: $exec_runs"

# Off: the daemon execs every run itself.
printf '  fork_server: false\n' >>"$E2E_ROOT/config/config.yaml"
: >"$E2E_ROOT/probe/probe.txt"
e2e_start || e2e_done
e2e_wait 10 probes p00 2
e2e_check no_fork_server_when_off "no fork server with fork_server: false" [ -z "$(forkserver_pid)" ]
e2e_stop
others=$(awk -v d="$E2E_DAEMON" '$5 != d || $4 != $3 || $9 != "nil"' "$E2E_ROOT/probe/probe.txt")
e2e_check runs_exec_when_off "every run a child of the daemon, got: $others" [ -z "$others" ]
e2e_done
