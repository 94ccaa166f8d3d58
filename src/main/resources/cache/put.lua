-- Keeps one cached answer of one tenant within the tenant's byte limit, atomically. All keys are
-- one tenant's ({ns:tenant} hash tag): one Redis Cluster slot.
-- KEYS[1] the entry   KEYS[2] the tenant's index: sorted set of "size|entry key" -> expiry (ms)
-- KEYS[3] the tenant's bytes in use
-- ARGV[1] the encoded answer   ARGV[2] TTL (ms)   ARGV[3] its size (bytes)   ARGV[4] the tenant's limit (bytes)
-- Returns 1 if kept, 0 if an entry was there already.
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- entries that expired on their own give their bytes back
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', nowMs, 'LIMIT', 0, 256)
for _, m in ipairs(gone) do
  redis.call('DECRBY', KEYS[3], tonumber(string.sub(m, 1, string.find(m, '|', 1, true) - 1)))
  redis.call('ZREM', KEYS[2], m)
end

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local ttl = tonumber(ARGV[2])
local size = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], nowMs + ttl, ARGV[3] .. '|' .. KEYS[1])
local used = redis.call('INCRBY', KEYS[3], size)

-- over the limit: the entries closest to expiry (the oldest) go first
local limit = tonumber(ARGV[4])
while used > limit do
  local oldest = redis.call('ZPOPMIN', KEYS[2])
  if #oldest == 0 then
    break
  end
  local m = oldest[1]
  local at = string.find(m, '|', 1, true)
  redis.call('DEL', string.sub(m, at + 1))
  used = redis.call('DECRBY', KEYS[3], tonumber(string.sub(m, 1, at - 1)))
end
if used < 0 then
  redis.call('SET', KEYS[3], 0)
end
redis.call('PEXPIRE', KEYS[2], ttl + 60000)
redis.call('PEXPIRE', KEYS[3], ttl + 60000)
return 1
