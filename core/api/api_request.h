/* api_request.h — one HTTP request through the API, as libmicrohttpd's
 * callbacks.
 *
 * The server registers these three with each MHD daemon it starts; `env`
 * is their closure.  A request's life: api_request_begin gets the raw URI
 * (before MHD decodes it: the route matcher and the query parser want it
 * as sent) and makes the request's state; api_request_handle is called
 * once the headers are in (the route is found, the token checked, a body
 * announced over api.max_request_size answered 413 before a byte of it is
 * read), then with each piece of body, then once more to run the handler
 * and queue its reply; api_request_end frees the state, also when the
 * client went away or timed out half-way.
 */
#ifndef API_REQUEST_H
#define API_REQUEST_H

#include <microhttpd.h>
#include <stddef.h>

#include "api_internal.h"

struct api_auth;

/* Owned by the server; `auth` and `max_body` follow config reloads. */
struct api_request_env {
    struct api_context ctx;
    const struct api_auth *auth;
    size_t max_body;
    bool metrics_public; /* api.metrics_public */
};

/* MHD_OPTION_URI_LOG_CALLBACK, with `env` as cls. */
void *api_request_begin(void *env, const char *uri, struct MHD_Connection *conn);

/* The MHD_AccessHandlerCallback, with `env` as cls. */
enum MHD_Result api_request_handle(void *env, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_data_size,
                                   void **req_cls);

/* MHD_OPTION_NOTIFY_COMPLETED. */
void api_request_end(void *env, struct MHD_Connection *conn, void **req_cls,
                     enum MHD_RequestTerminationCode toe);

#endif
