/* cmd_config.c — `main config --effective [--json]`: the settings in
 * force, each with where it came from (default, config file line, or
 * environment variable), so an override is never a mystery: as YAML that
 * reads back, or as JSON. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "table.h"

/* The JSON document to stdout: 0, or -1 after saying why not. */
static int config_print_json(const struct config *cfg)
{
    json_t *doc = config_effective_json(cfg);
    int rc = doc ? table_print_json(doc, stdout) : -1;

    if (!doc)
        fprintf(stderr, "config: out of memory\n");
    json_decref(doc);
    return rc;
}

static int config_exec(const struct cli_options *opt, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--effective") != 0)
        return cli_command_usage(&cmd_config_entry);
    if ((opt->json ? config_print_json(opt->config)
                   : config_print_effective(opt->config, stdout)) < 0 ||
        fflush(stdout) != 0) {
        perror("config: writing to standard output");
        return 1;
    }
    return 0;
}

const struct cli_command cmd_config_entry = {
    .name = "config",
    .usage = "--effective [--json]",
    .help = "the settings in force and where each came from",
    .manual = "  --effective  print every setting (YAML; JSON with --json) with its origin:\n"
              "               default, FILE:LINE:COLUMN, or env TASKSCHED_SECTION__KEY\n",
    .lenient = false,
    .exec = config_exec,
};
