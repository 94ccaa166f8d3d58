-- A replica's lease on one tenant's limits, taken, grown, renewed or given back in one round trip:
-- a slice of each GCRA bucket (units taken from it now, as if that many requests had come), a
-- number of the tenant's concurrency seats, and a hold on each budget or quota account (reserved
-- like a request's worst case). The replica then admits on what it holds without asking Redis;
-- what it did not use comes back here. Everything is taken from the shared limits, so all
-- replicas together can never pass one: they can only hold some of it unused for a while. All
-- keys are one tenant's (one Redis Cluster slot).
-- (expire.lua, run before this, has set now and nowMs and released the expired holds)
--
-- The lease's seats and account holds are one member of the tenant's holds, renewed like a
-- request's: "id|seats;account~held~spent;...". An account part expires as spent, never released
-- (what the replica spent of it before it died was never reported). The lease's current member is
-- in the lease hash under its id: Redis's word, so an answer the replica lost changes nothing.
-- spent is the replica's settled use on the account, cumulative while the hold lives: a report
-- sent twice (an answer lost) counts once.
--
-- KEYS[1] requests in flight   KEYS[2] holds   KEYS[3] the leases (hash: lease id -> its member)
-- KEYS[4 .. 3+B] the buckets   KEYS[4+B .. 3+B+A] the accounts
-- ARGV[1] hold TTL (ms)   ARGV[2] the lease's id   ARGV[3] concurrency limit (0: none)
-- ARGV[4] seats wanted   ARGV[5] B   then 3 per bucket: interval (us, may be fractional),
--   tolerance (us), change in units (> 0: take up to that many, as many as the bucket has room
--   for; < 0: give that many back)
-- then A, then 3 per account: limit, hold wanted after the report, spent (cumulative)
--
-- Returns {member ("" if the lease holds nothing), seats held, then 2 per bucket: units taken (or
-- given back, < 0), backlog after (us), then 2 per account: held, unreserved after (held -1: Redis
-- has no state for the account: its baseline must be read again)}
local leaseId = ARGV[2]

-- what Redis holds for this lease now; members of leases whose hold expired are forgotten
local current = nil
for _, v in ipairs(redis.call('HGETALL', KEYS[3])) do
  -- HGETALL alternates fields and values: a value is a member ("id|...")
  if string.find(v, '|', 1, true) then
    if redis.call('ZSCORE', KEYS[2], v) then
      if string.sub(v, 1, #leaseId + 1) == leaseId .. '|' then
        current = v
      end
    else
      redis.call('HDEL', KEYS[3], string.sub(v, 1, string.find(v, '|', 1, true) - 1))
    end
  end
end
local held = 0
local heldOn = {}
if current then
  local first = true
  for part in string.gmatch(string.sub(current, #leaseId + 2), '[^;]+') do
    if first then
      held = tonumber(part)
      first = false
    else
      local a = string.find(part, '~', 1, true)
      local b = string.find(part, '~', a + 1, true)
      heldOn[string.sub(part, 1, a - 1)] = {tonumber(string.sub(part, a + 1, b - 1)), tonumber(string.sub(part, b + 1))}
    end
  end
end

local limit = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local seats = held
if wanted > held then
  local inflight = tonumber(redis.call('GET', KEYS[1]) or '0')
  local add = math.min(wanted - held, math.max(0, limit - inflight))
  if add > 0 then
    redis.call('INCRBY', KEYS[1], add)
    seats = held + add
  end
elseif wanted < held then
  local inflight = tonumber(redis.call('GET', KEYS[1]) or '0')
  redis.call('SET', KEYS[1], math.max(0, inflight - (held - wanted)))
  seats = wanted
end

local out = {'', seats}
local B = tonumber(ARGV[5])
for i = 1, B do
  local at = 6 + (i - 1) * 3
  local interval = tonumber(ARGV[at])
  local tolerance = tonumber(ARGV[at + 1])
  local change = tonumber(ARGV[at + 2])
  local key = KEYS[3 + i]
  local tat = tonumber(redis.call('GET', key) or '0')
  local after = tat
  local moved = 0
  if change > 0 then
    local base = math.max(tat, now)
    local room = math.floor((tolerance - (base - now)) / interval)
    moved = math.min(change, math.max(0, room))
    after = base + moved * interval
  elseif change < 0 and tat > now then
    after = math.max(now, tat + change * interval) -- never below now: idle time banks nothing
    moved = change
  end
  if after ~= tat then
    if after > now then
      redis.call('SET', key, string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
    else
      redis.call('DEL', key) -- given back to full
    end
  end
  out[#out + 1] = moved
  out[#out + 1] = math.floor(math.max(0, math.max(after, now) - now))
end

local member = leaseId .. '|' .. seats
local holds = seats > 0
local A = tonumber(ARGV[6 + 3 * B])
for j = 1, A do
  local at = 7 + 3 * B + (j - 1) * 3
  local key = KEYS[3 + B + j]
  local accountLimit = tonumber(ARGV[at])
  local want = tonumber(ARGV[at + 1])
  local spent = tonumber(ARGV[at + 2])
  local used = redis.call('HGET', key, 'u')
  if not used then
    out[#out + 1] = -1 -- lost (Redis restarted, flushed): what this lease held on it went with it
    out[#out + 1] = 0
  else
    used = tonumber(used)
    local reserved = tonumber(redis.call('HGET', key, 'r') or '0')
    local prior = heldOn[key]
    local h = 0
    if prior then
      -- the spend reported since the last call moves from the hold to the account's use; without a
      -- live hold there is nothing to report against (it expired as spent, or was given back with
      -- every use reported)
      h = prior[1]
      local d = math.max(0, spent - prior[2])
      local fromHold = math.min(d, h)
      used = used + d
      reserved = reserved - fromHold
      h = h - fromHold
    end
    if want > h then
      local add = math.min(want - h, math.max(0, accountLimit - used - reserved))
      h = h + add
      reserved = reserved + add
    elseif want < h then
      reserved = reserved - (h - want)
      h = want
    end
    redis.call('HSET', key, 'u', used, 'r', math.max(0, reserved))
    if h > 0 or want > 0 then
      -- %.0f, not Lua's own %.14g: a running total past 10^14 must not turn into an exponent
      member = member .. ';' .. key .. '~' .. string.format('%.0f', h) .. '~' .. string.format('%.0f', spent)
      holds = true
    end
    out[#out + 1] = h
    out[#out + 1] = accountLimit - used - reserved
  end
end

if current and current ~= member then
  redis.call('ZREM', KEYS[2], current)
end
if holds then
  redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[1]), member)
  redis.call('HSET', KEYS[3], leaseId, member)
  out[1] = member
elseif current then
  redis.call('HDEL', KEYS[3], leaseId)
end
return out
