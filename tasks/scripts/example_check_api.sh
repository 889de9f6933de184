#!/bin/sh
# example_check_api.sh — the health check of tasks/example_jobs.yaml: GET
# $api_endpoint (the job's kwargs arrive as environment variables) and fail
# unless it answers 2xx within 10 seconds.
set -eu
curl --fail --silent --show-error --max-time 10 --output /dev/null "$api_endpoint"
echo "ok: $api_endpoint"
