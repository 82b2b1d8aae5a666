// Every key of the alarm view shares the hash tag `{<prefix>:alarm-view}` (one Cluster slot), so the scripts may
// build key names from the base they are given; KEYS[1] (the `all` index) pins the slot.
//
// Layout under the base: `h:<alarmId>` hash (version, doc JSON, member, idx = its index names, text);
// `i:<index>` sorted sets, all scores 0, members `<startsAt ms, 15 digits>|<alarmId>`, so lexicographic order is
// time order with the id as tie-break, and a member is an exact, stable cursor; `indexes` = set of index names
// in use (for clear and digest); `resolved-at` = sorted set alarmId → resolvedAt ms.

/** ARGV: base, id, version, doc, member, idx (newline-joined index names), resolvedMs or '', text. */
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
for k in string.gmatch(ARGV[6], '[^\\n]+') do
  redis.call('ZADD', base .. 'i:' .. k, 0, ARGV[5])
  redis.call('SADD', base .. 'indexes', k)
end
redis.call('ZREM', base .. 'resolved-at', ARGV[2])
if ARGV[7] ~= '' then redis.call('ZADD', base .. 'resolved-at', ARGV[7], ARGV[2]) end
redis.call('HSET', h, 'version', ARGV[3], 'doc', ARGV[4], 'member', ARGV[5], 'idx', ARGV[6], 'text', ARGV[8])
return 1`;

/**
 * ARGV: base, max, min, limit, text ('' = none), budget, n, index names….
 * Written for speed (guarded by `npm run bench -- api`): no intersection is materialised. The index with the
 * fewest members inside [min, max] (ZLEXCOUNT, O(log N) each) is walked newest first from the cursor in chunks;
 * each member is kept when every other index holds it (ZSCORE, O(1)) and its text matches, up to limit + 1 (the
 * extra one says a next page exists) or until `budget` members were looked at. So a page costs
 * O(members walked × filters), not O(size of the indexes). Returns { { members…, stop }, { doc of each of the first
 * `limit` members } } (docs read here: one round trip per page); stop is the last member looked at ('' when the
 * walk reached the end): a page cut short by the budget continues from there.
 */
export const QUERY_LUA = `
local base = ARGV[1]
local max, min, limit, text, budget = ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local n = tonumber(ARGV[7])
local src, others = base .. 'i:all', {}
if n > 0 then
  local keys, best, fewest = {}, 1, nil
  for i = 1, n do
    keys[i] = base .. 'i:' .. ARGV[7 + i]
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
local docs = {}
for i = 1, math.min(#out, limit) do docs[i] = redis.call('HGET', base .. 'h:' .. string.sub(out[i], 17), 'doc') or '' end
out[#out + 1] = last
return { out, docs }`;

/** ARGV: base. Deletes every document and index atomically (a rebuild starts from nothing). */
export const CLEAR_LUA = `
local base = ARGV[1]
for _, m in ipairs(redis.call('ZRANGE', base .. 'i:all', 0, -1)) do redis.call('DEL', base .. 'h:' .. string.sub(m, 17)) end
for _, k in ipairs(redis.call('SMEMBERS', base .. 'indexes')) do redis.call('DEL', base .. 'i:' .. k) end
redis.call('DEL', base .. 'indexes', base .. 'resolved-at', base .. 'i:all')
return 1`;
