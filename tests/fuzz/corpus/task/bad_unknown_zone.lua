return {
  schedule = every().day:tz("Mars/Olympus"),
  run = function() end,
}
