/* api_openapi.c — GET /api/v1/openapi.json: the OpenAPI 3.1 document of
 * this API, core/api/openapi.json, compiled into the binary (lib/embedded.h)
 * so the description served is the one of the build that serves it.
 *
 * It needs a read token like every route but /healthz: it tells nothing a
 * caller could not learn from the README, but an open route would be one
 * more exception to "nothing answers without a token".  Parsed on each
 * request (a few tens of kilobytes, well under a millisecond) rather than
 * kept, and sent with an ETag, so a client that keeps it asks again for
 * nothing.  tests/e2e/api_openapi.sh walks the server against it.
 */
#include "api_internal.h"
#include "lib/embedded.h"

#define OPENAPI_FILE "core/api/openapi.json"

void api_get_openapi(struct api_call *call)
{
    const struct embedded_file *file = embedded_find(OPENAPI_FILE);
    json_error_t error;
    json_t *doc;

    if (!file) {
        api_reply_problem(call, 500, NULL, "%s is not embedded in this binary", OPENAPI_FILE);
        return;
    }
    if (!(doc = json_loadb((const char *)file->data, file->len, 0, &error))) {
        api_reply_problem(call, 500, NULL, "%s:%d: %s", OPENAPI_FILE, error.line, error.text);
        return;
    }
    api_reply_json(call, 200, doc);
    call->reply.etag = true;
}
