local settings = nil
local x = settings.value
return {}
