import { describe, expect, it } from 'vitest';
import { alarmPollKeys } from '../../../src/infrastructure/redis/alarm-poll-keys.js';
import { RedisKnownAlarmIndex } from '../../../src/infrastructure/redis/redis-known-alarm-index.js';
import { RedisPollLease } from '../../../src/infrastructure/redis/redis-poll-lease.js';
import { useRedisPrefixes } from '../../support/redis-test.js';
import { view } from '../../unit/alarms/alarm-fixtures.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until Redis's clock is early in an interval, so a test's claims fall in one tick. */
async function startOfTick(r: { time(): Promise<unknown[]> }, intervalMs: number): Promise<void> {
  const [s, us] = await r.time();
  const ms = Number(s) * 1000 + Math.floor(Number(us) / 1000);
  await sleep(intervalMs - (ms % intervalMs) + 20);
}

describe('Redis poll lease', () => {
  const r = useRedisPrefixes('poll-lease');

  describe('when several replicas claim the same tick', () => {
    it('grants exactly one, and not again in that tick after release', async () => {
      const keyPrefix = r.newPrefix();
      const leases = [0, 1, 2].map(() => new RedisPollLease(r.redis, { keyPrefix, intervalMs: 1_000, leaseMs: 5_000 }));
      await startOfTick(r.redis, 1_000);
      const claims = await Promise.all(leases.map((l) => l.claim()));
      expect(claims.filter((c) => c !== null)).toHaveLength(1);
      await claims.find((c) => c !== null)?.release();
      expect(await leases[1]?.claim()).toBeNull();
      await sleep(1_000);
      expect(await leases[2]?.claim()).not.toBeNull();
    });
  });

  describe('when the poller dies holding the lease', () => {
    it('holds the fleet off until the lease expires, then the next tick is claimed', async () => {
      const keyPrefix = r.newPrefix();
      const a = new RedisPollLease(r.redis, { keyPrefix, intervalMs: 200, leaseMs: 700 });
      const b = new RedisPollLease(r.redis, { keyPrefix, intervalMs: 200, leaseMs: 700 });
      const dead = await a.claim();
      expect(dead).not.toBeNull();
      await sleep(300);
      expect(await b.claim()).toBeNull(); // a later tick, but a poll is (believed) running
      await sleep(600);
      const next = await b.claim();
      expect(next?.tick).toBeGreaterThan(dead?.tick ?? Infinity);
      expect(await dead?.renew()).toBe(false); // the dead holder can no longer extend or release it
      await dead?.release();
      expect(await r.redis.exists(alarmPollKeys(keyPrefix).running)).toBe(1);
      expect(await next?.renew()).toBe(true);
    });
  });
});

describe('Redis known-alarm index', () => {
  const r = useRedisPrefixes('known-alarms');

  describe('when entries are saved and removed', () => {
    it('loads what was saved, with the history cursor', async () => {
      const index = new RedisKnownAlarmIndex(r.redis, { keyPrefix: r.newPrefix() });
      expect(await index.load()).toEqual({ known: new Map(), historyCursorMs: null });
      const a = view();
      const b = view({ alarmId: 'a-2', tags: { host: 'web-2' } });
      await index.save({ put: new Map([[a.id, { alarm: a, absentPolls: 1 }], [b.id, { alarm: b, absentPolls: 0, pending: true }]]), remove: [], historyCursorMs: 1234 });
      await index.save({ put: new Map(), remove: [a.id] });
      expect(await index.load()).toEqual({ known: new Map([[b.id, { alarm: b, absentPolls: 0, pending: true }]]), historyCursorMs: 1234 });
    });
  });

  describe('when one entry is unreadable', () => {
    it('drops only that one and reports it', async () => {
      const keyPrefix = r.newPrefix();
      const corrupt: string[] = [];
      const index = new RedisKnownAlarmIndex(r.redis, { keyPrefix, onCorrupt: (id) => corrupt.push(id) });
      const a = view();
      await index.save({ put: new Map([[a.id, { alarm: a, absentPolls: 0 }]]), remove: [] });
      await r.redis.hset(alarmPollKeys(keyPrefix).known, 'bad', '{not json', 'wrong', JSON.stringify({ alarm: a, absentPolls: 0 }));
      expect([...(await index.load()).known.keys()]).toEqual([a.id]);
      expect(corrupt.sort()).toEqual(['bad', 'wrong']);
    });
  });
});
