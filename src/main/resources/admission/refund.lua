-- A long-running job ended having used less than the worst case it reserved (and settled as
-- spent): what it did not use comes off the tenant's money accounts that exist. An account made
-- since read its baseline when the job no longer held it, so it is left alone. One tenant's keys.
-- KEYS[i] a money account   ARGV[1] micro-units
local n = 0
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HINCRBY', KEYS[i], 'u', 0 - tonumber(ARGV[1]))
    n = n + 1
  end
end
return n
