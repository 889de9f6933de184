/* heartbeat.c — alerts.heartbeat_url on a uv_timer (heartbeat.h). */
#include "heartbeat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "notify/pings.h"

#define HEARTBEAT_TIMEOUT_S 10
#define HEARTBEAT_LABEL "heartbeat"
#define URL_LOG_MAX 512

struct heartbeat {
    uv_timer_t timer;
    char *program, *config_path;
    char *url;    /* "" = off */
    int interval; /* s */
};

static void on_tick(uv_timer_t *timer)
{
    struct heartbeat *hb = timer->data;
    struct alerts_env env = {timer->loop, hb->program, hb->config_path, NULL};

    pings_heartbeat(&env, hb->url, HEARTBEAT_TIMEOUT_S, HEARTBEAT_LABEL);
}

void heartbeat_apply_config(struct heartbeat *hb, const struct config *cfg)
{
    const char *url = cfg->alerts.heartbeat_url;
    char shown[URL_LOG_MAX];
    char *copy;

    if (hb->url && strcmp(hb->url, url) == 0 && hb->interval == cfg->alerts.heartbeat_interval)
        return;
    if (!(copy = strdup(url))) {
        log_error("heartbeat: out of memory; its settings stay as they were");
        return;
    }
    free(hb->url);
    hb->url = copy;
    hb->interval = cfg->alerts.heartbeat_interval;
    uv_timer_stop(&hb->timer);
    if (!*url)
        return;
    pings_redact(url, shown, sizeof shown);
    log_info("heartbeat: %s every %d s", shown, hb->interval);
    uv_timer_start(&hb->timer, on_tick, 0, (uint64_t)hb->interval * 1000);
}

struct heartbeat *heartbeat_start(uv_loop_t *loop, const char *program, const char *config_path,
                                  const struct config *cfg, char *err, size_t errlen)
{
    struct heartbeat *hb = calloc(1, sizeof *hb);

    if (!hb || !(hb->program = strdup(program)) || !(hb->config_path = strdup(config_path))) {
        snprintf(err, errlen, "heartbeat: out of memory");
        if (hb)
            free(hb->program);
        free(hb);
        return NULL;
    }
    uv_timer_init(loop, &hb->timer);
    hb->timer.data = hb;
    heartbeat_apply_config(hb, cfg);
    return hb;
}

static void on_closed(uv_handle_t *handle)
{
    struct heartbeat *hb = handle->data;

    free(hb->program);
    free(hb->config_path);
    free(hb->url);
    free(hb);
}

void heartbeat_stop(struct heartbeat *hb)
{
    if (hb)
        uv_close((uv_handle_t *)&hb->timer, on_closed);
}
