/* cmd_config.c — `main config --effective`: the settings in force, each
 * with where it came from (default, config file line, or environment
 * variable), so an override is never a mystery. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"

#define CONFIG_USAGE "main config --effective"

int cmd_config(const struct cli_options *opt, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--effective") != 0)
        return cli_usage(CONFIG_USAGE);
    if (config_print_effective(opt->config, stdout) < 0 || fflush(stdout) != 0) {
        perror("config: writing to standard output");
        return 1;
    }
    return 0;
}
