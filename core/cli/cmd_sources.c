/* cmd_sources.c — `main sources install-trigger NAME`: the SQL that makes
 * a PostgreSQL source's table NOTIFY the daemon of every change
 * (source/rowsource_pg.h), printed for the user to run with psql: the
 * daemon never changes a database it only reads.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "source/rowsource_pg.h"

#define SOURCES_SQL_MAX 8192

static const struct config_source *source_named(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->source_count; i++)
        if (strcmp(cfg->sources[i].name, name) == 0)
            return &cfg->sources[i];
    return NULL;
}

static int sources_exec(const struct cli_options *opt, int argc, char **argv)
{
    const struct config_source *src;
    char sql[SOURCES_SQL_MAX], err[ROWSOURCE_ERR_MAX];

    if (argc != 3 || strcmp(argv[1], "install-trigger") != 0)
        return cli_command_usage(&cmd_sources_entry);
    if (!(src = source_named(opt->config, argv[2]))) {
        fprintf(stderr, "sources: no source named '%s' in %s\n", argv[2], opt->config_path);
        return 1;
    }
    if (rowsource_find(src->url) != &rowsource_pg) {
        fprintf(stderr,
                "sources: source '%s' is not on PostgreSQL: only there does a trigger "
                "announce changes (the others are read every poll)\n",
                src->name);
        return 1;
    }
    if (rowsource_pg_trigger_sql(src, sql, sizeof sql, err, sizeof err) < 0) {
        fprintf(stderr, "sources: %s\n", err);
        return 1;
    }
    if (fputs(sql, stdout) < 0 || fflush(stdout) != 0) {
        perror("sources: writing to standard output");
        return 1;
    }
    return 0;
}

const struct cli_command cmd_sources_entry = {
    .name = "sources",
    .usage = "install-trigger NAME",
    .help = "print the SQL that makes a PostgreSQL source's table notify the daemon",
    .manual =
        "  install-trigger NAME  the CREATE FUNCTION and CREATE TRIGGER statements for the\n"
        "                        source NAME of sources: in config.yaml; pipe them to psql:\n"
        "                        main sources install-trigger NAME | psql URL\n",
    .lenient = false,
    .exec = sources_exec,
};
