-- tasks/example_system_monitor.lua — load, memory and disk every five minutes.
--
-- Reads the load average from /proc/loadavg, memory from /proc/meminfo and
-- the use of each configured file system from `df -P`, and sends a
-- notification when a figure crosses its threshold.  To avoid a message
-- every five minutes while a disk stays full, it notifies when a problem
-- appears and when it is gone, remembering the last alert with `state`.
-- Thresholds and channels: config/example_system_monitor.yaml.

local CONFIG = "example_system_monitor.yaml"

local function setting(key, default)
  local value = config.get(key, CONFIG, default)
  if value == nil then return default end
  return value
end

local function read_file(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

-- {one, five, fifteen} and the number of CPUs.
local function load_average()
  local text = assert(read_file("/proc/loadavg"))
  local one, five, fifteen = text:match("^(%S+) (%S+) (%S+)")
  local cpus = 0
  for line in (read_file("/proc/cpuinfo") or ""):gmatch("[^\n]+") do
    if line:match("^processor%s*:") then cpus = cpus + 1 end
  end
  return { one = tonumber(one), five = tonumber(five), fifteen = tonumber(fifteen),
           cpus = math.max(cpus, 1) }
end

-- Total and available memory in MB, and the percentage in use.
local function memory()
  local info = {}
  for key, kb in assert(read_file("/proc/meminfo")):gmatch("(%w+):%s+(%d+) kB") do
    info[key] = tonumber(kb)
  end
  local total, available = info.MemTotal, info.MemAvailable or info.MemFree
  return { total_mb = total // 1024, available_mb = available // 1024,
           used_percent = math.floor((total - available) * 1000 / total + 0.5) / 10 }
end

-- The file system holding `path`, from the portable (-P) output of df.
local function disk(path)
  local res, err = exec.run{ "df", "-P", "-k", "--", path, timeout = 30 }
  if not res then return nil, err end
  if res.code ~= 0 then return nil, (res.stderr:gsub("%s+$", "")) end
  local line = res.stdout:match("\n([^\n]+)") or ""
  local size, used, avail, mount = line:match("^.-%s+(%d+)%s+(%d+)%s+(%d+)%s+%d+%%%s+(.+)$")
  if not size then return nil, "unexpected output: " .. res.stdout end
  size, used, avail = tonumber(size), tonumber(used), tonumber(avail)
  -- df's own percentage rounds up and leaves out reserved blocks; so do we.
  local percent = math.ceil(used * 100 / math.max(used + avail, 1))
  return { path = path, mount = mount, size_mb = size // 1024,
           free_mb = avail // 1024, used_percent = percent }
end

return {
  title       = "Example: system monitor",
  description = "Load, memory and disk use, with a notification above thresholds",
  schedule    = every(5).minutes,       -- :00 :05 :10 … on the clock
  timeout     = 60,
  catchup     = "skip",                 -- a reading from the past is worth nothing
  tags        = { "example", "monitoring" },

  run = function()
    local figures = { load = load_average(), memory = memory(), disks = {} }
    local problems, kinds = {}, {}   -- what is wrong, and a stable name for each
    local function problem(kind, fmt, ...)
      problems[#problems + 1] = string.format(fmt, ...)
      kinds[#kinds + 1] = kind
    end

    local max_load = setting("thresholds.load_per_cpu", 2.0) * figures.load.cpus
    if figures.load.five > max_load then
      problem("load", "load %.2f over 5 min (limit %.1f for %d CPUs)",
              figures.load.five, max_load, figures.load.cpus)
    end
    local max_memory = setting("thresholds.memory_percent", 90)
    if figures.memory.used_percent > max_memory then
      problem("memory", "memory %.1f%% used (limit %g%%), %d MB available",
              figures.memory.used_percent, max_memory, figures.memory.available_mb)
    end
    local max_disk = setting("thresholds.disk_percent", 90)
    for _, path in ipairs(setting("disks", { "/" })) do
      local d, err = disk(path)
      if d then
        figures.disks[#figures.disks + 1] = d
        if d.used_percent > max_disk then
          problem("disk " .. d.mount, "disk %s %d%% full (limit %g%%), %d MB free",
                  d.mount, d.used_percent, max_disk, d.free_mb)
        end
      else
        log.warn("df failed: " .. err, { path = path })
      end
    end

    log.info("system figures", {
      load = figures.load.five, cpus = figures.load.cpus,
      memory_percent = figures.memory.used_percent,
      disks = #figures.disks,
    })
    for _, text in ipairs(problems) do log.warn(text) end

    -- Notify when the kinds of problem change (not when a figure merely
    -- moves): a new alert, or all clear.
    local alert = table.concat(kinds, ", ")
    local previous = state.get("alert") or ""
    if alert ~= previous then
      local channels = setting("channels", nil)     -- nil: every configured channel
      if channels and #channels == 0 then channels = nil end
      local ok, err = notify.send{
        title = alert ~= "" and "System monitor: attention" or "System monitor: all clear",
        message = alert ~= "" and table.concat(problems, "\n") or "Back to normal: " .. previous,
        urgency = alert ~= "" and "critical" or "normal",
        channels = channels,
      }
      if ok then
        state.set("alert", alert)
      else
        log.warn(err) -- try again next time
      end
    end

    figures.problems = json.array(problems)
    return figures
  end,
}
