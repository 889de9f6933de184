/* config_tokens.c — `api.tokens`: the API's bearer tokens by name and role.
 *
 *   api:
 *     tokens:
 *       - { name: ci, role: operate, sha256: 9f86d08188… }
 *       - { name: grafana, role: read, file: secrets/grafana.token }
 *
 * An entry holds the token's SHA-256 (what `sha256sum` prints for the
 * token without its newline) or a file holding the token, never the token
 * itself, so the config can be read, printed and kept in git.  Each entry
 * is checked here with its position; the file is read by the API when it
 * listens (the config does not know the project root).
 */
#include "config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/digest.h"
#include "lib/suggest.h"

#define TOKEN_NAME_MAX 64
#define WHERE_MAX 512

static const char *const role_names[] = {[CONFIG_ROLE_READ] = "read",
                                         [CONFIG_ROLE_OPERATE] = "operate",
                                         [CONFIG_ROLE_ADMIN] = "admin"};
#define ROLE_COUNT (sizeof role_names / sizeof role_names[0])

static const char *const entry_keys[] = {"name", "role", "sha256", "file", NULL};

const char *config_api_role_name(enum config_api_role role)
{
    return (size_t)role < ROLE_COUNT ? role_names[role] : "?";
}

void config_tokens_free(struct config *cfg)
{
    for (size_t i = 0; i < cfg->api.token_count; i++) {
        struct config_api_token *t = &cfg->api.tokens[i];
        free(t->name);
        free(t->sha256);
        free(t->file);
        free(t->where);
    }
    free(cfg->api.tokens);
    cfg->api.tokens = NULL;
    cfg->api.token_count = 0;
}

static void where_of(char *buf, size_t len, const char *file, const struct yamldoc_node *n)
{
    snprintf(buf, len, "%s:%d:%d", file, n->line, n->column);
}

/* A scalar value of the entry, or NULL (with the error set when present
 * but not a scalar). */
static const struct yamldoc_node *scalar(const struct yamldoc_node *entry, const char *key,
                                         const char *file, size_t index, char *err,
                                         size_t errlen)
{
    const struct yamldoc_node *n = yamldoc_get(entry, key);
    char where[WHERE_MAX];

    if (n && (n->kind != YAMLDOC_SCALAR || !n->len)) {
        where_of(where, sizeof where, file, n);
        snprintf(err, errlen, "%s: api.tokens[%zu].%s: expected a non-empty string", where,
                 index, key);
        return NULL;
    }
    return n;
}

static int check_keys(const struct yamldoc_node *entry, const char *file, size_t index,
                      char *err, size_t errlen)
{
    char where[WHERE_MAX];

    for (size_t i = 0; i < entry->count; i++) {
        const struct yamldoc_node *k = entry->pairs[i].key;
        const char *const *known = entry_keys;
        struct suggest near;

        while (*known && strcmp(*known, k->text) != 0)
            known++;
        if (*known)
            continue;
        suggest_init(&near, k->text);
        for (known = entry_keys; *known; known++)
            suggest_consider(&near, *known);
        where_of(where, sizeof where, file, k);
        snprintf(err, errlen, "%s: api.tokens[%zu]: unknown key '%s'%s%s%s", where, index,
                 k->text, near.best ? " (did you mean '" : "", near.best ? near.best : "",
                 near.best ? "'?)" : "");
        return -1;
    }
    return 0;
}

/* Fill `t` from one entry; the strings are copied. */
static int parse_entry(struct config *cfg, struct config_api_token *t,
                       const struct yamldoc_node *entry, const char *file, size_t index,
                       char *err, size_t errlen)
{
    char where[WHERE_MAX];
    const struct yamldoc_node *name, *role, *sha, *path;
    uint8_t digest[DIGEST_BYTES];
    size_t r = 0;

    where_of(where, sizeof where, file, entry);
    if (entry->kind != YAMLDOC_MAPPING) {
        snprintf(err, errlen, "%s: api.tokens[%zu]: expected a mapping { name, role, sha256 }",
                 where, index);
        return -1;
    }
    err[0] = '\0';
    if (check_keys(entry, file, index, err, errlen) != 0)
        return -1;
    name = scalar(entry, "name", file, index, err, errlen);
    role = scalar(entry, "role", file, index, err, errlen);
    sha = scalar(entry, "sha256", file, index, err, errlen);
    path = scalar(entry, "file", file, index, err, errlen);
    if (err[0])
        return -1;
    if (!name || !role || !sha == !path) {
        snprintf(err, errlen,
                 "%s: api.tokens[%zu]: needs a name, a role and either sha256 "
                 "or file",
                 where, index);
        return -1;
    }
    if (name->len > TOKEN_NAME_MAX) {
        where_of(where, sizeof where, file, name);
        snprintf(err, errlen, "%s: api.tokens[%zu].name: longer than %d characters", where,
                 index, TOKEN_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < index; i++)
        if (strcmp(cfg->api.tokens[i].name, name->text) == 0) {
            where_of(where, sizeof where, file, name);
            snprintf(err, errlen, "%s: api.tokens[%zu].name: '%s' is already the name of %s",
                     where, index, name->text, cfg->api.tokens[i].where);
            return -1;
        }
    while (r < ROLE_COUNT && strcmp(role_names[r], role->text) != 0)
        r++;
    if (r == ROLE_COUNT) {
        where_of(where, sizeof where, file, role);
        snprintf(err, errlen,
                 "%s: api.tokens[%zu].role: expected one of read, operate, admin, got '%s'",
                 where, index, role->text);
        return -1;
    }
    if (sha && digest_parse_hex(sha->text, digest) != 0) {
        where_of(where, sizeof where, file, sha);
        snprintf(err, errlen,
                 "%s: api.tokens[%zu].sha256: expected the token's SHA-256 as 64 hex "
                 "digits (sha256sum), got '%s'",
                 where, index, sha->text);
        return -1;
    }
    where_of(where, sizeof where, file, entry);
    t->role = (enum config_api_role)r;
    t->name = strdup(name->text);
    t->where = strdup(where);
    t->file = path ? strdup(path->text) : NULL;
    t->sha256 = sha ? malloc(DIGEST_HEX_LEN + 1) : NULL;
    if (t->sha256)
        digest_hex(digest, t->sha256);
    if (!t->name || !t->where || !t->file != !path || !t->sha256 != !sha) {
        snprintf(err, errlen, "%s: out of memory", where);
        return -1;
    }
    return 0;
}

int config_tokens_apply(struct config *cfg, const char *file, const struct yamldoc_node *list,
                        char *err, size_t errlen)
{
    char where[WHERE_MAX];

    config_tokens_free(cfg);
    if (yamldoc_scalar_value(list).type == YAMLDOC_NULL)
        return 0;
    if (list->kind != YAMLDOC_SEQUENCE) {
        where_of(where, sizeof where, file, list);
        snprintf(err, errlen,
                 "%s: api.tokens: expected a list of { name, role, sha256 }, "
                 "got a %s",
                 where, yamldoc_kind_name(list->kind));
        return -1;
    }
    if (list->count && !(cfg->api.tokens = calloc(list->count, sizeof *cfg->api.tokens))) {
        snprintf(err, errlen, "%s: out of memory", file);
        return -1;
    }
    for (size_t i = 0; i < list->count; i++) {
        /* Counted first, so config_free frees a half-filled entry too. */
        struct config_api_token *t = &cfg->api.tokens[cfg->api.token_count++];
        if (parse_entry(cfg, t, list->items[i], file, i, err, errlen) != 0)
            return -1;
    }
    return 0;
}
