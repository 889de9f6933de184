/* api_tls.c — reading api.tls_cert and api.tls_key (api_tls.h).
 *
 * MHD takes the PEM text itself (MHD_OPTION_HTTPS_MEM_CERT/KEY), so the
 * files are read here, where a missing file, a directory, or a key that is
 * not one can be named before any listener is touched: a reload with a
 * broken certificate leaves the listener that serves.  A PEM that looks
 * right but does not fit (a key of another certificate) is refused by
 * MHD when the listener starts, which api_server.c reports.
 */
#include "api_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "config/config.h"
#include "lib/fs.h"

#define TLS_FILE_MAX (256 * 1024) /* bytes of a certificate chain or key file */
#define TLS_PATH_MAX 4096

/* `field`'s file under `root` as a string into *out; -1 with a message. */
static int read_pem(const struct config *cfg, const char *root, const char *field,
                    const char *rel, char **out, char *err, size_t errlen)
{
    const char *where = config_origin(cfg, "api", field);
    char path[TLS_PATH_MAX], *text = NULL;
    size_t n = 0;
    FILE *f;

    *out = NULL;
    if (config_resolve_path(root, rel, path, sizeof path) != 0) {
        snprintf(err, errlen, "%s: api.%s: path too long", where, field);
        return -1;
    }
    if (!(f = fs_open_regular(path))) {
        snprintf(err, errlen, "%s: api.%s: cannot read %s: %s", where, field, path,
                 fs_strerror(errno));
        return -1;
    }
    if (!(text = malloc(TLS_FILE_MAX + 1))) {
        snprintf(err, errlen, "%s: api.%s: out of memory reading %s", where, field, path);
        fclose(f);
        return -1;
    }
    n = fread(text, 1, TLS_FILE_MAX + 1, f);
    if (ferror(f) || n > TLS_FILE_MAX) {
        snprintf(err, errlen, "%s: api.%s: cannot read %s: %s", where, field, path,
                 n > TLS_FILE_MAX ? "larger than 256 KiB" : strerror(errno));
        fclose(f);
        free(text);
        return -1;
    }
    fclose(f);
    text[n] = '\0';
    *out = text;
    return 0;
}

/* Whether `text` has a PEM block whose label ends with `label`
 * ("-----BEGIN EC PRIVATE KEY-----" for "PRIVATE KEY"). */
static bool has_pem(const char *text, const char *label)
{
    size_t n = strlen(label);

    for (const char *p = strstr(text, "-----BEGIN "); p; p = strstr(p + 1, "-----BEGIN ")) {
        size_t line = strcspn(p, "\r\n");
        if (line >= 11 + n + 5 && strncmp(p + line - n - 5, label, n) == 0 &&
            strncmp(p + line - 5, "-----", 5) == 0)
            return true;
    }
    return false;
}

int api_tls_load(const struct config *cfg, const char *root, struct api_tls *tls, char *err,
                 size_t errlen)
{
    *tls = (struct api_tls){NULL, NULL};
    if (!cfg->api.tls_cert[0]) /* config.c makes sure both or neither are set */
        return 0;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(err, errlen,
                 "%s: api.tls_cert: this build's libmicrohttpd has no TLS support: HTTPS is "
                 "not available (leave api.tls_cert and api.tls_key empty)",
                 config_origin(cfg, "api", "tls_cert"));
        return -1;
    }
    if (read_pem(cfg, root, "tls_cert", cfg->api.tls_cert, &tls->cert, err, errlen) != 0 ||
        read_pem(cfg, root, "tls_key", cfg->api.tls_key, &tls->key, err, errlen) != 0)
        goto fail;
    if (!has_pem(tls->cert, "CERTIFICATE")) {
        snprintf(
            err, errlen,
            "%s: api.tls_cert: %s is not a PEM certificate (no -----BEGIN CERTIFICATE-----)",
            config_origin(cfg, "api", "tls_cert"), cfg->api.tls_cert);
        goto fail;
    }
    if (!has_pem(tls->key, "PRIVATE KEY")) {
        snprintf(
            err, errlen,
            "%s: api.tls_key: %s is not a PEM private key (no -----BEGIN … PRIVATE KEY-----)",
            config_origin(cfg, "api", "tls_key"), cfg->api.tls_key);
        goto fail;
    }
    return 0;
fail:
    api_tls_free(tls);
    return -1;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool api_tls_same(const struct api_tls *a, const struct api_tls *b)
{
    return same_text(a->cert, b->cert) && same_text(a->key, b->key);
}

void api_tls_free(struct api_tls *tls)
{
    if (tls->key)
        explicit_bzero(tls->key, strlen(tls->key));
    free(tls->key);
    free(tls->cert);
    *tls = (struct api_tls){NULL, NULL};
}
