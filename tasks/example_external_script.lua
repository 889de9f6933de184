-- tasks/example_external_script.lua — run a script and use its output.
--
-- Calls tasks/scripts/example_report.py (Python, standard library only) two
-- ways, both through the `exec` helper, which waits for the program and
-- returns { code, signal, stdout, stderr, duration, timed_out, truncated }:
--   exec.run{ "python3", path, "--json" }   an explicit interpreter and argv;
--   exec.script(path, { folder })          the script's own #! line.
-- Neither goes through a shell.  The JSON report becomes the run's return
-- value; the text report goes to the task's log line by line.
-- Settings: config/example_external_script.yaml.

local CONFIG = "example_external_script.yaml"

local function setting(key, default)
  local value = config.get(key, CONFIG, default)
  if value == nil then return default end
  return value
end

-- tasks/scripts/example_report.py under the configured tasks folder.
local function script_path()
  local dir = config.get("tasks.directory") or "tasks"
  if dir:sub(1, 1) ~= "/" then dir = config.root() .. "/" .. dir end
  return dir .. "/scripts/example_report.py"
end

-- Raises with the program's own words when it did not exit 0.
local function check(what, res, err)
  if not res then error(err, 0) end
  if res.timed_out then error(what .. ": timed out", 0) end
  if res.code ~= 0 then
    error(string.format("%s: exit %s: %s", what, res.code or ("signal " .. res.signal),
                        res.stderr:gsub("%s+$", "")), 0)
  end
  return res
end

return {
  title       = "Example: external script",
  description = "Runs a Python report script and logs what it found",
  schedule    = every().day.at("07:30"),
  timeout     = 120,
  tags        = { "example", "exec" },

  run = function()
    local path = script_path()
    local folder = setting("folder", "/")
    local python = setting("python", "python3")

    -- 1. An explicit interpreter: the output is JSON, decoded into a table.
    local res = check(python .. " " .. path, exec.run{
      python, path, "--json", folder, timeout = 60, env = { PYTHONIOENCODING = "utf-8" },
    })
    local report, err = json.decode(res.stdout)
    if not report then error("the report is not JSON: " .. err, 0) end
    log.info("report", report)

    -- 2. By its #! line, as a cron job would run it: plain text to the log.
    local text = check(path, exec.script(path, { folder }, { timeout = 60 }))
    for line in text.stdout:gmatch("[^\n]+") do
      log.info(line)
    end

    report.duration = res.duration
    return report
  end,
}
