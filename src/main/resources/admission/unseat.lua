-- A request ended: its seats come back (once; a hold that expired was given back already).
-- KEYS[1] seats in use   KEYS[2] holds (sorted set)   KEYS[3] holds' seats (hash)   ARGV[1] hold id
local n = redis.call('HGET', KEYS[3], ARGV[1])
if n then
  redis.call('HDEL', KEYS[3], ARGV[1])
  if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(n) then
    redis.call('DECRBY', KEYS[1], tonumber(n))
  else
    redis.call('SET', KEYS[1], 0)
  end
end
redis.call('ZREM', KEYS[2], ARGV[1])
return n and 1 or 0
