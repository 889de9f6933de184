#!/bin/sh
# user_filter.sh — `--user NAME`: a daemon started with it schedules and
# runs only the tasks whose `user` is NAME (not those of other users, not
# those without `user`, which run as the daemon's own user), says so in
# `--status` (text and JSON), and leaves the store's memory of the other
# tasks alone; `list`, `--status`, `history`, `overdue` and `next` with
# `--user` show only that user's tasks (and the files that do not load,
# whose user cannot be known), and an empty result names the user.
set -u
. tests/e2e/lib.sh
e2e_setup

me=$(id -un)
e2e_task mine <<EOF
return { schedule = every(1).seconds, user = "$me", run = function() end }
EOF
e2e_task theirs <<'EOF'
return { schedule = every(1).seconds, user = "tsnobody", run = function() end }
EOF
e2e_task plain <<'EOF'
return { schedule = every(1).seconds, run = function() end }
EOF
e2e_task broken <<'EOF'
return { schedule = every(1).seconds, run = function() end
EOF
out=$E2E_ROOT/out
tasks_dir=$E2E_ROOT/tasks
runs_of() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = '$1' AND status = 'success'"
}
# listed ARGS...: the task names `ARGS --status --json` lists, sorted, on one line.
listed() {
    e2e_cli "$@" --status --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(t["name"] for t in json.load(sys.stdin)["tasks"])))'
}

# A first daemon without --user runs everything once, so the store knows
# every task's next fire.
if ! e2e_start; then
    e2e_not_ok user_daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_wait 10 e2e_sql_true "SELECT count(DISTINCT task) = 3 FROM runs WHERE status = 'success'"
e2e_stop
before_theirs=$(runs_of theirs)
before_plain=$(runs_of plain)
before_mine=$(runs_of mine)

E2E_DAEMON_ARGS="--user $me"
if ! e2e_start; then
    e2e_not_ok user_daemon_starts "the daemon --user $me answering --status within 10 s"
    e2e_done
fi
E2E_DAEMON_ARGS=
e2e_wait 10 e2e_sql_true "SELECT count(*) >= $before_mine + 3 FROM runs
                          WHERE task = 'mine' AND status = 'success'"
e2e_check user_daemon_runs_its_tasks "3 more runs of mine, got $(($(runs_of mine) - before_mine))" \
    e2e_sql_true "SELECT count(*) >= $before_mine + 3 FROM runs WHERE task = 'mine'"
e2e_check user_daemon_skips_other_users "no new run of theirs ($before_theirs) or plain ($before_plain), got $(runs_of theirs), $(runs_of plain)" \
    [ "$(runs_of theirs) $(runs_of plain)" = "$before_theirs $before_plain" ]
e2e_cli --status >"$out" 2>&1
e2e_check user_status_says_so "a line 'daemon: runs only the tasks of user $me', got: $(cat "$out")" \
    grep -q "^daemon: runs only the tasks of user $me" "$out"
e2e_check user_status_json_only_user "only_user \"$me\"" \
    [ "$(e2e_cli --status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["only_user"])')" = "$me" ]
e2e_check user_status_lists_only_its_tasks "broken mine, got: $(listed)" [ "$(listed)" = "broken mine" ]
e2e_cli --task plain >"$out" 2>&1
e2e_check user_daemon_refuses_other_task "'plain' is not a task of user $me, got: $(cat "$out")" \
    grep -q "'plain' is not a task of user $me, the only user whose tasks this daemon runs" "$out"
e2e_check user_store_keeps_others "the tasks rows of theirs and plain kept" \
    e2e_sql_true "SELECT count(*) = 2 FROM tasks WHERE name IN ('theirs', 'plain')"
e2e_check user_view_of_daemon "only broken for --user tsnobody (the daemon has not theirs), got: $(listed --user tsnobody)" \
    [ "$(listed --user tsnobody)" = "broken" ]
# A task edited to another user leaves the daemon, not the store.
cp "$tasks_dir/mine.lua" "$E2E_ROOT/mine.lua"
sed "s/user = \"$me\"/user = \"tsnobody\"/" "$E2E_ROOT/mine.lua" >"$tasks_dir/mine.lua"
listed_is() {
    [ "$(listed)" = "$1" ]
}
e2e_wait 10 listed_is broken
e2e_check user_edit_unschedules "only broken listed, got: $(listed)" listed_is broken
e2e_check user_edit_keeps_row "the tasks row of mine kept" \
    e2e_sql_true "SELECT count(*) = 1 FROM tasks WHERE name = 'mine'"
e2e_check user_edit_logged "'mine: no longer a task of user $me' in the log" \
    grep -q "mine: no longer a task of user $me" "$E2E_ROOT/logs/scheduler.log"
cp "$E2E_ROOT/mine.lua" "$tasks_dir/mine.lua"
e2e_wait 10 listed_is "broken mine"
e2e_stop

# Without a daemon, the views filter the task files.
e2e_check user_view_other "broken theirs, got: $(listed --user tsnobody)" \
    [ "$(listed --user tsnobody)" = "broken theirs" ]
e2e_check user_view_all "every task without --user, got: $(listed)" \
    [ "$(listed)" = "broken mine plain theirs" ]
rm "$tasks_dir/broken.lua"
for command in list --status history overdue; do
    e2e_cli --user operator $command >"$out" 2>&1
    e2e_check "user_${command#--}_empty" "'no tasks for user operator in $tasks_dir', got: $(cat "$out")" \
        grep -q "^no tasks for user operator in $tasks_dir\$" "$out"
done
e2e_cli --user "$me" history --json >"$out" 2>&1
e2e_check user_history_only_its_runs "only runs of mine, got: $(head -c 300 "$out")" \
    /usr/bin/python3 -c '
import json, sys
runs = json.load(open(sys.argv[1]))
sys.exit(not runs or any(r["task"] != "mine" for r in runs))' "$out"
e2e_cli --user "$me" next plain >"$out" 2>&1
echo "exit $?" >>"$out"
e2e_check user_next_other_task "exit 1 and 'no task 'plain' for user $me', got: $(cat "$out")" \
    grep -q "no task 'plain' for user $me in $tasks_dir (it runs as the daemon's user)" "$out"
e2e_check user_next_other_task_exit "exit 1, got: $(tail -1 "$out")" grep -q '^exit 1$' "$out"
e2e_cli --user "$me" next mine -n 1 >"$out" 2>&1
e2e_check user_next_own_task "exit 0 with one instant, got: $(cat "$out")" \
    [ "$(wc -l <"$out")" -eq 1 ]
e2e_done
