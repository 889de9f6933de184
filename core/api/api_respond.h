/* api_respond.h — a handler's reply sent as an HTTP response.
 *
 * With the server's glue and the event stream (api_events.c), the one file
 * that speaks libmicrohttpd:
 * serialising the body, the headers every answer carries (Content-Type,
 * Cache-Control: no-store), and those a reply asks for (ETag with its
 * If-None-Match check, Location, Allow, WWW-Authenticate on 401).
 */
#ifndef API_RESPOND_H
#define API_RESPOND_H

#include <jansson.h>
#include <microhttpd.h>

#define API_ETAG_MAX 35 /* a quoted 32-digit ETag and its NUL */

struct api_reply;

/* The ETag a reply with `doc` as its body carries, as an If-Match
 * header must repeat it. */
void api_etag(const json_t *doc, char out[API_ETAG_MAX]);

/* Queue `reply` on `conn`; `if_none_match` is the request's header or
 * NULL.  MHD_NO when the response could not be made (MHD then closes the
 * connection). */
enum MHD_Result api_respond(struct MHD_Connection *conn, const struct api_reply *reply,
                            const char *if_none_match);

#endif
