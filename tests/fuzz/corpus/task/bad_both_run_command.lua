return {
  schedule = every(5).minutes,
  run = function() end,
  command = { "ls" },
}
