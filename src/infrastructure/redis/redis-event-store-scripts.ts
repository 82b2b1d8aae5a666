import { ExpectedVersionConflictError, type ExpectedStreamVersion } from '../../application/ports/event-store.js';

/**
 * Lua for the event store. An aggregate stream is kept as a Redis LIST of its events' log positions, index i =
 * version i + 1: LLEN is the version (O(1)), LRANGE reads from a version. A LIST, not a Redis stream, because
 * Redis 7.0 preallocates a 4 KB listpack for every stream (stream-node-max-bytes): measured 4,736 bytes for a
 * one-entry stream against 168 for a one-entry list, and alarms are many small streams (docs/architecture.md).
 * The list is written only by APPEND and never trimmed, so its length stays the version.
 *
 * KEYS: aggregate stream (list), category log (stream). ARGV: expected version (-1 = any), then one JSON document
 * per event (id, type, streamName, time, data, metadata; see redis-log-entry.ts). Each log entry holds two fields,
 * `v` (the version, known only here) and `e` (that document). Returns {version, position…} or {code, actual}
 * with a negative code. The first command that can fail on a wrong key type (LLEN, then XADD) runs before any write,
 * so the script never stops halfway (Redis does not roll a script back).
 */
export const APPEND_LUA = `
local version = redis.call('LLEN', KEYS[1])
local expected = tonumber(ARGV[1])
if expected >= 0 and expected ~= version then return {-1, version} end
local out = {0}
for i = 2, #ARGV do
  version = version + 1
  out[i] = redis.call('XADD', KEYS[2], '*', 'v', version, 'e', ARGV[i])
end
-- One RPUSH per 1,000 positions (unpack's stack limit), not one per event: fewer calls on the batched path.
for i = 2, #out, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(out, i, math.min(i + 999, #out)))
end
out[1] = version
return out
`;

/**
 * KEYS: aggregate stream (list), category log. ARGV: from version (≥ 1), max count (-1 = all). Returns
 * {version, entry…}: each entry is the log's [position, fields], or false if the log entry is missing (which only
 * tampering can cause).
 */
export const READ_STREAM_LUA = `
local version = redis.call('LLEN', KEYS[1])
local first = tonumber(ARGV[1]) - 1
local last = -1
if tonumber(ARGV[2]) >= 0 then last = first + tonumber(ARGV[2]) - 1 end
local refs = redis.call('LRANGE', KEYS[1], first, last)
local out = {version}
for i = 1, #refs do
  local entry = redis.call('XRANGE', KEYS[2], refs[i], refs[i])
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
