#!/bin/sh
# api_metrics.sh — GET /metrics against the real daemon on 127.0.0.1: the
# Prometheus text format (promtool check metrics), 401 without a token,
# the counters and histograms moving after runs (by task and status,
# duration, lateness, last success), the broken task files, build info and
# start time, label values escaped, and api.metrics_public opening /metrics
# alone to a caller without a token.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
EOF
e2e_task tick <<'EOF'
return { schedule = every(1).seconds, timeout = 10, run = function() end }
EOF
e2e_task good <<'EOF'
return { schedule = every(1).hours, timeout = 10, run = function() end }
EOF
e2e_task bad <<'EOF'
return { schedule = every(1).hours, timeout = 10, run = function() error("boom") end }
EOF
# A name with a quote and a backslash, which a label value escapes.
e2e_task 'q"uo\te' <<'EOF'
return { schedule = every(1).hours, timeout = 10, run = function() end }
EOF
e2e_task broken <<'EOF'
return { schedule = every(1).hours, run = function() end
EOF
out="$E2E_ROOT/metrics.txt"
A="http://127.0.0.1:$PORT"

e2e_start || exit 1
e2e_wait 10 curl -sf "$A/healthz"
H="Authorization: Bearer $(cat "$E2E_ROOT/data/api.token")"

scrape() {
    code=$(curl -s -o "$out" -D "$E2E_ROOT/headers" -w '%{http_code}' "$@" "$A/metrics")
}
# sample 'NAME{LABELS}': the value of that sample in the last scrape.
sample() {
    awk -v s="$1" 'index($0, s " ") == 1 { print $2 }' "$out"
}
sample_is() {
    [ "$(sample "$1")" = "$2" ]
}

scrape
e2e_check metrics_need_a_token "401 without a token, got $code" [ "$code" = 401 ]

for task in good good bad 'q%22uo%5Cte'; do
    curl -s -o /dev/null -X POST -H "$H" "$A/api/v1/tasks/$task/run"
done
e2e_wait 10 e2e_sql_true "SELECT count(*) = 4 FROM runs WHERE \"trigger\" = 'api' AND finished_at IS NOT NULL"
e2e_wait 5 e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'tick' AND status = 'success'"
scrape -H "$H"
e2e_check metrics_answer_as_text "200 text/plain; version=0.0.4, got $code $(cat "$E2E_ROOT/headers")" \
    sh -c "[ $code = 200 ] && tr -d '\r' <'$E2E_ROOT/headers' | grep -qi '^content-type: text/plain; version=0.0.4'"
if command -v promtool >/dev/null 2>&1; then
    e2e_check promtool_accepts_the_format "promtool check metrics passes, got $(promtool check metrics <"$out" 2>&1)" \
        sh -c "promtool check metrics <'$out'"
else
    e2e_ok "promtool_accepts_the_format # SKIP promtool not installed (make deps installs it)"
fi
e2e_check runs_counted_by_task_and_status "good 2 successes, bad 1 failure, got $(grep runs_total "$out")" \
    sh -c "[ '$(sample 'taskscheduler_runs_total{task="good",status="success"}')' = 2 ] &&
           [ '$(sample 'taskscheduler_runs_total{task="bad",status="failed"}')' = 1 ]"
e2e_check label_values_escaped "the quote and backslash of q\"uo\\te escaped, got $(grep 'runs_total.*uo' "$out")" \
    grep -qxF 'taskscheduler_runs_total{task="q\"uo\\te",status="success"} 1' "$out"
e2e_check duration_histogram_counts_runs "2 durations of good, all within the +Inf bucket, got $(grep 'duration.*good' "$out")" \
    sh -c "[ '$(sample 'taskscheduler_run_duration_seconds_count{task="good"}')' = 2 ] &&
           [ '$(sample 'taskscheduler_run_duration_seconds_bucket{task="good",le="+Inf"}')' = 2 ]"
e2e_check lateness_of_scheduled_runs "tick's lateness observed, none for runs by hand, got $(grep 'lateness.*_count' "$out")" \
    sh -c "[ '$(sample 'taskscheduler_run_lateness_seconds_count{task="tick"}')' -ge 2 ] &&
           [ '$(sample 'taskscheduler_run_lateness_seconds_count{task="good"}')' = 0 ]"
now=$(date +%s)
e2e_check last_success_time "good's last success within 30 s of now, none for bad, got $(grep last_success "$out")" \
    /usr/bin/python3 -c "
import sys
v = float(sys.argv[1]); assert abs(v - $now) < 30, v
assert sys.argv[2] == ''
" "$(sample 'taskscheduler_last_success_timestamp_seconds{task="good"}')" \
  "$(sample 'taskscheduler_last_success_timestamp_seconds{task="bad"}')"
e2e_check gauges_and_info "1 broken file, nothing running or queued, build info, a start time, got $(grep -v '^#' "$out" | grep -v 'task=')" \
    sh -c "[ '$(sample taskscheduler_task_load_errors)' = 1 ] &&
           [ '$(sample taskscheduler_runs_queued)' = 0 ] &&
           grep -q '^taskscheduler_build_info{version=\"[^\"]*\"} 1$' '$out' &&
           [ '$(sample taskscheduler_store_errors_total)' = 0 ] &&
           [ '$(sample taskscheduler_missed_fires_total)' = 0 ] &&
           /usr/bin/python3 -c 'import sys; assert abs(float(sys.argv[1]) - $now) < 60' '$(sample taskscheduler_start_time_seconds)'"

curl -s -o /dev/null -X POST -H "$H" "$A/api/v1/tasks/good/run"
e2e_wait 10 e2e_sql_true "SELECT count(*) = 5 FROM runs WHERE \"trigger\" = 'api' AND finished_at IS NOT NULL"
scrape -H "$H"
e2e_check counters_move "good's successes 2 -> 3, got $(grep runs_total "$out")" \
    sample_is 'taskscheduler_runs_total{task="good",status="success"}' 3

# ---- api.metrics_public -----------------------------------------------------------

printf '  metrics_public: true\n' >>"$E2E_ROOT/config/config.yaml"
e2e_cli reload >/dev/null 2>&1
e2e_wait 5 grep -q 'config reloaded' "$E2E_ROOT/daemon.out"
scrape
e2e_check metrics_public_opens_metrics "200 without a token, got $code" \
    sh -c "[ $code = 200 ] && grep -q '^taskscheduler_build_info' '$out'"
code=$(curl -s -o /dev/null -w '%{http_code}' "$A/api/v1/status")
e2e_check metrics_public_opens_nothing_else "401 for /api/v1/status without a token, got $code" \
    [ "$code" = 401 ]

e2e_stop
e2e_done
