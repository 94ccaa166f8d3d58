-- The limiter store is back after an outage: the buckets the replica used on its own meanwhile
-- start with no burst left, so the outage forgives nothing. One tenant's keys.
-- KEYS[i] a bucket   ARGV[i] its tolerance (us)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 1, #KEYS do
  local full = now + tonumber(ARGV[i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < full then
    redis.call('SET', KEYS[i], string.format('%.0f', full), 'PX', math.ceil(tonumber(ARGV[i]) / 1000) + 1000)
  end
end
return #KEYS
