/* rowsource_pg.c — the reader of `postgresql://` sources (rowsource_pg.h).
 */
#include "rowsource_pg.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/pgclient.h"

#define PG_SCHEME "postgresql://"

struct rowsource {
    struct pgclient *client;
    struct config_source cfg; /* own copy */
    rowsource_rows_fn *on_rows;
    rowsource_error_fn *on_error;
    void *data;
    bool busy, again;
    bool present[SOURCE_COL_COUNT]; /* the columns the table has, for the read in flight */
};

static void read_now(struct rowsource *src);

static void report(struct rowsource *src, const char *what, const char *why)
{
    char msg[ROWSOURCE_ERR_MAX];

    snprintf(msg, sizeof msg, "source %s: %s: %.300s", src->cfg.name, what, why);
    msg[strcspn(msg, "\n")] = '\0';
    src->on_error(src->data, msg);
}

/* The read ended (either way): another one if asked meanwhile. */
static void read_done(struct rowsource *src)
{
    src->busy = false;
    if (src->again) {
        src->again = false;
        read_now(src);
    }
}

static const char *result_error(const PGresult *res, const char *error, ExecStatusType want)
{
    if (!res)
        return error ? error : "no answer";
    return PQresultStatus(res) == want ? NULL : PQresultErrorMessage(res);
}

static void got_rows(void *data, const PGresult *res, const char *error)
{
    struct rowsource *src = data;
    const char *why = result_error(res, error, PGRES_TUPLES_OK);
    struct action_row *rows;
    int count;

    if (why) {
        report(src, "cannot read the table", why);
        {
            read_done(src);
            return;
        }
    }
    if ((count = PQntuples(res)) > ROWSOURCE_ROWS_MAX) {
        char what[160];
        snprintf(what, sizeof what, "table '%.64s' has more than %d rows", src->cfg.table,
                 ROWSOURCE_ROWS_MAX);
        report(src, what, "none of them taken");
        {
            read_done(src);
            return;
        }
    }
    if (!(rows = calloc((size_t)count + 1, sizeof *rows))) {
        report(src, "cannot read the rows", "out of memory");
        {
            read_done(src);
            return;
        }
    }
    for (int i = 0; i < count; i++) {
        int at = 0;
        action_row_init(&rows[i], i + 1);
        for (int col = 0; col < SOURCE_COL_COUNT; col++) {
            if (!src->present[col])
                continue;
            if (action_row_set(&rows[i], (enum config_source_column)col,
                               PQgetisnull(res, i, at) ? NULL : PQgetvalue(res, i, at),
                               (size_t)PQgetlength(res, i, at)) < 0) {
                action_rows_free(rows, (size_t)i + 1);
                report(src, "cannot read the rows", "out of memory");
                {
                    read_done(src);
                    return;
                }
            }
            at++;
        }
    }
    src->on_rows(src->data, rows, (size_t)count);
    read_done(src);
}

static void got_columns(void *data, const PGresult *res, const char *error)
{
    struct rowsource *src = data;
    const char *why = result_error(res, error, PGRES_TUPLES_OK);
    char sql[ROWSOURCE_SQL_MAX];

    if (why) {
        report(src, "cannot read the table's columns", why);
        {
            read_done(src);
            return;
        }
    }
    memset(src->present, 0, sizeof src->present);
    for (int i = 0; i < PQntuples(res); i++)
        for (int col = 0; col < SOURCE_COL_COUNT; col++)
            src->present[col] = src->present[col] ||
                                strcasecmp(PQgetvalue(res, i, 0), src->cfg.columns[col]) == 0;
    if (PQntuples(res) == 0) {
        report(src, src->cfg.table, "no such table in the current schema");
        {
            read_done(src);
            return;
        }
    }
    for (int col = 0; col < SOURCE_COL_REQUIRED; col++)
        if (!src->present[col]) {
            char what[200];
            snprintf(what, sizeof what, "table '%.64s' has no column '%.64s'", src->cfg.table,
                     src->cfg.columns[col]);
            report(src, what, "it is required");
            {
                read_done(src);
                return;
            }
        }
    if (rowsource_select_sql(&src->cfg, src->present, sql, sizeof sql) < 0) {
        report(src, "cannot read the table", "table and column names too long");
        {
            read_done(src);
            return;
        }
    }
    if (pgclient_query(src->client, sql, 0, NULL, got_rows, src) < 0) {
        report(src, "cannot read the table", "out of memory");
        read_done(src);
    }
}

