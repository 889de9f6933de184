/* commands.c — the table of subcommands, in the order --help lists them.
 *
 * Each command is declared once, by its entry in its cmd_*.c; listing the
 * entry here is all main.c and --help need.
 */
#include "cli.h"

#include <stddef.h>
#include <string.h>

const struct cli_command *const cli_commands[] = {
    &cmd_list_entry,
    &cmd_history_entry,
    &cmd_stats_entry,
    &cmd_check_entry,
    &cmd_calendar_entry,
    &cmd_next_entry,
    &cmd_overdue_entry,
    &cmd_alerts_entry,
    &cmd_reset_entry,
    &cmd_reload_entry,
    &cmd_stop_entry,
    &cmd_restart_entry,
    &cmd_config_entry,
    &cmd_sources_entry,
    /* pausing, resuming and cancelling */
    &cmd_pause_entry,
    &cmd_resume_entry,
    &cmd_cancel_entry,
    /* one run in full, one task's log */
    &cmd_show_entry,
    &cmd_logs_entry,
    &cmd_dashboard_entry,
    NULL,
};

const struct cli_command *cli_command_find(const char *name)
{
    for (size_t i = 0; cli_commands[i]; i++)
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    return NULL;
}
