/* plainname.h — the one rule for names a user writes that must stay plain
 * (a task's `id` and `queue`, scheduler.queues' names): letters, digits,
 * '_', '-' and '.', a letter or digit first, so that they read the same in
 * a file, a URL, a log line and a variable name. */
#ifndef PLAINNAME_H
#define PLAINNAME_H

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#define PLAINNAME_MAX 64 /* characters */
#define PLAINNAME_RULE                                                                   \
    "a plain name (letters, digits, '_', '-', '.', a letter or digit first, at most 64 " \
    "characters)"

static inline bool plainname_ok(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

    return n > 0 && s[n] == '\0' && n <= PLAINNAME_MAX && isalnum((unsigned char)s[0]);
}

#endif