/* A read: the columns, then the rows.  While the connection is down the
 * read waits for it (on_state says why meanwhile). */
static void read_now(struct rowsource *src)
{
    const char *params[] = {src->cfg.table};

    if (src->busy) {
        src->again = true;
        return;
    }
    if (!pgclient_up(src->client))
        return;
    src->busy = true;
    if (pgclient_query(src->client,
                       "SELECT column_name FROM information_schema.columns "
                       "WHERE table_schema = current_schema() AND table_name = $1",
                       1, params, got_columns, src) < 0) {
        report(src, "cannot read the table", "out of memory");
        src->busy = false;
    }
}

static void on_state(void *data, bool up, const char *error)
{
    struct rowsource *src = data;

    if (up)
        read_now(src);
    else
        report(src, "the database is unreachable", error);
}

static void on_notify(void *data, const char *payload)
{
    (void)payload;
    read_now(data);
}

void rowsource_pg_channel(const char *name, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "task_scheduler_");

    for (; *name && n + 1 < len && n < ROWSOURCE_PG_CHANNEL_MAX; name++, n++)
        buf[n] = isalnum((unsigned char)*name) ? (char)tolower((unsigned char)*name) : '_';
    if (n < len)
        buf[n] = '\0';
}

static int pg_start(const struct rowsource_start *how, struct rowsource **out, char *err,
                    size_t errlen)
{
    static const struct pgclient_callbacks callbacks = {on_state, on_notify};
    struct rowsource *src = calloc(1, sizeof *src);
    char channel[ROWSOURCE_PG_CHANNEL_MAX + 1], why[PGCLIENT_ERR_MAX];

    if (!src || rowsource_config_copy(&src->cfg, how->config) < 0) {
        free(src);
        snprintf(err, errlen, "source %s: out of memory", how->config->name);
        return -1;
    }
    src->on_rows = how->on_rows;
    src->on_error = how->on_error;
    src->data = how->data;
    rowsource_pg_channel(src->cfg.name, channel, sizeof channel);
    if (!(src->client = pgclient_open(how->loop, src->cfg.url, channel, &callbacks, src, why,
                                      sizeof why))) {
        snprintf(err, errlen, "source %s: %s", src->cfg.name, why);
        rowsource_config_free(&src->cfg);
        free(src);
        return -1;
    }
    *out = src;
    return 0;
}

static void pg_refresh(struct rowsource *src)
{
    read_now(src);
}

static void pg_stop(struct rowsource *src)
{
    pgclient_close(src->client); /* no callback after this */
    rowsource_config_free(&src->cfg);
    free(src);
}

const struct rowsource_ops rowsource_pg = {PG_SCHEME, pg_start, pg_refresh, pg_stop};

int rowsource_pg_trigger_sql(const struct config_source *cfg, char *buf, size_t len, char *err,
                             size_t errlen)
{
    char channel[ROWSOURCE_PG_CHANNEL_MAX + 1], head[1024];
    size_t used = 0;

    if (strchr(cfg->table, '$')) { /* it would end the dollar-quoted block below */
        snprintf(err, errlen, "source %s: a table name with '$' cannot be written here",
                 cfg->name);
        return -1;
    }
    rowsource_pg_channel(cfg->name, channel, sizeof channel);
    snprintf(head, sizeof head,
             "-- source %s: NOTIFY %s after every change of its table, so the daemon\n"
             "-- reads it at once instead of at its next poll.  Run once: psql URL -f FILE\n"
             "CREATE OR REPLACE FUNCTION %s_notify() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
             "BEGIN\n  PERFORM pg_notify('%s', TG_OP);\n  RETURN NULL;\nEND\n$f$;\n"
             "DO $d$\nDECLARE t text := ",
             cfg->name, channel, channel, channel);
    if (rowsource_put_text(buf, len, &used, head) < 0 ||
        rowsource_put_quoted(buf, len, &used, cfg->table, '\'') < 0)
        goto long_;
    snprintf(head, sizeof head,
             ";\nBEGIN\n"
             "  EXECUTE format('DROP TRIGGER IF EXISTS %s ON %%I', t);\n"
             "  EXECUTE format('CREATE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE OR "
             "TRUNCATE ON %%I FOR EACH STATEMENT EXECUTE FUNCTION %s_notify()', t);\n"
             "END\n$d$;\n",
             channel, channel, channel);
    if (rowsource_put_text(buf, len, &used, head) < 0)
        goto long_;
    return 0;
long_:
    snprintf(err, errlen, "source %s: the trigger's SQL does not fit", cfg->name);
    return -1;
}
