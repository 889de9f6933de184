---@meta
-- LuaCATS annotations for the schedule DSL available at the top level of a
-- task file (see README "Schedules").  Point your editor's Lua language
-- server at lua/meta (README "Editor support").

---@class Schedule
local Schedule = {}

---Restrict a day-or-longer schedule to a wall time: "HH:MM" or "HH:MM:SS";
---":MM" for hours, ":SS" for minutes.  Works as `.at("09:00")` and `:at("09:00")`.
---@param time string
---@return Schedule
function Schedule.at(time) end

---Evaluate the schedule in this time zone ("Europe/Berlin").
---@param zone string
---@return Schedule
function Schedule:tz(zone) end

---Delay each fire by a deterministic 0..seconds.
---@param seconds integer
---@return Schedule
function Schedule:jitter(seconds) end

---No fire before this local date ("2026-12-01" or "2026-12-01 10:00").
---@param date string
---@return Schedule
function Schedule:from(date) end

---No fire after this local date (a date alone includes the whole day).
---@param date string
---@return Schedule
function Schedule:till(date) end

---Count an every(n) without .at() from this local date and time instead of
---clock boundaries: fires there and every n units of elapsed time after it
---(APScheduler's interval): `every(5).minutes:anchor("2026-01-01 00:00:03")`.
---@param date string
---@return Schedule
function Schedule:anchor(date) end

---@class Every
---@field second Schedule
---@field seconds Schedule
---@field minute Schedule
---@field minutes Schedule
---@field hour Schedule
---@field hours Schedule
---@field day Schedule
---@field days Schedule
---@field week Schedule
---@field weeks Schedule
---@field monday Schedule
---@field tuesday Schedule
---@field wednesday Schedule
---@field thursday Schedule
---@field friday Schedule
---@field saturday Schedule
---@field sunday Schedule

---Fire every n units, aligned to clock boundaries: `every(5).minutes` fires
---at :00 :05 :10 …; `every().monday.at("09:00")`.
---@param n? integer
---@return Every
function every(n) end

---A cron expression: 5 fields, or 6 with seconds first; names, ranges,
---steps, lists, and @hourly @daily @weekly @monthly @yearly.
---@param expr string
---@return Schedule
function cron(expr) end

---A single fire at a local date and time ("2026-12-01 10:00").
---@param datetime string
---@return Schedule
function once(datetime) end
