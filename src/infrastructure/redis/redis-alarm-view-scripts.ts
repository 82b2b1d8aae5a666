// Every key of the alarm view shares the hash tag `{<prefix>:alarm-view}` (one Cluster slot), so the scripts may
// build key names from the base they are given; KEYS[1] (the `all` index) pins the slot.
//
// Layout under the base: `h:<alarmId>` hash (version, body = the alarm's API JSON, eventId, eventType, member,
// idx = its index names, text; read models written before the body existed hold `doc` instead, see
// redis-alarm-view.ts);
// `i:<index>` sorted sets, all scores 0, members `<startsAt ms, 15 digits>|<alarmId>`, so lexicographic order is
// time order with the id as tie-break, and a member is an exact, stable cursor; `indexes` = set of index names
// in use (for clear and digest); `resolved-at` = sorted set alarmId → resolvedAt ms.

/** ARGV: base, id, version, body, eventId, eventType, member, idx (newline-joined index names), resolvedMs or '', text. */
export const UPSERT_LUA = `
local base = ARGV[1]
local h = base .. 'h:' .. ARGV[2]
local cur = tonumber(redis.call('HGET', h, 'version') or '0')
if cur >= tonumber(ARGV[3]) then return 0 end
local oldMember = redis.call('HGET', h, 'member')
local oldIdx = redis.call('HGET', h, 'idx')
if oldMember and oldIdx then
  for k in string.gmatch(oldIdx, '[^\\n]+') do redis.call('ZREM', base .. 'i:' .. k, oldMember) end
end
for k in string.gmatch(ARGV[8], '[^\\n]+') do
  redis.call('ZADD', base .. 'i:' .. k, 0, ARGV[7])
  redis.call('SADD', base .. 'indexes', k)
end
redis.call('ZREM', base .. 'resolved-at', ARGV[2])
if ARGV[9] ~= '' then redis.call('ZADD', base .. 'resolved-at', ARGV[9], ARGV[2]) end
redis.call('HDEL', h, 'doc')
redis.call('HSET', h, 'version', ARGV[3], 'body', ARGV[4], 'eventId', ARGV[5], 'eventType', ARGV[6], 'member', ARGV[7], 'idx', ARGV[8], 'text', ARGV[10])
return 1`;

/**
 * ARGV: base, max, min, limit, text ('' = none), budget, fields (newline-joined hash fields to return per alarm),
 * n, index names….
 * Written for speed (guarded by `npm run bench -- api`): no intersection is materialised. The index with the
 * fewest members inside [min, max] (ZLEXCOUNT, O(log N) each) is walked newest first from the cursor in chunks;
 * each member is kept when every other index holds it (ZSCORE, O(1)) and its text matches, up to limit + 1 (the
 * extra one says a next page exists) or until `budget` members were looked at. So a page costs
 * O(members walked × filters), not O(size of the indexes). Returns { { members…, stop }, { the fields of each of
 * the first `limit` members, in order, '' for a missing one } } (read here: one round trip per page); stop is the
 * last member looked at ('' when the walk reached the end): a page cut short by the budget continues from there.
 */
export const QUERY_LUA = `
local base = ARGV[1]
local max, min, limit, text, budget = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local fields = {}
for f in string.gmatch(ARGV[7], '[^\\n]+') do fields[#fields + 1] = f end
local n = tonumber(ARGV[8])
local src, others = base .. 'i:all', {}
if n > 0 then
  local keys, best, fewest = {}, 1, nil
  for i = 1, n do
    keys[i] = base .. 'i:' .. ARGV[8 + i]
    local c = redis.call('ZLEXCOUNT', keys[i], min, max)
    if fewest == nil or c < fewest then best, fewest = i, c end
  end
  if fewest == 0 then return { { '' }, {} } end
  src = keys[best]
  for i = 1, n do if i ~= best then others[#others + 1] = keys[i] end end
end
local out, scanned, last = {}, 0, ''
while #out <= limit and scanned < budget do
  local want = math.min(budget - scanned, math.max(limit + 1 - #out, 100))
  local chunk = redis.call('ZREVRANGEBYLEX', src, max, min, 'LIMIT', 0, want)
  if #chunk == 0 then last = '' break end
  for _, m in ipairs(chunk) do
    scanned = scanned + 1
    last = m
    local keep = true
    for j = 1, #others do
      if not redis.call('ZSCORE', others[j], m) then keep = false break end
    end
    if keep and text ~= '' then
      local t = redis.call('HGET', base .. 'h:' .. string.sub(m, 17), 'text')
      keep = t ~= false and string.find(t, text, 1, true) ~= nil
    end
    if keep then out[#out + 1] = m end
    if #out > limit or scanned >= budget then break end
  end
  if #chunk < want and #out <= limit and scanned < budget then last = '' break end
  max = '(' .. last
end
local values = {}
for i = 1, math.min(#out, limit) do
  local got = redis.call('HMGET', base .. 'h:' .. string.sub(out[i], 17), unpack(fields))
  for j = 1, #fields do values[#values + 1] = got[j] or '' end
end
out[#out + 1] = last
return { out, values }`;

/** ARGV: base. Deletes every document and index atomically (a rebuild starts from nothing). */
export const CLEAR_LUA = `
local base = ARGV[1]
for _, m in ipairs(redis.call('ZRANGE', base .. 'i:all', 0, -1)) do redis.call('DEL', base .. 'h:' .. string.sub(m, 17)) end
for _, k in ipairs(redis.call('SMEMBERS', base .. 'indexes')) do redis.call('DEL', base .. 'i:' .. k) end
redis.call('DEL', base .. 'indexes', base .. 'resolved-at', base .. 'i:all')
return 1`;
