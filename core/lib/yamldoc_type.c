/* yamldoc_type.c — YAML 1.1 core typing of plain scalars.
 *
 * libyaml hands us text only; deciding that `on` is a boolean and `0x1F` an
 * integer is the schema's job.  We follow YAML 1.1 (what Python's PyYAML
 * users expect) with one deliberate exception: the single letters y/Y/n/N
 * stay strings, because `n: 3` meaning `false: 3` surprises everyone.
 * Sexagesimal numbers (1:30) are strings too.
 */
#include "yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NUMBER_TEXT_MAX 128 /* longer text cannot be a sane number */

static bool is_one_of(const char *text, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(text, *words) == 0)
            return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", "yes", "Yes",
                                         "YES",  "on",   "On",   "ON",  NULL};
static const char *const false_words[] = {"false", "False", "FALSE", "no",  "No",
                                          "NO",    "off",   "Off",   "OFF", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};

/* Copy text without the '_' digit separators YAML 1.1 allows. */
static bool strip_underscores(const char *text, char *out, size_t outlen)
{
    size_t n = 0;
    for (; *text; text++) {
        if (*text == '_')
            continue;
        if (n + 1 >= outlen)
            return false;
        out[n++] = *text;
    }
    out[n] = '\0';
    return true;
}

static bool all_digits(const char *s, const char *digits)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr(digits, *s))
            return false;
    return true;
}

/* Integer forms: [-+]?(0|[1-9][0-9]*) 0x.. 0o.. 0b.. and 1.1's 0[0-7]+. */
static bool parse_int(const char *text, int64_t *out)
{
    const char *s = text;
    bool negative = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    int base = 10;
    const char *digits = "0123456789";
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16, digits = "0123456789abcdefABCDEF", s += 2;
    } else if (s[0] == '0' && s[1] == 'o') {
        base = 8, digits = "01234567", s += 2;
    } else if (s[0] == '0' && s[1] == 'b') {
        base = 2, digits = "01", s += 2;
    } else if (s[0] == '0' && s[1]) {
        base = 8, digits = "01234567", s += 1;
    }
    if (!all_digits(s, digits))
        return false;
    errno = 0;
    unsigned long long magnitude = strtoull(s, NULL, base);
    if (errno == ERANGE)
        return false;
    if (negative) {
        if (magnitude > (unsigned long long)INT64_MAX + 1)
            return false;
        *out = magnitude == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(int64_t)magnitude;
    } else {
        if (magnitude > (unsigned long long)INT64_MAX)
            return false;
        *out = (int64_t)magnitude;
    }
    return true;
}

/* Float: [-+]? digits with a '.' and/or an exponent, at least one digit. */
static bool parse_float(const char *text, double *out)
{
    const char *s = text;
    if (*s == '-' || *s == '+')
        s++;
    if (is_one_of(s, inf_words)) {
        *out = text[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (s == text && is_one_of(s, nan_words)) {
        *out = NAN;
        return true;
    }
    size_t int_digits = strspn(s, "0123456789");
    s += int_digits;
    size_t frac_digits = 0;
    bool has_dot = *s == '.';
    if (has_dot) {
        frac_digits = strspn(s + 1, "0123456789");
        s += 1 + frac_digits;
    }
    if (int_digits + frac_digits == 0)
        return false;
    bool has_exp = *s == 'e' || *s == 'E';
    if (has_exp) {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!all_digits(s, "0123456789"))
            return false;
        s += strlen(s);
    }
    if (*s || (!has_dot && !has_exp))
        return false;
    *out = strtod(text, NULL);
    return true;
}

struct yamldoc_value yamldoc_type_text(const char *text)
{
    struct yamldoc_value v = {.type = YAMLDOC_STRING};
    char digits[NUMBER_TEXT_MAX];

    if (is_one_of(text, null_words)) {
        v.type = YAMLDOC_NULL;
    } else if (is_one_of(text, true_words) || is_one_of(text, false_words)) {
        v.type = YAMLDOC_BOOL;
        v.boolean = is_one_of(text, true_words);
    } else if (!strip_underscores(text, digits, sizeof digits)) {
        /* too long to be a number: a string */
    } else if (parse_int(digits, &v.integer)) {
        v.type = YAMLDOC_INT;
        v.number = (double)v.integer;
    } else if (parse_float(digits, &v.number)) {
        v.type = YAMLDOC_FLOAT;
    }
    return v;
}

struct yamldoc_value yamldoc_scalar_value(const struct yamldoc_node *node)
{
    if (node->kind != YAMLDOC_SCALAR || node->quoted || strlen(node->text) != node->len)
        return (struct yamldoc_value){.type = YAMLDOC_STRING};
    return yamldoc_type_text(node->text);
}
