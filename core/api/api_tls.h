/* api_tls.h — the certificate and key of an HTTPS API (api.tls_cert,
 * api.tls_key), read from their files at start and at each reload.
 */
#ifndef API_TLS_H
#define API_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct config;

/* PEM text as the files hold it, or both NULL: plain HTTP. */
struct api_tls {
    char *cert, *key;
};

/* Read the files `cfg` names (relative to `root`) into *tls.  -1 with a
 * message naming the field and the file when one cannot be read, is not
 * PEM of its kind, or this libmicrohttpd has no TLS. */
int api_tls_load(const struct config *cfg, const char *root, struct api_tls *tls, char *err,
                 size_t errlen);

/* True when both serve the same (or both none). */
bool api_tls_same(const struct api_tls *a, const struct api_tls *b);

/* Free both, the key wiped first. */
void api_tls_free(struct api_tls *tls);

#endif
