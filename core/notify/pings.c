/* pings.c — the daemon side of pings.h: what each ping says and when its
 * child is started.  The child's side is notifier_ping.c. */
#include "pings.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log/log.h"

#define URL_LOG_MAX 512

struct ping_run {
    uv_loop_t *loop;
    char *program, *task, *url;
    int timeout;
    bool start_pending; /* its start ping's child is not gone yet */
    bool ended;         /* pings_run_finished was called */
    char *end_json;     /* the end ping, held back until it is */
};

void pings_redact(const char *url, char *out, size_t len)
{
    const char *sep = strstr(url, "://");
    const char *host = sep ? sep + 3 : url;
    const char *authority_end = host + strcspn(host, "/?#");
    const char *cut;
    bool userinfo = false;

    /* the host begins after the authority's last '@' */
    for (const char *c = host; c < authority_end; c++)
        if (*c == '@') {
            userinfo = true;
            host = c + 1;
        }
    cut = host + strcspn(host, "?#");
    snprintf(out, len, "%.*s%s%.*s%s", sep ? (int)(sep + 3 - url) : 0, url,
             userinfo ? "…@" : "", (int)(cut - host), host, *cut ? "…" : "");
}

/* The __notify document of one ping: `url` with `suffix` put before its
 * query, `body`.  Malloc'd; NULL when out of memory. */
static char *encode(const char *url, const char *suffix, const char *body, int timeout)
{
    size_t path_len = strcspn(url, "?#");
    char *full = malloc(strlen(url) + strlen(suffix) + 1);
    char redacted[URL_LOG_MAX];
    char *json = NULL;
    json_t *doc;

    if (!full)
        return NULL;
    sprintf(full, "%.*s%s%s", (int)path_len, url, suffix, url + path_len);
    pings_redact(full, redacted, sizeof redacted);
    doc = json_pack("{s:{s:s, s:s, s:s, s:i}}", "ping", "url", full, "log_url", redacted,
                    "body", body, "timeout", timeout);
    if (doc)
        json = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    free(full);
    return json;
}

static void run_free(struct ping_run *p)
{
    free(p->program);
    free(p->task);
    free(p->url);
    free(p->end_json);
    free(p);
}

static void spawn_end(struct ping_run *p)
{
    alerts_spawn(p->loop, p->program, p->end_json, p->task, NULL, NULL);
    p->end_json = NULL;
    run_free(p);
}

/* The start ping's child is gone: the end ping may follow, if known. */
static void on_start_sent(void *data, bool ok)
{
    struct ping_run *p = data;

    (void)ok; /* its failure is logged; the end ping is sent all the same */
    p->start_pending = false;
    if (p->end_json)
        spawn_end(p);
    else if (p->ended) /* its end ping could not be made */
        run_free(p);
}

struct ping_run *pings_run_started(const struct alerts_env *env, const struct task *task)
{
    struct ping_run *p;
    char *json;

    if (!task->ping)
        return NULL;
    if (!(p = calloc(1, sizeof *p)) || !(p->program = strdup(env->program)) ||
        !(p->task = strdup(task->name)) || !(p->url = strdup(task->ping)) ||
        !(json = encode(task->ping, "/start", "", task->ping_timeout))) {
        log_error("%s: out of memory for its start ping", task->name);
        if (p)
            run_free(p);
        return NULL;
    }
    p->loop = env->loop;
    p->timeout = task->ping_timeout;
    p->start_pending = true;
    alerts_spawn(p->loop, p->program, json, p->task, on_start_sent, p);
    return p;
}

void pings_run_finished(struct ping_run *p, enum store_status status, bool has_exit_code,
                        int exit_code, int signal, const char *output_tail)
{
    const char *tail = output_tail ? output_tail : "";
    size_t tail_len = strlen(tail);
    size_t body_len;
    char *body;

    if (tail_len > PINGS_TAIL_MAX)
        tail += tail_len - PINGS_TAIL_MAX;
    body_len = strlen(tail) + 64;
    p->ended = true;
    if ((body = malloc(body_len)) != NULL) {
        snprintf(body, body_len, "%s: %s %d\n%s", store_status_name(status),
                 has_exit_code ? "exit status" : "signal", has_exit_code ? exit_code : signal,
                 tail);
        p->end_json =
            encode(p->url, status == STORE_RUN_SUCCESS ? "" : "/fail", body, p->timeout);
        free(body);
    }
    if (!p->end_json) {
        log_error("%s: out of memory for its end ping", p->task);
        if (!p->start_pending)
            run_free(p);
        return;
    }
    if (!p->start_pending)
        spawn_end(p);
}

void pings_heartbeat(const struct alerts_env *env, const char *url, int timeout,
                     const char *label)
{
    char *json = encode(url, "", "", timeout);

    if (!json) {
        log_error("%s: out of memory for its ping", label);
        return;
    }
    alerts_spawn(env->loop, env->program, json, label, NULL, NULL);
}
