-- A task in a sub-folder ("domain"): its name is cameras/copy.
return {
  schedule = every().monday.at("09:00"),
  run = function(ctx) return ctx.task end,
}
