os.execute("touch /tmp/pwned")
return { schedule = every().day, run = function() end }
