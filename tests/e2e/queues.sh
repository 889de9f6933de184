#!/bin/sh
# queues.sh — a task's `queue` and scheduler.queues: two tasks of a queue
# bounded to one run at a time never overlap, while a task of another queue
# (of a lower priority) keeps firing on time; the per-queue counts in
# --status (plain and --json) and GET /api/v1/status, the task's queue in
# its document, config --effective, and a reload that raises the bound.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
CONFIG=$E2E_ROOT/config/config.yaml
TOKEN=reader-token-of-the-queues-test

# config LIMIT: config.yaml (replaced atomically, as editors do) with the
# maint queue bounded to LIMIT runs at once.
config() {
    cat >"$CONFIG.new" <<EOF
scheduler:
  timezone: UTC
  kill_grace: 1
  shutdown_timeout: 3
  max_concurrent: 4
  queues:
    maint: { max_concurrent: $1 }
api:
  listen: 127.0.0.1:$PORT
  tokens:
    - { name: reader, role: read, sha256: $(sha256_of "$TOKEN") }
EOF
    mv "$CONFIG.new" "$CONFIG"
}
config 1

# Two maintenance tasks of a higher priority, each busy longer than its
# period: between them the maint queue always has a run waiting.
for name in m_a m_b; do
    e2e_task $name <<'EOF'
return { schedule = every(1).seconds, queue = "maint", priority = 10, timeout = 10,
         run = function() exec.run{ "sleep", "1.5" } end }
EOF
done
e2e_task tick <<'EOF'
return { schedule = every(1).seconds, queue = "quick", timeout = 10,
         run = function() end }
EOF
e2e_task plain <<'EOF'
return { schedule = every(1).hours, run = function() end }
EOF

# queue_is NAME PYTHON-EXPR: `--status --json`'s queue NAME, as `q`, makes
# EXPR true.
queue_is() {
    e2e_cli --status --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
q = json.load(sys.stdin)["queues"].get(sys.argv[1])
sys.exit(0 if q is not None and eval(sys.argv[2]) else 1)' "$1" "$2"
}

# overlaps: pairs of maint runs whose run() times overlapped.
overlaps() {
    e2e_sql "SELECT count(*) FROM runs a JOIN runs b ON a.id < b.id
             WHERE a.task IN ('m_a', 'm_b') AND b.task IN ('m_a', 'm_b')
               AND a.started_at > 0 AND b.started_at > 0
               AND b.started_at < COALESCE(NULLIF(a.finished_at, 0), 1e12)
               AND a.started_at < COALESCE(NULLIF(b.finished_at, 0), 1e12)"
}

overlapped() {
    [ "$(overlaps)" -gt 0 ]
}
effective_has_maint() {
    e2e_cli config --effective | grep -q "maint: { max_concurrent: $1 }"
}

e2e_start || e2e_done

e2e_check full_queue_has_a_run_waiting "maint: 1 running, 1 waiting, bound 1" \
    e2e_wait 6 queue_is maint 'q == {"max_concurrent": 1, "running": 1, "waiting": 1}'
e2e_check unbounded_queue_is_listed "quick: max_concurrent null" \
    queue_is quick 'q["max_concurrent"] is None'
e2e_check default_queue_is_listed "default: the task without a queue" \
    queue_is default 'q["max_concurrent"] is None'
e2e_check task_document_names_its_queue "m_a's queue \"maint\", plain's \"default\"" \
    sh -c "[ '$(e2e_field m_a queue)' = '\"maint\"' ] && [ '$(e2e_field plain queue)' = '\"default\"' ]"
plain_status=$(e2e_cli --status 2>/dev/null | grep '^queues: ')
e2e_check plain_status_counts_queues "a queues: line with maint's bound, got '$plain_status'" \
    sh -c "printf '%s' '$plain_status' | grep -q 'maint [01] running (at most 1), [01] waiting'"

# While maint is saturated, tick fires every second, on time.
since=$(date +%s)
sleep 4
until=$(date +%s)
e2e_check other_queue_fires_on_time_while_maint_is_full \
    "tick succeeded at least $((until - since - 1)) times in $((until - since)) s, under 1 s late; got $(e2e_runs tick)" \
    e2e_sql_true "SELECT count(*) >= $until - $since - 1 AND max(started_at - scheduled_for) < 1.0
                  FROM runs WHERE task = 'tick' AND status = 'success'
                    AND scheduled_for BETWEEN $since AND $until"
e2e_check bounded_queue_never_overlaps "no two maint runs at once, got $(overlaps) overlaps" \
    [ "$(overlaps)" = 0 ]
e2e_check bounded_queue_still_runs "maint runs went on one after the other" \
    e2e_wait 4 e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task IN ('m_a', 'm_b')
                             AND status = 'success' AND finished_at >= $since"

api_counts_queues() {
    req -H "$(bearer "$TOKEN")" "$(url /api/v1/status)"
    [ "$code" = 200 ] && body_is 'd["queues"]["maint"]["max_concurrent"] == 1 and
        [t["queue"] for t in d["tasks"] if t["name"] == "m_b"] == ["maint"]'
}
e2e_check api_status_counts_queues "200 with queues.maint bounded to 1 and m_b's queue" \
    api_counts_queues

e2e_check effective_config_shows_queues "maint: { max_concurrent: 1 } in config --effective" \
    effective_has_maint 1

# A reload that raises the bound lets both maintenance tasks run at once.
config 2
e2e_check reload_applies_new_bound "maint: bound 2, then 2 running" \
    e2e_wait 8 queue_is maint 'q["max_concurrent"] == 2 and q["running"] == 2'
e2e_wait 4 overlapped
e2e_check raised_bound_runs_both_at_once "m_a and m_b overlapping after the reload" \
    overlapped

e2e_stop
e2e_done
