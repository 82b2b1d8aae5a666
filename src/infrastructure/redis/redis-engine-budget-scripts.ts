/**
 * Lua for the fleet-wide engine budget. Mirrors `classCeiling`/`decideGrant` and `applyOutcome` in
 * src/application/engine-guard (budget-policy.ts, in-memory-budget-store.ts, aimd.ts): change them together;
 * test/integration/budget/budget-store-contract.test.ts runs the same cases against both.
 *
 * Time is Redis `TIME`, read inside the script, so every replica judges the window by one clock whatever its own
 * clock says. Redis 7 replicates scripts by effects, so a non-deterministic TIME before writes is allowed.
 * Lua numbers returned to Redis are truncated to integers: fractional values (the rate) go back as strings.
 */

/**
 * KEYS: grants (zset: member = grant token, score = the request's arrival bound in µs), state (hash).
 * ARGV: cls, token, cap, minRate, windowUs, shareInteractive, sharePoll, demandTtlMs, stateTtlMs, bulkBurst,
 * provisionalUs (grant → provisional arrival bound), paceWindowUs.
 * Returns {1, grant time in µs} for a grant, or {0, waitMs}.
 */
export const ACQUIRE_LUA = `
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nowMs = math.floor(nowUs / 1000)
local cls = ARGV[1]
local cap, minRate, windowUs = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
-- Demand is marked even when refused: it is what holds lower classes back while this class waits.
if cls ~= 'bulk' then
  redis.call('HSET', KEYS[2], 'demand:' .. cls, nowMs)
  redis.call('PEXPIRE', KEYS[2], ARGV[9])
end
local st = redis.call('HMGET', KEYS[2], 'rate', 'blockedUntil', 'demand:interactive', 'demand:poll', 'bulkTat')
local blockedUntil = tonumber(st[2]) or 0
if blockedUntil > nowMs then return {0, blockedUntil - nowMs} end
local rate = math.max(minRate, math.min(cap, tonumber(st[1]) or cap))
local limit = math.max(1, math.floor(rate))
local demandTtl = tonumber(ARGV[8])
local forInteractive, forPoll = 0, 0
if st[3] and nowMs - tonumber(st[3]) <= demandTtl then forInteractive = math.ceil(limit * tonumber(ARGV[6])) end
if st[4] and nowMs - tonumber(st[4]) <= demandTtl then forPoll = math.ceil(limit * tonumber(ARGV[7])) end
local ceiling = limit
if cls == 'poll' then ceiling = math.max(1, limit - forInteractive)
elseif cls == 'bulk' then ceiling = math.max(1, limit - forInteractive - forPoll) end
-- Bulk is paced (GCRA on bulkTat, the theoretical time of the next bulk grant), at most bulkBurst back to back.
local paceWait, nextTat = 0, 0
if cls == 'bulk' then
  local spacing = tonumber(ARGV[12]) / limit
  local from = math.max(tonumber(st[5]) or 0, nowUs)
  local ahead = from - (tonumber(ARGV[10]) - 1) * spacing - nowUs
  if ahead > 0 then paceWait = math.ceil(ahead / 1000) end
  nextTat = from + spacing
end
-- A bound at or before now - window shares no window with any later arrival (as the in-memory store prunes).
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowUs - windowUs)
local count = redis.call('ZCARD', KEYS[1])
local windowWait = 0
if count >= ceiling then
  -- The (count - ceiling)-th oldest grant must leave for the count to drop below the ceiling.
  local leaving = redis.call('ZRANGE', KEYS[1], count - ceiling, count - ceiling, 'WITHSCORES')
  windowWait = math.max(1, math.ceil((tonumber(leaving[2]) + windowUs - nowUs) / 1000))
end
if windowWait > 0 or paceWait > 0 then return {0, math.max(windowWait, paceWait)} end
redis.call('ZADD', KEYS[1], nowUs + tonumber(ARGV[11]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.ceil((windowUs + tonumber(ARGV[11])) / 1000) + 1000)
if cls == 'bulk' then
  redis.call('HSET', KEYS[2], 'bulkTat', nextTat)
  redis.call('PEXPIRE', KEYS[2], ARGV[9])
end
return {1, nowUs}
`;

/**
 * The request of a grant was answered: its arrival bound moves to the measured one (earlier or later). A bound
 * already out of every future window is dropped instead. KEYS: grants. ARGV: token, boundUs, windowUs, ttlMs.
 */
export const CONFIRM_LUA = `
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local bound = tonumber(ARGV[2])
if bound > nowUs - tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], bound, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
return 1
`;

