/* api.h — the daemon's HTTP API (README "HTTP API"): libmicrohttpd on the
 * daemon's own libuv loop.
 *
 * No thread of its own: MHD runs in its "external epoll" mode, the loop
 * watches MHD's epoll descriptor with a uv_poll and wakes it for its
 * timeouts with a uv_timer, and every request is handled on the loop's
 * thread, between fires, calling the engine directly (engine.h).  What
 * keeps a slow or hostile client from holding the loop: every socket is
 * non-blocking, a connection silent for api.connection_timeout seconds
 * is closed, at most api.max_connections are served at once, and a body
 * over api.max_request_size is refused before it is read (413).
 *
 * The routes are in api_routes.c; the folder's map is in api_internal.h.
 */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <uv.h>

#define API_ERR_MAX 768

struct api;
struct config;
struct engine;
struct store;

/* Serve the API of `engine` on `loop` as `config` says (api.listen ""
 * makes an API that does not listen, until a reload turns it on); the
 * local admin token data/api.token under `root` is made when it is on.
 * `engine` and `store` are borrowed.  NULL with a message in err when the
 * address cannot be bound or a token file cannot be read. */
struct api *api_start(uv_loop_t *loop, struct engine *engine, struct store *store,
                      const char *root, const struct config *config, char *err, size_t errlen);

/* A reloaded config: new tokens and limits apply to the next request; a
 * changed address, connection limit or timeout makes a new listener
 * (connections in flight on the old one are closed).  All or nothing: -1
 * with a message, and the API as it was, when the new settings cannot be
 * applied.  `config` need not outlive the call. */
int api_apply_config(struct api *api, const struct config *config, char *err, size_t errlen);

/* Close the listener and every connection, and free the API once libuv
 * has closed its handles.  NULL is ignored. */
void api_stop(struct api *api);

#endif
