return {
  schedule = cron("61 * * * *"),
  run = function() end,
}
