import type { DropReason } from '../../domain/metric.js';

/** Separates a metric name from a tag key in the tags hash (names and tag keys are cleaned of it). */
export const CATALOG_SEP = '\x1f';

/**
 * Column order of a catalog value: "seen passed <one per drop reason> lastSeenMs". Append only: stored values
 * with fewer columns read the missing ones as 0, so adding a reason needs no migration.
 */
export const DROP_COLUMNS = ['not_allowlisted', 'non_numeric_field', 'bad_line', 'dead_lettered', 'invalid_point'] as const;
// Fails to compile when the domain gains a drop reason that has no column here.
const everyReasonHasAColumn: [Exclude<DropReason, (typeof DROP_COLUMNS)[number]>] extends [never] ? true : never = true;
void everyReasonHasAColumn;

/**
 * Adds a chunk of per-name counts to one minute's catalog hash, atomically across replicas.
 *
 * KEYS: minute counts hash, hour tags hash (catalogMinuteKeys: one hash slot).
 * ARGV: cap, tagCap, countsExpireAt, tagsExpireAt (epoch s), atMs, JSON [[name, [counts…], [tagKey…]], …], sep
 *
 * One field per name, its counters in one string: about a fifth of the memory of a field per counter, and the
 * field count is the number of distinct names, which is what the cap bounds.
 *
 * The cap rule: the first `cap` distinct names recorded in a minute (by any replica) get their own field; a name
 * arriving after that is counted under `_other` (counts only, no tag keys) for the rest of that minute. A name
 * that owns a field keeps it, `_other` does not count against the cap, and the hour's tag hash stops growing at
 * `tagCap` fields. So memory per minute is bounded whatever the stream sends.
 *
 * The last column is the latest atMs (max, so a late flush does not move it back); the others are summed.
 */
export const CATALOG_RECORD_LUA = `
local counts, tags = KEYS[1], KEYS[2]
local cap, tagCap = tonumber(ARGV[1]), tonumber(ARGV[2])
local at, sep = tonumber(ARGV[5]), ARGV[7]
local size = redis.call('hlen', counts) - redis.call('hexists', counts, '_other')
local tagSize = redis.call('hlen', tags)
local function merge(name, add)
  local old = {}
  local cur = redis.call('hget', counts, name)
  if cur then for n in string.gmatch(cur, '%S+') do old[#old + 1] = tonumber(n) end end
  local last = at
  if #old > 0 then last = math.max(table.remove(old), at) end
  local out = {}
  for j = 1, math.max(#old, #add) do out[j] = string.format('%.0f', (old[j] or 0) + (add[j] or 0)) end
  out[#out + 1] = string.format('%.0f', last)
  redis.call('hset', counts, name, table.concat(out, ' '))
end
for _, e in ipairs(cjson.decode(ARGV[6])) do
  local name = e[1]
  local own = name ~= '_other' and redis.call('hexists', counts, name) == 1
  if not own and name ~= '_other' and size < cap then
    own = true
    size = size + 1
  end
  if own then
    merge(name, e[2])
    for _, t in ipairs(e[3]) do
      if tagSize < tagCap and redis.call('hsetnx', tags, name .. sep .. t, 1) == 1 then tagSize = tagSize + 1 end
    end
  else
    merge('_other', e[2])
  end
end
redis.call('expireat', counts, tonumber(ARGV[3]))
redis.call('expireat', tags, tonumber(ARGV[4]))
return size
`;
