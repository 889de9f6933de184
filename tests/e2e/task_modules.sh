#!/bin/sh
# task_modules.sh — shared Lua modules and tags: tasks/lib/util.lua and
# tasks/cameras/_common.lua are modules, not tasks (not listed, not
# broken, `check` compiles them), `require` inside run() finds them (lib/
# from any folder, a `_name` module from its own folder); `--tag` keeps the
# tasks with one of the tags in list, --status and history, and a daemon
# refuses it.
set -u
. tests/e2e/lib.sh
e2e_setup

tasks_dir=$E2E_ROOT/tasks
mkdir -p "$tasks_dir/lib/net" "$tasks_dir/cameras"
cat >"$tasks_dir/lib/util.lua" <<'EOF'
local M = {}
function M.greet(who) return "hello " .. who end
return M
EOF
cat >"$tasks_dir/lib/net/init.lua" <<'EOF'
return { name = "net" }
EOF
cat >"$tasks_dir/cameras/_common.lua" <<'EOF'
return { folder = "cameras" }
EOF
e2e_task cameras/copy <<'EOF'
return { schedule = every(1).hours, tags = { "media", "nightly" },
         run = function()
           local util = require("util")
           print(util.greet("cameras"), require("_common").folder, require("net").name)
         end }
EOF
e2e_task report <<'EOF'
return { schedule = every(1).hours, tags = { "office" },
         run = function() print(require("util").greet("report")) end }
EOF
e2e_task plain <<'EOF'
return { schedule = every(1).hours, run = function() end }
EOF
out=$E2E_ROOT/out
# listed ARGS...: the task names `ARGS --status --json` lists, sorted, on one line.
listed() {
    e2e_cli "$@" --status --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(t["name"] for t in json.load(sys.stdin)["tasks"])))'
}

e2e_check modules_are_not_tasks "cameras/copy plain report, got: $(listed)" \
    [ "$(listed)" = "cameras/copy plain report" ]
e2e_cli check >"$out" 2>&1
echo "exit $?" >>"$out"
e2e_check check_accepts_modules "exit 0, module lines for lib/util, lib/net/init and cameras/_common, got: $(cat "$out")" \
    grep -q '^exit 0$' "$out"
e2e_check check_names_require "ok ... module, require(\"util\"), require(\"net\"), require(\"_common\")" \
    sh -c "grep -q 'lib/util.lua  module, require(\"util\")' '$out' &&
           grep -q 'lib/net/init.lua  module, require(\"net\")' '$out' &&
           grep -q 'cameras/_common.lua  module, require(\"_common\")' '$out'"
echo 'return { oops = }' >"$tasks_dir/lib/bad.lua"
e2e_cli check "$tasks_dir/lib/bad.lua" >"$out" 2>&1
echo "exit $?" >>"$out"
e2e_check check_compiles_modules "FAIL with file:line and exit 1, got: $(cat "$out")" \
    sh -c "grep -q '^FAIL .*lib/bad.lua:1:' '$out' && grep -q '^exit 1\$' '$out'"
rm "$tasks_dir/lib/bad.lua"

# require() inside run(), without a daemon and through one.
e2e_cli --task cameras/copy >"$out" 2>&1
e2e_check require_finds_modules "hello cameras, cameras, net, got: $(cat "$out")" \
    grep -q 'hello cameras.cameras.net' "$out"
if ! e2e_start; then
    e2e_not_ok modules_daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi
e2e_cli --task report >"$out" 2>&1
e2e_check require_through_daemon "hello report, got: $(cat "$out")" grep -q 'hello report' "$out"
e2e_check daemon_lists_no_modules "cameras/copy plain report, got: $(listed)" \
    [ "$(listed)" = "cameras/copy plain report" ]
e2e_check tag_filters_daemon_status "cameras/copy, got: $(listed --tag nightly)" \
    [ "$(listed --tag nightly)" = "cameras/copy" ]
e2e_stop

# --tag without a daemon: list, --status and history.
e2e_check tag_filters_status "cameras/copy report, got: $(listed --tag office,media)" \
    [ "$(listed --tag office,media)" = "cameras/copy report" ]
e2e_cli list --tag media >"$out" 2>&1
e2e_check tag_filters_list "cameras/copy only, got: $(cat "$out")" \
    sh -c "grep -q '^cameras/copy ' '$out' && ! grep -q 'report\|plain' '$out'"
e2e_cli history --tag office --json >"$out" 2>&1
e2e_check tag_filters_history "only runs of report, got: $(head -c 300 "$out")" \
    /usr/bin/python3 -c '
import json, sys
runs = json.load(open(sys.argv[1]))
sys.exit(not runs or any(r["task"] != "report" for r in runs))' "$out"
e2e_cli --tag nosuch list >"$out" 2>&1
e2e_check tag_empty_listing "'no tasks tagged nosuch in $tasks_dir', got: $(cat "$out")" \
    grep -q "^no tasks tagged nosuch in $tasks_dir\$" "$out"
e2e_cli --tag a --tag b list >"$out" 2>&1
echo "exit $?" >>"$out"
e2e_check tag_given_twice "exit 2 naming the comma list, got: $(cat "$out")" \
    sh -c "grep -q 'comma list' '$out' && grep -q '^exit 2\$' '$out'"
e2e_cli --tag media >"$out" 2>&1
echo "exit $?" >>"$out"
e2e_check tag_refused_by_daemon "exit 2, got: $(cat "$out")" \
    sh -c "grep -q 'a daemon runs every task' '$out' && grep -q '^exit 2\$' '$out'"
e2e_done
