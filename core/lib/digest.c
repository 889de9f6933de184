/* digest.c — SHA-256 through nettle, hex, constant-time equality (digest.h). */
#include "digest.h"

#include <nettle/sha2.h>
#include <string.h>

#include "hex.h"

void digest_sha256(const void *data, size_t len, uint8_t out[DIGEST_BYTES])
{
    struct sha256_ctx ctx;

    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, DIGEST_BYTES, out);
}

void digest_hex(const uint8_t digest[DIGEST_BYTES], char out[DIGEST_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < DIGEST_BYTES; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0xf];
    }
    out[DIGEST_HEX_LEN] = '\0';
}

int digest_parse_hex(const char *text, uint8_t out[DIGEST_BYTES])
{
    if (strlen(text) != DIGEST_HEX_LEN)
        return -1;
    for (size_t i = 0; i < DIGEST_BYTES; i++) {
        int hi = hex_digit_value(text[2 * i]), lo = hex_digit_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

bool digest_equal(const uint8_t a[DIGEST_BYTES], const uint8_t b[DIGEST_BYTES])
{
    uint8_t diff = 0;

    for (size_t i = 0; i < DIGEST_BYTES; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}
