-- tasks/example_web_scraper.lua — watch a web page for new entries.
--
-- Fetches a page, pulls the entries out of it with a Lua pattern (the text of
-- every <h2> by default), and logs the ones that appeared since the last run.
-- The newest entry seen is kept with `state`, so a restart of the scheduler
-- does not report everything again.  Settings: config/example_scraper.yaml.
--
-- Pages list their newest entry first (blogs, news, changelogs): the entries
-- above the one we saw last time are new.  When that entry is gone from the
-- page (it scrolled off, or was renamed) every entry counts as new.

local CONFIG = "example_scraper.yaml"
local MAX_LOGGED = 20 -- new entries logged one by one; the rest are counted

-- A setting of CONFIG, or `default` when the file or the key is missing.
local function setting(key, default)
  local value = config.get(key, CONFIG, default)
  if value == nil then return default end
  return value
end

local ENTITIES = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'", nbsp = " " }

-- Markup inside an entry (<a>, <em>…) goes; entities and blanks are tidied.
local function clean(text)
  text = text:gsub("<[^>]*>", "")
  text = text:gsub("&(#?)(%w+);", function(hash, name)
    if hash == "#" then
      local code = tonumber(name) or tonumber(name:match("^[xX](%x+)$") or "", 16)
      return code and utf8.char(code) or nil
    end
    return ENTITIES[name]
  end)
  return (text:gsub("%s+", " "):match("^%s*(.-)%s*$"))
end

-- The entries of `html` in page order, empty and repeated ones dropped.
local function extract(html, pattern)
  local entries, seen = {}, {}
  for raw in html:gmatch(pattern) do
    local entry = clean(raw)
    if entry ~= "" and not seen[entry] then
      seen[entry] = true
      entries[#entries + 1] = entry
    end
  end
  return entries
end

return {
  title       = "Example: web scraper",
  description = "Logs the entries that appeared on a web page since the last run",
  schedule    = every().hour.at(":15"),   -- hourly, a quarter past
  timeout     = 60,
  retry_count = 2,                        -- a flaky site gets two more tries …
  retry_delay = 120,                      -- … two minutes apart
  tags        = { "example", "http" },

  run = function()
    local url = setting("url", "https://example.com/")
    local tag = setting("tag", "h2")
    local pattern = setting("pattern", "<" .. tag .. "[^>]*>(.-)</" .. tag .. ">")

    local res, err = http.get(url, {
      timeout = setting("timeout", 20),
      follow = true,
      headers = { ["User-Agent"] = setting("user_agent", "task-scheduler example scraper") },
    })
    if not res then error(err, 0) end -- no answer at all: a failed run (and a retry)
    if res.status ~= 200 then
      error(string.format("GET %s: HTTP %d", url, res.status), 0)
    end

    local entries = extract(res.body, pattern)
    local last_seen = state.get("last_seen")
    local new = {}
    for _, entry in ipairs(entries) do
      if entry == last_seen then break end
      new[#new + 1] = entry
    end
    if last_seen == nil then
      log.info("first run: every entry is new", { url = url, entries = #entries })
    end

    for i, entry in ipairs(new) do
      if i > MAX_LOGGED then
        log.info(string.format("… and %d more", #new - MAX_LOGGED))
        break
      end
      log.info("new entry: " .. entry, { url = url })
    end
    if #new == 0 then
      log.info("nothing new", { url = url, entries = #entries })
    end
    if entries[1] then
      state.set("last_seen", entries[1])
      state.set("checked_at", os.date("!%Y-%m-%dT%H:%M:%SZ"))
    end

    -- The return value is stored with the run (history --json shows it).
    return { url = url, entries = #entries, new = #new, newest = entries[1], items = json.array(new) }
  end,
}
