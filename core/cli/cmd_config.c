/* cmd_config.c — `main config --effective`: the settings in force, each
 * with where it came from (default, config file line, or environment
 * variable), so an override is never a mystery. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"

static int config_exec(const struct cli_options *opt, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--effective") != 0)
        return cli_command_usage(&cmd_config_entry);
    if (config_print_effective(opt->config, stdout) < 0 || fflush(stdout) != 0) {
        perror("config: writing to standard output");
        return 1;
    }
    return 0;
}

const struct cli_command cmd_config_entry = {
    .name = "config",
    .usage = "--effective",
    .help = "the settings in force and where each came from",
    .lenient = false,
    .exec = config_exec,
};
