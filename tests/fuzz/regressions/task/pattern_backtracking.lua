local s = ("a"):rep(3000):find(".-.-.-.-x")
return { schedule = every(5).minutes, run = function() end }
