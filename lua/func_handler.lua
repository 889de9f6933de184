-- func_handler.lua — the func handler of YAML jobs when config.yaml names
-- none (tasks.func_handler): an APScheduler entry's dotted `func`
-- ("a.b.c.name") calls the function `name` of the Lua module `a.b.c`
-- (tasks/lib/a/b/c.lua, or a rock), as APScheduler imports the Python
-- module and calls its function: with the entry's kwargs as one table,
-- then its args.  What the function returns is the run's result.
return {
  run = function(ctx)
    local func = ctx.args.func
    local module, name = func:match("^(.+)%.([%a_][%w_]*)$")
    if not module then
      error(("func '%s': expected module.function"):format(func), 0)
    end
    local ok, mod = pcall(require, module)
    if not ok then
      error(("func '%s': cannot load the Lua module '%s' (tasks/lib/%s.lua): %s")
        :format(func, module, (module:gsub("%.", "/")), mod), 0)
    end
    local fn = type(mod) == "table" and mod[name]
    if type(fn) ~= "function" then
      error(("func '%s': the module '%s' has no function '%s'"):format(func, module, name), 0)
    end
    return fn(ctx.args.kwargs or {}, table.unpack(ctx.args.args or {}))
  end,
}
