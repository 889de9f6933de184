-- tasks/example_helper_showcase.lua — every helper once, in one run.
--
-- A tour to read (and to run: ./main --task example_helper_showcase) with
-- lua/meta/helpers.lua open beside it.  Each step is one helper:
--   log     log.debug|info|warn|error(message, { fields })
--   config  config.get / config.load / config.list / config.root
--   json    json.encode / json.decode / json.array / json.null
--   state   state.get / state.set / state.delete / state.all (kept per task)
--   exec    exec.run{ argv, cwd =, env =, stdin =, timeout = }, exec.shell
--   http    http.get / http.post / http.request -> { status, headers, body }
--   notify  notify.send{ title, message, urgency, channels }
-- Helpers that can fail for reasons outside the task (a program, a server)
-- return nil and a message; the task decides what a failure means.
-- Settings: config/example_helper_showcase.yaml.

local CONFIG = "example_helper_showcase.yaml"

return {
  title       = "Example: helper showcase",
  description = "A tour of log, config, json, state, exec, http and notify",
  schedule    = every().day.at("12:00"),
  timeout     = 120,
  tags        = { "example" },

  run = function(ctx)
    -- log: a message and structured fields (a table with string keys).
    log.info("tour starts", { run = ctx.run_id, trigger = ctx.trigger, attempt = ctx.attempt })
    log.debug("shown when logging.level is debug")

    -- config: one value with a default, and where the files are.
    local greeting = config.get("greeting", CONFIG, "Hello") or "Hello"
    local url = config.get("url", CONFIG, "") or ""
    local channels = config.get("channels", CONFIG, {}) or {}
    log.info(greeting, { root = config.root(), config_files = #config.list() })

    -- json: to text and back; json.array keeps an empty list a list.
    local text = json.encode({ greeting = greeting, tags = json.array({}), none = json.null },
                             { sort_keys = true })
    local back = assert(json.decode(text))
    log.info("json round trip: " .. text, { same = back.greeting == greeting })

    -- state: a counter that survives runs (and restarts).
    local runs = (state.get("runs") or 0) + 1
    state.set("runs", runs)
    state.set("last_run", { at = os.date("!%Y-%m-%dT%H:%M:%SZ"), run = ctx.run_id })
    log.info("this task has run " .. runs .. " time(s)")

    -- exec: a program with argv (no shell), input on stdin, a time limit.
    local res, err = exec.run{ "wc", "-w", stdin = greeting, timeout = 10 }
    if res and res.code == 0 then
      log.info("wc counted " .. res.stdout:match("%d+") .. " words", { ms = math.floor(res.duration * 1000) })
    else
      log.warn("exec.run failed: " .. (err or res.stderr))
    end

    -- http: only when a URL is configured.
    local status
    if url == "" then
      log.info("http: skipped (no url in config/" .. CONFIG .. ")")
    else
      local page, http_err = http.get(url, { timeout = 15 })
      if page then
        status = page.status
        log.info("http: " .. url, { status = page.status, bytes = #page.body,
                                    type = page.headers["content-type"] })
      else
        log.warn(http_err)
      end
    end

    -- notify: only when channels are configured for the tour.
    local notified = false
    if #channels > 0 then
      local ok, notify_err = notify.send{
        title = ctx.title, message = greeting .. " (run " .. runs .. ")",
        urgency = "low", channels = channels,
      }
      notified = ok == true
      if not ok then log.warn(notify_err) end
    else
      log.info("notify: skipped (no channels in config/" .. CONFIG .. ")")
    end

    -- The return value is stored with the run as JSON.
    local keys = {}
    for key in pairs(state.all()) do keys[#keys + 1] = key end
    table.sort(keys)
    return { runs = runs, http_status = status, notified = notified, state_keys = keys }
  end,
}
