table.concat(setmetatable({}, { __index = table.concat }), "", 1, math.maxinteger)
