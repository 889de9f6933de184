/* api_auth.h — who a request's bearer token is, and with which role.
 *
 * The table holds SHA-256 digests only: api.tokens' sha256 entries as
 * written, their file entries hashed as they are read, and the local admin
 * token of data/api.token (api_token.h).  A presented token is hashed and
 * compared with every digest in constant time (lib/digest.h), so neither
 * a match's position nor a near miss shows in the time taken.
 */
#ifndef API_AUTH_H
#define API_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/digest.h"

#define API_AUTH_LOCAL_NAME "local" /* the name of data/api.token's token */
#define API_AUTH_ERR_MAX 512

struct api_auth;

/* The table for `cfg`'s api.tokens (files read relative to `root`) and
 * the local token, whose text is `local` (NULL = none).  NULL with a
 * message naming the entry (file:line) when a token file cannot be read
 * or is empty. */
struct api_auth *api_auth_create(const struct config *cfg, const char *root, const char *local,
                                 char *err, size_t errlen);
void api_auth_free(struct api_auth *auth);

/* Check an Authorization header's value (NULL when absent): 0 with the
 * token's role and name (borrowed from the table), or -1 when it is not
 * "Bearer TOKEN" with a known token. */
int api_auth_check(const struct api_auth *auth, const char *authorization,
                   enum config_api_role *role, const char **name);

#endif
