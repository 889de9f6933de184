/* cron_field.c — one field of a cron expression (numbers or names, `*`,
 * ranges, steps, comma lists) as a bit set: the parsers cron.c and
 * cron_aps.c share, with messages naming the field.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron_internal.h"

#define CRON_NAME_LEN 3

const char *const cron_month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                        "AUG", "SEP", "OCT", "NOV", "DEC", NULL};

/* One number or name of `len` chars at `text`; 0, or -1 with a message. */
static int parse_value(const struct cron_field *f, const char *text, size_t len, int *out,
                       char *err, size_t errlen)
{
    int v = 0;
    size_t i;

    for (i = 0; i < len && isdigit((unsigned char)text[i]); i++)
        if (v <= f->max) /* once too big, stay too big without overflowing */
            v = v * 10 + (text[i] - '0');
    if (i == len && len > 0) {
        if (v < f->min || v > f->max) {
            snprintf(err, errlen, "%s field: %.*s is out of range %d-%d", f->name, (int)len,
                     text, f->min, f->max);
            return -1;
        }
        *out = v;
        return 0;
    }
    for (int n = 0; f->names && f->names[n]; n++) {
        if (len == CRON_NAME_LEN && strncasecmp(text, f->names[n], len) == 0) {
            *out = f->min + n;
            return 0;
        }
    }
    snprintf(err, errlen, "%s field: '%.*s' is not a %s", f->name, (int)len, text,
             f->names ? "number or name" : "number");
    return -1;
}

/* The step after a '/': a whole number >= 1, of any size (one past the
 * field's range stays just past it, so nothing overflows). */
static int parse_step(const struct cron_field *f, const char *text, size_t len, int *out,
                      char *err, size_t errlen)
{
    int v = 0;
    size_t i;

    for (i = 0; i < len && isdigit((unsigned char)text[i]); i++)
        if (v <= f->max)
            v = v * 10 + (text[i] - '0');
    if (len == 0 || i < len) {
        snprintf(err, errlen, "%s field: step '%.*s' is not a number", f->name, (int)len, text);
        return -1;
    }
    if (v == 0) {
        snprintf(err, errlen, "%s field: step 0: a step is 1 or more", f->name);
        return -1;
    }
    *out = v;
    return 0;
}

/* Crontab's day-of-week 7 is Sunday, which is bit 0. */
static uint64_t fold_max(const struct cron_field *f, uint64_t bits)
{
    if (f->max_is_min && (bits >> f->max & 1))
        bits = (bits | UINT64_C(1) << f->min) & ~(UINT64_C(1) << f->max);
    return bits;
}

int cron_item_range(const struct cron_field *f, const char *item, size_t len, int *lo_out,
                    int *hi_out, int *step_out, char *err, size_t errlen)
{
    const char *slash = memchr(item, '/', len);
    size_t range_len = slash ? (size_t)(slash - item) : len;
    const char *dash = memchr(item, '-', range_len);
    int lo = f->min, hi = f->max, step = 1;

    if (slash && parse_step(f, slash + 1, len - range_len - 1, &step, err, errlen) < 0)
        return -1;
    if (range_len == 1 && item[0] == '*') {
        /* lo and hi stay the whole field */
    } else if (dash) {
        if (parse_value(f, item, (size_t)(dash - item), &lo, err, errlen) < 0 ||
            parse_value(f, dash + 1, range_len - (size_t)(dash - item) - 1, &hi, err, errlen) <
                0)
            return -1;
        if (lo > hi) {
            snprintf(err, errlen, "%s field: range %.*s is backwards", f->name, (int)range_len,
                     item);
            return -1;
        }
    } else {
        if (parse_value(f, item, range_len, &lo, err, errlen) < 0)
            return -1;
        if (!slash)
            hi = lo; /* "a/n" means a-max/n */
    }
    *lo_out = lo;
    *hi_out = hi;
    *step_out = step;
    return 0;
}

int cron_parse_item(const struct cron_field *f, const char *item, size_t len, uint64_t *bits,
                    char note[CRON_NOTE_MAX], char *err, size_t errlen)
{
    int lo, hi, step;
    uint64_t own = 0;

    if (cron_item_range(f, item, len, &lo, &hi, &step, err, errlen) < 0)
        return -1;
    for (int v = lo; v <= hi; v += step)
        own |= UINT64_C(1) << v;
    own = fold_max(f, own);
    if (memchr(item, '/', len) && hi > lo && __builtin_popcountll(own) == 1 && note[0] == '\0')
        snprintf(note, CRON_NOTE_MAX,
                 "%.*s in the %s field is %s %d only: its step leaves one "
                 "value of the range",
                 (int)len, item, f->name, f->name, lo);
    *bits |= own;
    return 0;
}

int cron_parse_field(const struct cron_field *f, const char *text, uint64_t *bits,
                     char note[CRON_NOTE_MAX], char *err, size_t errlen)
{
    const char *p = text;

    *bits = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) {
            snprintf(err, errlen, "%s field: empty item in '%s'", f->name, text);
            return -1;
        }
        if (cron_parse_item(f, p, len, bits, note, err, errlen) < 0)
            return -1;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}
