local a, b = ("a"):rep(3 << 20), ("a"):rep(3 << 20) .. ""
for i = 1, 1e6 do local _ = a == b end
