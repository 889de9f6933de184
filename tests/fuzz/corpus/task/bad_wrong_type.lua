return {
  title = "x",
  timeout = "60",
  schedule = every(5).minutes,
  run = function() end,
}
