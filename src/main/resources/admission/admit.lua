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
-- ARGV[1] hold TTL (ms)   ARGV[2] S (shapes): what admissions share, sent and parsed once per call:
--   concurrency limit (0: none), concurrency enforced (1/0), R (buckets), A (accounts),
--   4 per bucket: key index, interval (us, may be fractional), tolerance (us), enforced (1/0)
--   5 per account: key index, limit, baseline (-1: the account should exist), period end (ms), enforced
-- then N (admissions), and per admission: its shape's index, hold id, R units, A amounts
--
-- Returns one answer per admission, in order:
--   {1, seat, shadow, hold, b1, b2, ...}: admitted; b = each bucket's backlog after it (us);
--         shadow = what would have been refused, as "c", "r<i>", "a<i>" joined by ",";
--         hold = the member of KEYS[2] that holds its seat and reservations ("" if none)
--   {0, kind, index, retry (us), b1, b2, ...}: refused by kind "c" (concurrency), "r" (bucket
--         index), "a" (account index); nothing was changed for it
--   {2, index}: account index has no state here (Redis lost it): read its baseline and retry
-- (expire.lua, run before this, has set now and nowMs and released the expired holds)

-- What this call has read, decided and will write back (by key index).
local inflight = tonumber(redis.call('GET', KEYS[1]) or '0')
local seats = 0
local tats = {}
local changed = {}
local accounts = {}
local reserved = {}
local holds = {}
local expiry = string.format('%d', nowMs + tonumber(ARGV[1])) -- formatted once, not once per hold

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

-- the shapes, parsed once: every admission of a call names one (a tier's limits on one key and model)
local shapes = {}
local at = 3
for s = 1, tonumber(ARGV[2]) do
  local shape = {climit = tonumber(ARGV[at]), cenforced = ARGV[at + 1] == '1', R = tonumber(ARGV[at + 2]),
                 A = tonumber(ARGV[at + 3]), buckets = {}, accounts = {}}
  at = at + 4
  for i = 1, shape.R do
    shape.buckets[i] = {key = tonumber(ARGV[at]), interval = tonumber(ARGV[at + 1]),
                        tolerance = tonumber(ARGV[at + 2]), enforced = ARGV[at + 3] == '1'}
    at = at + 4
  end
  for j = 1, shape.A do
    shape.accounts[j] = {key = tonumber(ARGV[at]), limit = tonumber(ARGV[at + 1]), baseline = tonumber(ARGV[at + 2]),
                         periodEnd = tonumber(ARGV[at + 3]), enforced = ARGV[at + 4] == '1'}
    at = at + 5
  end
  shapes[s] = shape
end

-- one admission whose arguments start at ARGV[at]; returns its answer and where the next one starts
local function admit(at)
  local shape = shapes[tonumber(ARGV[at])]
  local id = ARGV[at + 1]
  local R, A = shape.R, shape.A
  local u0 = at + 2
  local nextAt = u0 + R + A
  local shadow = {}

  local seat = 0
  if shape.climit > 0 then
    if inflight >= shape.climit then
      if shape.cenforced then
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
    local b = shape.buckets[i]
    local base = math.max(tatOf(b.key), now)
    local backlog = base - now
    local charge = tonumber(ARGV[u0 + i - 1]) * b.interval
    local needed = math.min(charge, b.tolerance)
    if backlog + needed > b.tolerance then
      if b.enforced then
        if not refused then
          refused = {i, backlog + needed - b.tolerance}
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
    local a = shape.accounts[j]
    local amount = tonumber(ARGV[u0 + R + j - 1])
    local account = accountOf(a.key, a.baseline, a.periodEnd)
    if not account then
      return {2, j}, nextAt
    end
    if account[1] + account[2] + amount > a.limit then
      if a.enforced then
        return backlogsInto({0, 'a', j, 0}, backlogs, R), nextAt
      end
      shadow[#shadow + 1] = 'a' .. j
    else
      takes[#takes + 1] = {a.key, amount}
    end
  end

  -- all allow: charge the buckets, take the seat, reserve on the accounts, record the hold
  for i = 1, R do
    if charged[i] then
      local k = shape.buckets[i].key
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
local n = tonumber(ARGV[at])
at = at + 1
for i = 1, n do
  answers[i], at = admit(at)
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
