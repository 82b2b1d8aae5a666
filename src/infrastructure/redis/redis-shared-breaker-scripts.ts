/**
 * Lua for the fleet-shared engine breaker. Keys: open (exists while the shared open period runs; its TTL is the
 * reset timeout), tripped (exists from a trip until a probe succeeds: open or half-open), probe (the single
 * half-open probe lease, value = the prober's token, TTL = the longest a probe may take).
 */

/** KEYS: open, tripped, probe. ARGV: token ('' = only read), leaseMs. Returns {state, retryAfterMs}. */
export const CHECK_LUA = `
local openTtl = redis.call('PTTL', KEYS[1])
if openTtl ~= -2 then return {'open', math.max(openTtl, 0)} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'closed', 0} end
if ARGV[1] ~= '' and redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'probe', 0} end
return {'half_open', math.max(redis.call('PTTL', KEYS[3]), 0)}
`;

/** KEYS: open, tripped. ARGV: openMs. A trip while already open does not extend the open period. */
export const TRIP_LUA = `
redis.call('SET', KEYS[2], '1')
redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1])
return 1
`;

/**
 * KEYS: open, tripped, probe. ARGV: token, healthy ('1'|'0'), openMs. The lease is released only by its holder
 * (after an expiry another replica may hold it); the verdict applies either way, it is fresh news of the engine.
 */
export const SETTLE_LUA = `
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2])
else
  redis.call('SET', KEYS[2], '1')
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[3])
end
return 1
`;
