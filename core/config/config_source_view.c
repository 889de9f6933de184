/* config_source_view.c — a source of `sources:` as others may see it: its
 * url without a password (for --status, the API and config --effective,
 * whose output ends up in terminals, logs and dashboards) and its settings
 * as JSON. */
#include "config_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define HIDDEN "***"
#define PASSWORD_PARAM "password="

/* Append `n` bytes of `text`; -1 when they do not fit (NUL included). */
static int put(char *buf, size_t len, size_t *used, const char *text, size_t n)
{
    if (*used + n >= len)
        return -1;
    memcpy(buf + *used, text, n);
    *used += n;
    buf[*used] = '\0';
    return 0;
}

/* The query from `q` (after the '?') on, each password=VALUE's value
 * hidden (libpq takes the password there too). */
static int put_query(char *buf, size_t len, size_t *used, const char *q)
{
    while (*q) {
        size_t n = strcspn(q, "&#");
        size_t key = strlen(PASSWORD_PARAM);
        if (n >= key && strncmp(q, PASSWORD_PARAM, key) == 0) {
            if (put(buf, len, used, q, key) < 0 ||
                put(buf, len, used, HIDDEN, strlen(HIDDEN)) < 0)
                return -1;
        } else if (put(buf, len, used, q, n) < 0) {
            return -1;
        }
        q += n;
        if (*q == '#')
            return put(buf, len, used, q, strlen(q));
        if (*q == '&' && put(buf, len, used, q++, 1) < 0)
            return -1;
    }
    return 0;
}

int config_source_url_shown(const char *url, char *buf, size_t len)
{
    const char *scheme = strstr(url, "://");
    const char *auth = scheme ? scheme + 3 : url;
    const char *auth_end = auth + strcspn(auth, "/?#");
    const char *at = NULL, *colon = NULL, *query, *from = url;
    size_t used = 0;

    if (len == 0)
        return -1;
    buf[0] = '\0';
    for (const char *c = auth; scheme && c < auth_end; c++)
        if (*c == '@')
            at = c; /* the userinfo ends at the authority's last '@' */
    if (at)
        colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon) {
        if (put(buf, len, &used, url, (size_t)(colon + 1 - url)) < 0 ||
            put(buf, len, &used, HIDDEN, strlen(HIDDEN)) < 0)
            return -1;
        from = at;
    }
    query = strchr(from, '?');
    if (!query)
        return put(buf, len, &used, from, strlen(from));
    if (put(buf, len, &used, from, (size_t)(query + 1 - from)) < 0)
        return -1;
    return put_query(buf, len, &used, query + 1);
}

/* The column names, under the keys of `columns:`. */
static json_t *columns_json(const struct config_source *s)
{
    json_t *out = json_object();

    for (int col = 0; out && col < SOURCE_COL_COUNT; col++)
        if (json_object_set_new(out, config_source_column_key(col),
                                json_string(s->columns[col])) < 0) {
            json_decref(out);
            return NULL;
        }
    return out;
}

json_t *config_source_json(const struct config_source *s)
{
    char url[CONFIG_SOURCE_URL_MAX];

    if (config_source_url_shown(s->url, url, sizeof url) < 0)
        snprintf(url, sizeof url, "(too long to show)");
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s?, s:o, s:{s:b, s:I}}", "name", s->name,
                     "type", CONFIG_SOURCE_TYPE, "url", url, "table", s->table, "poll",
                     (json_int_t)s->poll, "handler", s->handler, "columns", columns_json(s),
                     "defaults", "merge_missed", s->merge_missed, "actuality_time",
                     (json_int_t)s->actuality_time);
}
