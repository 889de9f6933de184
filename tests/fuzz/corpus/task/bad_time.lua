return {
  schedule = every().day.at("25:00"),
  run = function() end,
}
