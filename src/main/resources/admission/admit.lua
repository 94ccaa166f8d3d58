-- Admissions of one tenant, atomically, in one round trip: every limit is checked and, if all
-- allow a request, every reservation is made. A call carries one admission or several (those of
-- one tenant that arrived on one event loop while its previous call was in flight); they are
-- decided in order, each exactly as if it had been sent alone at the same server time, and each
-- key is read and written once per call however many admissions touch it. All keys are one
-- tenant's ({ns:tenant} hash tag), so the script runs on one Redis Cluster slot. Times are the
-- Redis server's (TIME), never a replica's clock.
--
-- KEYS[1] the tenant's requests in flight (integer)
-- KEYS[2] the tenant's holds: sorted set of "id|seat;account=amount;..." -> expiry (ms)
-- KEYS[3 ..] each GCRA bucket (theoretical arrival time, us) and budget / quota account (hash
--            u = used (settled), r = reserved) that the admissions name, once each
-- ARGV[1] hold TTL (ms)   ARGV[2] N (admissions), then per admission:
--   hold id, concurrency limit (0: none), concurrency enforced (1/0), R (buckets), A (accounts),
--   5 per bucket: key index, units, interval (us, may be fractional), tolerance (us), enforced (1/0)
--   6 per account: key index, amount, limit, baseline (-1: the account should exist), period end (ms), enforced
--
-- Returns one answer per admission, in order:
--   {1, seat, shadow, hold, b1, b2, ...}: admitted; b = each bucket's backlog after it (us);
--         shadow = what would have been refused, as "c", "r<i>", "a<i>" joined by ",";
--         hold = the member of KEYS[2] that holds its seat and reservations ("" if none)
--   {0, kind, index, retry (us), b1, b2, ...}: refused by kind "c" (concurrency), "r" (bucket
--         index), "a" (account index); nothing was changed for it
--   {2, index}: account index has no state here (Redis lost it): read its baseline and retry
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

-- What this call has read, decided and will write back (by key index).
local inflight = tonumber(redis.call('GET', KEYS[1]) or '0')
local seats = 0
local tats = {}
local changed = {}
local accounts = {}
local reserved = {}
local holds = {}
local expiry = nowMs + tonumber(ARGV[1])

local function tatOf(k)
  local v = tats[k]
  if v == nil then
    v = tonumber(redis.call('GET', KEYS[k]) or '0')
    tats[k] = v
  end
  return v
end

-- an account's {used, reserved}; nil if Redis has no state for it and no baseline was given
local function accountOf(k, baseline, periodEnd)
  local a = accounts[k]
  if a then
    return a
  end
  local used = redis.call('HGET', KEYS[k], 'u')
  if used then
    a = {tonumber(used), tonumber(redis.call('HGET', KEYS[k], 'r') or '0')}
  elseif baseline >= 0 then
    redis.call('HSET', KEYS[k], 'u', baseline, 'r', 0)
    redis.call('PEXPIREAT', KEYS[k], periodEnd + 86400000)
    a = {baseline, 0}
  else
    return nil
  end
  accounts[k] = a
  return a
end

local function backlogsInto(out, backlogs, R)
  for i = 1, R do
    out[#out + 1] = math.floor(backlogs[i])
  end
  return out
end

-- one admission whose arguments start at ARGV[at]; returns its answer and where the next one starts
local function admit(at)
  local id = ARGV[at]
  local climit = tonumber(ARGV[at + 1])
  local R = tonumber(ARGV[at + 3])
  local A = tonumber(ARGV[at + 4])
  local b0 = at + 5
  local a0 = b0 + R * 5
  local nextAt = a0 + A * 6
  local shadow = {}

  local seat = 0
  if climit > 0 then
    if inflight >= climit then
      if ARGV[at + 2] == '1' then
        return {0, 'c', 0, 1000000}, nextAt
      end
      shadow[#shadow + 1] = 'c'
    else
      seat = 1
    end
  end

  -- every bucket is checked before any is charged: a refusal changes nothing
  local charged = {}
  local backlogs = {}
  local refused = nil
  for i = 1, R do
    local a = b0 + (i - 1) * 5
    local units = tonumber(ARGV[a + 1])
    local interval = tonumber(ARGV[a + 2])
    local tolerance = tonumber(ARGV[a + 3])
    local base = math.max(tatOf(tonumber(ARGV[a])), now)
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
      charged[i] = false
      backlogs[i] = backlog
    else
      charged[i] = base + charge
      backlogs[i] = base + charge - now
    end
  end
  if refused then
    return backlogsInto({0, 'r', refused[1], math.ceil(refused[2])}, backlogs, R), nextAt
  end

  local takes = {}
  for j = 1, A do
    local a = a0 + (j - 1) * 6
    local k = tonumber(ARGV[a])
    local amount = tonumber(ARGV[a + 1])
    local account = accountOf(k, tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4]))
    if not account then
      return {2, j}, nextAt
    end
    if account[1] + account[2] + amount > tonumber(ARGV[a + 2]) then
      if ARGV[a + 5] == '1' then
        return backlogsInto({0, 'a', j, 0}, backlogs, R), nextAt
      end
      shadow[#shadow + 1] = 'a' .. j
    else
      takes[#takes + 1] = {k, amount}
    end
  end

  -- all allow: charge the buckets, take the seat, reserve on the accounts, record the hold
  for i = 1, R do
    if charged[i] then
      local k = tonumber(ARGV[b0 + (i - 1) * 5])
      tats[k] = charged[i]
      changed[k] = true
    end
  end
  if seat == 1 then
    inflight = inflight + 1
    seats = seats + 1
  end
  local member = id .. '|' .. seat
  for _, take in ipairs(takes) do
    local k = take[1]
    accounts[k][2] = accounts[k][2] + take[2]
    reserved[k] = (reserved[k] or 0) + take[2]
    member = member .. ';' .. KEYS[k] .. '=' .. take[2]
  end
  if seat == 1 or #takes > 0 then
    holds[#holds + 1] = expiry
    holds[#holds + 1] = member
  else
    member = ''
  end
  return backlogsInto({1, seat, table.concat(shadow, ','), member}, backlogs, R), nextAt
end

local answers = {}
local at = 3
for n = 1, tonumber(ARGV[2]) do
  answers[n], at = admit(at)
end

-- each key written once for the whole call
for k in pairs(changed) do
  local ttl = math.ceil((tats[k] - now) / 1000) + 1000
  redis.call('SET', KEYS[k], string.format('%.0f', tats[k]), 'PX', ttl)
end
if seats > 0 then
  redis.call('INCRBY', KEYS[1], seats)
end
for k, amount in pairs(reserved) do
  redis.call('HINCRBY', KEYS[k], 'r', amount)
end
if #holds > 0 then
  redis.call('ZADD', KEYS[2], unpack(holds))
end
return answers
