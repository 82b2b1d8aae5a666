import type { Cluster, Redis } from 'ioredis';
import { byOutcomeTime, type DeliveryRecord, type DeliveryRecords } from '../../application/ports/delivery-records.js';

export interface RedisDeliveryRecordsOptions {
  /** Separates deployments (and tests) sharing one Redis; ends with ':' by convention. */
  readonly keyPrefix: string;
  /** Entries kept per alarm (one per sink and event); the oldest first recorded go first. */
  readonly maxPerAlarm: number;
  /** Expiry of an alarm's records, renewed on every write; 0 keeps them as long as the alarm. */
  readonly ttlMs: number;
}

// Per alarm, one slot: a hash `<sink>|<eventId>` → record JSON (the newest outcome replaces the earlier) and a
// sorted set of the same fields scored by first-record time (ZADD NX), which says what to drop above the cap.
const RECORD_LUA = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #gone, 2 do redis.call('HDEL', KEYS[1], gone[i]) end
end
local ttl = tonumber(ARGV[5])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1`;

interface Commands {
  aiopsDeliveryRecord(entries: string, order: string, field: string, json: string, atMs: number, max: number, ttlMs: number): Promise<number>;
}

/** Builds the keys of one alarm's delivery records (the one place that names them). */
export const deliveryRecordKeys = (prefix: string, alarmId: string): [string, string] => {
  const tag = `{${prefix}delivery-records:${alarmId}}`;
  return [`${tag}:entries`, `${tag}:order`];
};

/**
 * Delivery records in Redis. Written for speed on the delivery path: a page's records go in one pipeline (one
 * round trip), one small script per record; guarded by `npm run bench -- alarms` (delivery throughput).
 */
export class RedisDeliveryRecords implements DeliveryRecords {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisDeliveryRecordsOptions,
  ) {
    redis.defineCommand('aiopsDeliveryRecord', { numberOfKeys: 2, lua: RECORD_LUA });
  }

  async record(records: readonly DeliveryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.redis.pipeline() as unknown as Commands & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const r of records) {
      const [entries, order] = deliveryRecordKeys(this.options.keyPrefix, r.alarmId);
      void pipeline.aiopsDeliveryRecord(entries, order, `${r.sink}|${r.eventId}`, JSON.stringify(r), Date.parse(r.at) || Date.now(), this.options.maxPerAlarm, this.options.ttlMs);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
  }

  async forAlarm(alarmId: string): Promise<DeliveryRecord[]> {
    const all = await this.redis.hvals(deliveryRecordKeys(this.options.keyPrefix, alarmId)[0]);
    return byOutcomeTime(all.map((json) => JSON.parse(json) as DeliveryRecord));
  }
}
