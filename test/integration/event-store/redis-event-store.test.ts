import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { handleCommand } from '../../../src/application/event-store/handle-command.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { redisForTest } from '../../support/redis-test.js';
import { services } from '../../support/services.js';
import { counterDecider, type CounterEvent } from '../../unit/event-store/counter-decider.js';

const { redis, prefix, cleanup } = redisForTest('es-int');
const keyPrefix = `${prefix}:`;
const extra: Redis[] = [];
afterAll(async () => {
  for (const r of extra) r.disconnect();
  await cleanup();
});
const connect = (): RedisEventStore => {
  const other = new Redis(services.redisUrl);
  extra.push(other);
  return new RedisEventStore(other, { keyPrefix });
};
const store = new RedisEventStore(redis, { keyPrefix });

const keysUnder = async (pattern: string): Promise<string[]> => {
  const found: string[] = [];
  for await (const keys of redis.scanStream({ match: pattern, count: 500 })) found.push(...(keys as string[]));
  return found.sort();
};
/** The part of a key Redis Cluster hashes: the first non-empty `{…}`. */
const hashTag = (key: string): string => /\{([^}]+)\}/.exec(key)?.[1] ?? key;

describe('RedisEventStore on a real Redis', () => {
  describe('when streams of two categories are written', () => {
    it('keeps every key of a category in one hash slot, and the categories apart', async () => {
      for (const s of ['alarm-a', 'alarm-b', 'alarm-c', 'rule-x']) await store.appendToStream(s, [{ type: 'T', data: {} }]);
      const alarmKeys = await keysUnder(`{${keyPrefix}alarm}*`);
      expect(alarmKeys).toEqual([
        `{${keyPrefix}alarm}:es:log`,
        `{${keyPrefix}alarm}:es:stream:alarm-a`,
        `{${keyPrefix}alarm}:es:stream:alarm-b`,
        `{${keyPrefix}alarm}:es:stream:alarm-c`,
      ]);
      expect(new Set(alarmKeys.map(hashTag))).toEqual(new Set([`${keyPrefix}alarm`]));
      expect((await keysUnder(`{${keyPrefix}rule}*`)).map(hashTag)).toEqual([`${keyPrefix}rule`, `${keyPrefix}rule`]);
    });

    it('stores each event in full once: the aggregate stream is a small list of log positions', async () => {
      const { lastPosition } = await store.appendToStream('alarm-d', [{ type: 'Big', data: { blob: 'y'.repeat(10_000) } }]);
      const key = `{${keyPrefix}alarm}:es:stream:alarm-d`;
      expect(await redis.lrange(key, 0, -1)).toEqual([lastPosition]);
      expect(Number(await redis.memory('USAGE', key))).toBeLessThan(1_000);
    });
  });

  describe('when a log entry an aggregate points at is gone', () => {
    it('refuses to read the stream rather than skip a version', async () => {
      const { lastPosition } = await store.appendToStream('alarm-e', [{ type: 'A', data: {} }, { type: 'B', data: {} }]);
      await redis.xdel(`{${keyPrefix}alarm}:es:log`, lastPosition);
      await expect(store.readStream('alarm-e')).rejects.toThrow(/alarm-e version 2 points at a missing log entry/);
    });
  });

  describe('when ten replicas run commands on one stream at once', () => {
    it('lands every command exactly once, re-deciding on conflicts', async () => {
      const stores = Array.from({ length: 10 }, connect);
      await Promise.all(
        stores.map(async (s) => {
          for (let i = 0; i < 5; i++) await handleCommand(s, 'counter-shared', counterDecider, { type: 'Add', by: 1 }, { retries: 100 });
        }),
      );
      const { events } = await store.readStream<CounterEvent>('counter-shared');
      expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      // Each decision saw the event before it: totals climb by one, none decided on a stale state.
      expect(events.map((e) => (e.type === 'Added' ? e.data.total : -1))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });
  });
});
