/* api_query.h — a request's query string against the parameters its route
 * declares.
 *
 * Each route lists what it accepts ({ "limit", API_PARAM_INT, 1, 500 },
 * { "state", API_PARAM_ENUM, .names = … }); a name it does not list, a
 * name given twice, a value that does not decode or is out of bounds is
 * refused with the parameter's name, which the caller answers as 400.
 * Pure: unit-tested and fuzzed on its own.
 */
#ifndef API_QUERY_H
#define API_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_QUERY_MAX 16      /* parameters a route may declare */
#define API_QUERY_BYTES 2048  /* of a query string, and of its decoded values */
#define API_QUERY_NAME_MAX 64 /* bytes of a parameter name in messages */
#define API_QUERY_ERR_MAX 200

enum api_param_kind {
    API_PARAM_TEXT, /* UTF-8 without control characters, min..max bytes */
    API_PARAM_INT,  /* decimal integer in min..max */
    API_PARAM_ENUM, /* one of names; number is its index */
    API_PARAM_BOOL, /* 1/true/0/false, or no value at all (true) */
};

/* One declared parameter; a route's list ends with { NULL }. */
struct api_param {
    const char *name;
    enum api_param_kind kind;
    int64_t min, max;         /* INT: bounds; TEXT: length in bytes */
    const char *const *names; /* ENUM: NULL-terminated */
};

struct api_query_value {
    bool set;
    const char *text; /* decoded, in the query's buffer */
    int64_t number;   /* INT, ENUM (index), BOOL (0/1) */
};

struct api_query {
    const struct api_param *spec;
    struct api_query_value values[API_QUERY_MAX]; /* by index in spec */
    char buf[API_QUERY_BYTES];
};

/* Parse `query` (the text after '?', may be NULL or "") against `spec`
 * (may be NULL: nothing accepted).  0 with `out` filled, or -1 with the
 * offending parameter's name in `param` (API_QUERY_NAME_MAX bytes; "query"
 * for the string as a whole) and why in err. */
int api_query_parse(const struct api_param *spec, const char *query, struct api_query *out,
                    char *param, char *err, size_t errlen);

/* The value of parameter `name` when the query set it, else NULL.  `name`
 * must be one the spec declares. */
const struct api_query_value *api_query_get(const struct api_query *q, const char *name);

#endif
