#!/bin/sh
# examples.sh — the shipped example tasks (tasks/example_*.lua), run for real.
#
# Run from the repository root after ./main is built.  Builds a private
# project root under /tmp with copies of the examples and tasks/scripts, the
# configs of tests/fixtures/examples/config (their @PORT@ and @ROOT@ filled
# in), and a local web site served by tests/fixtures/examples/page_server.py
# on 127.0.0.1, which also takes the webhook notifications.  For each
# example: `check` accepts it, `--task` runs it with exit 0, and its side
# effects are there.  Nothing leaves 127.0.0.1.  Prints "ok - name" or
# "not ok - name: expected …" per case, with the run's output on failure.
set -u
MAIN=${MAIN:-$(pwd)/main}
FIXTURES=$(pwd)/tests/fixtures/examples
. tests/e2e/lib.sh
FAILED=0
SERVER=

if [ ! -x "$MAIN" ]; then
    echo "not ok - examples_setup: expected $MAIN to be built"
    exit 1
fi
ROOT=$(mktemp -d /tmp/taskschedXXXXXX) || exit 1
OUT="$ROOT/out"
REQUESTS="$ROOT/requests.jsonl"

cleanup() {
    status=$?
    exec 3>&-                  # the server exits when its stdin closes ...
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null   # ... or now
    [ "$FAILED" = 0 ] || status=1
    e2e_remove_root "$ROOT" "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() {
    echo "ok - $1"
}

# not_ok NAME EXPECTATION: a failure, with the output of the last run.
not_ok() {
    echo "not ok - $1: expected $2"
    [ -f "$OUT" ] && sed 's/^/#   /' "$OUT"
    FAILED=1
}

# check NAME EXPECTATION COMMAND...: ok when COMMAND succeeds.
check() {
    name=$1 expectation=$2
    shift 2
    if "$@" >/dev/null 2>&1; then ok "$name"; else not_ok "$name" "$expectation"; fi
}

# run_task NAME: `main --task NAME` in the root, its output (stdout and
# stderr) in $OUT; returns its exit status.
run_task() {
    "$MAIN" --root "$ROOT" --task "$1" >"$OUT" 2>&1
}

# expect_run CASE TASK: ok when the task ran with exit 0.
expect_run() {
    if run_task "$2"; then ok "$1"; else not_ok "$1" "--task $2 to exit 0"; fi
}

out_has() {
    grep -qF -- "$1" "$OUT"
}

server_got() {
    [ -f "$REQUESTS" ] && grep -qF -- "$1" "$REQUESTS"
}

# --- the project root -------------------------------------------------------
mkdir -p "$ROOT/tasks" "$ROOT/config" "$ROOT/data" "$ROOT/logs" "$ROOT/site"
cp tasks/example_*.lua "$ROOT/tasks/"
cp -R tasks/scripts "$ROOT/tasks/scripts"
cp -R "$FIXTURES/site/." "$ROOT/site/"

mkfifo "$ROOT/server.in" || exit 1
/usr/bin/python3 "$FIXTURES/page_server.py" "$ROOT/site" "$REQUESTS" \
    <"$ROOT/server.in" >"$ROOT/server.port" 2>"$ROOT/server.err" &
SERVER=$!
exec 3>"$ROOT/server.in"
polls=600 # 60 s: python3 starts slowly on a loaded machine
while [ ! -s "$ROOT/server.port" ] && [ "$polls" -gt 0 ]; do
    sleep 0.1
    polls=$((polls - 1))
done
PORT=$(cat "$ROOT/server.port")
if [ -z "$PORT" ]; then
    echo "not ok - examples_setup: expected the page server to print its port"
    sed 's/^/#   /' "$ROOT/server.err"
    exit 1
fi

