-- Seats of one pool, shared by every replica, in the tenants' fair turns (a virtual token
-- counter). All keys are one pool's ({ns:pool:name} hash tag): one Redis Cluster slot.
--
-- KEYS[1] seats in use (integer)   KEYS[2] holds (sorted set, id -> expiry ms)
-- KEYS[3] holds' seats (hash, id -> seats)   KEYS[4] service received (hash, tenant -> seats / weight)
-- KEYS[5] who waits (sorted set, "class:tenant:replica" -> lease expiry ms)   KEYS[6] batch credit
-- KEYS[7] the counter of the tenant served last
-- ARGV[1] tenant  ARGV[2] seats  ARGV[3] weight  ARGV[4] class (i or b)  ARGV[5] hold id
-- ARGV[6] hold TTL (ms)  ARGV[7] capacity  ARGV[8] batch share (0..1)  ARGV[9] this waiter ("class:tenant:replica")
-- ARGV[10] wait lease (ms)  ARGV[11] 1 if the waiter has more requests waiting after this one
--
-- A request gets its seats when they are free and it is its tenant's turn: no tenant of its class
-- waiting anywhere has received less service per weight; interactive goes before batch, except
-- that batch is owed its share of the seats handed out while both wait. Otherwise its waiter is
-- (re)registered with a lease, so the other replicas leave it its turn while it waits.
-- Returns {1, free seats} (granted) or {0, free seats} (wait).
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- a crashed replica's seats come back
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', nowMs, 'LIMIT', 0, 64)
for _, id in ipairs(expired) do
  local n = redis.call('HGET', KEYS[3], id)
  if n then
    redis.call('DECRBY', KEYS[1], tonumber(n))
    redis.call('HDEL', KEYS[3], id)
  end
  redis.call('ZREM', KEYS[2], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', nowMs) -- waiters whose replica stopped asking

local tenant = ARGV[1]
local seats = tonumber(ARGV[2])
local class = ARGV[4]
local member = ARGV[9]
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used < 0 then
  used = 0
end
local capacity = tonumber(ARGV[7])

local interactiveWaits, batchWaits = false, false
local minServed = nil
for _, m in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
  local c, other = string.match(m, '^(%a):([^:]*):')
  if m ~= member and c then
    if c == 'i' then interactiveWaits = true else batchWaits = true end
    if c == class and other ~= tenant then
      local s = tonumber(redis.call('HGET', KEYS[4], other) or '0')
      if not minServed or s < minServed then
        minServed = s
      end
    end
  end
end
local mine = tonumber(redis.call('HGET', KEYS[4], tenant) or '0')
local waiting = redis.call('ZSCORE', KEYS[5], member)
if not waiting then
  -- a tenant becoming active is lifted to the smallest counter of those waiting or, if none waits,
  -- to the counter of the tenant served last: idleness banks no credit, past service is not owed
  local floor = minServed or tonumber(redis.call('GET', KEYS[7]) or '0')
  if mine < floor then
    mine = floor
    redis.call('HSET', KEYS[4], tenant, tostring(mine))
  end
end

local credit = tonumber(redis.call('GET', KEYS[6]) or '0')
local turn = (not minServed) or mine <= minServed
if class == 'i' then
  turn = turn and not (batchWaits and credit >= 1)
else
  turn = turn and ((not interactiveWaits) or credit >= 1)
end

if used + seats <= capacity and turn then
  redis.call('SET', KEYS[1], used + seats)
  redis.call('HSET', KEYS[4], tenant, tostring(mine + seats / tonumber(ARGV[3])))
  redis.call('SET', KEYS[7], tostring(mine + seats / tonumber(ARGV[3])))
  redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[6]), ARGV[5])
  redis.call('HSET', KEYS[3], ARGV[5], seats)
  local both = (class == 'i' and batchWaits) or (class == 'b' and interactiveWaits)
  if both then
    if class == 'i' then
      credit = credit + tonumber(ARGV[8])
    else
      credit = math.max(0, credit - 1)
    end
    redis.call('SET', KEYS[6], tostring(credit))
  end
  if ARGV[11] == '1' then
    redis.call('ZADD', KEYS[5], nowMs + tonumber(ARGV[10]), member)
  else
    redis.call('ZREM', KEYS[5], member)
  end
  return {1, capacity - used - seats}
end
redis.call('ZADD', KEYS[5], nowMs + tonumber(ARGV[10]), member)
return {0, capacity - used}
