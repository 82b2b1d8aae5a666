import { ExpectedVersionConflictError, type ExpectedStreamVersion } from '../../application/ports/event-store.js';

/**
 * Lua for the event store. Aggregate streams are written only by APPEND and never trimmed, so XLEN is the stream's
 * version (O(1)) and its last entry id is always `0-<version>`: that is what lets an explicit-id XADD never fail
 * halfway through a script (Redis does not roll a script back).
 *
 * KEYS: aggregate stream, category log. ARGV: expected version (-1 = any), stream name, time, then per event:
 * id, type, data JSON, metadata JSON. Returns {version, position…} or {code, actual} with a negative code.
 */
export const APPEND_LUA = `
local version = redis.call('XLEN', KEYS[1])
local expected = tonumber(ARGV[1])
if expected >= 0 and expected ~= version then return {-1, version} end
local out = {0}
for b = 4, #ARGV, 4 do
  version = version + 1
  local pos = redis.call('XADD', KEYS[2], '*', 'id', ARGV[b], 'type', ARGV[b + 1], 'stream', ARGV[2],
    'version', version, 'time', ARGV[3], 'data', ARGV[b + 2], 'meta', ARGV[b + 3])
  redis.call('XADD', KEYS[1], '0-' .. version, 'p', pos)
  out[#out + 1] = pos
end
out[1] = version
return out
`;

/**
 * KEYS: aggregate stream, category log. ARGV: from version, max count ('' = all). Returns {version, entry…}: each
 * entry is the log's [position, fields], or false if the log entry is missing (which only tampering can cause).
 */
export const READ_STREAM_LUA = `
local version = redis.call('XLEN', KEYS[1])
local refs
if ARGV[2] == '' then refs = redis.call('XRANGE', KEYS[1], '0-' .. ARGV[1], '+')
else refs = redis.call('XRANGE', KEYS[1], '0-' .. ARGV[1], '+', 'COUNT', ARGV[2]) end
local out = {version}
for i = 1, #refs do
  local pos = refs[i][2][2]
  local entry = redis.call('XRANGE', KEYS[2], pos, pos)
  out[i + 1] = entry[1] or false
end
return out
`;

/** KEYS: checkpoint. ARGV: expected ('' = none yet), next. 1 when stored, 0 when the checkpoint moved on. */
export const CHECKPOINT_CAS_LUA = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

/** The one place where the scripts' negative codes become errors (as BullMQ maps its script codes). */
export const appendScriptError = (code: number, streamName: string, expected: ExpectedStreamVersion, detail: number): Error => {
  switch (code) {
    case -1:
      return new ExpectedVersionConflictError(streamName, expected, detail);
    default:
      return new Error(`event store append script: unknown code ${code} for ${streamName}`);
  }
};
