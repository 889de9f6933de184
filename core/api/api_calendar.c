/* api_calendar.c — GET /api/v1/calendar?expr=&tz=&n=: the next fire
 * instants of a schedule expression, computed as `main calendar` computes
 * them (calendar_expr), so the dashboard's schedule preview and the CLI
 * cannot disagree; or ?task=NAME&n=: those of a loaded task (the
 * dashboard's timeline and task page), from the engine's own schedule.
 *
 * The expression is evaluated by the top-level sandbox in a worker process
 * (task/isolated.h), as task files are at discovery: an ordinary one costs
 * the loop a fork and well under a millisecond, and a hostile one at most
 * the worker's timeout, like a hostile task file; the route needs a token.
 */
#include <stdbool.h>
#include <stdio.h>

#include "api_internal.h"
#include "engine/engine.h"
#include "task/calendar.h"
#include "time/clock.h"
#include "time/tz.h"

#define CALENDAR_COUNT_DEFAULT 10
#define CALENDAR_COUNT_MAX 1000
#define CALENDAR_EXPR_MAX 1024 /* bytes: a schedule, or a union of a few */
#define CALENDAR_ERR_MAX 512
#define CALENDAR_TASK_MAX 1024 /* bytes of a task's name */

const struct api_param api_calendar_params[] = {
    {"expr", API_PARAM_TEXT, 1, CALENDAR_EXPR_MAX, NULL},
    {"task", API_PARAM_TEXT, 1, CALENDAR_TASK_MAX, NULL},
    {"tz", API_PARAM_TEXT, 1, 64, NULL},
    {"n", API_PARAM_INT, 1, CALENDAR_COUNT_MAX, NULL},
    {NULL, 0, 0, 0, NULL},
};

/* ?task=NAME: {"task", "tz", "fires", "warnings": []}, the next fires of
 * the task's version in force, in the daemon's zone (the one its schedule
 * fires in: no ?tz=). */
static void task_calendar(struct api_call *call, const char *name, long count)
{
    bool found;
    json_t *fires = engine_task_fires(call->ctx->engine, name, clock_now_s(), count, &found);

    if (!found) {
        api_reply_problem(call, 404, "task", "no task named '%s' is in force", name);
        return;
    }
    if (!fires) {
        api_reply_problem(call, 503, NULL, "cannot list the fires now: out of memory");
        return;
    }
    api_reply_json(call, 200,
                   json_pack("{s:s, s:s, s:o, s:[]}", "task", name, "tz",
                             tz_name(engine_zone(call->ctx->engine)), "fires", fires,
                             "warnings"));
}

/* ?expr=: {"expr", "tz", "fires": [{"at", "at_epoch"}...], "warnings": [TEXT...]}:
 * the fires strictly after now, in ?tz= (default scheduler.timezone),
 * which is also the zone of a schedule without :tz(); ?task= instead of
 * ?expr=: task_calendar. */
void api_get_calendar(struct api_call *call)
{
    const struct api_query_value *expr = api_query_get(&call->query, "expr");
    const struct api_query_value *task = api_query_get(&call->query, "task");
    const struct api_query_value *tz = api_query_get(&call->query, "tz");
    const struct api_query_value *n = api_query_get(&call->query, "n");
    const struct tz *zone = engine_zone(call->ctx->engine);
    long count = n ? (long)n->number : CALENDAR_COUNT_DEFAULT;
    char err[CALENDAR_ERR_MAX];
    json_t *fires, *warnings;
    int rc;

    if (task && (expr || tz)) {
        api_reply_problem(call, 400, expr ? "expr" : "tz",
                          "parameter '%s' does not go with 'task' (a task fires in its own "
                          "schedule's zone)",
                          expr ? "expr" : "tz");
        return;
    }
    if (task) {
        task_calendar(call, task->text, count);
        return;
    }
    if (!expr) {
        api_reply_problem(call, 400, "expr",
                          "parameter 'expr' or 'task' is required: a schedule such as "
                          "every(5).minutes, or a task's name");
        return;
    }
    if (tz && !(zone = tz_get(tz->text, err, sizeof err))) {
        api_reply_problem(call, 400, "tz", "parameter 'tz': %s", err);
        return;
    }
    rc = calendar_expr(expr->text, clock_now_s(), zone, count, &fires, &warnings, err,
                       sizeof err);
    if (rc == -1) {
        api_reply_problem(call, 400, "expr", "parameter 'expr': %s", err);
        return;
    }
    if (rc < 0) {
        api_reply_problem(call, 503, NULL, "cannot evaluate the schedule now: %s", err);
        return;
    }
    api_reply_json(call, 200,
                   json_pack("{s:s, s:s, s:o, s:o}", "expr", expr->text, "tz", tz_name(zone),
                             "fires", fires, "warnings", warnings));
}
