/* api_query.c — a query string checked against a route's parameters
 * (api_query.h).
 *
 * "a=1&b=x%20y": pairs split on '&', name and value on the first '=',
 * both percent-decoded ('+' is a space).  Empty pairs ("a=1&&b=2") are
 * skipped, as browsers make them.  Every decoded value is kept in the
 * query's own buffer, which is as long as the whole string may be, so no
 * value is ever cut.
 */
#include "api_query.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_decode.h"

static int spec_find(const struct api_param *spec, const char *name)
{
    for (int i = 0; spec && spec[i].name; i++)
        if (strcmp(spec[i].name, name) == 0)
            return i;
    return -1;
}

static int parse_int(const char *text, int64_t *out)
{
    char *end;
    long long n;

    if (!(*text >= '0' && *text <= '9') && *text != '-')
        return -1;
    errno = 0;
    n = strtoll(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = n;
    return 0;
}

/* Check one decoded value against its declaration; why in err. */
static int check_value(const struct api_param *p, struct api_query_value *v, char *err,
                       size_t errlen)
{
    size_t len = strlen(v->text);

    switch (p->kind) {
    case API_PARAM_TEXT:
        if ((int64_t)len < p->min || (int64_t)len > p->max) {
            snprintf(err, errlen,
                     "parameter '%s': expected %" PRId64 " to %" PRId64
                     " bytes of text, got %zu",
                     p->name, p->min, p->max, len);
            return -1;
        }
        return 0;
    case API_PARAM_INT:
        if (parse_int(v->text, &v->number) != 0 || v->number < p->min || v->number > p->max) {
            snprintf(err, errlen,
                     "parameter '%s': expected an integer from %" PRId64 " to %" PRId64
                     ", got '%s'",
                     p->name, p->min, p->max, v->text);
            return -1;
        }
        return 0;
    case API_PARAM_ENUM: {
        size_t used = (size_t)snprintf(err, errlen, "parameter '%s': expected one of", p->name);
        for (int64_t i = 0; p->names[i]; i++) {
            if (strcmp(p->names[i], v->text) == 0) {
                v->number = i;
                return 0;
            }
            if (used < errlen)
                used += (size_t)snprintf(err + used, errlen - used, "%s %s", i ? "," : "",
                                         p->names[i]);
        }
        if (used < errlen)
            snprintf(err + used, errlen - used, ", got '%s'", v->text);
        return -1;
    }
    case API_PARAM_BOOL:
        if (!*v->text || strcmp(v->text, "1") == 0 || strcmp(v->text, "true") == 0)
            v->number = 1;
        else if (strcmp(v->text, "0") == 0 || strcmp(v->text, "false") == 0)
            v->number = 0;
        else {
            snprintf(err, errlen, "parameter '%s': expected 1, true, 0 or false, got '%s'",
                     p->name, v->text);
            return -1;
        }
        return 0;
    }
    return -1;
}

int api_query_parse(const struct api_param *spec, const char *query, struct api_query *out,
                    char *param, char *err, size_t errlen)
{
    char name[API_QUERY_NAME_MAX], why[API_QUERY_ERR_MAX];
    size_t used = 0, total = query ? strlen(query) : 0;

    memset(out->values, 0, sizeof out->values);
    out->spec = spec;
    if (total >= sizeof out->buf) {
        snprintf(param, API_QUERY_NAME_MAX, "query");
        snprintf(err, errlen, "the query string is longer than %zu bytes", sizeof out->buf - 1);
        return -1;
    }
    for (const char *s = query; s && *s;) {
        size_t pair_len = strcspn(s, "&"), name_len = strcspn(s, "=");
        const char *value = s + name_len + 1;
        size_t value_len;
        int index;

        if (name_len >= pair_len) {
            name_len = pair_len;
            value = NULL;
        }
        value_len = value ? pair_len - name_len - 1 : 0;
        if (pair_len == 0) {
            s++;
            continue;
        }
        if (api_decode(s, name_len, true, name, sizeof name, NULL, why, sizeof why) != 0) {
            snprintf(param, API_QUERY_NAME_MAX, "query");
            snprintf(err, errlen, "a parameter name: %s", why);
            return -1;
        }
        if (!name[0]) {
            snprintf(param, API_QUERY_NAME_MAX, "query");
            snprintf(err, errlen, "a parameter without a name");
            return -1;
        }
        snprintf(param, API_QUERY_NAME_MAX, "%s", name);
        if ((index = spec_find(spec, name)) < 0) {
            snprintf(err, errlen, "unknown parameter '%s'", name);
            return -1;
        }
        if (out->values[index].set) {
            snprintf(err, errlen, "parameter '%s' given twice", name);
            return -1;
        }
        size_t n = 0;
        if (api_decode(value ? value : "", value_len, true, out->buf + used,
                       sizeof out->buf - used, &n, why, sizeof why) != 0) {
            snprintf(err, errlen, "parameter '%s': %s", name, why);
            return -1;
        }
        out->values[index] = (struct api_query_value){.set = true, .text = out->buf + used};
        used += n + 1;
        if (check_value(&spec[index], &out->values[index], err, errlen) != 0)
            return -1;
        s += pair_len;
    }
    return 0;
}

const struct api_query_value *api_query_get(const struct api_query *q, const char *name)
{
    int index = spec_find(q->spec, name);

    assert(index >= 0 && index < API_QUERY_MAX);
    return q->values[index].set ? &q->values[index] : NULL;
}
