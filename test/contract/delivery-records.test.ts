import { describe, expect, it } from 'vitest';
import { InMemoryDeliveryRecords } from '../../src/application/alarms/in-memory-delivery-records.js';
import { deliveryRecordsKey, RedisDeliveryRecords } from '../../src/infrastructure/redis/redis-delivery-records.js';
import { useRedisPrefixes } from '../support/redis-test.js';
import { deliveryRecordsContract } from './delivery-records.contract.js';

const redisKeys = useRedisPrefixes('delivery-records');
deliveryRecordsContract('InMemoryDeliveryRecords', (maxPerAlarm) => new InMemoryDeliveryRecords({ maxPerAlarm }));
deliveryRecordsContract('RedisDeliveryRecords', (maxPerAlarm) => new RedisDeliveryRecords(redisKeys.redis, { keyPrefix: redisKeys.newPrefix(), maxPerAlarm, ttlMs: 0 }));

describe('RedisDeliveryRecords with a retention', () => {
  const at = '2026-12-02T06:00:00.000Z';
  const record = { alarmId: 'a', sink: 'webhook', eventId: 'e1', eventPosition: '1-0', eventType: 'AlarmRaised', eventVersion: 1, outcome: 'delivered', attempts: 1, reason: null, at } as const;

  it('sets the expiry on the alarm\'s key, renewed by every write', async () => {
    const prefix = redisKeys.newPrefix();
    const records = new RedisDeliveryRecords(redisKeys.redis, { keyPrefix: prefix, maxPerAlarm: 10, ttlMs: 60_000 });
    const key = deliveryRecordsKey(prefix, 'a');
    await records.record([record]);
    expect(await redisKeys.redis.pttl(key)).toBeGreaterThan(50_000);
    await redisKeys.redis.pexpire(key, 1_000);
    await records.record([{ ...record, eventId: 'e2', eventPosition: '2-0', eventVersion: 2 }]);
    expect(await redisKeys.redis.pttl(key)).toBeGreaterThan(50_000);
  });

  it('without one, sets no expiry', async () => {
    const prefix = redisKeys.newPrefix();
    await new RedisDeliveryRecords(redisKeys.redis, { keyPrefix: prefix, maxPerAlarm: 10, ttlMs: 0 }).record([record]);
    expect(await redisKeys.redis.pttl(deliveryRecordsKey(prefix, 'a'))).toBe(-1);
  });
});
