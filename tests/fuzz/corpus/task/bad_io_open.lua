local f = io.open("/etc/passwd")
return { schedule = every().day, run = function() end }
