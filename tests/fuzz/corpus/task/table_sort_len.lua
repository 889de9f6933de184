table.sort(setmetatable({}, { __len = function() return 2^31 - 2 end }), math.type)
