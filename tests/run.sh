#!/bin/sh
# run.sh TEST... — run the given tests (binaries, *.sh scripts run with sh,
# *.py scripts run with Debian's python3), then every DIR/*.sh but the
# shared helpers (DIR/lib.sh, DIR/*_lib.sh), where DIR is $TESTS_SCRIPT_DIR
# (default tests/e2e; make test-faults uses tests/faults; empty: none).
#
# Every test prints "ok - name" or "not ok - name"; this runner counts them,
# shows the full output of any file that failed (and only then), and ends
# with the line "N passed, N failed".  Exit status 1 when anything failed.
set -u
cd "$(dirname "$0")/.." || exit 2
scripts=${TESTS_SCRIPT_DIR-tests/e2e}
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM

run_one() {
    label=$1; shift
    "$@" >"$out" 2>&1
    rc=$?
    p=$(grep -c '^ok - ' "$out")
    f=$(grep -c '^not ok - ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $label exited with status $rc" >>"$out"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        echo "FAIL $label ($p passed, $f failed)"
        sed 's/^/    /' "$out"
    else
        echo "PASS $label ($p passed)"
    fi
}

for test in "$@"; do
    case $test in
        *.sh) run_one "$test" sh "$test" ;;
        *.py) run_one "$test" /usr/bin/python3 "$test" ;;
        *) run_one "$test" "$test" ;;
    esac
done
for script in ${scripts:+"$scripts"/*.sh}; do
    [ -e "$script" ] || continue
    case "$script" in "$scripts/lib.sh" | "$scripts"/*_lib.sh) continue ;; esac # helpers
    run_one "$script" sh "$script"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
