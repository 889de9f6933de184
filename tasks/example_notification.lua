-- tasks/example_notification.lua — send a notification, and be notified.
--
-- Two ways a task reaches people:
--   * notify.send{ title, message, urgency, channels } from run(), to any
--     channel configured under `notifications:` in config/config.yaml
--     (desktop, webhook, ntfy, slack, email);
--   * the `notify` field below: the scheduler itself reports this task's
--     outcomes — here a failed run, and the first success after failures
--     ("recovery") — without a line of code in run().
-- Settings (config/example_notification.yaml): channels, urgency, title,
-- message.  Channels that config.yaml does not define are skipped; when none
-- is left, the message goes to the desktop.

local CONFIG = "example_notification.yaml"

local function setting(key, default)
  local value = config.get(key, CONFIG, default)
  if value == nil then return default end
  return value
end

-- The wanted channels that config.yaml defines ("desktop" always exists).
local function usable_channels(wanted)
  local defined = config.get("notifications") or {}
  local usable = {}
  for _, name in ipairs(wanted) do
    if defined[name] ~= nil or name == "desktop" then
      usable[#usable + 1] = name
    else
      log.warn("channel '" .. name .. "' is not under notifications: in config.yaml; skipped")
    end
  end
  if #usable == 0 then usable[1] = "desktop" end
  return usable
end

return {
  title       = "Example: notification",
  description = "Sends a weekly reminder to the configured channels",
  schedule    = every().monday.at("09:00"),
  timeout     = 60,
  notify      = { on = { "failure", "recovery" }, channels = { "desktop" } },
  tags        = { "example", "notify" },

  run = function(ctx)
    local channels = usable_channels(setting("channels", { "desktop" }))
    local message = setting("message", "Hello from the task scheduler.")
    local ok, err = notify.send{
      title    = setting("title", ctx.title),
      message  = string.format("%s (%s)", message, os.date("%A %d %B")),
      urgency  = setting("urgency", "normal"),
      channels = channels,
    }
    if not ok then error(err, 0) end -- a failed run: `notify` above tells the desktop
    log.info("notification sent", { channels = table.concat(channels, ", ") })
    return { channels = json.array(channels) }
  end,
}
