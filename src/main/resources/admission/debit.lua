-- The limiter store is back after an outage: each bucket the replica used on its own meanwhile is
-- charged what the replica admitted, as if all of it had come now, so the outage forgives nothing
-- and a short one does not cost the tenant more than it used. Past an empty bucket too: the
-- backlog then holds the bucket refused until it has drained (capping it at an empty bucket
-- forgave everything a saturated tenant was admitted during outages: 108-111 % of the limit
-- through a minute of flapping, session 14). One tenant's keys.
-- KEYS[i] a bucket   ARGV[2i-1] what the replica admitted on it (us of its time)   ARGV[2i] its tolerance (us, unused)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  local charged = math.max(tat, now) + tonumber(ARGV[2 * i - 1])
  if tat < charged then
    redis.call('SET', KEYS[i], string.format('%.0f', charged), 'PX', math.ceil((charged - now) / 1000) + 1000)
  end
end
return #KEYS
