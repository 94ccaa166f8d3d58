-- One admission, atomically, in one round trip: every limit of one tenant is checked and, if all
-- allow the request, every reservation is made. All keys are one tenant's ({ns:tenant} hash tag),
-- so the script runs on one Redis Cluster slot. Times are the Redis server's (TIME), never a
-- replica's clock.
--
-- KEYS[1] the tenant's requests in flight (integer)
-- KEYS[2] the tenant's holds: sorted set of "id|seat;account=amount;..." -> expiry (ms)
-- KEYS[3 .. 2+R]      GCRA buckets: theoretical arrival time (microseconds)
-- KEYS[3+R .. 2+R+A]  budget / quota accounts: hash u = used (settled), r = reserved
-- ARGV[1] hold id   ARGV[2] hold TTL (ms)   ARGV[3] concurrency limit (0: none)
-- ARGV[4] concurrency enforced (1/0)   ARGV[5] R   ARGV[6] A
-- then 4 per bucket: units, interval (us, may be fractional), tolerance (us), enforced (1/0)
-- then 5 per account: amount, limit, baseline (-1: the account should exist), period end (ms), enforced
--
-- Returns {1, seat, shadow, hold, b1, b2, ...}: admitted; b = each bucket's backlog after it (us);
--         shadow = what would have been refused, as "c", "r<i>", "a<i>" joined by ",";
--         hold = the member of KEYS[2] that holds its seat and reservations ("" if none)
--         {0, kind, index, retry (us), b1, b2, ...}: refused by kind "c" (concurrency), "r"
--         (bucket index), "a" (account index); nothing was changed
--         {2, index}: account index has no state here (Redis lost it): read its baseline and retry
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nowMs = math.floor(now / 1000)

-- A crashed replica's holds come back: expired holds are released before anything is checked.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', nowMs, 'LIMIT', 0, 64)
for _, member in ipairs(expired) do
  local first = true
  for part in string.gmatch(string.sub(member, string.find(member, '|', 1, true) + 1), '[^;]+') do
    if first then
      if part == '1' and tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
        redis.call('DECR', KEYS[1])
      end
      first = false
    else
      local at = string.find(part, '=', 1, true)
      redis.call('HINCRBY', string.sub(part, 1, at - 1), 'r', -tonumber(string.sub(part, at + 1)))
    end
  end
  redis.call('ZREM', KEYS[2], member)
end

local R = tonumber(ARGV[5])
local A = tonumber(ARGV[6])
local shadow = {}

local seat = 0
local climit = tonumber(ARGV[3])
if climit > 0 then
  if tonumber(redis.call('GET', KEYS[1]) or '0') >= climit then
    if ARGV[4] == '1' then
      return {0, 'c', 0, 1000000}
    end
    shadow[#shadow + 1] = 'c'
  else
    seat = 1
  end
end

-- every bucket is checked before any is charged: a refusal changes nothing
local tats = {}
local backlogs = {}
local refused = nil
for i = 1, R do
  local a = 6 + (i - 1) * 4
  local units = tonumber(ARGV[a + 1])
  local interval = tonumber(ARGV[a + 2])
  local tolerance = tonumber(ARGV[a + 3])
  local tat = tonumber(redis.call('GET', KEYS[2 + i]) or '0')
  local base = math.max(tat, now)
  local backlog = base - now
  local charge = units * interval
  local needed = math.min(charge, tolerance)
  if backlog + needed > tolerance then
    if ARGV[a + 4] == '1' then
      if not refused then
        refused = {i, backlog + needed - tolerance}
      end
    else
      shadow[#shadow + 1] = 'r' .. i
    end
    tats[i] = false
    backlogs[i] = backlog
  else
    tats[i] = base + charge
    backlogs[i] = base + charge - now
  end
end
if refused then
  local out = {0, 'r', refused[1], math.ceil(refused[2])}
  for i = 1, R do
    out[#out + 1] = math.floor(backlogs[i])
  end
  return out
end

local base = 6 + R * 4
local takes = {}
for j = 1, A do
  local a = base + (j - 1) * 5
  local key = KEYS[2 + R + j]
  local amount = tonumber(ARGV[a + 1])
  local limit = tonumber(ARGV[a + 2])
  local used = redis.call('HGET', key, 'u')
  if not used then
    local baseline = tonumber(ARGV[a + 3])
    if baseline < 0 then
      return {2, j}
    end
    redis.call('HSET', key, 'u', baseline, 'r', 0)
    redis.call('PEXPIREAT', key, tonumber(ARGV[a + 4]) + 86400000)
    used = baseline
  end
  local reserved = tonumber(redis.call('HGET', key, 'r') or '0')
  if tonumber(used) + reserved + amount > limit then
    if ARGV[a + 5] == '1' then
      local out = {0, 'a', j, 0}
      for i = 1, R do
        out[#out + 1] = math.floor(backlogs[i])
      end
      return out
    end
    shadow[#shadow + 1] = 'a' .. j
  else
    takes[#takes + 1] = {key, amount}
  end
end

-- all allow: charge the buckets, take the seat, reserve on the accounts, record the hold
for i = 1, R do
  if tats[i] then
    local ttl = math.ceil((tats[i] - now) / 1000) + 1000
    redis.call('SET', KEYS[2 + i], string.format('%.0f', tats[i]), 'PX', ttl)
  end
end
if seat == 1 then
  redis.call('INCR', KEYS[1])
end
local member = ARGV[1] .. '|' .. seat
for _, take in ipairs(takes) do
  redis.call('HINCRBY', take[1], 'r', take[2])
  member = member .. ';' .. take[1] .. '=' .. take[2]
end
if seat == 1 or #takes > 0 then
  redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[2]), member)
else
  member = ''
end
local out = {1, seat, table.concat(shadow, ','), member}
for i = 1, R do
  out[#out + 1] = math.floor(backlogs[i])
end
return out
