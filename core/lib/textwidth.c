/* textwidth.c — terminal columns of UTF-8 text (textwidth.h). */
#include "textwidth.h"

#include <stdint.h>

#include "utf8.h"

struct textwidth_range {
    uint32_t first, last;
};

/* Zero-width: combining marks, zero-width space/joiners, variation
 * selectors. */
static const struct textwidth_range zero_ranges[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},   {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},   {0x200B, 0x200F},
    {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF},
};

/* Two columns: East Asian Wide and Fullwidth, and the emoji blocks. */
static const struct textwidth_range wide_ranges[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},   {0x26F5, 0x26F5},   {0x26FA, 0x26FA},   {0x2705, 0x2705},
    {0x270A, 0x270B},   {0x274C, 0x274C},   {0x2753, 0x2755},   {0x2795, 0x2797},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
    {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
    {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static int in_ranges(uint32_t cp, const struct textwidth_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= r[i].first && cp <= r[i].last)
            return 1;
    return 0;
}

/* The character at s (n valid bytes, utf8_char_len) as a code point. */
static uint32_t decode(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = s[0] & lead_mask[n];

    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (s[i] & 0x3Fu);
    return cp;
}

/* Columns of the character at s, and its length in *len. */
static size_t char_width(const unsigned char *s, size_t *len)
{
    size_t n = 0;
    uint32_t cp;

    while (n < 4 && s[n])
        n++;
    n = utf8_char_len(s, n);
    if (n == 0) {
        *len = 1;
        return 1;
    }
    *len = n;
    cp = decode(s, n);
    if (in_ranges(cp, zero_ranges, sizeof zero_ranges / sizeof zero_ranges[0]))
        return 0;
    return in_ranges(cp, wide_ranges, sizeof wide_ranges / sizeof wide_ranges[0]) ? 2 : 1;
}

size_t textwidth(const char *s)
{
    size_t width = 0;

    textwidth_prefix(s, SIZE_MAX, &width);
    return width;
}

size_t textwidth_prefix(const char *s, size_t columns, size_t *width)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t at = 0, used = 0;

    while (u[at]) {
        size_t len, w = char_width(u + at, &len);
        if (used + w > columns)
            break;
        used += w;
        at += len;
    }
    if (width)
        *width = used;
    return at;
}
