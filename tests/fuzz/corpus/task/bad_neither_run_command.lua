return {
  title = "nothing to do",
  schedule = every(5).minutes,
}
