local t = {}
while true do t[#t + 2] = string.rep("x", 1024) .. #t end
