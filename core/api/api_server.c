/* api_server.c — the MHD daemon driven by the libuv loop (api.h).
 *
 * One listener is one MHD daemon with its uv_poll on MHD's epoll
 * descriptor and its uv_timer for MHD's timeouts: after every MHD_run the
 * timer is armed again from MHD_get_timeout (MHD may have work left that
 * no descriptor will announce, and a timeout of 0 says so).  The listening
 * socket is made here, not by MHD, so that a reload that keeps the address
 * hands a dup of the bound socket to the new listener: no moment without
 * one, and no "address in use" from our own old socket.  A listener being
 * replaced is closed only after its successor started.
 */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api_auth.h"
#include "api_request.h"
#include "api_tls.h"
#include "api_token.h"
#include "config/config.h"
#include "engine/engine.h"
#include "lib/hostport.h"
#include "log/log.h"

#define LISTEN_BACKLOG 128
#define MHD_LOG_MAX 512

struct api_listener {
    struct api *api;
    struct MHD_Daemon *mhd;
    uv_poll_t poll;
    uv_timer_t timer;
    int handles; /* open uv handles; freed at 0 */
    bool kicked; /* a stream was resumed while MHD_run ran: run again at once */
    /* What it was started with, to tell whether a reload needs a new one. */
    char *listen;
    int max_connections, connection_timeout;
    struct api_tls tls; /* HTTPS with these, or none */
};

struct api {
    uv_loop_t *loop;
    char *root;
    struct api_request_env env;
    struct api_auth *auth;
    struct api_listener *listener; /* NULL: not listening */
    int closing;                   /* listeners whose handles are closing */
    bool stopped;                  /* api_stop: free once closing is 0 */
};

static void maybe_free(struct api *api)
{
    if (!api->stopped || api->closing || api->listener)
        return;
    api_auth_free(api->auth);
    free(api->root);
    free(api);
}

static void on_handle_closed(uv_handle_t *handle)
{
    struct api_listener *l = handle->data;
    struct api *api = l->api;

    if (--l->handles > 0)
        return;
    free(l->listen);
    api_tls_free(&l->tls);
    free(l);
    api->closing--;
    maybe_free(api);
}

/* Handles first (libuv must stop polling the epoll descriptor before MHD
 * closes it), then MHD, which closes every connection and its socket. */
static void listener_close(struct api_listener *l)
{
    if (!l)
        return;
    l->api->closing++;
    api_events_release(l->api->env.ctx.events, l->mhd);
    uv_close((uv_handle_t *)&l->poll, on_handle_closed);
    uv_close((uv_handle_t *)&l->timer, on_handle_closed);
    MHD_stop_daemon(l->mhd);
}

static void on_timer(uv_timer_t *timer);

/* Let MHD do what is due, and arm the timer for its next timeout. */
static void listener_run(struct api_listener *l)
{
    MHD_UNSIGNED_LONG_LONG ms;

    l->kicked = false;
    /* An event stream may send what the engine wrote this turn: on disk first. */
    if (l->api->env.ctx.engine)
        engine_store_commit(l->api->env.ctx.engine);
    if (MHD_run(l->mhd) != MHD_YES)
        log_warn("api: MHD_run failed");
    /* A kick from inside this run (a handler's event woke a suspended
     * stream) must not be lost by re-arming the timer with MHD's timeout:
     * nothing else would run MHD for that stream until another request. */
    if (l->kicked)
        uv_timer_start(&l->timer, on_timer, 0, 0);
    else if (MHD_get_timeout(l->mhd, &ms) == MHD_YES)
        uv_timer_start(&l->timer, on_timer, (uint64_t)ms, 0);
    else
        uv_timer_stop(&l->timer);
}

static void on_timer(uv_timer_t *timer)
{
    listener_run(timer->data);
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
    (void)events;
    if (status < 0)
        log_warn("api: polling the server: %s", uv_strerror(status));
    listener_run(poll->data);
}

/* A streaming client was resumed: let MHD run on the next loop turn (not
 * at once: the resume may come from inside MHD_run, from a handler). */
static void kick(void *data)
{
    struct api *api = data;

    if (api->listener) {
        api->listener->kicked = true;
        uv_timer_start(&api->listener->timer, on_timer, 0, 0);
    }
}

