/* api_respond.c — api_reply to an MHD response (api_respond.h). */
#include "api_respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "lib/digest.h"
#include "log/log.h"

#define ETAG_HEX 32 /* of the body's SHA-256: 128 bits tell versions apart */
#define ETAG_MAX API_ETAG_MAX
#define CHALLENGE "Bearer realm=\"task-scheduler\""

static const char json_content_type[] = "application/json; charset=utf-8";
static const char problem_content_type[] = "application/problem+json; charset=utf-8";
static const char text_content_type[] = "text/plain; charset=utf-8";

/* A strong ETag: the quoted start of the body's SHA-256 in hex. */
static void etag_of(const char *text, size_t len, char out[ETAG_MAX])
{
    uint8_t digest[DIGEST_BYTES];
    char hex[DIGEST_HEX_LEN + 1];

    digest_sha256(text, len, digest);
    digest_hex(digest, hex);
    snprintf(out, ETAG_MAX, "\"%.*s\"", ETAG_HEX, hex);
}

void api_etag(const json_t *doc, char out[API_ETAG_MAX])
{
    char *text = json_dumps(doc, JSON_COMPACT);
    if (!text) {
        out[0] = '\0'; /* out of memory: matches no If-Match */
        return;
    }
    etag_of(text, strlen(text), out);
    free(text);
}

static int add_headers(struct MHD_Response *resp, const struct api_reply *reply,
                       const char *etag, bool has_body)
{
    /* Data is never cached; a custom reply may say otherwise (api_static.c). */
    int ok = MHD_get_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL) ||
             MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");

    if (has_body)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                           reply->text      ? text_content_type
                                           : reply->problem ? problem_content_type
                                                            : json_content_type);
    if (etag)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    if (reply->location[0])
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, reply->location);
    if (reply->allow[0])
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, reply->allow);
    if (reply->status == MHD_HTTP_UNAUTHORIZED)
        ok = ok && MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, CHALLENGE);
    return ok ? 0 : -1;
}

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status,
                             struct MHD_Response *resp)
{
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);

    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result respond_custom(struct MHD_Connection *conn,
                                      const struct api_reply *reply)
{
    struct MHD_Response *resp = reply->custom.make(reply->custom.data, conn);

    if (!resp)
        return MHD_NO;
    if (add_headers(resp, reply, NULL, false) != 0) {
        log_error("api: cannot add the response's headers (out of memory)");
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    return queue(conn, reply->status, resp);
}

enum MHD_Result api_respond(struct MHD_Connection *conn, const struct api_reply *reply,
                            const char *if_none_match)
{
    char etag[ETAG_MAX];
    char *text = NULL;
    size_t len = 0;
    unsigned status = reply->status;
    struct MHD_Response *resp;

    if (reply->custom.make)
        return respond_custom(conn, reply);
    if (reply->body && !(text = json_dumps(reply->body, JSON_COMPACT))) {
        log_error("api: cannot serialise a reply (out of memory)");
        return MHD_NO;
    }
    if (text) {
        len = strlen(text);
        if (reply->etag)
            etag_of(text, len, etag);
    }
    if (text && reply->etag && if_none_match && strcmp(if_none_match, etag) == 0) {
        free(text);
        text = NULL;
        len = 0;
        status = MHD_HTTP_NOT_MODIFIED;
    }
    if (reply->text) /* the reply keeps its text: MHD copies it */
        resp = MHD_create_response_from_buffer(strlen(reply->text), reply->text,
                                               MHD_RESPMEM_MUST_COPY);
    else /* MHD frees the text with free(), which is jansson's allocator here. */
        resp = MHD_create_response_from_buffer(
            len, text ? text : "", text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(text);
        log_error("api: cannot make a response (out of memory)");
        return MHD_NO;
    }
    if (add_headers(resp, reply, reply->etag && reply->body ? etag : NULL,
                    text != NULL || reply->text != NULL) != 0) {
        log_error("api: cannot add the response's headers (out of memory)");
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    return queue(conn, status, resp);
}
