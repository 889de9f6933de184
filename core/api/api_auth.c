/* api_auth.c — the token table and the bearer check (api_auth.h). */
#include "api_auth.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/fs.h"

#define TOKEN_FILE_MAX 4096 /* bytes of a token file */
#define BEARER "Bearer "

struct api_auth_entry {
    char *name;
    enum config_api_role role;
    uint8_t digest[DIGEST_BYTES];
};

struct api_auth {
    struct api_auth_entry *entries;
    size_t count;
};

void api_auth_free(struct api_auth *auth)
{
    if (!auth)
        return;
    for (size_t i = 0; i < auth->count; i++)
        free(auth->entries[i].name);
    free(auth->entries);
    free(auth);
}

/* The token a file holds, without the whitespace around it, hashed; the
 * message names the entry `t`. */
static int hash_file(const char *path, const struct config_api_token *t,
                     uint8_t digest[DIGEST_BYTES], char *err, size_t errlen)
{
    char buf[TOKEN_FILE_MAX + 1];
    FILE *f = fs_open_regular(path);
    size_t n, start = 0;

    if (!f) {
        snprintf(err, errlen, "%s: api.tokens '%s': %s: %s", t->where, t->name, path,
                 fs_strerror(errno));
        return -1;
    }
    n = fread(buf, 1, sizeof buf, f);
    if (ferror(f) || fclose(f) != 0) {
        snprintf(err, errlen, "%s: api.tokens '%s': %s: cannot read it", t->where, t->name,
                 path);
        return -1;
    }
    if (n > TOKEN_FILE_MAX) {
        snprintf(err, errlen, "%s: api.tokens '%s': %s: longer than %d bytes", t->where,
                 t->name, path, TOKEN_FILE_MAX);
        return -1;
    }
    while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
        n--;
    while (start < n && strchr(" \t\r\n", buf[start]))
        start++;
    if (start == n) {
        snprintf(err, errlen, "%s: api.tokens '%s': %s: holds no token", t->where, t->name,
                 path);
        return -1;
    }
    digest_sha256(buf + start, n - start, digest);
    return 0;
}

static int add_entry(struct api_auth *auth, const char *name, enum config_api_role role,
                     const uint8_t digest[DIGEST_BYTES])
{
    struct api_auth_entry *e = &auth->entries[auth->count];

    if (!(e->name = strdup(name)))
        return -1;
    e->role = role;
    memcpy(e->digest, digest, DIGEST_BYTES);
    auth->count++;
    return 0;
}

/* One api.tokens entry's digest: its sha256, or its file's content. */
static int entry_digest(const struct config_api_token *t, const char *root,
                        uint8_t digest[DIGEST_BYTES], char *err, size_t errlen)
{
    char path[PATH_MAX];

    if (t->sha256)
        return digest_parse_hex(t->sha256, digest);
    if (config_resolve_path(root, t->file, path, sizeof path) != 0) {
        snprintf(err, errlen, "%s: api.tokens '%s': file path too long", t->where, t->name);
        return -1;
    }
    return hash_file(path, t, digest, err, errlen);
}

struct api_auth *api_auth_create(const struct config *cfg, const char *root, const char *local,
                                 char *err, size_t errlen)
{
    struct api_auth *auth = calloc(1, sizeof *auth);
    uint8_t digest[DIGEST_BYTES];

    if (!auth || !(auth->entries = calloc(cfg->api.token_count + 1, sizeof *auth->entries)))
        goto oom;
    for (size_t i = 0; i < cfg->api.token_count; i++) {
        const struct config_api_token *t = &cfg->api.tokens[i];
        if (entry_digest(t, root, digest, err, errlen) != 0)
            goto fail;
        if (add_entry(auth, t->name, t->role, digest) != 0)
            goto oom;
    }
    if (local) {
        digest_sha256(local, strlen(local), digest);
        if (add_entry(auth, API_AUTH_LOCAL_NAME, CONFIG_ROLE_ADMIN, digest) != 0)
            goto oom;
    }
    return auth;
oom:
    snprintf(err, errlen, "api tokens: out of memory");
fail:
    api_auth_free(auth);
    return NULL;
}

int api_auth_check(const struct api_auth *auth, const char *authorization,
                   enum config_api_role *role, const char **name)
{
    uint8_t digest[DIGEST_BYTES];
    const struct api_auth_entry *match = NULL;
    const char *token;

    if (!authorization || strncasecmp(authorization, BEARER, strlen(BEARER)) != 0)
        return -1;
    token = authorization + strlen(BEARER);
    while (*token == ' ')
        token++;
    if (!*token)
        return -1;
    digest_sha256(token, strlen(token), digest);
    /* Every entry is compared, whichever matches. */
    for (size_t i = 0; i < auth->count; i++)
        if (digest_equal(auth->entries[i].digest, digest) && !match)
            match = &auth->entries[i];
    if (!match)
        return -1;
    *role = match->role;
    *name = match->name;
    return 0;
}
