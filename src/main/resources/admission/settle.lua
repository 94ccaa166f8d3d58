-- Requests of one tenant ended: their holds become their real use, in one call per tenant and
-- pipeline. One tenant's keys (one Cluster slot).
-- KEYS[1] requests in flight   KEYS[2] holds (sorted set of members)   KEYS[3] settled holds (sorted set, id -> forget at)
-- KEYS[4 .. 3+R]     token buckets to refund what was not used
-- KEYS[4+R .. 3+R+A] accounts the requests reserved on
-- ARGV[1] N (holds)   ARGV[2] R   ARGV[3] A   ARGV[4] how long to remember a settled hold (ms)
-- ARGV[5 .. 4+R] refund per bucket (us, summed over the N requests)
-- then per hold 2 + 2A: its member ("" if it held nothing), its id, then per account: reserved, used
-- A hold that expired (and was released by a later admission) adds its use only: nothing is
-- released twice. A hold settled again (an answer lost) adds no use twice to an account.
-- Returns what each account still has reserved.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nowMs = math.floor(now / 1000)
local N = tonumber(ARGV[1])
local R = tonumber(ARGV[2])
local A = tonumber(ARGV[3])
if A > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', nowMs)
end
local seats = 0
local used = {}
local released = {}
for j = 1, A do
  used[j] = 0
  released[j] = 0
end
local base = 4 + R
for i = 1, N do
  local at = base + (i - 1) * (2 + 2 * A)
  local member = ARGV[at + 1]
  local counted = true
  if A > 0 and redis.call('ZADD', KEYS[3], 'NX', nowMs + tonumber(ARGV[4]), ARGV[at + 2]) == 0 then
    counted = false
  end
  if counted then
    local live = member ~= '' and redis.call('ZREM', KEYS[2], member) == 1
    if live and string.sub(member, string.find(member, '|', 1, true) + 1, string.find(member, '|', 1, true) + 1) == '1' then
      seats = seats + 1
    end
    for j = 1, A do
      used[j] = used[j] + tonumber(ARGV[at + 2 + 2 * j])
      if live then
        released[j] = released[j] + tonumber(ARGV[at + 1 + 2 * j])
      end
    end
  end
end
if A > 0 then
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[4]))
end
if seats > 0 then
  local c = tonumber(redis.call('GET', KEYS[1]) or '0')
  redis.call('SET', KEYS[1], math.max(0, c - seats))
end
for i = 1, R do
  local back = tonumber(ARGV[4 + i])
  local tat = redis.call('GET', KEYS[3 + i])
  if tat and back > 0 then
    local after = math.max(now, tonumber(tat) - back)
    redis.call('SET', KEYS[3 + i], string.format('%.0f', after), 'PX', math.ceil((after - now) / 1000) + 1000)
  end
end
local out = {}
for j = 1, A do
  local key = KEYS[3 + R + j]
  local reserved = 0
  if redis.call('EXISTS', key) == 1 then
    redis.call('HINCRBY', key, 'u', used[j])
    -- 0 - x, not -x: nothing released (a hold settled again) would send "-0", which Redis refuses
    reserved = redis.call('HINCRBY', key, 'r', 0 - released[j])
  end
  out[j] = reserved
end
return out
