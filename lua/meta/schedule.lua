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

---@class ApschedulerCron  APScheduler 3's cron fields, all of which must match
---@field year? string|integer         4-digit years, ranges, steps, lists
---@field month? string|integer        1-12 or jan-dec
---@field day? string|integer          1-31, "last", "1st mon" .. "5th sun", "last fri"
---@field week? string|integer         ISO week 1-53
---@field day_of_week? string|integer  mon-sun, or 0-6 from Monday
---@field hour? string|integer
---@field minute? string|integer
---@field second? string|integer

---A cron expression: 5 fields, or 6 with seconds first; names, ranges,
---steps, lists, and @hourly @daily @weekly @monthly @yearly.  Or a table of
---APScheduler's fields, cron{ day = "last sun", hour = 3 }: every field
---given must match, those left out below the least significant one given
---are their minimum (00:00:00, day 1), those above it '*'.
---@param expr string|ApschedulerCron
---@return Schedule
function cron(expr) end

---A single fire at a local date and time ("2026-12-01 10:00").
---@param datetime string
---@return Schedule
function once(datetime) end
