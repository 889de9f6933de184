-- dsl.lua — the schedule DSL of task files (DESIGN.md, "Schedules"):
-- every(n).<unit>, .at(), cron(), cron{...} (APScheduler's fields), once()
-- and the modifiers :tz(), :jitter(), :from(), :till(), :anchor().
--
-- core/task/dsl.c runs this chunk with one argument, a table of C validators
-- (time, zone, cron, civil; each returns true, or nil and a message), so the
-- DSL rejects exactly what the C parsers reject, at the user's file:line.
-- It returns the globals to install, the schedule metatable and the
-- metatable of the every(n) builder.
--
-- A schedule is an immutable table (each method returns a changed copy):
--   kind              "every" | "cron" | "once"
--   n, unit           every: n >= 1; unit "second" "minute" "hour" "day" "week"
--   weekday           every: 0 = Monday .. 6 = Sunday (unit "week"), or nil
--   time              every: the .at() argument ("09:00", ":15"), or nil
--   cron              cron: the expression (for cron{...}, "day=last sun; hour=3")
--   once              once: the date and time as written
--   zone, jitter_seconds, from_date, till_date, anchor_date   modifiers, or nil
--   text              the expression as written: every(5).minutes:tz("UTC")
-- Data fields are named apart from the methods (at, tz, jitter, from, till, anchor)
-- because __index serves those as functions bound to their schedule, which
-- is what makes both s.at("09:00") and s:at("09:00") work.

local check = ...

local MAX_N = 0x7fffffff -- n and jitter must fit a C int

local Schedule = { __metatable = "schedule" }
local Every = { __metatable = "every" }

local UNITS = {
  second = "second", seconds = "second", minute = "minute", minutes = "minute",
  hour = "hour", hours = "hour", day = "day", days = "day",
  week = "week", weeks = "week",
}
local SINGULAR = { second = true, minute = true, hour = true, day = true, week = true }
local WEEKDAYS = {
  monday = 0, tuesday = 1, wednesday = 2, thursday = 3, friday = 4,
  saturday = 5, sunday = 6,
}

-- A value as it reads in an error message.
local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "number" then return tostring(v) end
  return type(v)
end

-- Converters: each returns the accepted value, or nil and what was wrong.
local function as_string(v)
  if type(v) == "string" then return v end
  return nil, "expected a string, got " .. show(v)
end

local function as_count(min)
  return function(v)
    local i = type(v) == "number" and math.tointeger(v) -- no strings
    if i and i >= min and i <= MAX_N then return i end
    return nil, string.format("expected an integer >= %d, got %s", min, show(v))
  end
end

-- A string that the C validator `c_check` accepts.
local function as_checked(c_check)
  return function(v)
    if type(v) ~= "string" then return as_string(v) end
    local ok, msg = c_check(v)
    if not ok then return nil, msg end
    return v
  end
end

-- `convert(v)`, or an error at level 3: the user's line, since every public
-- function calls this directly and methods are reached by tail calls.
local function accept(what, convert, v)
  local value, msg = convert(v)
  if value == nil then error(what .. ": " .. msg, 3) end
  return value
end

local function derive(s, field, value, suffix)
  local c = {}
  for k, v in pairs(s) do c[k] = v end
  c[field] = value
  c.text = s.text .. suffix
  return setmetatable(c, Schedule)
end

-- Methods, called as method(schedule, argument) by the bound closures of
-- Schedule.__index through a tail call, so error level 2 is the user's line.
local methods = {}

function methods.at(s, text)
  local what = string.format("at(%s)", show(text))
  if s.kind ~= "every" then
    error(what .. ": .at() applies to every() schedules only", 2)
  elseif s.unit == "second" then
    error(what .. ": .at() does not apply to seconds", 2)
  elseif s.time then
    error(what .. ": .at() is already set", 2)
  elseif s.anchor_date then
    error(what .. ": .at() does not apply to an anchored every(n)", 2)
  end
  accept(what, as_checked(function(v) return check.time(s.unit, v) end), text)
  return derive(s, "time", text, string.format(".at(%q)", text))
end

local function modifier(name, field, convert)
  methods[name] = function(s, v)
    local what = string.format("%s(%s)", name, show(v))
    if s[field] ~= nil then error(what .. ": already set", 2) end
    v = accept(what, convert, v)
    return derive(s, field, v, string.format(":%s(%s)", name, show(v)))
  end
end

modifier("tz", "zone", as_checked(check.zone))
modifier("jitter", "jitter_seconds", as_count(0))
modifier("from", "from_date", as_checked(check.civil))
modifier("till", "till_date", as_checked(check.civil))

-- :anchor(date): every(n) counts n units of elapsed time from that local
-- date and time (APScheduler's interval) instead of clock boundaries.
modifier("anchor", "anchor_date", as_checked(check.civil))
local anchored = methods.anchor
function methods.anchor(s, v)
  if s.kind ~= "every" or s.weekday or s.time then
    error(string.format("anchor(%s): applies to every(n).seconds|minutes|hours|days|weeks "
                        .. "without .at() only", show(v)), 2)
  end
  return anchored(s, v)
end

function Schedule.__index(s, key)
  local method = methods[key]
  if not method then return nil end
  return function(first, ...)
    if rawequal(first, s) then return method(s, ...) end
    return method(s, first, ...)
  end
end

function Every.__index(b, key)
  local unit = UNITS[key]
  local weekday = WEEKDAYS[key]
  if unit then
    if SINGULAR[key] and b.n ~= 1 then
      error(string.format("every(%s).%s: with n, write the plural: every(%s).%ss",
                          b.written, key, b.written, key), 2)
    end
    return setmetatable({ kind = "every", n = b.n, unit = unit,
                          text = string.format("every(%s).%s", b.written, key) },
                        Schedule)
  elseif weekday then
    if b.n ~= 1 then
      error(string.format("every(%s).%s: a weekday takes no n: every().%s",
                          b.written, key, key), 2)
    end
    return setmetatable({ kind = "every", n = 1, unit = "week", weekday = weekday,
                          text = string.format("every(%s).%s", b.written, key) },
                        Schedule)
  end
  error(string.format("every(%s).%s: unknown unit (expected seconds, minutes, "
                      .. "hours, days, weeks, or monday .. sunday)",
                      b.written, tostring(key)), 2)
end

local dsl = {}

function dsl.every(n)
  if n == nil then return setmetatable({ n = 1, written = "" }, Every) end
  n = accept("every(n)", as_count(1), n)
  return setmetatable({ n = n, written = tostring(n) }, Every)
end

local APS_FIELDS = { "year", "month", "day", "week", "day_of_week", "hour", "minute",
                     "second" }
local APS_KNOWN = {}
for _, k in ipairs(APS_FIELDS) do APS_KNOWN[k] = true end

-- Whether v holds a ';' or '=', which would split APScheduler's items
-- (plain bytes: the task file's sandbox keeps string patterns for run()).
local function has_separator(v)
  for i = 1, #v do
    local b = v:byte(i)
    if b == 59 or b == 61 then return true end
  end
  return false
end

-- cron{ day = "last sun", hour = 3 }: APScheduler's fields as the C parser
-- reads them, "day=last sun; hour=3" (core/schedule/cron_aps.c), and as
-- the expression reads; or nil and what was wrong.
local function aps_expr(fields)
  local items, shown = {}, {}
  for k in pairs(fields) do
    if not APS_KNOWN[k] then
      return nil, nil, string.format("unknown field %s (expected year, month, day, week, "
                                     .. "day_of_week, hour, minute or second)", show(k))
    end
  end
  for _, k in ipairs(APS_FIELDS) do
    local v = fields[k]
    if math.type(v) == "integer" then
      v = tostring(v)
    elseif v ~= nil and (type(v) ~= "string" or has_separator(v)) then
      return nil, nil, string.format("field %s: expected an integer or a string without "
                                     .. "';' or '=', got %s", k, show(v))
    end
    if v ~= nil then
      items[#items + 1] = k .. "=" .. v
      shown[#shown + 1] = string.format("%s = %s", k, show(fields[k]))
    end
  end
  if #items == 0 then
    return nil, nil, "no field given (year, month, day, week, day_of_week, hour, minute "
                     .. "or second)"
  end
  return table.concat(items, "; "), "cron{" .. table.concat(shown, ", ") .. "}"
end

function dsl.cron(expr)
  if type(expr) == "table" then
    local fields, what, msg = aps_expr(expr)
    if not fields then error("cron{...}: " .. msg, 2) end
    accept(what, as_checked(check.cron), fields)
    return setmetatable({ kind = "cron", cron = fields, text = what }, Schedule)
  end
  local what = string.format("cron(%s)", show(expr))
  accept(what, as_checked(check.cron), expr)
  return setmetatable({ kind = "cron", cron = expr, text = what }, Schedule)
end

function dsl.once(datetime)
  local what = string.format("once(%s)", show(datetime))
  accept(what, as_checked(check.civil), datetime)
  return setmetatable({ kind = "once", once = datetime, text = what }, Schedule)
end

return dsl, Schedule, Every
