-- tasks/example_config_secrets.lua — task settings in YAML, secrets apart.
--
-- config.load("example_service.yaml") returns a whole YAML file under
-- config/ as Lua tables; config.get("a.b", file, default) reads one value.
-- The secret (api.token in config/secrets.yaml) is read the same way but is
-- never logged, returned or put in an error message: the task only says
-- whether it is set.  (A secrets.yaml readable by others draws a warning in
-- the task's log: chmod 600 it.)  Return values are stored in the run
-- history, so they must not carry secrets either.

return {
  title       = "Example: config and secrets",
  description = "Reads a service's settings and its token, calls it when configured",
  schedule    = every(6).hours,          -- 00:00, 06:00, 12:00, 18:00
  timeout     = 60,
  tags        = { "example", "config" },

  run = function()
    local service, err = config.load("example_service.yaml")
    if not service then error(err, 0) end -- a broken file: say where (file:line)

    -- nil, not an error, when secrets.yaml or the key is missing.
    local token = config.get("api.token", "secrets.yaml", nil)
    local token_set = type(token) == "string" and token ~= ""
    log.info("configuration read", {
      service = service.name,
      regions = table.concat(service.regions or {}, ","),
      token_set = token_set,          -- whether, never what
    })

    local result = { service = service.name, token_set = token_set }
    local base = service.base_url or ""
    if base == "" then
      log.info("no base_url in example_service.yaml: nothing to call")
      return result
    end
    if not token_set then
      log.warn("api.token is not set in config/secrets.yaml: skipping the call")
      return result
    end

    local url = base .. (service.endpoint or "/")
    local res, http_err = http.get(url, {
      timeout = service.timeout or 10,
      headers = { Authorization = "Bearer " .. token },
    })
    if not res then error(http_err, 0) end  -- names the URL, never the headers
    if res.status >= 400 then
      error(string.format("GET %s: HTTP %d", url, res.status), 0)
    end
    log.info("service answered", { url = url, status = res.status, bytes = #res.body })
    result.status = res.status
    return result
  end,
}
