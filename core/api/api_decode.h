/* api_decode.h — percent-decoding of path segments and query strings.
 *
 * What comes out is text the handlers can put in JSON and messages: valid
 * UTF-8 without control characters (no NUL, no newline in a log line).
 */
#ifndef API_DECODE_H
#define API_DECODE_H

#include <stdbool.h>
#include <stddef.h>

/* Decode src[0..len) into out (`outlen` bytes, NUL included); '+' is a
 * space when `plus_is_space` (query strings).  The decoded length in
 * *used when not NULL.  0, or -1 with why in err. */
int api_decode(const char *src, size_t len, bool plus_is_space, char *out, size_t outlen,
               size_t *used, char *err, size_t errlen);

#endif
