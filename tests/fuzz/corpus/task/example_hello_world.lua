-- tasks/example_hello_world.lua
return {
  title       = "Hello World Task",
  description = "A simple example task",
  timeout     = 60,
  schedule    = every(10).minutes,        -- fires at :00, :10, :20 … local time
  run = function(ctx)
    log.info("Hello from scheduled task!", { run = ctx.run_id })
  end,
}
