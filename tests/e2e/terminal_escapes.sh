#!/bin/sh
# terminal_escapes.sh — a task's text (its title, its error, its output)
# never reaches the operator's terminal as control characters: check,
# --status (with and without a daemon), history and show print them
# escaped (\x1b), while --json keeps the text as it is.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task painter <<'EOF_TASK'
return { title = "clear\27[2J\27]0;owned\7", schedule = every(1).days,
         run = function() print("out\27[31mred") error("bad\27[1mbold\155x") end }
EOF_TASK
out=$E2E_ROOT/out
esc=$(printf '\033')
bel=$(printf '\007')
# clean FILE: no ESC, BEL or C1 CSI (\302\233) in FILE, and the escape shown.
clean() {
    ! grep -q "[$esc$bel]" "$1" && ! grep -q "$(printf '\302\233')" "$1" && grep -qF '\x1b' "$1"
}

e2e_cli --status --wide >"$out" 2>&1
e2e_check status_without_daemon_escapes "no ESC/BEL, '\\x1b' shown: $(cat -v "$out")" clean "$out"

e2e_cli check >"$out" 2>&1
e2e_check check_escapes "no ESC/BEL, '\\x1b' shown: $(cat -v "$out")" clean "$out"

e2e_start || e2e_done
e2e_cli --task painter >/dev/null 2>&1
e2e_cli --status --wide >"$out" 2>&1
e2e_check status_escapes "no ESC/BEL, '\\x1b' shown: $(cat -v "$out")" clean "$out"
e2e_cli history painter --wide >"$out" 2>&1
e2e_check history_escapes "no ESC/BEL, '\\x1b' shown: $(cat -v "$out")" clean "$out"
id=$(e2e_sql "SELECT max(id) FROM runs WHERE task = 'painter'")
e2e_cli show "$id" >"$out" 2>&1
e2e_check show_escapes "no ESC/BEL, '\\x1b' shown: $(cat -v "$out")" clean "$out"
e2e_cli --status --json >"$out" 2>&1
e2e_check json_keeps_the_text "JSON escapes it its own way (\\u001b): $(head -c 300 "$out")" \
    grep -qiF '\u001b' "$out"
e2e_stop
e2e_done
