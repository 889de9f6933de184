log.info("loading")
return { schedule = every().day, run = function() end }
