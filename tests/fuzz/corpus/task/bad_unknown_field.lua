return {
  title = "typo",
  timout = 5,
  schedule = every(5).minutes,
  run = function() end,
}
