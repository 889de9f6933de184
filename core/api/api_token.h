/* api_token.h — data/api.token, the local admin token of the API.
 *
 * Made by the daemon the first time it listens: 32 random bytes from
 * getrandom(2) as 64 hex digits, in a file of mode 0600 (written under a
 * temporary name and linked into place, so a reader never sees half a
 * token and two writers cannot both win), then kept across restarts.
 * `main dashboard` reads it to print the URL that logs in with it.
 */
#ifndef API_TOKEN_H
#define API_TOKEN_H

#include <stddef.h>

#define API_TOKEN_REL "data/api.token" /* under the project root */
#define API_TOKEN_RANDOM_BYTES 32
#define API_TOKEN_MAX (2 * API_TOKEN_RANDOM_BYTES + 1) /* the hex text and its NUL */
#define API_TOKEN_ERR_MAX 512

/* Read ROOT/data/api.token into token (API_TOKEN_MAX bytes): 1 when read,
 * 0 when there is none yet, -1 with a message (unreadable, not a token). */
int api_token_read(const char *root, char *token, char *err, size_t errlen);

/* The token, made first when there is none: 0, or -1 with a message. */
int api_token_ensure(const char *root, char *token, char *err, size_t errlen);

#endif
