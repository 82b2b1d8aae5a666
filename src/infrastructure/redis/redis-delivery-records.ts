import type { Cluster, Redis } from 'ioredis';
import { byOutcomeTime, type DeliveryRecord, type DeliveryRecords } from '../../application/ports/delivery-records.js';

export interface RedisDeliveryRecordsOptions {
  /** Separates deployments (and tests) sharing one Redis; ends with ':' by convention. */
  readonly keyPrefix: string;
  /** Entries kept per alarm (one per sink and event); those of the oldest events go first. */
  readonly maxPerAlarm: number;
  /** Expiry of an alarm's records, renewed on every write; 0 keeps them as long as the alarm. */
  readonly ttlMs: number;
}

// One hash per alarm, field `<event position>|<sink>` → the rest of the record as a compact JSON array (what the
// key and field already say is not repeated: the write's cost grows with its bytes). The newest outcome replaces
// the earlier one.
// Above the cap the fields are sorted by log position (the rare path: an alarm with hundreds of events) and the
// oldest events' entries deleted. ARGV: cap, ttl ms, then field/JSON pairs.
const RECORD_LUA = `
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
local over = redis.call('HLEN', KEYS[1]) - tonumber(ARGV[1])
if over > 0 then
  local fields = redis.call('HKEYS', KEYS[1])
  local function pos(f)
    local ms, seq = string.match(f, '^(%d+)-(%d+)')
    return tonumber(ms) or 0, tonumber(seq) or 0
  end
  table.sort(fields, function(a, b)
    local am, as = pos(a)
    local bm, bs = pos(b)
    if am ~= bm then return am < bm end
    if as ~= bs then return as < bs end
    return a < b
  end)
  for i = 1, over do redis.call('HDEL', KEYS[1], fields[i]) end
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

type Stored = [DeliveryRecord['eventId'], DeliveryRecord['eventType'], number, DeliveryRecord['outcome'], number, string | null, string];

interface Commands {
  aiopsDeliveryRecord(key: string, max: number, ttlMs: number, ...fieldsAndValues: string[]): Promise<number>;
}

/** The one place that names an alarm's delivery-records key (a single key: Cluster-safe as it is). */
export const deliveryRecordsKey = (prefix: string, alarmId: string): string => `${prefix}delivery-records:${alarmId}`;

/**
 * Delivery records in Redis. Written for speed on the delivery path: a page's records go in one pipeline (one
 * round trip) with one small script per alarm of the page; `npm run bench -- delivery-records` measures the cost.
 */
export class RedisDeliveryRecords implements DeliveryRecords {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisDeliveryRecordsOptions,
  ) {
    redis.defineCommand('aiopsDeliveryRecord', { numberOfKeys: 1, lua: RECORD_LUA });
  }

  async record(records: readonly DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byAlarm = new Map<string, string[]>();
    for (const r of records) {
      const args = byAlarm.get(r.alarmId) ?? [];
      byAlarm.set(r.alarmId, args);
      args.push(`${r.eventPosition}|${r.sink}`, JSON.stringify([r.eventId, r.eventType, r.eventVersion, r.outcome, r.attempts, r.reason, r.at] satisfies Stored));
    }
    const pipeline = this.redis.pipeline() as unknown as Commands & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const [alarmId, args] of byAlarm) {
      void pipeline.aiopsDeliveryRecord(deliveryRecordsKey(this.options.keyPrefix, alarmId), this.options.maxPerAlarm, this.options.ttlMs, ...args);
    }
    const failed = ((await pipeline.exec()) ?? []).find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
  }

  async forAlarm(alarmId: string): Promise<DeliveryRecord[]> {
    const all = await this.redis.hgetall(deliveryRecordsKey(this.options.keyPrefix, alarmId));
    return byOutcomeTime(
      Object.entries(all).map(([field, json]) => {
        const bar = field.indexOf('|');
        const [eventId, eventType, eventVersion, outcome, attempts, reason, at] = JSON.parse(json) as Stored;
        return { alarmId, sink: field.slice(bar + 1), eventId, eventPosition: field.slice(0, bar), eventType, eventVersion, outcome, attempts, reason, at };
      }),
    );
  }
}
