/* api_alerts.c — GET /api/v1/alerts, /alerts/summary, /alerts/{id} and
 * POST /api/v1/alerts/{id}/resolve.
 *
 * Alerts are read from the daemon's store (store_alerts, store_alert_json,
 * the documents `main alerts --json` prints); a resolve goes through
 * engine_alert_resolve, as the socket's `resolve` does, recording the
 * token's name.  Pages as GET /api/v1/runs has them: newest first, `limit`
 * (default 50), "next" with before=ID.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "engine/engine.h"
#include "store/store.h"

#define ALERTS_LIMIT_DEFAULT 50
#define ALERTS_LIMIT_MAX 500
#define ALERTS_NOTE_MAX 1024

static const char *const alert_states[] = {"open", "resolved", "all", NULL};

const struct api_param api_alerts_params[] = {
    {"state", API_PARAM_ENUM, 0, 0, alert_states},
    {"task", API_PARAM_TEXT, 1, 256, NULL},
    {"kind", API_PARAM_ENUM, 0, 0, store_alert_kind_names},
    {"limit", API_PARAM_INT, 1, ALERTS_LIMIT_MAX, NULL},
    {"before", API_PARAM_INT, 1, INT64_MAX, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* Take rows up to the limit; the row after it only says there is more. */
static int alerts_take(const struct store_alert *a, void *ud)
{
    struct api_page *page = ud;

    return api_page_full(page) ? 1 : api_page_add(page, store_alert_json(a, page->zone));
}

void api_get_alerts(struct api_call *call)
{
    const struct api_query_value *limit = api_query_get(&call->query, "limit"),
                                 *state = api_query_get(&call->query, "state"),
                                 *task = api_query_get(&call->query, "task"),
                                 *kind = api_query_get(&call->query, "kind"),
                                 *before = api_query_get(&call->query, "before");
    struct api_page page = {.zone = engine_zone(call->ctx->engine),
                            .items = json_array(),
                            .limit = limit ? (size_t)limit->number : ALERTS_LIMIT_DEFAULT};
    struct store_alert_filter f = {
        .state = state ? (enum store_alert_state)state->number : STORE_ALERTS_OPEN,
        .task = task ? task->text : NULL,
        .kind = kind ? store_alert_kind_name((enum store_alert_kind)kind->number) : NULL,
        .before = before ? before->number : 0,
    };
    json_t *next;

    if (!page.items) {
        api_reply_json(call, 200, NULL);
        return;
    }
    if (store_alerts(call->ctx->store, &f, (int)page.limit + 1, alerts_take, &page) < 0) {
        api_reply_problem(call, 500, NULL, "cannot read the alerts: %s",
                          store_error(call->ctx->store));
        json_decref(page.items);
        return;
    }
    next = page.more && !page.out_of_memory ? api_page_next(call, "/api/v1/alerts", page.items)
                                            : json_null();
    if (page.out_of_memory || !next) {
        json_decref(page.items);
        api_reply_json(call, 200, NULL); /* out of memory: 500 */
        return;
    }
    api_reply_json(call, 200, json_pack("{s:o, s:o}", "alerts", page.items, "next", next));
}

void api_get_alerts_summary(struct api_call *call)
{
    json_t *summary = store_alerts_summary(call->ctx->store);

    if (!summary) {
        api_reply_problem(call, 500, NULL, "cannot count the alerts: %s",
                          store_error(call->ctx->store));
        return;
    }
    api_reply_json(call, 200, summary);
}

struct alert_found {
    const struct tz *zone;
    json_t *doc;
};

static int alert_take(const struct store_alert *a, void *ud)
{
    struct alert_found *found = ud;

    found->doc = store_alert_json(a, found->zone);
    return 0;
}

void api_get_alert(struct api_call *call)
{
    int64_t id = api_path_id(call, "an alert");
    struct alert_found found = {engine_zone(call->ctx->engine), NULL};
    int got;

    if (id < 0)
        return;
    got = store_alert_get(call->ctx->store, id, alert_take, &found);
    if (got < 0)
        api_reply_problem(call, 500, NULL, "cannot read alert %" PRId64 ": %s", id,
                          store_error(call->ctx->store));
    else if (got == 0)
        api_reply_problem(call, 404, "id", "no alert %" PRId64, id);
    else
        api_reply_json(call, 200, found.doc); /* NULL, out of memory: 500 */
}

/* The optional body {"note": "…"}: 0 with *note (borrowed from *body, NULL
 * when none), or -1 with the reply set (400 naming the field). */
static int resolve_note(struct api_call *call, json_t **body, const char **note)
{
    json_error_t jerr;
    const json_t *value;

    *body = NULL;
    *note = NULL;
    if (call->body_len == 0)
        return 0;
    *body = json_loadb(call->body, call->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(*body)) {
        api_reply_problem(call, 400, NULL,
                          "the body: expected a JSON object {\"note\": \"…\"}%s%s",
                          *body ? "" : ", ", *body ? "" : jerr.text);
        return -1;
    }
    value = json_object_get(*body, "note");
    if (json_object_size(*body) > (value ? 1u : 0u)) {
        api_reply_problem(call, 400, NULL, "the body: only \"note\" is accepted");
        return -1;
    }
    if (value && (!json_is_string(value) || json_string_length(value) > ALERTS_NOTE_MAX)) {
        api_reply_problem(call, 400, "note", "note: expected a string of at most %d bytes",
                          ALERTS_NOTE_MAX);
        return -1;
    }
    *note = json_string_value(value);
    return 0;
}

/* 200 with the resolved alert; 404 unknown; 409 already resolved. */
void api_post_alert_resolve(struct api_call *call)
{
    int64_t id = api_path_id(call, "an alert");
    char err[ENGINE_ERR_MAX], by[ENGINE_ERR_MAX];
    json_t *body, *alert;
    const char *note;
    int rc;

    if (id < 0 || resolve_note(call, &body, &note) < 0) {
        if (id >= 0)
            json_decref(body);
        return;
    }
    snprintf(by, sizeof by, "token '%s' via API", call->token_name);
    rc = engine_alert_resolve(call->ctx->engine, id, by, note, &alert, err, sizeof err);
    json_decref(body);
    if (rc == 1)
        api_reply_json(call, 200, alert);
    else if (rc == 0)
        api_reply_problem(call, 404, "id", "%s", err);
    else if (rc == 2) {
        json_decref(alert);
        api_reply_problem(call, 409, "id", "%s", err);
    } else
        api_reply_problem(call, 500, NULL, "%s", err);
}
