-- The start of admit.lua and lease.lua (joined before loading): the Redis server's time, and a
-- crashed replica's holds given back before anything is checked.
-- KEYS[1] the tenant's requests in flight (integer)
-- KEYS[2] the tenant's holds: sorted set of "id|seats;account=amount;..." (a request's) or
--         "id|seats;account~held~spent;..." (a lease's) -> expiry (ms)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nowMs = math.floor(now / 1000)

-- A crashed replica's holds come back: expired holds are released before anything is checked.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', nowMs, 'LIMIT', 0, 64)
for _, member in ipairs(expired) do
  local first = true
  for part in string.gmatch(string.sub(member, string.find(member, '|', 1, true) + 1), '[^;]+') do
    if first then
      -- a request's hold has 0 or 1 seat, a lease's any number
      local held = tonumber(part)
      if held > 0 then
        local inflight = tonumber(redis.call('GET', KEYS[1]) or '0')
        redis.call('SET', KEYS[1], math.max(0, inflight - held))
      end
      first = false
    else
      local at = string.find(part, '=', 1, true)
      if at then
        -- 0 - x, not -x: a hold of nothing would send "-0", which Redis refuses as an integer
        redis.call('HINCRBY', string.sub(part, 1, at - 1), 'r', 0 - tonumber(string.sub(part, at + 1)))
      else
        -- a lease's account hold "account~held~spent" expires as spent: what the replica spent of it
        -- was never reported, so none of it can be given back (an account Redis lost has nothing to move)
        at = string.find(part, '~', 1, true)
        local key = string.sub(part, 1, at - 1)
        local amount = tonumber(string.sub(part, at + 1, string.find(part, '~', at + 1, true) - 1))
        if amount > 0 and redis.call('HEXISTS', key, 'u') == 1 then
          redis.call('HINCRBY', key, 'r', 0 - amount)
          redis.call('HINCRBY', key, 'u', amount)
        end
      end
    end
  end
  redis.call('ZREM', KEYS[2], member)
end

