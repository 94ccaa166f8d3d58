-- A replica's requests are still running: their holds' expiry moves to now + TTL. One tenant's keys.
-- KEYS[1] the tenant's holds (sorted set)   ARGV[1] TTL (ms)   ARGV[2..] hold ids still in flight
-- A hold that is gone (expired and released) is not brought back. Returns the holds renewed.
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do
  n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i])
end
return n
