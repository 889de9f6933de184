#!/bin/sh
# hostile_top_levels.sh — task files whose top level once hung the daemon
# inside one C call or a finalizer, where no count hook reaches (the three
# one-line files of the hardening issue and the siblings found with them),
# dropped into a running daemon: an every(1).seconds task keeps firing,
# --status answers and shows each file broken, `main check FILE` fails
# promptly, and `main stop` finishes.
set -u
. tests/e2e/lib.sh
e2e_setup
SCRATCH=$E2E_ROOT/scratch   # outside tasks/, for atomic renames
mkdir -p "$SCRATCH"

# hostile NAME: the file $SCRATCH/NAME.lua from stdin.
hostile() {
    cat >"$SCRATCH/$1.lua"
}
hostile rep <<'EOF_TASK'
local s = string.rep("", math.maxinteger)
EOF_TASK
hostile move <<'EOF_TASK'
table.move({}, 1, math.maxinteger, 1)
EOF_TASK
hostile gc <<'EOF_TASK'
setmetatable({}, { __gc = function() while true do end end })
EOF_TASK
hostile concat <<'EOF_TASK'
table.concat(setmetatable({}, { __index = table.concat }), "", 1, math.maxinteger)
EOF_TASK
hostile insert <<'EOF_TASK'
table.insert(setmetatable({}, { __len = function() return math.maxinteger - 1 end }), 1, 0)
EOF_TASK
hostile xpcall <<'EOF_TASK'
xpcall(function() while true do end end, function() while true do end end)
EOF_TASK
hostile compare <<'EOF_TASK'
local a, b = ("a"):rep(3 << 20), ("a"):rep(3 << 20) .. ""
for i = 1, 1e6 do local _ = a == b end
EOF_TASK
names="rep move gc concat insert xpcall compare"

# message_of NAME: the message each file must be broken with.
message_of() {
    case $1 in
        rep) echo "string.rep needs" ;;
        move) echo "table.move needs" ;;
        gc) echo "__gc metamethods are not allowed" ;;
        concat) echo "table.concat needs" ;;
        insert) echo "table.insert needs" ;;
        xpcall) echo "instruction limit exceeded" ;;
        compare) echo "CPU time limit of 1 s exceeded" ;;
    esac
}

# broken_with NAME TEXT: --status lists NAME as broken, its error has TEXT.
broken_with() {
    e2e_field_is "$1" broken true && e2e_field "$1" error | grep -q "$2"
}

ticker_runs() {
    e2e_sql "SELECT count(*) FROM runs WHERE task = 'ticker' AND status = 'success'"
}

# more_ticks_than N: the ticker ran more than N times.
more_ticks_than() {
    [ "$(ticker_runs)" -gt "$1" ]
}

# the daemon answers: exit 0, or 1 for a failing or broken task (not 3, no
# daemon; not 124, too slow)
status_within_5s() {
    timeout 5 "$E2E_MAIN" --root "$E2E_ROOT" --status >/dev/null 2>&1
    [ $? -le 1 ]
}

# check_fails_promptly FILE: `main check FILE` exits 1 within 5 s.
check_fails_promptly() {
    timeout 5 "$E2E_MAIN" --root "$E2E_ROOT" check "$1" >"$SCRATCH/check.out" 2>&1
    [ $? -eq 1 ]
}

e2e_task ticker <<'EOF_TASK'
return { schedule = every(1).seconds, run = function() end }
EOF_TASK
e2e_start || e2e_done
e2e_wait 5 more_ticks_than 1

for name in $names; do
    e2e_check "hostile_${name}_check_fails_promptly" "check $name.lua exits 1 within 5 s, got: $(cat "$SCRATCH/check.out" 2>/dev/null)" \
        check_fails_promptly "$SCRATCH/$name.lua"
    e2e_check "hostile_${name}_check_says_why" "the check line says '$(message_of "$name")', got: $(cat "$SCRATCH/check.out")" \
        grep -q "$(message_of "$name")" "$SCRATCH/check.out"
done

ticks=$(ticker_runs)
for name in $names; do
    cp "$SCRATCH/$name.lua" "$SCRATCH/$name.new" && mv "$SCRATCH/$name.new" "$E2E_ROOT/tasks/$name.lua"
done
for name in $names; do
    e2e_check "hostile_${name}_shown_broken" "--status shows $name broken with '$(message_of "$name")', got $(e2e_field "$name" error)" \
        e2e_wait 10 broken_with "$name" "$(message_of "$name")"
done
e2e_check hostile_status_answers "--status within 5 s" status_within_5s
e2e_check hostile_ticker_keeps_firing "more than $((ticks + 3)) ticker runs, got $(ticker_runs)" \
    e2e_wait 10 more_ticks_than $((ticks + 3))

# A rescan evaluates only what changed: the hostile files stay as they were.
e2e_task late <<'EOF_TASK'
return { schedule = every(1).hours, run = function() end }
EOF_TASK
e2e_check hostile_rescan_still_schedules "a file dropped later is scheduled" \
    e2e_wait 5 e2e_scheduled late
e2e_check hostile_still_broken_after_rescan "move stays broken" broken_with move "table.move needs"

e2e_check hostile_stop_finishes "main stop ends the daemon within 10 s" e2e_stop
e2e_done
