/* store_json.c — a run row as the JSON document the CLI (`history
 * --json`, `show --json`) and the HTTP API both show. */
#include "store.h"

#include "time/instant_json.h"

/* A stored JSON text as a value; the text itself when it does not parse
 * (it was written by us, so that would be a bug worth seeing). */
static json_t *json_text(const char *text)
{
    json_t *v;

    if (!text)
        return json_null();
    v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(text);
}

json_t *store_run_json(const struct store_run *run, const struct tz *zone)
{
    json_t *row = json_pack(
        "{s:I, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:s?, s:o, s:o, s:o, s:s?, s:s?}", "id",
        (json_int_t)run->id, "task", run->task, "trigger", store_trigger_name(run->trigger),
        "status", store_status_name(run->status), "attempt", run->attempt, "duration",
        run->finished_at != 0 && run->started_at != 0 ? json_real(run->duration) : json_null(),
        "exit_code", run->has_exit_code ? json_integer(run->exit_code) : json_null(), "signal",
        run->signal ? json_integer(run->signal) : json_null(), "error", run->error, "result",
        json_text(run->result_json), "peak_rss_kb",
        run->peak_rss_kb ? json_integer(run->peak_rss_kb) : json_null(), "cpu_ms",
        run->cpu_ms ? json_integer(run->cpu_ms) : json_null(), "output_tail", run->output_tail,
        "file_hash", run->file_hash);

    if (row && (instant_json_set(row, "scheduled_for", zone, (double)run->scheduled_for) < 0 ||
                instant_json_set(row, "queued_at", zone, run->queued_at) < 0 ||
                instant_json_set(row, "started_at", zone, run->started_at) < 0 ||
                instant_json_set(row, "finished_at", zone, run->finished_at) < 0)) {
        json_decref(row);
        return NULL;
    }
    return row;
}