/* MHD's own messages are mostly about clients ("closed by remote side
 * with incomplete request"): at debug level, so no client can fill the
 * log.  A server that cannot start is reported by listener_start. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[MHD_LOG_MAX];
    size_t len;

    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    len = strlen(msg);
    while (len > 0 && msg[len - 1] == '\n')
        msg[--len] = '\0';
    log_debug("api: %s", msg);
}

/* A bound, listening, non-blocking socket for `text`, or -1. */
static int open_socket(const char *text, const char *where, char *err, size_t errlen)
{
    struct sockaddr_storage addr;
    socklen_t len;
    char why[HOSTPORT_ERR_MAX];
    int fd, one = 1;

    if (hostport_parse(text, &addr, &len, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: api.listen: %s", where, why);
        return -1;
    }
    fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (addr.ss_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        snprintf(err, errlen, "%s: api.listen: cannot listen on %s: %s", where, text,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static bool is_ipv6(int fd)
{
    struct sockaddr_storage addr;
    socklen_t len = sizeof addr;

    return getsockname(fd, (struct sockaddr *)&addr, &len) == 0 && addr.ss_family == AF_INET6;
}

/* A listener on `fd` (taken: closed on failure too) serving HTTPS with
 * `tls` when it holds a certificate (taken too). */
static struct api_listener *listener_start(struct api *api, int fd, const struct config *cfg,
                                           struct api_tls *tls, char *err, size_t errlen)
{
    struct api_listener *l = calloc(1, sizeof *l);
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     (is_ipv6(fd) ? MHD_USE_IPv6 : 0) | (tls->cert ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_options[] = {
        {tls->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, tls->cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, tls->key},
        {MHD_OPTION_END, 0, NULL},
    };
    int rc;

    if (!l || !(l->listen = strdup(cfg->api.listen))) {
        snprintf(err, errlen, "api: out of memory");
        api_tls_free(tls);
        goto fail;
    }
    l->tls = *tls;
    *tls = (struct api_tls){NULL, NULL};
    l->api = api;
    l->max_connections = cfg->api.max_connections;
    l->connection_timeout = cfg->api.connection_timeout;
    l->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, api_request_handle, &api->env, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)cfg->api.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)cfg->api.connection_timeout, MHD_OPTION_URI_LOG_CALLBACK, api_request_begin,
        &api->env, MHD_OPTION_NOTIFY_COMPLETED, api_request_end, &api->env, MHD_OPTION_ARRAY,
        tls_options, MHD_OPTION_END);
    if (!l->mhd && l->tls.cert) {
        snprintf(err, errlen,
                 "%s: api.tls_cert, api.tls_key: cannot start the HTTPS server on %s with "
                 "%s and %s (is the key the certificate's?)",
                 config_origin(cfg, "api", "tls_key"), cfg->api.listen, cfg->api.tls_cert,
                 cfg->api.tls_key);
        goto fail;
    }
    if (!l->mhd) {
        snprintf(err, errlen, "api: cannot start the HTTP server on %s", cfg->api.listen);
        goto fail;
    }
    fd = -1; /* MHD's now */
    info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info || (rc = uv_poll_init(api->loop, &l->poll, info->epoll_fd)) != 0) {
        snprintf(err, errlen, "api: cannot poll the HTTP server: %s",
                 info ? uv_strerror(rc) : "no epoll descriptor");
        MHD_stop_daemon(l->mhd);
        goto fail;
    }
    uv_timer_init(api->loop, &l->timer);
    l->poll.data = l->timer.data = l;
    l->handles = 2;
    if ((rc = uv_poll_start(&l->poll, UV_READABLE, on_poll)) != 0) {
        snprintf(err, errlen, "api: cannot poll the HTTP server: %s", uv_strerror(rc));
        listener_close(l);
        return NULL;
    }
    listener_run(l);
    return l;
fail:
    /* MHD leaves a listen socket it was given open when it fails, except
     * on paths that already closed it: close it only if it is still ours. */
    if (fd >= 0 && fcntl(fd, F_GETFD) != -1)
        close(fd);
    if (l) {
        free(l->listen);
        api_tls_free(&l->tls);
    }
    free(l);
    return NULL;
}

static bool same_listener(const struct api_listener *l, const struct config *cfg,
                          const struct api_tls *tls)
{
    return l && strcmp(l->listen, cfg->api.listen) == 0 &&
           l->max_connections == cfg->api.max_connections &&
           l->connection_timeout == cfg->api.connection_timeout && api_tls_same(&l->tls, tls);
}

/* The listener `cfg` asks for: the current one, a new one (on a dup of the
 * current socket when the address stays), or NULL for none.  -1 on failure. */
static int next_listener(struct api *api, const struct config *cfg, struct api_listener **next,
                         char *err, size_t errlen)
{
    struct api_listener *cur = api->listener;
    struct api_tls tls;
    int fd;

    *next = NULL;
    if (!cfg->api.listen[0])
        return 0;
    if (api_tls_load(cfg, api->root, &tls, err, errlen) != 0)
        return -1;
    if (same_listener(cur, cfg, &tls)) {
        api_tls_free(&tls);
        *next = cur;
        return 0;
    }
    if (cur && strcmp(cur->listen, cfg->api.listen) == 0) {
        const union MHD_DaemonInfo *info =
            MHD_get_daemon_info(cur->mhd, MHD_DAEMON_INFO_LISTEN_FD);
        fd = info ? fcntl(info->listen_fd, F_DUPFD_CLOEXEC, 0) : -1;
        if (fd < 0) {
            snprintf(err, errlen, "api: cannot share the listening socket: %s",
                     strerror(errno));
            api_tls_free(&tls);
            return -1;
        }
    } else if ((fd = open_socket(cfg->api.listen, config_origin(cfg, "api", "listen"), err,
                                 errlen)) < 0) {
        api_tls_free(&tls);
        return -1;
    }
    return (*next = listener_start(api, fd, cfg, &tls, err, errlen)) ? 0 : -1;
}

int api_apply_config(struct api *api, const struct config *cfg, char *err, size_t errlen)
{
    char token[API_TOKEN_MAX];
    struct api_auth *auth;
    struct api_listener *next;

    if (cfg->api.listen[0] && api_token_ensure(api->root, token, err, errlen) != 0)
        return -1;
    if (!(auth =
              api_auth_create(cfg, api->root, cfg->api.listen[0] ? token : NULL, err, errlen)))
        return -1;
    if (next_listener(api, cfg, &next, err, errlen) != 0) {
        api_auth_free(auth);
        return -1;
    }
    if (next != api->listener) {
        listener_close(api->listener);
        api->listener = next;
        if (next)
            log_info("api: listening on %s://%s/ (`main dashboard` prints the URL that "
                     "logs in)",
                     next->tls.cert ? "https" : "http", cfg->api.listen);
        else
            log_info("api: off (api.listen is empty)");
    }
    api_auth_free(api->auth);
    api->auth = auth;
    api->env.auth = auth;
    api->env.max_body = (size_t)cfg->api.max_request_size;
    api->env.metrics_public = cfg->api.metrics_public;
    return 0;
}

struct api *api_start(uv_loop_t *loop, struct engine *engine, struct store *store,
                      const char *root, const struct config *config, char *err, size_t errlen)
{
    struct api *api = calloc(1, sizeof *api);

    if (!api || !(api->root = strdup(root))) {
        snprintf(err, errlen, "api: out of memory");
        free(api);
        return NULL;
    }
    api->loop = loop;
    api->env.ctx = (struct api_context){.engine = engine, .store = store};
    if (!(api->env.ctx.events = api_events_create(loop, kick, api, err, errlen)) ||
        !(api->env.ctx.metrics = api_metrics_create(err, errlen)) ||
        api_apply_config(api, config, err, errlen) != 0) {
        api_events_free(api->env.ctx.events);
        api_metrics_free(api->env.ctx.metrics);
        free(api->root);
        free(api);
        return NULL;
    }
    return api;
}

void api_stop(struct api *api)
{
    if (!api)
        return;
    api->stopped = true;
    listener_close(api->listener);
    api->listener = NULL;
    api_events_free(api->env.ctx.events);
    api_metrics_free(api->env.ctx.metrics);
    maybe_free(api);
}
