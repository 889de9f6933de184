-- tasks/example_external_command.lua — run a program, no Lua needed.
--
-- A task with `command` instead of `run`: the scheduler starts the program
-- directly from this argument list (no shell, so no quoting traps and no
-- injection), records its exit status, and keeps its output in the task's
-- log (logs/tasks/example_external_command.log) and the tail of it with the
-- run (`./main history example_external_command`).  A non-zero exit status
-- is a failed run.  For pipes or globbing, ask for a shell explicitly:
--   command = { "sh", "-c", "du -sh /var/log/* | sort -h | tail -5" }
return {
  title       = "Example: external command",
  description = "Records the kernel and machine name, hourly",
  schedule    = every(1).hours,              -- 00:00, 01:00, 02:00 …
  command     = { "uname", "-a" },
  env         = { LC_ALL = "C" },            -- added to the run's environment
  timeout     = 30,
  catchup     = "skip",
  tags        = { "example", "command" },
}
