-- tasks/example_cleanup.lua — delete old files from a folder, daily at 03:00.
--
-- Settings (config/example_cleanup.yaml): folder, max_age_days, pattern,
-- recursive, dry_run.  `find` lists the candidates and Lua deletes them one
-- by one, so each removal is logged and each failure is reported.
--
-- Safety first, as for any job that deletes unattended:
--   * an empty folder, "/" and the project root itself are refused, also
--     when the configured path reaches them through a symbolic link;
--   * `find -P` never follows a symbolic link, `-type f` picks regular files
--     only (a link is removed as itself, never its target), and `-xdev` keeps
--     to the folder's own file system;
--   * the age is measured in minutes (`-mmin`), not find's rounded days.

local CONFIG = "example_cleanup.yaml"

local function setting(key, default)
  local value = config.get(key, CONFIG, default)
  if value == nil then return default end
  return value
end

-- The folder as an absolute path without links, or nil and why not.
local function resolve(folder)
  local res, err = exec.run{ "realpath", "-e", "--", folder }
  if not res then return nil, err end
  if res.code ~= 0 then return nil, (res.stderr:gsub("%s+$", "")) end
  return (res.stdout:gsub("\n$", ""))
end

return {
  title       = "Example: clean up old files",
  description = "Deletes files older than max_age_days from a folder",
  schedule    = every().day.at("03:00"),
  catchup     = "once",        -- the machine was off at 03:00: run once when back …
  grace       = 6 * 3600,      -- … unless that is more than six hours late
  timeout     = 600,
  tags        = { "example", "maintenance" },

  run = function()
    local folder = setting("folder", "")
    local days = setting("max_age_days", 7)
    local pattern = setting("pattern", "*")
    local recursive = setting("recursive", false)
    local dry_run = setting("dry_run", false)

    if type(folder) ~= "string" or folder:match("^%s*$") then
      error(CONFIG .. ": 'folder' must name the folder to clean", 0)
    end
    if type(days) ~= "number" or days < 1 then
      error(CONFIG .. ": 'max_age_days' must be a number >= 1", 0)
    end

    local real, why = resolve(folder)
    if not real then
      log.warn("nothing to clean: " .. why, { folder = folder })
      return { folder = folder, removed = 0 }
    end
    if real == "/" or real == config.root() then
      error(string.format("refusing to clean %s (from '%s')", real, folder), 0)
    end

    local argv = { "find", "-P", real, "-mindepth", "1" }
    if not recursive then
      argv[#argv + 1] = "-maxdepth"; argv[#argv + 1] = "1"
    end
    for _, word in ipairs{ "-xdev", "-type", "f", "-name", pattern,
                           "-mmin", "+" .. math.floor(days * 24 * 60),
                           "-printf", "%s\t%p\\0" } do
      argv[#argv + 1] = word
    end
    argv.timeout = 300
    local found, err = exec.run(argv)
    if not found then error(err, 0) end
    if found.code ~= 0 then -- e.g. an unreadable sub-folder: clean the rest
      log.warn("find: " .. found.stderr:gsub("%s+$", ""), { code = found.code })
    end

    local removed, bytes, failed = 0, 0, 0
    for size, path in found.stdout:gmatch("(%d+)\t([^\0]*)\0") do
      local shown = path:gsub("%c", "?") -- a newline in a name stays on one log line
      if dry_run then
        log.info("would remove " .. shown, { bytes = tonumber(size) })
        removed, bytes = removed + 1, bytes + tonumber(size)
      else
        local ok, rm_err = os.remove(path)
        if ok then
          log.info("removed " .. shown, { bytes = tonumber(size) })
          removed, bytes = removed + 1, bytes + tonumber(size)
        else
          log.error("could not remove: " .. rm_err)
          failed = failed + 1
        end
      end
    end

    log.info(string.format("%s %d file(s), %d bytes, older than %g days",
                           dry_run and "would remove" or "removed", removed, bytes, days),
             { folder = real, pattern = pattern })
    if failed > 0 then
      error(string.format("%d file(s) could not be removed", failed), 0)
    end
    return { folder = real, removed = removed, bytes = bytes, dry_run = dry_run }
  end,
}
