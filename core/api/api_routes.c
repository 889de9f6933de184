/* api_routes.c — every route of the API: method, path, the least role
 * that may call it, its query parameters and its handler.
 *
 * The one place a route is added.  Roles (DESIGN: read < operate < admin):
 * GETs are read, actions on tasks and runs operate, changes to the jobs
 * themselves admin.  Only /healthz and the dashboard's files (which hold
 * no data) are open, and /metrics when api.metrics_public says so.
 */
#include "api_internal.h"

const struct api_route api_routes[] = {
    {"GET", "/healthz", true, CONFIG_ROLE_READ, NULL, api_get_healthz},
    {"GET", "/api/v1/status", false, CONFIG_ROLE_READ, api_status_params, api_get_status},
    {"GET", "/api/v1/tasks", false, CONFIG_ROLE_READ, api_tasks_params, api_get_tasks},
    {"GET", "/api/v1/tasks/{name}", false, CONFIG_ROLE_READ, NULL, api_get_task},
    {"PUT", "/api/v1/tasks/{name}", false, CONFIG_ROLE_ADMIN, NULL, api_put_task},
    {"DELETE", "/api/v1/tasks/{name}", false, CONFIG_ROLE_ADMIN, NULL, api_delete_task},
    {"POST", "/api/v1/tasks/{name}/run", false, CONFIG_ROLE_OPERATE, NULL, api_post_task_run},
    {"POST", "/api/v1/tasks/{name}/pause", false, CONFIG_ROLE_OPERATE, NULL,
     api_post_task_pause},
    {"POST", "/api/v1/tasks/{name}/resume", false, CONFIG_ROLE_OPERATE, NULL,
     api_post_task_resume},
    {"GET", "/api/v1/runs", false, CONFIG_ROLE_READ, api_runs_params, api_get_runs},
    {"GET", "/api/v1/runs/{id}", false, CONFIG_ROLE_READ, NULL, api_get_run},
    {"GET", "/api/v1/runs/{id}/log", false, CONFIG_ROLE_READ, api_run_log_params,
     api_get_run_log},
    {"POST", "/api/v1/runs/{id}/cancel", false, CONFIG_ROLE_OPERATE, NULL, api_post_run_cancel},
    {"GET", "/api/v1/calendar", false, CONFIG_ROLE_READ, api_calendar_params, api_get_calendar},
    {"GET", "/api/v1/openapi.json", false, CONFIG_ROLE_READ, NULL, api_get_openapi},
    {"GET", "/api/v1/stats/overview", false, CONFIG_ROLE_READ, api_stats_overview_params,
     api_get_stats_overview},
    {"GET", "/api/v1/stats/performance", false, CONFIG_ROLE_READ, api_stats_performance_params,
     api_get_stats_performance},
    {"GET", "/api/v1/alerts", false, CONFIG_ROLE_READ, api_alerts_params, api_get_alerts},
    {"GET", "/api/v1/alerts/summary", false, CONFIG_ROLE_READ, NULL, api_get_alerts_summary},
    {"GET", "/api/v1/alerts/{id}", false, CONFIG_ROLE_READ, NULL, api_get_alert},
    {"POST", "/api/v1/alerts/{id}/resolve", false, CONFIG_ROLE_OPERATE, NULL,
     api_post_alert_resolve},
    {"GET", "/api/v1/events", false, CONFIG_ROLE_READ, api_events_params, api_get_events},
    {"GET", "/metrics", false, CONFIG_ROLE_READ, NULL, api_get_metrics},
    {"GET", "/", true, CONFIG_ROLE_READ, NULL, api_get_static},
    {"GET", "/assets/{file}", true, CONFIG_ROLE_READ, NULL, api_get_static},
};

const size_t api_route_count = sizeof api_routes / sizeof api_routes[0];
