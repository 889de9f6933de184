/* api_decode.c — percent-decoding, checked to be printable UTF-8
 * (api_decode.h). */
#include "api_decode.h"

#include <stdio.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/utf8.h"

int api_decode(const char *src, size_t len, bool plus_is_space, char *out, size_t outlen,
               size_t *used, char *err, size_t errlen)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_digit_value(src[i + 1]) : -1;
            int lo = hi >= 0 ? hex_digit_value(src[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen, "bad percent-escape at byte %zu", i + 1);
                return -1;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (n + 1 >= outlen) {
            snprintf(err, errlen, "longer than %zu bytes", outlen - 1);
            return -1;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    if (memchr(out, '\0', n) || !utf8_is_printable(out)) {
        snprintf(err, errlen, "not printable UTF-8 text");
        return -1;
    }
    if (used)
        *used = n;
    return 0;
}
