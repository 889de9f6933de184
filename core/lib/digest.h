/* digest.h — SHA-256 digests, their hex form, and comparing them in
 * constant time (API tokens, ETags).
 *
 * The hashing is nettle's (Debian nettle-dev): a small library of plain
 * functions, already in the process through libmicrohttpd's GnuTLS, so
 * the API adds no crypto library of its own.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_BYTES 32
#define DIGEST_HEX_LEN (2 * DIGEST_BYTES) /* without the NUL */

void digest_sha256(const void *data, size_t len, uint8_t out[DIGEST_BYTES]);

/* out gets DIGEST_HEX_LEN lower-case digits and a NUL. */
void digest_hex(const uint8_t digest[DIGEST_BYTES], char out[DIGEST_HEX_LEN + 1]);

/* 64 hex digits (either case) to a digest: 0, or -1 for any other text. */
int digest_parse_hex(const char *text, uint8_t out[DIGEST_BYTES]);

/* Equal digests, in a time that does not depend on where they differ. */
bool digest_equal(const uint8_t a[DIGEST_BYTES], const uint8_t b[DIGEST_BYTES]);

#endif
