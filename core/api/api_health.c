/* api_health.c — GET /healthz, the one route open without a token.
 *
 * 200 {"status":"ok"} when the store answers a read; 503 with the store's
 * error otherwise.  That the loop turns needs no separate check: this
 * handler runs on it, so a stuck loop is a health check that times out.
 * Nothing here says more than "up or not" to a caller without a token.
 */
#include <stdlib.h>

#include "api_internal.h"
#include "store/store.h"

#define HEALTH_PROBE_KEY "healthz" /* a meta key read, never written */

void api_get_healthz(struct api_call *call)
{
    char *value = NULL;
    int rc = store_meta_get(call->ctx->store, HEALTH_PROBE_KEY, &value);

    free(value);
    if (rc < 0) {
        api_reply_json(call, 503,
                       json_pack("{s:s, s:s}", "status", "failing", "store",
                                 store_error(call->ctx->store)));
        return;
    }
    api_reply_json(call, 200, json_pack("{s:s, s:s}", "status", "ok", "store", "ok"));
}