for f in "$FIXTURES"/config/*.yaml; do
    sed -e "s|@PORT@|$PORT|g" -e "s|@ROOT@|$ROOT|g" "$f" >"$ROOT/config/$(basename "$f")"
done
chmod 600 "$ROOT/config/secrets.yaml"

# --- check ------------------------------------------------------------------
if "$MAIN" --root "$ROOT" check >"$OUT" 2>&1; then
    ok check_accepts_every_example
else
    not_ok check_accepts_every_example "main check to exit 0 on tasks/example_*.lua"
fi
for file in "$ROOT"/tasks/example_*.lua; do
    name=$(basename "$file" .lua)
    check "check_$name" "main check $file to exit 0" "$MAIN" --root "$ROOT" check "$file"
done
check check_ignores_the_python_script "no task for tasks/scripts/example_report.py" \
    sh -c '! grep -q example_report "$1"' - "$OUT"

# --- web scraper: new entries, then none, then the one added ---------------
expect_run scraper_first_run_exits_0 example_web_scraper
check scraper_first_run_logs_every_entry "'new entry: Welcome to the blog' (the oldest)" \
    out_has "new entry: Welcome to the blog"
check scraper_strips_markup_and_entities "'new entry: Release 1.2 & its new scheduler'" \
    out_has "new entry: Release 1.2 & its new scheduler"
expect_run scraper_second_run_exits_0 example_web_scraper
check scraper_remembers_what_it_saw "'nothing new' on an unchanged page" out_has "nothing new"
check scraper_second_run_reports_no_entry "no 'new entry' on an unchanged page" \
    sh -c '! grep -q "new entry" "$1"' - "$OUT"
sed 's|<h1>Project news</h1>|&\n  <article><h2>Release 1.3</h2></article>|' \
    "$ROOT/site/news.html" >"$ROOT/site/news.tmp" && mv "$ROOT/site/news.tmp" "$ROOT/site/news.html"
expect_run scraper_third_run_exits_0 example_web_scraper
check scraper_finds_the_added_entry "'new entry: Release 1.3'" out_has "new entry: Release 1.3"
check scraper_reports_only_the_added_entry "no 'new entry: Release 1.2' again" \
    sh -c '! grep -q "new entry: Release 1.2" "$1"' - "$OUT"

# --- cleanup: old matching files go, everything else stays ------------------
mkdir -p "$ROOT/junk/sub" "$ROOT/outside"
touch -d '10 days ago' "$ROOT/junk/old.log" "$ROOT/junk/old.txt" "$ROOT/junk/sub/old.log" \
    "$ROOT/outside/target.log"
touch "$ROOT/junk/new.log"
ln -s "$ROOT/outside/target.log" "$ROOT/junk/link.log"
touch -h -d '10 days ago' "$ROOT/junk/link.log"
expect_run cleanup_exits_0 example_cleanup
check cleanup_removes_old_matching_files "junk/old.log removed" test ! -e "$ROOT/junk/old.log"
check cleanup_keeps_new_files "junk/new.log kept" test -e "$ROOT/junk/new.log"
check cleanup_keeps_other_patterns "junk/old.txt kept" test -e "$ROOT/junk/old.txt"
check cleanup_keeps_sub_folders_unless_recursive "junk/sub/old.log kept" \
    test -e "$ROOT/junk/sub/old.log"
check cleanup_never_follows_links "the link's target kept" test -e "$ROOT/outside/target.log"
check cleanup_logs_what_it_removed "'removed $ROOT/junk/old.log'" out_has "removed $ROOT/junk/old.log"
cp "$ROOT/config/example_cleanup.yaml" "$ROOT/cleanup.yaml.saved"
printf 'folder: /\nmax_age_days: 7\npattern: "*.log"\n' >"$ROOT/config/example_cleanup.yaml"
if run_task example_cleanup; then
    not_ok cleanup_refuses_the_root_folder "--task to exit 1 with folder: /"
else
    check cleanup_refuses_the_root_folder "'refusing to clean /'" out_has "refusing to clean /"
fi
mv "$ROOT/cleanup.yaml.saved" "$ROOT/config/example_cleanup.yaml"

# --- system monitor: figures, and a notification above thresholds -----------
expect_run system_monitor_exits_0 example_system_monitor
check system_monitor_logs_figures "'system figures'" out_has "system figures"
check system_monitor_notifies_above_thresholds "a webhook titled 'System monitor: attention'" \
    server_got '"path": "/hook", "headers"'
check system_monitor_webhook_names_the_problem "'System monitor: attention' in a webhook body" \
    server_got 'System monitor: attention'
hooks_before=$(grep -c '"/hook"' "$REQUESTS")
expect_run system_monitor_second_run_exits_0 example_system_monitor
check system_monitor_does_not_repeat_an_alert "no second webhook for the same problems" \
    test "$(grep -c '"/hook"' "$REQUESTS")" -eq "$hooks_before"

# --- external command and external script -----------------------------------
expect_run external_command_exits_0 example_external_command
check external_command_output_is_kept "uname's output ('$(uname -s)')" out_has "$(uname -s)"
expect_run external_script_exits_0 example_external_script
check external_script_logs_the_text_report "'disk_free_mb: ' from exec.script" \
    out_has "disk_free_mb: "
# (the run fails when the --json output does not decode, so exit 0 covers it)

# --- notification ------------------------------------------------------------
: >"$REQUESTS"
expect_run notification_exits_0 example_notification
check notification_reaches_the_webhook "a POST /hook" server_got '"method": "POST", "path": "/hook"'
check notification_webhook_carries_the_title "'Weekly reminder' in the webhook JSON" \
    server_got 'Weekly reminder'
check notification_skips_unknown_channels "a warning about channel 'nosuch'" \
    out_has "channel 'nosuch'"

# --- config and secrets ------------------------------------------------------
: >"$REQUESTS"
expect_run config_secrets_exits_0 example_config_secrets
check config_secrets_calls_with_the_token "'Bearer s3cret-test-token' at the server" \
    server_got 'Bearer s3cret-test-token'
check config_secrets_never_prints_the_token "no 's3cret' in the run's output" \
    sh -c '! grep -q s3cret "$1"' - "$OUT"
check config_secrets_never_logs_the_token "no 's3cret' under logs/" \
    sh -c '! grep -rq s3cret "$1"' - "$ROOT/logs"
check config_secrets_never_stores_the_token "no 's3cret' in data/ (run results, state)" \
    sh -c '! grep -rqa s3cret "$1"' - "$ROOT/data"

# --- helper showcase ---------------------------------------------------------
: >"$REQUESTS"
expect_run helper_showcase_exits_0 example_helper_showcase
check helper_showcase_fetches_the_url "a GET /v1/status" server_got '"method": "GET", "path": "/v1/status"'
check helper_showcase_notifies "a POST /hook" server_got '"path": "/hook"'
check helper_showcase_runs_exec "'wc counted 4 words'" out_has "wc counted 4 words"
expect_run helper_showcase_second_run_exits_0 example_helper_showcase
check helper_showcase_keeps_state "'this task has run 2 time(s)'" out_has "this task has run 2 time(s)"

# --- hello world (shipped already) ------------------------------------------
expect_run hello_world_exits_0 example_hello_world

exit "$FAILED"
