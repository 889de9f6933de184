#!/bin/sh
# stats.sh — `main stats` and GET /api/v1/stats/{overview,performance} on a
# history this test writes with known durations, lateness, statuses, CPU
# and memory: the figures (nearest-rank p50/p95/max, success rate, mean
# time between failures, runs a day, last success, busiest hours, slowest
# tasks), the window (--days, a run older than it left out), one task's
# text view, exit 1 and 404 for an unknown task, exit 2 and 400 naming
# days/task for bad values; the CLI's --json and the API agree; a run the
# daemon makes has its CPU time and peak memory counted.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
TOKEN=reader-token-for-the-stats-test
OP_TOKEN=operator-token-for-the-stats-test
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
  tokens:
    - { name: reader, role: read, sha256: $(sha256_of "$TOKEN") }
    - { name: operator, role: operate, sha256: $(sha256_of "$OP_TOKEN") }
EOF
e2e_task steady <<'EOF'
return { schedule = every(1).days, command = { "true" } }
EOF
e2e_task flaky <<'EOF'
return { schedule = every(1).days, command = { "true" } }
EOF
e2e_task worker <<'EOF'
return { schedule = every(1).days,
         run = function() local t = {} for i = 1, 200000 do t[i] = i end end }
EOF

# ---- the history ---------------------------------------------------------------
# steady: 20 successes i = 1..20, fired i hours ago, started 0.1·i s late,
# lasting i s, i·10 ms of CPU, i MiB; and one of 1000 s 8 days ago (outside
# the default window).  flaky: failed, success, failed, timeout at known
# ends, and a missed fire.
e2e_cli stats >/dev/null # opens (creates) the store
NOW=$(date +%s)
e2e_sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
  INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, started_at, finished_at, duration,
                    status, cpu_ms, peak_rss_kb)
  SELECT 'steady', 'schedule', $NOW - 3600 * i, $NOW - 3600 * i, $NOW - 3600 * i + 0.1 * i,
         $NOW - 3600 * i + 0.1 * i + i, i, 'success', 10 * i, 1024 * i FROM n;
  INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, started_at, finished_at, duration, status)
  VALUES ('steady', 'schedule', $NOW - 8 * 86400, $NOW - 8 * 86400, $NOW - 8 * 86400,
          $NOW - 8 * 86400 + 1000, 1000, 'success'),
         ('flaky', 'schedule', $NOW - 5000, $NOW - 5000, $NOW - 5000, $NOW - 4000, 1000, 'failed'),
         ('flaky', 'schedule', $NOW - 3500, $NOW - 3500, $NOW - 3500, $NOW - 3000, 500, 'success'),
         ('flaky', 'schedule', $NOW - 2500, $NOW - 2500, $NOW - 2500, $NOW - 2000, 500, 'failed'),
         ('flaky', 'manual', NULL, $NOW - 1500, $NOW - 1500, $NOW - 1000, 500, 'timeout');
  INSERT INTO runs (task, \"trigger\", scheduled_for, queued_at, status)
  VALUES ('flaky', 'schedule', $NOW - 600, $NOW - 500, 'missed');"

stats_json="$E2E_ROOT/stats.json"
e2e_cli stats --json >"$stats_json" 2>"$E2E_ROOT/stats.err"
e2e_check stats_json_exits_0 "exit 0, got $? $(cat "$E2E_ROOT/stats.err")" [ -s "$stats_json" ]
# py EXPR: the CLI's document, as `d`, makes EXPR true.
py() {
    /usr/bin/python3 -c "
import json, sys, collections
d = json.load(open('$stats_json'))
t = {x['task']: x for x in d['tasks']}
sys.exit(0 if ($1) else 1)" 2>/dev/null
}
e2e_check steady_percentiles "steady: 20 runs in 7 days, duration p50 10 p95 19 max 20, lateness p50 1.0 p95 1.9 max 2.0, got $(cat "$stats_json")" \
    py "t['steady']['runs'] == 20 and t['steady']['duration'] == {'p50': 10, 'p95': 19, 'max': 20} and
        [round(t['steady']['lateness'][k], 6) for k in ('p50', 'p95', 'max')] == [1.0, 1.9, 2.0]"
e2e_check steady_cpu_memory "cpu p50 0.1 s max 0.2 s, memory p50 10 MiB max 20 MiB, got $(cat "$stats_json")" \
    py "t['steady']['cpu'] == {'p50': 0.1, 'max': 0.2} and
        t['steady']['memory'] == {'p50': 10 * 1048576, 'max': 20 * 1048576}"
e2e_check steady_rate_and_last_success "success rate 1, 20/7 a day, last success 1 h ago at the end of run 1, no mtbf, got $(cat "$stats_json")" \
    py "t['steady']['success_rate'] == 1 and abs(t['steady']['runs_per_day'] - 20 / 7) < 1e-9 and
        t['steady']['last_success_epoch'] == $NOW - 3600 + 1.1 and
        3400 < t['steady']['last_success_age'] < 3700 and t['steady']['mtbf'] is None"
e2e_check flaky_counts "flaky: 5 runs (2 failed, 1 success, 1 timeout, 1 missed), success 0.25, mtbf (4000-1000)/2, got $(cat "$stats_json")" \
    py "t['flaky']['runs'] == 5 and t['flaky']['by_status']['failed'] == 2 and
        t['flaky']['by_status']['timeout'] == 1 and t['flaky']['by_status']['missed'] == 1 and
        t['flaky']['success_rate'] == 0.25 and t['flaky']['mtbf'] == 1500 and
        t['flaky']['lateness']['max'] == 0 and t['flaky']['cpu'] == {'p50': None, 'max': None}"
e2e_check overview_figures "25 runs of 2 tasks, slowest flaky then steady, busiest hours of the starts in UTC, got $(cat "$stats_json")" \
    py "d['overview']['runs'] == 25 and d['overview']['tasks'] == 2 and d['overview']['zone'] == 'UTC' and
        [s['task'] for s in d['overview']['slowest']] == ['flaky', 'steady'] and
        d['overview']['slowest'][0]['p95'] == 1000 and d['overview']['duration']['max'] == 1000 and
        d['overview']['busiest_hours'] == [collections.Counter(
            [int(($NOW - 3600 * i + 0.1 * i) // 3600 % 24) for i in range(1, 21)] +
            [int(($NOW - s) // 3600 % 24) for s in (5000, 3500, 2500, 1500)])[h] for h in range(24)]"

e2e_cli stats --days 9 --json >"$stats_json" 2>&1
e2e_check days_widens_the_window "--days 9: steady has 21 runs, max 1000, got $(cat "$stats_json")" \
    py "d['days'] == 9 and t['steady']['runs'] == 21 and t['steady']['duration']['max'] == 1000"

e2e_cli stats steady >"$E2E_ROOT/steady.txt" 2>&1
e2e_check task_text_view "one task's lines: runs, duration p50/p95/max, memory, got $(cat "$E2E_ROOT/steady.txt")" \
    sh -c "grep -q '^steady$' '$E2E_ROOT/steady.txt' && grep -q 'runs  *20 (20 success), 2.9 a day' '$E2E_ROOT/steady.txt' &&
           grep -q 'duration  *p50 10.0s, p95 19.0s, max 20.0s' '$E2E_ROOT/steady.txt' &&
           grep -q 'memory  *p50 10.0 MiB, max 20.0 MiB' '$E2E_ROOT/steady.txt'"
e2e_cli stats >"$E2E_ROOT/all.txt" 2>&1
e2e_check table_view "the overview then a line per task, got $(cat "$E2E_ROOT/all.txt")" \
    sh -c "grep -q '^last 7 days: 25 runs of 2 tasks' '$E2E_ROOT/all.txt' && grep -q '^slowest (p95): flaky' '$E2E_ROOT/all.txt' &&
           grep -Eq '^steady +20 +100.0% +10.0s +19.0s +20.0s' '$E2E_ROOT/all.txt' && grep -Eq '^flaky +5 +25.0%' '$E2E_ROOT/all.txt'"
e2e_cli stats stedy >/dev/null 2>"$E2E_ROOT/err.txt"
rc=$?
e2e_check unknown_task_exits_1 "exit 1 naming the nearest task, got $rc $(cat "$E2E_ROOT/err.txt")" \
    sh -c "[ $rc = 1 ] && grep -q \"no task named 'stedy'.*steady\" '$E2E_ROOT/err.txt'"
e2e_cli stats --days 0 >/dev/null 2>"$E2E_ROOT/err.txt"
rc=$?
e2e_check bad_days_exits_2 "exit 2 naming --days, got $rc $(cat "$E2E_ROOT/err.txt")" \
    sh -c "[ $rc = 2 ] && grep -q -- '--days' '$E2E_ROOT/err.txt'"

# ---- the API -------------------------------------------------------------------

# ok_and BODY-EXPR: the last response was 200 and its body makes EXPR true.
ok_and() {
    [ "$code" = 200 ] && body_is "$1"
}

e2e_start || exit 1
e2e_wait 10 curl -sf "$(url /healthz)"
e2e_cli stats --json >"$stats_json" 2>&1
req -H "$(bearer "$TOKEN")" "$(url /api/v1/stats/performance)"
e2e_check performance_is_the_cli_document "200, the tasks of \`stats --json\`, got $code $(cat "$out")" \
    sh -c "[ $code = 200 ] && /usr/bin/python3 -c \"
import json, sys
a = json.load(open('$out')); c = json.load(open('$stats_json'))
strip = lambda ts: [{k: v for k, v in x.items() if k != 'last_success_age'} for x in ts]
sys.exit(0 if a['days'] == 7 and strip(a['tasks']) == strip(c['tasks']) else 1)\""
req -H "$(bearer "$TOKEN")" "$(url /api/v1/stats/overview)"
e2e_check overview_is_the_cli_document "200, the overview of \`stats --json\`, got $code $(cat "$out")" \
    sh -c "[ $code = 200 ] && /usr/bin/python3 -c \"
import json, sys
sys.exit(0 if json.load(open('$out')) == json.load(open('$stats_json'))['overview'] else 1)\""
req -H "$(bearer "$TOKEN")" "$(url '/api/v1/stats/performance?task=flaky&days=9')"
e2e_check performance_of_one_task "200 with flaky alone over 9 days, got $code $(cat "$out")" \
    ok_and "d['days'] == 9 and [x['task'] for x in d['tasks']] == ['flaky'] and d['tasks'][0]['runs'] == 5"
req -H "$(bearer "$TOKEN")" "$(url '/api/v1/stats/performance?task=nosuch')"
e2e_check unknown_task_is_404 "404 naming task, got $code $(cat "$out")" problem 404 task
req -H "$(bearer "$TOKEN")" "$(url '/api/v1/stats/performance?task=')"
e2e_check empty_task_is_400 "400 naming task, got $code $(cat "$out")" problem 400 task
req -H "$(bearer "$TOKEN")" "$(url '/api/v1/stats/overview?days=0')"
e2e_check zero_days_is_400 "400 naming days, got $code $(cat "$out")" problem 400 days
req -H "$(bearer "$TOKEN")" "$(url '/api/v1/stats/performance?days=week')"
e2e_check bad_days_is_400 "400 naming days, got $code $(cat "$out")" problem 400 days
req "$(url /api/v1/stats/overview)"
e2e_check stats_need_a_token "401, got $code" problem 401

# A run of the daemon's: its CPU time and peak memory are recorded and counted.
id=$(curl -s -X POST -H "$(bearer "$OP_TOKEN")" "$(url /api/v1/tasks/worker/run)" |
    /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["run_id"])')
e2e_wait 10 e2e_sql_true "SELECT status = 'success' FROM runs WHERE id = ${id:-0}"
req -H "$(bearer "$TOKEN")" "$(url '/api/v1/stats/performance?task=worker')"
e2e_check daemon_run_has_cpu_and_memory "cpu and memory of the worker's run, got $code $(cat "$out")" \
    ok_and "d['tasks'][0]['runs'] == 1 and d['tasks'][0]['cpu']['max'] > 0 and d['tasks'][0]['memory']['max'] > 1048576"

e2e_stop
e2e_done
