return {
  title = "no schedule",
  run = function() end,
}
