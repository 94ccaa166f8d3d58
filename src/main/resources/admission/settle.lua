-- A request ended: its hold becomes its real use. One tenant's keys (one Cluster slot).
-- KEYS[1] requests in flight   KEYS[2] holds (sorted set)   KEYS[3] holds' contents (hash)
-- KEYS[4] settled holds (sorted set, id -> when it may be forgotten)
-- KEYS[5 .. 4+R]     token buckets to refund what was not used
-- KEYS[5+R .. 4+R+A] accounts the request reserved on
-- ARGV[1] hold id   ARGV[2] seat (1/0)   ARGV[3] R   ARGV[4] A   ARGV[5] how long to remember it (ms)
-- then 1 per bucket: refund (us); then 2 per account: reserved amount, used amount
-- If the hold already expired (and was released by a later admission), only the use is added:
-- nothing is released twice (the hold is released only if still there), and a settlement sent
-- again (its answer was lost) adds no use twice to an account (-1).
-- Returns {1 if the hold was live, then what each account still has reserved}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nowMs = math.floor(now / 1000)
if tonumber(ARGV[4]) > 0 then -- use is added to accounts: a settlement sent again must not add it twice
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', nowMs)
  if redis.call('ZADD', KEYS[4], 'NX', nowMs + tonumber(ARGV[5]), ARGV[1]) == 0 then
    return -1
  end
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[5]))
end
local live = redis.call('HDEL', KEYS[3], ARGV[1]) == 1
redis.call('ZREM', KEYS[2], ARGV[1])
if live and ARGV[2] == '1' and tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
local R = tonumber(ARGV[3])
local A = tonumber(ARGV[4])
for i = 1, R do
  local back = tonumber(ARGV[5 + i])
  local tat = redis.call('GET', KEYS[4 + i])
  if tat and back > 0 then
    local after = math.max(now, tonumber(tat) - back)
    local ttl = math.ceil((after - now) / 1000) + 1000
    redis.call('SET', KEYS[4 + i], string.format('%.0f', after), 'PX', ttl)
  end
end
local out = {live and 1 or 0}
for j = 1, A do
  local a = 5 + R + (j - 1) * 2
  local key = KEYS[4 + R + j]
  local reserved = 0
  if redis.call('EXISTS', key) == 1 then
    redis.call('HINCRBY', key, 'u', tonumber(ARGV[a + 2]))
    if live then
      reserved = redis.call('HINCRBY', key, 'r', -tonumber(ARGV[a + 1]))
    else
      reserved = tonumber(redis.call('HGET', key, 'r') or '0')
    end
  end
  out[#out + 1] = reserved
end
return out
