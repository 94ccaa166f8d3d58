-- A replica's lease on one tenant's limits, taken, grown, renewed or given back in one round trip:
-- a slice of each GCRA bucket (units taken from it now, as if that many requests had come) and a
-- number of the tenant's concurrency seats (one hold, renewed like a request's). The replica then
-- admits on what it holds without asking Redis; what it did not use comes back here. A slice is
-- taken from the bucket, so all replicas together can never pass a limit: they can only hold
-- some of it unused for a while. All keys are one tenant's (one Redis Cluster slot).
-- (expire.lua, run before this, has set now and nowMs and released the expired holds)
--
-- KEYS[1] the tenant's requests in flight   KEYS[2] the tenant's holds   KEYS[3] the tenant's leases'
-- seats (hash: lease id -> seats it holds: Redis's word, so an answer the replica lost changes
-- nothing)   KEYS[4 ..] the buckets
-- ARGV[1] hold TTL (ms)   ARGV[2] the lease's id   ARGV[3] concurrency limit (0: none)
-- ARGV[4] seats wanted
-- then 3 per bucket: interval (us, may be fractional), tolerance (us), change in units
--   (> 0: take up to that many, as many as the bucket has room for; < 0: give that many back)
--
-- Returns {seats held now, then 2 per bucket: units taken (or given back, < 0), backlog after (us)}
local leaseId = ARGV[2]
local held = tonumber(redis.call('HGET', KEYS[3], leaseId) or '0')
if held > 0 and not redis.call('ZSCORE', KEYS[2], leaseId .. '|' .. held) then
  held = 0 -- the lease expired and its seats were given back meanwhile
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
if held > 0 then
  redis.call('ZREM', KEYS[2], leaseId .. '|' .. held)
end
if seats > 0 then
  redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[1]), leaseId .. '|' .. seats)
  redis.call('HSET', KEYS[3], leaseId, seats)
  redis.call('PEXPIRE', KEYS[3], 2 * tonumber(ARGV[1]))
elseif held > 0 or redis.call('HEXISTS', KEYS[3], leaseId) == 1 then
  redis.call('HDEL', KEYS[3], leaseId)
end

local out = {seats}
for i = 1, #KEYS - 3 do
  local at = 5 + (i - 1) * 3
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
return out
