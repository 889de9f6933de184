#!/bin/sh
# scale_validation.sh — 2,000 task files, some broken in different ways and
# some that tamper with what the sandbox offers (the string library, the
# string metatable, the DSL's globals) before files that use it: the daemon,
# loading them in one batch, records for each broken file the error that
# `main check FILE` gives it alone, and every good file loads (so no file
# sees what another did).  Then one file among them is fixed and reloaded
# while the rest stay as they are.
set -u
. tests/e2e/lib.sh
e2e_setup

N=2000
SCRATCH=$E2E_ROOT/scratch
mkdir -p "$SCRATCH"

# Kinds by i % 10: 0-5 good, 6 a syntax error, 7 an unknown unit, 8 a
# runtime error, 9 a run-only module at the top level; every 250th a
# memory bomb and every 500th an endless loop (the sandbox's limits).
awk -v n="$N" -v dir="$E2E_ROOT/tasks" 'BEGIN {
    for (i = 0; i < n; i++) {
        f = sprintf("%s/t%04d.lua", dir, i)
        k = i % 10
        if (i % 500 == 1)
            print "while true do end" > f
        else if (i % 250 == 3)
            print "local s = string.rep(\"x\", 1 << 30)" > f
        else if (k <= 5)
            print "return { schedule = every(" (i % 7 + 1) ").hours, run = function() return (\"x\"):rep(2) end }" > f
        else if (k == 6)
            print "return { schedule = every(1).hours,, }" > f
        else if (k == 7)
            print "return { schedule = every(1).hourz, run = function() end }" > f
        else if (k == 8)
            print "error(\"broken " i "\")" > f
        else
            print "local f = io.open(\"/etc/passwd\")" > f
        close(f)
    }
}'
# Sorted first, so loaded before the others in a batch.
cat >"$E2E_ROOT/tasks/a_tamper_string.lua" <<'EOF_TASK'
string.rep = function() error("tampered") end
getmetatable("").__index = { rep = function() error("tampered") end }
return { schedule = every(1).hours, run = function() end }
EOF_TASK
cat >"$E2E_ROOT/tasks/a_tamper_globals.lua" <<'EOF_TASK'
every = function() error("tampered") end
_G.error = function() end
return { schedule = every(1).hours, run = function() end }
EOF_TASK

if ! e2e_start; then
    e2e_not_ok scale_daemon_starts "the daemon answering"
    e2e_done
fi
total=$((N + 2))
if e2e_wait 60 e2e_sql_true "SELECT count(*) = $total FROM tasks"; then
    e2e_ok scale_every_file_recorded
else
    e2e_not_ok scale_every_file_recorded "$(e2e_sql 'SELECT count(*) FROM tasks') of $total rows"
fi

# Every file, alone: what `main check` says must be what the daemon recorded.
e2e_sql "SELECT path || '|' || coalesce(load_error, '') FROM tasks ORDER BY name" \
    >"$SCRATCH/daemon"
mismatches=0
broken=0
shown=
while IFS='|' read -r path error; do
    alone=$(e2e_cli check "$path" 2>&1)
    case $alone in
    "FAIL "*) want=${alone#FAIL } broken=$((broken + 1)) ;;
    *) want= ;;
    esac
    if [ "$want" != "$error" ]; then
        mismatches=$((mismatches + 1))
        [ -z "$shown" ] && shown="$path: daemon '$error', check alone '$alone'"
    fi
done <"$SCRATCH/daemon"
if [ "$mismatches" = 0 ] && [ "$broken" -gt 0 ]; then
    e2e_ok scale_errors_as_alone
else
    e2e_not_ok scale_errors_as_alone "$mismatches mismatches ($broken broken), first: $shown"
fi
# The kinds: 6 of each 10 good, less the bombs and loops among them, plus
# the two tamperers.
good=$(e2e_sql "SELECT count(*) FROM tasks WHERE load_error IS NULL AND file_hash IS NOT NULL")
if [ "$good" = "$((total - broken))" ] && [ "$good" -gt $((N / 2)) ]; then
    e2e_ok scale_good_files_load
else
    e2e_not_ok scale_good_files_load "$good good rows, $broken broken of $total"
fi
# t0001 loops, t0003 asks for 1 GiB: the limits of the sandbox stop them.
for file in t0001 t0003; do
    if grep -q "/$file.lua|.*limit" "$SCRATCH/daemon"; then
        e2e_ok "scale_limit_stops_$file"
    else
        e2e_not_ok "scale_limit_stops_$file" "$(grep "/$file.lua|" "$SCRATCH/daemon")"
    fi
done

# Fix one broken file among them: it alone is judged again.
printf 'return { schedule = every(1).hours, run = function() end }\n' >"$SCRATCH/t0007.lua"
mv "$SCRATCH/t0007.lua" "$E2E_ROOT/tasks/t0007.lua"
if e2e_wait 10 e2e_sql_true "SELECT load_error IS NULL FROM tasks WHERE name = 't0007'"; then
    e2e_ok scale_one_file_reloaded
else
    e2e_not_ok scale_one_file_reloaded "$(e2e_sql "SELECT load_error FROM tasks WHERE name = 't0007'")"
fi
if [ "$(grep -c 'INFO [^ ]*: the task file is good again$' "$E2E_ROOT/logs/scheduler.log")" = 1 ] &&
    [ "$(e2e_sql 'SELECT count(*) FROM tasks WHERE load_error IS NOT NULL')" = $((broken - 1)) ]; then
    e2e_ok scale_others_unchanged
else
    e2e_not_ok scale_others_unchanged "$(grep -c 'good again' "$E2E_ROOT/logs/scheduler.log") fixed"
fi
e2e_stop
e2e_done
