#!/bin/sh
# api_jobs.sh — YAML jobs made over the HTTP API: PUT /api/v1/tasks/{name}
# writes tasks/NAME.yaml (201, then 200 replacing it) and answers the task
# document with its source and ETag; If-Match with a stale ETag is 412; a
# bad job is 400 naming the field, and nothing is written; a task from a
# .lua file is 409 for PUT and DELETE; DELETE removes the file (204) and
# the task.  A name with folders is written with %2F: ops%2Fmade.
set -u
. tests/e2e/lib.sh
e2e_setup
. tests/e2e/api_lib.sh
cat >>"$E2E_ROOT/config/config.yaml" <<EOF
api:
  listen: 127.0.0.1:$PORT
EOF
e2e_task luatask <<'EOF'
return { schedule = every(1).days, command = { "true" } }
EOF
e2e_start || e2e_done
ADMIN=$(cat "$E2E_ROOT/data/api.token")
AUTH=$(bearer "$ADMIN")

# etag: the ETag header of the last response.
etag() {
    tr -d '\r' <"$hdr" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'
}

req -X PUT -H "$AUTH" -d '{"schedule": "every(1).seconds", "shell": "echo made", "title": "Made"}' \
    "$(url /api/v1/tasks/ops%2Fmade)"
e2e_check put_creates_201_with_the_task_document "201 with ops/made, got $code $(cat "$out")" \
    sh -c '[ "$1" = 201 ]' - "$code"
e2e_check put_answer_has_its_source "source yaml tasks/ops/made.yaml" \
    body_is "d['name'] == 'ops/made' and d['title'] == 'Made' and d['source']['type'] == 'yaml' and d['source']['path'].endswith('/tasks/ops/made.yaml')"
e2e_check put_writes_the_yaml_file "tasks/ops/made.yaml checks ok" \
    e2e_cli check "$E2E_ROOT/tasks/ops/made.yaml"
e2e_check put_job_fires "ops/made ran" \
    e2e_wait 5 e2e_sql_true "SELECT count(*) >= 1 FROM runs WHERE task = 'ops/made' AND status = 'success'"
first=$(etag)

req -H "$AUTH" "$(url /api/v1/tasks/ops%2Fmade)"
current=$(etag)
e2e_check get_answer_has_the_job_fields "job as written, got $(cat "$out")" \
    body_is "d['job'] == {'schedule': 'every(1).seconds', 'shell': 'echo made', 'title': 'Made'}"
req -X PUT -H "$AUTH" -H "If-Match: $current" \
    -d '{"schedule": "every(1).seconds", "shell": "echo made", "title": "Made v2"}' \
    "$(url /api/v1/tasks/ops%2Fmade)"
e2e_check put_with_the_current_etag_replaces_200 "200 with title Made v2, got $code $(cat "$out")" \
    body_is "d['title'] == 'Made v2'"
req -X PUT -H "$AUTH" -H "If-Match: $current" \
    -d '{"schedule": "every(1).seconds", "shell": "echo made", "title": "Made v3"}' \
    "$(url /api/v1/tasks/ops%2Fmade)"
e2e_check put_with_a_stale_etag_is_412 "412 problem, got $code $(cat "$out")" problem 412 If-Match
e2e_check stale_put_changes_nothing "title still Made v2" \
    e2e_field_is ops/made title '"Made v2"'

req -X PUT -H "$AUTH" -d '{"schedule": "every(1).seconds", "shell": "true", "timout": 5}' \
    "$(url /api/v1/tasks/ops%2Fmade)"
e2e_check bad_job_is_400_naming_the_field "400 naming timout, got $code $(cat "$out")" \
    problem 400 timout
e2e_check bad_job_suggests_the_field "did you mean 'timeout'" \
    grep -q "did you mean 'timeout'" "$out"
req -X PUT -H "$AUTH" -d '{"schedule": "every(0).seconds", "shell": "true"}' \
    "$(url /api/v1/tasks/ops%2Fother)"
e2e_check bad_schedule_is_400_naming_schedule "400 naming schedule, got $code $(cat "$out")" \
    problem 400 schedule
e2e_check bad_job_writes_nothing "no tasks/ops/other.yaml and no temporary file" \
    sh -c '[ ! -e "$1/tasks/ops/other.yaml" ] && [ -z "$(ls -A "$1/tasks/ops" | grep -v "^made.yaml$")" ]' - "$E2E_ROOT"
req -X PUT -H "$AUTH" -d '[1]' "$(url /api/v1/tasks/ops%2Fother)"
e2e_check non_object_is_400 "400 naming body, got $code" problem 400 body
req -X PUT -H "$AUTH" -d '{}' "$(url /api/v1/tasks/lib%2Fx)"
e2e_check module_place_is_400 "400 naming name, got $code" problem 400 name

req -X PUT -H "$AUTH" -d '{"schedule": "every(1).days", "command": ["true"]}' \
    "$(url /api/v1/tasks/luatask)"
e2e_check put_over_a_lua_task_is_409 "409 naming name, got $code $(cat "$out")" problem 409 name
req -X DELETE -H "$AUTH" "$(url /api/v1/tasks/luatask)"
e2e_check delete_of_a_lua_task_is_409 "409, got $code" problem 409 name
e2e_check lua_task_stays "tasks/luatask.lua there" [ -f "$E2E_ROOT/tasks/luatask.lua" ]

req -X DELETE -H "$AUTH" -H "If-Match: $first" "$(url /api/v1/tasks/ops%2Fmade)"
e2e_check delete_with_a_stale_etag_is_412 "412, got $code" problem 412 If-Match
req -X DELETE -H "$AUTH" "$(url /api/v1/tasks/ops%2Fmade)"
e2e_check delete_is_204 "204, got $code" [ "$code" = 204 ]
e2e_check delete_removes_file_and_task "no file, no task" \
    sh -c '[ ! -e "$1/tasks/ops/made.yaml" ]' - "$E2E_ROOT"
e2e_check deleted_task_is_gone "ops/made absent" e2e_field_is ops/made name absent
req -X DELETE -H "$AUTH" "$(url /api/v1/tasks/ops%2Fmade)"
e2e_check delete_again_is_404 "404, got $code" problem 404 name

e2e_done
