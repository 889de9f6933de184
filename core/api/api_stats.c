/* api_stats.c — GET /api/v1/stats/overview?days= and GET /api/v1/stats/
 * performance?task=&days=: the documents `main stats` prints with --json,
 * made by the same store functions (store_stats.c) from the daemon's
 * store, instants and busiest hours in the daemon's zone.
 *
 * days is 1 to 3650 (default 7); a task that has neither a file nor runs
 * is 404, naming the parameter.
 */
#include "api_internal.h"
#include "engine/engine.h"
#include "store/store.h"
#include "time/clock.h"

#define STATS_DAYS_DEFAULT 7
#define STATS_DAYS_MAX 3650
#define STATS_TASK_MAX 256

const struct api_param api_stats_overview_params[] = {
    {"days", API_PARAM_INT, 1, STATS_DAYS_MAX, NULL},
    {NULL, 0, 0, 0, NULL},
};

const struct api_param api_stats_performance_params[] = {
    {"task", API_PARAM_TEXT, 1, STATS_TASK_MAX, NULL},
    {"days", API_PARAM_INT, 1, STATS_DAYS_MAX, NULL},
    {NULL, 0, 0, 0, NULL},
};

static int stats_days(const struct api_call *call)
{
    const struct api_query_value *days = api_query_get(&call->query, "days");

    return days ? (int)days->number : STATS_DAYS_DEFAULT;
}

void api_get_stats_overview(struct api_call *call)
{
    json_t *doc;

    if (store_stats_overview(call->ctx->store, stats_days(call), clock_now(),
                             engine_zone(call->ctx->engine), &doc) < 0) {
        api_reply_problem(call, 500, NULL, "cannot read the statistics: %s",
                          store_error(call->ctx->store));
        return;
    }
    api_reply_json(call, 200, doc);
}

void api_get_stats_performance(struct api_call *call)
{
    const struct api_query_value *task = api_query_get(&call->query, "task");
    const char *name = task ? task->text : NULL;
    json_t *doc;
    int found = store_stats_performance(call->ctx->store, name, stats_days(call), clock_now(),
                                        engine_zone(call->ctx->engine), &doc);

    if (found < 0)
        api_reply_problem(call, 500, NULL, "cannot read the statistics: %s",
                          store_error(call->ctx->store));
    else if (found == 0)
        api_reply_problem(call, 404, "task", "no task named '%s'", name);
    else
        api_reply_json(call, 200, doc);
}
