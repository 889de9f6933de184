#!/bin/sh
# rocks.sh — a task's `dependencies` installed by luarocks from a local
# rocks server, then found by require() in its run.
#
# Run from the repository root after ./main is built.  The server is a
# folder (file://, no network) holding tinyrock, a one-module pure-Lua rock
# built from tests/fixtures/rocks with `luarocks make`, packed and indexed
# with `luarocks-admin make_manifest`.  luarocks comes from Debian's
# package; as root a missing one is installed, otherwise the test fails.
# Prints "ok - name" / "not ok - name: why" per case.
set -u
. tests/e2e/lib.sh

FIXTURE=$(pwd)/tests/fixtures/rocks
LUA_VERSION=5.4

if ! command -v luarocks >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    scripts/install_deps.sh luarocks >/dev/null 2>&1
fi
if ! command -v luarocks >/dev/null 2>&1 || ! command -v luarocks-admin >/dev/null 2>&1; then
    echo "not ok - rocks_luarocks_available: luarocks is not installed (apt-get install luarocks)"
    exit 1
fi

e2e_setup
SERVER=$E2E_ROOT/rockserver
OUT=$E2E_ROOT/out

# The server: build tinyrock into a scratch tree, pack it, index the folder.
build_server() {
    mkdir -p "$SERVER" "$E2E_ROOT/rocksrc" &&
        cp "$FIXTURE"/* "$E2E_ROOT/rocksrc/" &&
        (cd "$E2E_ROOT/rocksrc" &&
            luarocks --lua-version "$LUA_VERSION" --tree "$E2E_ROOT/buildtree" \
                make tinyrock-1.0-1.rockspec) &&
        (cd "$SERVER" &&
            luarocks --lua-version "$LUA_VERSION" --tree "$E2E_ROOT/buildtree" pack tinyrock) &&
        luarocks-admin make_manifest "$SERVER"
}
if build_server >"$OUT" 2>&1; then
    e2e_ok rocks_local_server_built
else
    e2e_not_ok rocks_local_server_built "luarocks make/pack/make_manifest failed"
    sed 's/^/#   /' "$OUT"
    e2e_done
fi

cat >>"$E2E_ROOT/config/config.yaml" <<EOF
dependencies:
  server: file://$SERVER
EOF

e2e_task uses_rock <<'EOF'
return {
  schedule = every(1).hours,
  dependencies = { "tinyrock >= 1.0" },
  run = function()
    local t = require("tinyrock")
    assert(t.version == "1.0", "tinyrock " .. tostring(t.version))
    return t.version
  end,
}
EOF
e2e_task missing_rock <<'EOF'
return {
  schedule = every(1).hours,
  dependencies = { "nonexistent-rock" },
  run = function() end,
}
EOF

# expect_output NAME TEXT: the last command's output has TEXT.
expect_output() {
    if grep -qF -- "$2" "$OUT"; then
        e2e_ok "$1"
    else
        e2e_not_ok "$1" "no '$2' in the output"
        sed 's/^/#   /' "$OUT"
    fi
}

installed() {
    [ -d "$E2E_ROOT/data/rocks/lib/luarocks/rocks-$LUA_VERSION/tinyrock" ]
}

# run NAME WANT EXPECTATION ARGS...: ok when `main ARGS` exits with WANT
# ("!0": any failure); the output stays in $OUT and is shown on failure.
run() {
    run_name=$1 run_want=$2 run_expect=$3
    shift 3
    e2e_cli "$@" >"$OUT" 2>&1
    run_rc=$?
    if { [ "$run_want" = "!0" ] && [ "$run_rc" -ne 0 ]; } || [ "$run_rc" = "$run_want" ]; then
        e2e_ok "$run_name"
    else
        e2e_not_ok "$run_name" "$run_expect (exit $run_rc)"
        sed 's/^/#   /' "$OUT"
    fi
}

run check_passes_with_a_dependency 0 "check exits 0" check "$E2E_ROOT/tasks/uses_rock.lua"
e2e_check check_installs_the_dependency "tinyrock installed in data/rocks" installed

run task_requires_its_rock 0 "main --task uses_rock exits 0" --task uses_rock

# Installed once per spec: with a luarocks that only records its calls
# first on PATH, checking again must not call it.
mkdir -p "$E2E_ROOT/fakebin"
printf '#!/bin/sh\necho called >>"%s"\nexit 1\n' "$E2E_ROOT/fakebin/calls" \
    >"$E2E_ROOT/fakebin/luarocks"
chmod +x "$E2E_ROOT/fakebin/luarocks"
PATH="$E2E_ROOT/fakebin:$PATH" run installed_spec_passes_check_again 0 "check exits 0" \
    check "$E2E_ROOT/tasks/uses_rock.lua"
e2e_check installed_spec_is_not_installed_again "luarocks was not called" \
    [ ! -e "$E2E_ROOT/fakebin/calls" ]

run check_fails_on_a_missing_rock 1 "check exits 1" check "$E2E_ROOT/tasks/missing_rock.lua"
expect_output check_quotes_luarocks "Could not satisfy dependency nonexistent-rock"

run task_with_a_missing_rock_fails '!0' "main --task missing_rock fails" --task missing_rock
expect_output task_error_quotes_luarocks "Could not satisfy dependency nonexistent-rock"

e2e_done
