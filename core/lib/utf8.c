/* utf8.c — UTF-8 validation, JSON-safe strings and one-line escapes (utf8.h). */
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_char_len(const unsigned char *s, size_t left)
{
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n;
    uint32_t cp;

    if (left == 0 || s[0] == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = s[0] & 0x1Fu;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = s[0] & 0x0Fu;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    /* overlong forms, beyond Unicode, and UTF-16 surrogates */
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

size_t utf8_prefix(const char *s, size_t len, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t at = 0;

    while (at < len) {
        size_t n = utf8_char_len(u + at, len - at);
        if (n == 0)
            n = 1;
        if (at + n > max)
            break;
        at += n;
    }
    return at;
}

json_t *utf8_json_string(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    json_t *str;
    char *copy;

    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(u + i, len - i);
        if (n == 0)
            goto repair;
        i += n;
    }
    return json_stringn(s, len);
repair:
    if (!(copy = malloc(len)))
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(u + i, len - i);
        if (n == 0) {
            copy[i++] = '?';
        } else {
            memcpy(copy + i, s + i, n);
            i += n;
        }
    }
    str = json_stringn(copy, len);
    free(copy);
    return str;
}

/* C0 controls, DEL, and the C1 controls U+0080..U+009F (0xC2 0x80..0x9F). */
static bool is_control(const unsigned char *s, size_t n)
{
    return (n == 1 && (s[0] < 0x20 || s[0] == 0x7F)) || (n == 2 && s[0] == 0xC2 && s[1] < 0xA0);
}

bool utf8_is_printable(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);

    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(u + i, len - i);
        if (n == 0 || is_control(u + i, n))
            return false;
        i += n;
    }
    return true;
}

int utf8_write_escaped(FILE *out, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(u + i, len - i);
        if (n != 0 && !is_control(u + i, n)) {
            if (fwrite(s + i, 1, n, out) != n)
                return -1;
            i += n;
            continue;
        }
        if (n == 0)
            n = 1; /* one byte that is not UTF-8 */
        for (size_t k = 0; k < n; k++, i++) {
            int rc;
            switch (u[i]) {
            case '\n':
                rc = fputs("\\n", out);
                break;
            case '\r':
                rc = fputs("\\r", out);
                break;
            case '\t':
                rc = fputs("\\t", out);
                break;
            default:
                rc = fprintf(out, "\\x%02x", u[i]);
                break;
            }
            if (rc < 0)
                return -1;
        }
    }
    return 0;
}

char *utf8_escape(const char *s)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);

    if (!f)
        return NULL;
    if (utf8_write_escaped(f, s, strlen(s)) != 0) {
        fclose(f);
        free(out);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}
