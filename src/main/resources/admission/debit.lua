-- The limiter store is back after an outage: each bucket the replica used on its own meanwhile is
-- charged what the replica admitted, as if all of it had come now (never past the whole burst), so
-- the outage forgives nothing and a short one does not cost the tenant more than it used. One
-- tenant's keys.
-- KEYS[i] a bucket   ARGV[2i-1] what the replica admitted on it (us of its time)   ARGV[2i] its tolerance (us)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 1, #KEYS do
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  local charged = math.min(math.max(tat, now) + tonumber(ARGV[2 * i - 1]), now + tolerance)
  if tat < charged then
    redis.call('SET', KEYS[i], string.format('%.0f', charged), 'PX', math.ceil((charged - now) / 1000) + 1000)
  end
end
return #KEYS
