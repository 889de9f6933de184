#!/bin/sh
# churn.sh — 500 task files firing every second, edited (in place and by
# rename), broken and deleted in random order for FAULTS_CHURN_SECONDS
# (default 60).  The daemon keeps answering; once the files settle, what it
# shows matches the files exactly, no instant of a task ran twice, nothing
# of a deleted task runs, no run lost its result, and the store is intact.
set -u
. tests/faults/lib.sh
faults_setup

files=500
seconds=${FAULTS_CHURN_SECONDS:-60}
rss_limit_kb=262144

# write_task N KIND: tasks/c_N.lua as KIND (v1, v2: valid; broken).
write_task() {
    case $2 in
    broken) printf 'return { title = "c_%s broken", schedule = every(1).seconds, command = {\n' "$1" ;;
    *) printf 'return { title = "c_%s %s", schedule = every(1).seconds, timeout = 5,\n  command = { "true" } }\n' "$1" "$2" ;;
    esac
}
i=0
while [ "$i" -lt "$files" ]; do
    write_task "$i" v1 >"$E2E_ROOT/tasks/c_$i.lua"
    i=$((i + 1))
done

if ! faults_start; then
    e2e_not_ok churn_daemon_starts "the daemon answering with $files tasks"
    e2e_done
fi

# The churn: random (file, action) pairs from awk, applied until the end.
churn() {
    end=$(($(date +%s) + seconds))
    while [ "$(date +%s)" -lt "$end" ]; do
        awk -v seed="$(faults_random 1000000)" -v n="$files" \
            'BEGIN { srand(seed); for (k = 0; k < 100; k++) print int(rand() * n), int(rand() * 5) }' |
        while read -r n action; do
            f=$E2E_ROOT/tasks/c_$n.lua
            case $action in
            0) write_task "$n" v1 >"$f" ;;                                     # in place
            1) write_task "$n" v2 >"$f.tmp" && mv "$f.tmp" "$f" ;;             # by rename
            2) write_task "$n" broken >"$f" ;;
            3) rm -f "$f" ;;
            4) write_task "$n" v2 >"$f" ;;
            esac
        done
    done
}
churn &
churner=$!
E2E_PIDS="$E2E_PIDS $churner"
sleep $((seconds / 2))
# exit 0, or 1 for a failing or broken task (not 3, no daemon; not 124)
status_within_5s() {
    timeout 5 "$E2E_MAIN" --root "$E2E_ROOT" --status >/dev/null 2>&1
    [ $? -le 1 ]
}
e2e_check churn_status_answers_during_churn "--status within 5 s in the middle of the churn" \
    status_within_5s
wait "$churner"
settled=$(date +%s)
sleep 3

# The daemon's view against the files: names, broken flags, titles.
e2e_cli --status --json >"$E2E_ROOT/status.json" 2>/dev/null
mismatch=$(/usr/bin/python3 - "$E2E_ROOT" <<'EOF_PY'
import json, os, re, sys
root = sys.argv[1]
shown = {t["name"]: t for t in json.load(open(root + "/status.json"))["tasks"]}
bad = []
for f in sorted(os.listdir(root + "/tasks")):
    name, text = f[:-4], open(root + "/tasks/" + f).read()
    t = shown.pop(name, None)
    if t is None:
        bad.append(name + ":not shown")
    elif "broken" in text:
        if not t["broken"]:
            bad.append(name + ":not broken")
    elif t["broken"] or t["title"] != re.search(r'title = "([^"]*)"', text).group(1):
        bad.append(name + ":shows " + str(t["title"]) + (" broken" if t["broken"] else ""))
bad += [name + ":deleted but shown" for name in shown]
if bad:
    print(" ".join(bad[:8]), "(%d in all)" % len(bad))
EOF_PY
)
e2e_check churn_status_matches_files "every file shown as it is, got: $mismatch" [ -z "$mismatch" ]

deleted=$(for i in $(seq 0 $((files - 1))); do
              [ -e "$E2E_ROOT/tasks/c_$i.lua" ] || printf "'c_%s'," "$i"
          done)
late=$(e2e_sql "SELECT count(*) FROM runs WHERE task IN (${deleted}'') AND queued_at > $settled + 1")
e2e_check churn_deleted_tasks_do_not_run "no run of a deleted task after the churn, got $late" \
    [ "$late" = 0 ]
dups=$(e2e_sql "SELECT task || '@' || scheduled_for FROM runs WHERE \"trigger\" = 'schedule'
                GROUP BY task, scheduled_for HAVING count(*) > 1 LIMIT 5" | tr '\n' ' ')
e2e_check churn_no_instant_twice "no task instant recorded twice, got: $dups" [ -z "$dups" ]
# Every run of `true` sends its result before it exits, and the result is
# kept however busy the loop was when the exit came (executor.c, the drain).
lost=$(e2e_sql "SELECT count(*) FROM runs WHERE error LIKE '%without a result%'")
e2e_check churn_no_result_lost "no run recorded without its result, got $lost" [ "$lost" = 0 ]
e2e_check churn_integrity_check_ok "PRAGMA integrity_check = ok" faults_integrity_ok
total=$(e2e_sql "SELECT count(*) FROM runs")
echo "# $total runs recorded in $seconds s of churn"
e2e_daemon_small churn_daemon_stays_small "$rss_limit_kb"
faults_show_log 10
faults_finish churn