/**
 * Gives back a grant whose request was never sent: the slot leaves the window, and a bulk grant's spacing is
 * taken off the pacing (never below now). KEYS: grants, state. ARGV: token, cls, cap, minRate, paceWindowUs.
 * Returns 1 when the grant was still in the window.
 */
export const RELEASE_LUA = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if removed == 1 and ARGV[2] == 'bulk' then
  local t = redis.call('TIME')
  local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local st = redis.call('HMGET', KEYS[2], 'rate', 'bulkTat')
  local cap = tonumber(ARGV[3])
  local limit = math.max(1, math.floor(math.max(tonumber(ARGV[4]), math.min(cap, tonumber(st[1]) or cap))))
  local tat = tonumber(st[2])
  if tat then redis.call('HSET', KEYS[2], 'bulkTat', math.max(nowUs, tat - tonumber(ARGV[5]) / limit)) end
end
return removed
`;

/**
 * KEYS: state (hash). ARGV: cls, result, latencyMs|'', retryAfterMs|'', cap, minRate, decreaseFactor,
 * latencyDecreaseFactor, decreaseCooldownMs, increasePerSecond, shortAlpha, longAlpha, riseFactor, ceilingMs,
 * minSamples, stateTtlMs, minRiseMs. Returns the new rate as a string.
 */
export const REPORT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cls, result = ARGV[1], ARGV[2]
local latency, retryAfter = tonumber(ARGV[3]), tonumber(ARGV[4])
local cap, minRate = tonumber(ARGV[5]), tonumber(ARGV[6])
local st = redis.call('HMGET', KEYS[1], 'rate', 'blockedUntil', 'lastIncreaseAt', 'lastDecreaseAt',
  'ls:' .. cls, 'll:' .. cls, 'ln:' .. cls)
local rate = math.min(cap, math.max(minRate, tonumber(st[1]) or cap))
local blockedUntil = tonumber(st[2]) or 0
local lastInc, lastDec = tonumber(st[3]) or 0, tonumber(st[4]) or 0
if retryAfter and retryAfter > 0 then blockedUntil = math.max(blockedUntil, now + retryAfter) end
-- Time spent blocked is no evidence of health: the climb restarts when the block ends.
lastInc = math.max(lastInc, blockedUntil)
local factor = 1
if result == 'rate_limited' then
  factor = tonumber(ARGV[7])
elseif result == 'ok' and latency then
  local s, l, n = tonumber(st[5]), tonumber(st[6]), tonumber(st[7])
  if s == nil or l == nil or n == nil then
    s, l, n = latency, latency, 1
  else
    s = s + tonumber(ARGV[11]) * (latency - s)
    l = l + tonumber(ARGV[12]) * (latency - l)
    n = n + 1
  end
  redis.call('HSET', KEYS[1], 'ls:' .. cls, s, 'll:' .. cls, l, 'ln:' .. cls, n)
  local ceilingMs = tonumber(ARGV[14])
  local rose = s > l * tonumber(ARGV[13]) and s - l >= tonumber(ARGV[17])
  if n >= tonumber(ARGV[15]) and (rose or (ceilingMs > 0 and s > ceilingMs)) then
    factor = tonumber(ARGV[8])
  end
end
if factor < 1 then
  -- One cut per cooldown: a burst of 429s seen by many in-flight calls is one overload, not fifty.
  if now - lastDec >= tonumber(ARGV[9]) then
    rate = math.max(minRate, rate * factor)
    lastDec = now
    lastInc = math.max(now, blockedUntil)
  end
elseif result == 'ok' and now > lastInc then
  rate = math.min(cap, rate + tonumber(ARGV[10]) * math.min(now - lastInc, 1000) / 1000)
  lastInc = now
end
redis.call('HSET', KEYS[1], 'rate', rate, 'blockedUntil', blockedUntil, 'lastIncreaseAt', lastInc,
  'lastDecreaseAt', lastDec)
redis.call('PEXPIRE', KEYS[1], ARGV[16])
return tostring(rate)
`;

/** KEYS: grants, state. ARGV: cap, minRate, windowUs. Returns {rate as string, inWindow, blockedForMs}. */
export const PEEK_LUA = `
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local st = redis.call('HMGET', KEYS[2], 'rate', 'blockedUntil')
local cap = tonumber(ARGV[1])
local rate = math.max(tonumber(ARGV[2]), math.min(cap, tonumber(st[1]) or cap))
local count = redis.call('ZCOUNT', KEYS[1], '(' .. string.format('%.0f', nowUs - tonumber(ARGV[3])), '+inf')
local blockedFor = math.max(0, (tonumber(st[2]) or 0) - math.floor(nowUs / 1000))
return {tostring(rate), count, blockedFor}
`;
