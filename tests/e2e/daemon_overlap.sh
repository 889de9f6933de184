#!/bin/sh
# daemon_overlap.sh — a task still running when its next fire comes:
# overlap = "skip" records the fire as skipped, overlap = "queue" runs it
# when the previous run ends; never two runs of one task at once.
set -u
. tests/e2e/lib.sh
e2e_setup

e2e_task o_skip <<'EOF_TASK'
return { schedule = every(1).seconds, overlap = "skip", timeout = 10,
         command = { "sleep", "2.5" } }
EOF_TASK
e2e_task o_queue <<'EOF_TASK'
return { schedule = every(1).seconds, overlap = "queue", timeout = 10,
         command = { "sleep", "1.5" } }
EOF_TASK

if ! e2e_start; then
    e2e_not_ok daemon_starts "the daemon answering --status within 10 s"
    e2e_done
fi

# Runs of one task that overlap in time (0 expected).
overlapping() {
    e2e_sql "SELECT count(*) FROM runs a JOIN runs b ON a.task = b.task AND a.id < b.id
             WHERE a.task = '$1' AND a.started_at > 0 AND b.started_at > 0
               AND b.started_at < a.finished_at - 0.01 AND a.started_at < b.finished_at - 0.01"
}

successes() {
    e2e_sql_true "SELECT count(*) >= $2 FROM runs WHERE task = '$1' AND status = 'success'"
}
e2e_wait 15 successes o_skip 2
e2e_wait 10 successes o_queue 3

e2e_check overlap_skip_records_skipped \
    "skipped rows beside the runs: $(e2e_runs o_skip)" \
    e2e_sql_true "SELECT count(*) >= 2 FROM runs WHERE task = 'o_skip' AND status = 'skipped'"
e2e_check overlap_skip_never_runs_two "no overlapping runs, got $(overlapping o_skip)" \
    [ "$(overlapping o_skip)" -eq 0 ]
e2e_check overlap_queue_skips_nothing \
    "no skipped rows: $(e2e_runs o_queue)" \
    e2e_sql_true "SELECT count(*) = 0 FROM runs WHERE task = 'o_queue' AND status = 'skipped'"
e2e_check overlap_queue_runs_back_to_back "no overlapping runs, got $(overlapping o_queue)" \
    [ "$(overlapping o_queue)" -eq 0 ]
e2e_check overlap_queue_keeps_each_fire \
    "queued runs carry their own fire instants" \
    e2e_sql_true "SELECT count(*) = count(DISTINCT scheduled_for) FROM runs
                  WHERE task = 'o_queue' AND status = 'success'"

e2e_stop
e2e_done
