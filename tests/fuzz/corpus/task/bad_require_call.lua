local m = require("socket")
return { schedule = every().day, run = function() end }
