#!/bin/sh
# daemon_logs.sh — a log record is one line, whatever a task puts in it: a
# newline in a log.info message, in its fields or in its title, and a
# carriage return or an escape sequence in a task's output, never start a
# forged line in scheduler.log, tasks.log, errors.log or the task's own
# log; they show as \n, \r, \x1b.  A file whose name holds a newline is
# not run at all (discovery.h): it is named, escaped, on one line.
set -u
. tests/e2e/lib.sh
e2e_setup

FORGED='2026-01-01 00:00:00 ERROR forged'
NAME=injector

e2e_task "$NAME" <<'EOF_TASK'
local forged = "\n2026-01-01 00:00:00 ERROR forged"
return { title = "evil" .. forged, schedule = every(1).seconds, run = function()
  log.info("message" .. forged, { ["key" .. forged] = "value" .. forged })
  log.error("failure" .. forged)
  print("out\r2026-01-01 00:00:00 ERROR forged")
  io.stderr:write("err\27[2K\r2026-01-01 00:00:00 ERROR forged\n")
end }
EOF_TASK
printf 'return { schedule = every(1).seconds,\n' >"$E2E_ROOT/tasks/broken
$FORGED.lua"

if ! e2e_start; then
    e2e_not_ok logs_daemon_starts "the daemon answering"
    e2e_done
fi
ran() {
    e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE status = 'success'"
}
e2e_wait 10 ran
e2e_check logs_task_ran "a successful run, got: $(e2e_sql 'SELECT task, status FROM runs')" ran
e2e_stop

LOGS=$E2E_ROOT/logs
CR=$(printf '\r')
ESC=$(printf '\033')
# forged_in FILE: the lines of FILE that begin as forged, or carry a raw
# carriage return or escape character.
forged_in() {
    grep -e "^$FORGED" -e "$CR" -e "$ESC" "$1"
}
clean_log() {
    [ -s "$1" ] && ! forged_in "$1" >/dev/null
}
# no_forged_line LABEL FILE
no_forged_line() {
    e2e_check "logs_no_forged_line_in_$1" \
        "no forged line in $1, got: $(forged_in "$2" | head -n 2 | cut -c1-120 | cat -v)" \
        clean_log "$2"
}
no_forged_line scheduler_log "$LOGS/scheduler.log"
no_forged_line tasks_log "$LOGS/tasks.log"
no_forged_line errors_log "$LOGS/errors.log"
no_forged_line own_log "$LOGS/tasks/$NAME.log"

# shown FILE TEXT: FILE has TEXT (fixed string).
shown() {
    grep -qF -- "$2" "$1"
}
e2e_check logs_message_escaped "tasks.log with the message and fields escaped" \
    shown "$LOGS/tasks.log" "[evil\\n$FORGED] message\\n$FORGED key\\n$FORGED=\"value\\n$FORGED\""
e2e_check logs_error_escaped "errors.log with the task's error escaped" \
    shown "$LOGS/errors.log" "ERROR [evil\\n$FORGED] failure\\n$FORGED"
output_escaped() {
    shown "$LOGS/tasks/$NAME.log" "STDOUT [evil\\n$FORGED] out\\r$FORGED" &&
        shown "$LOGS/tasks/$NAME.log" "STDERR [evil\\n$FORGED] err\\x1b[2K\\r$FORGED"
}
e2e_check logs_output_escaped \
    "the task's own log with the carriage return and escape of its output escaped" \
    output_escaped
e2e_check logs_file_name_one_line "scheduler.log naming the broken file on one line" \
    shown "$LOGS/scheduler.log" "broken\\n$FORGED.lua: the file name is not printable UTF-8"
e2e_done
