/* rowsource.c — what every table reader shares (rowsource.h): the one
 * SELECT, and each value from text into a row (the readers' table is in
 * rowsource_readers.c). */
#include "rowsource.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int rowsource_put_quoted(char *buf, size_t len, size_t *used, const char *text, char quote)
{
    if (*used + 1 >= len)
        return -1;
    buf[(*used)++] = quote;
    for (const char *c = text; *c; c++) {
        if (*used + 3 >= len)
            return -1;
        if (*c == quote)
            buf[(*used)++] = quote;
        buf[(*used)++] = *c;
    }
    buf[(*used)++] = quote;
    buf[*used] = '\0';
    return 0;
}

int rowsource_put_text(char *buf, size_t len, size_t *used, const char *text)
{
    size_t n = strlen(text);
    if (*used + n >= len)
        return -1;
    memcpy(buf + *used, text, n + 1);
    *used += n;
    return 0;
}

int rowsource_select_sql(const struct config_source *cfg, const bool present[SOURCE_COL_COUNT],
                         char *buf, size_t len)
{
    size_t used = 0;
    char limit[32];
    bool first = true;

    if (rowsource_put_text(buf, len, &used, "SELECT ") < 0)
        return -1;
    for (int col = 0; col < SOURCE_COL_COUNT; col++) {
        if (!present[col])
            continue;
        if ((!first && rowsource_put_text(buf, len, &used, ", ") < 0) ||
            rowsource_put_quoted(buf, len, &used, cfg->columns[col], '"') < 0)
            return -1;
        first = false;
    }
    snprintf(limit, sizeof limit, " LIMIT %d", ROWSOURCE_ROWS_MAX + 1);
    if (rowsource_put_text(buf, len, &used, " FROM ") < 0 ||
        rowsource_put_quoted(buf, len, &used, cfg->table, '"') < 0 ||
        rowsource_put_text(buf, len, &used, " ORDER BY ") < 0 ||
        rowsource_put_quoted(buf, len, &used, cfg->columns[SOURCE_COL_NAME], '"') < 0 ||
        rowsource_put_text(buf, len, &used, limit) < 0)
        return -1;
    return 0;
}

static void row_error(struct action_row *row, enum config_source_column col, const char *why)
{
    char msg[ROWSOURCE_ERR_MAX];

    if (row->error)
        return;
    snprintf(msg, sizeof msg, "column '%s': %s", config_source_column_key(col), why);
    row->error = strdup(msg); /* NULL when out of memory: the row stays unmarked */
}

static int read_bool(struct action_row *row, enum config_source_column col, const char *text,
                     enum action_tristate *out)
{
    static const char *const yes[] = {"1", "t", "true", "yes", "y", "on", NULL};
    static const char *const no[] = {"0", "f", "false", "no", "n", "off", NULL};

    for (size_t i = 0; yes[i]; i++)
        if (strcasecmp(text, yes[i]) == 0) {
            *out = ACTION_TRUE;
            return 0;
        }
    for (size_t i = 0; no[i]; i++)
        if (strcasecmp(text, no[i]) == 0) {
            *out = ACTION_FALSE;
            return 0;
        }
    row_error(row, col, "expected a boolean (true/false, 1/0)");
    return 0;
}

static int read_int(struct action_row *row, enum config_source_column col, const char *text,
                    bool *has, long long *out)
{
    char *end;

    errno = 0;
    *out = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE) {
        row_error(row, col, "expected a whole number of seconds");
        return 0;
    }
    *has = true;
    return 0;
}

int action_row_set(struct action_row *row, enum config_source_column col, const char *text,
                   size_t len)
{
    char **field = col == SOURCE_COL_NAME       ? &row->name
                   : col == SOURCE_COL_COMMAND  ? &row->command
                   : col == SOURCE_COL_CRON     ? &row->cron
                   : col == SOURCE_COL_TIMEZONE ? &row->timezone
                                                : NULL;
    char *copy;
    int rc = 0;

    if (!text)
        return 0; /* NULL: the field stays unset */
    if (len > ROWSOURCE_FIELD_MAX || memchr(text, '\0', len)) {
        row_error(row, col,
                  len > ROWSOURCE_FIELD_MAX ? "longer than 64 KiB" : "holds a NUL byte");
        return 0;
    }
    if (!(copy = strndup(text, len)))
        return -1;
    if (field) {
        free(*field);
        *field = copy;
        return 0;
    }
    if (col == SOURCE_COL_MERGE_MISSED)
        rc = read_bool(row, col, copy, &row->merge_missed);
    else if (col == SOURCE_COL_ENABLED)
        rc = read_bool(row, col, copy, &row->enabled);
    else if (col == SOURCE_COL_ACTUALITY_TIME)
        rc = read_int(row, col, copy, &row->has_actuality_time, &row->actuality_time);
    else if (col == SOURCE_COL_TIMEOUT)
        rc = read_int(row, col, copy, &row->has_timeout, &row->timeout);
    free(copy);
    return rc;
}

void action_row_init(struct action_row *row, long number)
{
    memset(row, 0, sizeof *row);
    row->merge_missed = ACTION_NULL;
    row->enabled = ACTION_NULL;
    row->row = number;
}

void action_row_clear(struct action_row *row)
{
    free(row->name);
    free(row->command);
    free(row->cron);
    free(row->timezone);
    free(row->error);
    action_row_init(row, 0);
}

void action_rows_free(struct action_row *rows, size_t count)
{
    for (size_t i = 0; i < count; i++)
        action_row_clear(&rows[i]);
    free(rows);
}

void rowsource_config_free(struct config_source *cfg)
{
    free(cfg->name);
    free(cfg->url);
    free(cfg->table);
    for (int col = 0; col < SOURCE_COL_COUNT; col++)
        free(cfg->columns[col]);
    memset(cfg, 0, sizeof *cfg);
}

int rowsource_config_copy(struct config_source *dst, const struct config_source *src)
{
    bool ok;

    memset(dst, 0, sizeof *dst);
    dst->name = strdup(src->name);
    dst->url = strdup(src->url);
    dst->table = strdup(src->table);
    ok = dst->name && dst->url && dst->table;
    for (int col = 0; col < SOURCE_COL_COUNT; col++)
        ok = (dst->columns[col] = strdup(src->columns[col])) && ok;
    dst->poll = src->poll;
    dst->merge_missed = src->merge_missed;
    dst->actuality_time = src->actuality_time;
    if (ok)
        return 0;
    rowsource_config_free(dst);
    return -1;
}
