/* tz_names.h — the closest zone name of a tzdata folder, for messages. */
#ifndef TZ_NAMES_H
#define TZ_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* The zone name under `dir` closest to `name` ("Asia/Tokyo" for
 * "Asia/Tokio") into out; false when none is close. */
bool tz_names_suggest(const char *dir, const char *name, char *out, size_t len);

#endif
