-- The handler of the example SQL source (tasks/example_actions/README.md):
-- each fire of a row of its `action` table calls run with
-- ctx.args = { command = <the row's command>, action = <its name>, source = "actions" }.
-- It prints the fire as the Action Scheduler did: "<time> | <command>".
-- As a task of its own it never fires (every task has a schedule; this one
-- is disabled): the rows' schedules call it.
return {
    description = "prints the command of each fire of a row of the actions table",
    schedule = every(1).days,
    enabled = false,
    run = function(ctx)
        local command = ctx.args.command or "(no command: run by hand)"
        print(string.format("%s | %s", os.date("!%Y-%m-%dT%H:%M:%SZ"), command))
        log.info("action " .. tostring(ctx.args.action) .. " of source " .. tostring(ctx.args.source))
    end,
}
