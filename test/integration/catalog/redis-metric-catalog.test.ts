import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogCounts } from '../../../src/application/ports/metric-catalog.js';
import { catalogMinuteKeys } from '../../../src/infrastructure/redis/metric-keys.js';
import { RedisMetricCatalog } from '../../../src/infrastructure/redis/redis-metric-catalog.js';
import { redisForTest } from '../../support/redis-test.js';

const { redis, prefix, cleanup } = redisForTest('catalog');
afterAll(cleanup);

const MINUTE = 60_000;
const now = Math.floor(Date.now() / MINUTE) * MINUTE + 30_000; // mid-minute, so ±ms never crosses a boundary
const counts = (seen: number, passed: number, dropped: CatalogCounts['dropped'] = {}, tagKeys: string[] = []): CatalogCounts =>
  ({ seen, passed, dropped, tagKeys });
const catalog = (sub: string, extra: { maxNamesPerMinute?: number } = {}): RedisMetricCatalog =>
  new RedisMetricCatalog(redis, { keyPrefix: `${prefix}:${sub}`, now: () => now, ...extra });

describe('when two replicas record the same minute', () => {
  it('merges their counts, drop reasons and tag keys', async () => {
    const [a, b] = [catalog('merge'), catalog('merge')];
    await a.record(new Map([['cpu.usage', counts(10, 7, { not_allowlisted: 3 }, ['host'])]]), now - 1000);
    await b.record(new Map([['cpu.usage', counts(5, 5, {}, ['host', 'dc'])], ['_', counts(0, 0, { bad_line: 2 })]]), now);

    const entries = await a.query({ minutes: 5 });
    const cpu = entries.find((e) => e.name === 'cpu.usage');
    expect(cpu).toMatchObject({ seen: 15, passed: 12, dropped: { not_allowlisted: 3 }, tagKeys: ['dc', 'host'], lastSeenAt: now });
    expect(cpu?.passRatio).toBeCloseTo(0.8);
    expect(entries.find((e) => e.name === '_')).toMatchObject({ seen: 0, dropped: { bad_line: 2 }, passRatio: null });
  });
});

describe('when counts fall in different minutes', () => {
  it('keeps one bucket per minute and the window decides what is summed', async () => {
    const c = catalog('window');
    await c.record(new Map([['mem.used', counts(4, 4)]]), now - 2 * MINUTE);
    await c.record(new Map([['mem.used', counts(1, 0, { non_numeric_field: 1 })]]), now);

    const [wide] = await c.query({ minutes: 3 });
    expect(wide?.perMinute.map((m) => m.seen)).toEqual([4, 0, 1]);
    expect(wide?.perMinute[0]?.at).toBe(Math.floor(now / MINUTE) * MINUTE - 2 * MINUTE);
    const [narrow] = await c.query({ minutes: 1 });
    expect(narrow).toMatchObject({ seen: 1, passed: 0, dropped: { non_numeric_field: 1 } });
  });

  it('sets every minute key to expire after the retention', async () => {
    const c = catalog('ttl');
    await c.record(new Map([['disk.free', counts(1, 1, {}, ['path'])]]), now);
    const keys = catalogMinuteKeys(`${prefix}:ttl`, Math.floor(now / MINUTE));
    // Judged against the absolute expiry, not a TTL from `now`: a slow run can reach the test after `now`'s minute.
    const minute = Math.floor(now / MINUTE);
    const [countsTtl, tagsTtl] = await Promise.all([redis.pttl(keys.counts), redis.pttl(keys.tags)]);
    const countsAt = Date.now() + countsTtl;
    const tagsAt = Date.now() + tagsTtl;
    expect(Math.abs(countsAt - (minute + 1 + 60) * MINUTE)).toBeLessThan(2_000); // the minute's end + 60 min of retention
    expect(Math.abs(tagsAt - ((Math.floor(minute / 60) + 1) * 60 + 60) * MINUTE)).toBeLessThan(2_000); // the hour's end + retention
  });
});

describe('when a minute receives more distinct names than the cap', () => {
  it('folds the tail into _other and keeps the key size bounded', async () => {
    const [a, b] = [catalog('cap', { maxNamesPerMinute: 3 }), catalog('cap', { maxNamesPerMinute: 3 })];
    await a.record(new Map([['m.a', counts(1, 1, {}, ['t'])], ['m.b', counts(1, 1)]]), now);
    await b.record(new Map([['m.c', counts(1, 1)], ['m.d', counts(2, 0, {}, ['x'])], ['m.e', counts(3, 0)]]), now);
    await a.record(new Map([['m.a', counts(5, 5)]]), now); // an owner keeps counting after the cap is hit

    const entries = await a.query({ minutes: 1, sort: 'name' });
    expect(entries.map((e) => [e.name, e.seen])).toEqual([['_other', 5], ['m.a', 6], ['m.b', 1], ['m.c', 1]]);
    const keys = catalogMinuteKeys(`${prefix}:cap`, Math.floor(now / MINUTE));
    expect(await redis.hlen(keys.counts)).toBe(4); // three names and _other
    expect(await redis.hkeys(keys.tags)).toEqual([`m.a\x1ft`]);
  });
});

describe('when querying with a prefix, sort and limit', () => {
  it('returns only matching names, in order, at most limit', async () => {
    const c = catalog('filter');
    await c.record(new Map([['net.in', counts(9, 9)], ['net.out', counts(20, 0, { not_allowlisted: 20 })], ['cpu.x', counts(99, 99)]]), now);
    const entries = await c.query({ prefix: 'net.', sort: 'dropped', limit: 1 });
    expect(entries.map((e) => e.name)).toEqual(['net.out']);
  });
});
