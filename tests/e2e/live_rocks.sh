#!/bin/sh
# live_rocks.sh — a task's `dependencies` on the daemon's side: installed
# by luarocks (from a local rocks server, file://) without blocking the
# daemon, the task scheduled only once they are in; a missing rock marks
# only that task broken with luarocks' message; dependencies.server changed
# live (even during an install) retries it, dependencies.tree waits for a
# restart.  The server is
# built as in rocks.sh.
set -u
. tests/e2e/lib.sh

FIXTURE=$(pwd)/tests/fixtures/rocks
LUA_VERSION=5.4
if ! command -v luarocks >/dev/null 2>&1 || ! command -v luarocks-admin >/dev/null 2>&1; then
    echo "not ok - live_rocks_luarocks_available: luarocks is not installed (apt-get install luarocks)"
    exit 1
fi
e2e_setup
SERVER=$E2E_ROOT/rockserver
mkdir -p "$SERVER" "$E2E_ROOT/rocksrc"
cp "$FIXTURE"/* "$E2E_ROOT/rocksrc/"
if ! { (cd "$E2E_ROOT/rocksrc" &&
        luarocks --lua-version "$LUA_VERSION" --tree "$E2E_ROOT/buildtree" \
            make tinyrock-1.0-1.rockspec) &&
       (cd "$SERVER" &&
        luarocks --lua-version "$LUA_VERSION" --tree "$E2E_ROOT/buildtree" pack tinyrock) &&
       luarocks-admin make_manifest "$SERVER"; } >"$E2E_ROOT/out" 2>&1; then
    e2e_not_ok live_rocks_server_built "luarocks make/pack/make_manifest failed"
    e2e_done
fi
BASE_CONFIG=$(cat "$E2E_ROOT/config/config.yaml")
# dependencies LINE...: config.yaml's dependencies section becomes LINE...,
# and the daemon has reloaded it.
dependencies() {
    n=$(grep -c 'config reloaded' "$E2E_ROOT/daemon.out")
    printf '%s\ndependencies:\n' "$BASE_CONFIG" >"$E2E_ROOT/config.new"
    printf '  %s\n' "$@" >>"$E2E_ROOT/config.new"
    mv "$E2E_ROOT/config.new" "$E2E_ROOT/config/config.yaml"
    e2e_wait 5 sh -c "[ \$(grep -c 'config reloaded' '$E2E_ROOT/daemon.out') -gt $n ]"
}
# The daemon starts with a server that has no rocks; the real one comes
# with a live edit.
mkdir "$E2E_ROOT/noserver"
printf '%s\ndependencies:\n  server: file://%s\n' "$BASE_CONFIG" "$E2E_ROOT/noserver" \
    >"$E2E_ROOT/config/config.yaml"

e2e_task plain <<'EOF2'
return { schedule = every(1).hours, run = function() end }
EOF2
e2e_start || e2e_done

e2e_task uses_rock <<'EOF2'
return {
  schedule = every(1).hours,
  dependencies = { "tinyrock >= 1.0" },
  run = function() assert(require("tinyrock").version == "1.0") end,
}
EOF2
e2e_task missing_rock <<'EOF2'
return { schedule = every(1).hours, dependencies = { "nonexistent-rock" },
         run = function() end }
EOF2

# The real server comes while luarocks is still looking on the empty one:
# the failure it then reports is a verdict on the old config, and the
# install is tried again on the new server.
e2e_wait 10 grep -q 'uses_rock: installing its dependencies' "$E2E_ROOT/daemon.out"
dependencies "server: file://$SERVER"
e2e_check dependency_installed_then_scheduled "after dependencies.server changed live, uses_rock gets a next fire, not broken" \
    e2e_wait 30 e2e_scheduled uses_rock
e2e_check dependency_in_the_tree "tinyrock installed in data/rocks" \
    [ -d "$E2E_ROOT/data/rocks/lib/luarocks/rocks-$LUA_VERSION/tinyrock" ]
e2e_check task_runs_with_its_rock "main --task uses_rock through the daemon exits 0" \
    e2e_cli --task uses_rock
missing_reported() {
    e2e_field missing_rock error | grep -q 'Could not satisfy dependency nonexistent-rock'
}
e2e_check missing_dependency_reported "missing_rock broken with luarocks' message" \
    e2e_wait 30 missing_reported
e2e_check missing_dependency_not_scheduled "missing_rock has no next fire" \
    e2e_field_is missing_rock next_fire null
e2e_check other_tasks_unaffected "plain still scheduled" e2e_scheduled plain
# A new tree would lose the rocks of the versions in force: it waits for a
# restart, and the runs keep finding their rocks.
dependencies "server: file://$SERVER" "tree: data/rocks2"
e2e_check dependencies_tree_change_needs_restart "the log says a restart is needed" \
    grep -q 'dependencies.tree changes need a restart; still using data/rocks' \
    "$E2E_ROOT/logs/scheduler.log"
e2e_check dependencies_tree_kept "main --task uses_rock still exits 0" e2e_cli --task uses_rock
e2e_stop
e2e_done
