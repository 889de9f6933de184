#!/bin/sh
# daemon_user.sh — a task with `user = …` under a root daemon: it runs with
# a clean environment (none of the daemon's variables, HOME/USER/LOGNAME/
# SHELL of the user, a safe PATH, the locale and the task's env), with the
# user's supplementary groups, and its `state` works through the daemon —
# within a run, across runs, and with `main --task` without a daemon — as
# it does for a task of the daemon's own user.  Needs root and useradd: it
# creates a throw-away user and group and removes them.
set -u
. tests/e2e/lib.sh

if [ "$(id -u)" != 0 ]; then
    echo "ok - user_runs # SKIP needs root"
    exit 0
fi
if ! command -v useradd >/dev/null || ! command -v groupadd >/dev/null; then
    echo "ok - user_runs # SKIP useradd or groupadd unavailable"
    exit 0
fi
e2e_setup
chmod 755 "$E2E_ROOT"   # the user's run may look around the root
account=tsu$$
group=tsg$$
home=$E2E_ROOT/home
user_cleanup() {
    user_status=$?
    userdel "$account" 2>/dev/null
    groupdel "$group" 2>/dev/null
    e2e_cleanup "$user_status"
}
trap user_cleanup EXIT
if ! groupadd "$group" || ! useradd -M -d "$home" -s /bin/sh -G "$group" "$account"; then
    echo "ok - user_runs # SKIP cannot create a throw-away user"
    exit 0
fi
gid=$(getent group "$group" | cut -d: -f3)

# Both tasks print their environment and groups, and count their runs in
# state: set then get in the same run, and what the last run left.
body='run = function()
           local id = assert(exec.run{ "id", "-G" })
           local env = assert(exec.run{ "env" })
           io.write("groups=", id.stdout, env.stdout)
           io.flush()
           local n = (state.get("n") or 0) + 1
           assert(state.set("n", n))
           assert(state.get("n") == n, "state.get sees state.set of the same run")
           assert(state.set("scratch", "x") and state.delete("scratch"))
           assert(state.get("scratch") == nil, "state.delete of the same run")
           print("count=" .. n)
         end'
e2e_task u_env <<EOF_TASK
return { schedule = every(1).hours, timeout = 20, user = "$account",
         env = { FROM_TASK = "yes" },
         $body }
EOF_TASK
e2e_task u_plain <<EOF_TASK
return { schedule = every(1).hours, timeout = 20,
         $body }
EOF_TASK
out=$E2E_ROOT/out

# has PATTERN...: every pattern matches a line of $out.
has() {
    for pattern; do
        grep -q "$pattern" "$out" || return 1
    done
}
lacks() {
    ! grep -q "$1" "$out"
}
# run_task NAME: `--task NAME` into $out; true when it succeeded.
run_task() {
    e2e_cli --task "$1" >"$out" 2>&1
}

# The daemon's environment (and, later, that of `--task` without a daemon).
TASKSCHED_TEST_SECRET=xyz
LD_LIBRARY_PATH=/nonexistent
LANG=C.UTF-8
export TASKSCHED_TEST_SECRET LD_LIBRARY_PATH LANG
if ! e2e_start; then
    e2e_not_ok user_daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi

run_task u_env
rc=$?
e2e_check user_run_succeeds "exit 0, got $rc: $(head -c 600 "$out")" [ "$rc" -eq 0 ]
e2e_check user_run_lacks_daemon_env "no TASKSCHED_TEST_SECRET or LD_LIBRARY_PATH, got: $(grep 'SECRET\|LD_' "$out" | tr '\n' ' ')" \
    lacks 'TASKSCHED_TEST_SECRET\|LD_LIBRARY_PATH'
e2e_check user_run_has_user_identity "HOME, USER, LOGNAME, SHELL of $account, got: $(grep '^HOME=\|^USER=\|^LOGNAME=\|^SHELL=' "$out" | tr '\n' ' ')" \
    has "^HOME=$home\$" "^USER=$account\$" "^LOGNAME=$account\$" '^SHELL=/bin/sh$'
e2e_check user_run_has_safe_path_locale_and_task_env "PATH, LANG, FROM_TASK, TASKSCHED_ROOT, got: $(grep '^PATH=\|^LANG=\|^FROM_TASK=\|^TASKSCHED_ROOT=' "$out" | tr '\n' ' ')" \
    has '^PATH=/usr/local/bin:/usr/bin:/bin$' '^LANG=C.UTF-8$' '^FROM_TASK=yes$' \
    "^TASKSCHED_ROOT=$E2E_ROOT\$"
e2e_check user_run_has_supplementary_groups "gid $gid of $group in id -G, got: $(grep '^groups=' "$out")" \
    grep -q "^groups=.*\<$gid\>" "$out"
e2e_check user_run_state_first "count=1, got: $(grep '^count=' "$out")" has '^count=1$'
run_task u_env
e2e_check user_run_state_next_run "count=2 in the second run, got: $(grep '^count=\|rror' "$out")" \
    has '^count=2$'

run_task u_plain
rc=$?
e2e_check plain_run_keeps_daemon_env "exit 0 with the daemon's environment, got $rc: $(head -c 300 "$out")" \
    has '^TASKSCHED_TEST_SECRET=xyz$'
run_task u_plain
e2e_check plain_run_state_next_run "count=2 in the second run, got: $(grep '^count=\|rror' "$out")" \
    has '^count=2$'

e2e_stop
# Without a daemon, `--task` runs in this process with the same executor.
run_task u_env
e2e_check user_run_state_without_daemon "count=3, got: $(grep '^count=\|rror' "$out")" has '^count=3$'
e2e_check user_run_without_daemon_lacks_env "no TASKSCHED_TEST_SECRET, got: $(grep 'SECRET' "$out")" \
    lacks TASKSCHED_TEST_SECRET
run_task u_plain
e2e_check plain_run_state_without_daemon "count=3, got: $(grep '^count=\|rror' "$out")" has '^count=3$'
e2e_check user_state_in_store "n = 3 for both tasks, no scratch key" \
    e2e_sql_true "SELECT group_concat(task || '=' || value_json, ',') = 'u_env=3,u_plain=3'
                  FROM (SELECT * FROM state ORDER BY task)"
e2e_done
