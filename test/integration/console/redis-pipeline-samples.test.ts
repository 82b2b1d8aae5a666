import { afterAll, describe, expect, it } from 'vitest';
import { RedisPipelineSamples } from '../../../src/infrastructure/redis/redis-pipeline-samples.js';
import { redisForTest } from '../../support/redis-test.js';

describe('pipeline samples written by two replicas into one bucket', () => {
  const { redis, prefix, cleanup } = redisForTest('pipeline-samples');
  afterAll(cleanup);

  it('sums their counters, keeps the newest gauge, and expires the bucket within the hour and five minutes', async () => {
    const a = new RedisPipelineSamples(redis, { keyPrefix: prefix });
    const b = new RedisPipelineSamples(redis, { keyPrefix: prefix });
    const t0 = Date.UTC(2026, 11, 2, 3, 0, 0);
    await a.record(t0 + 1_000, { passed: 10, 'dropped.not_allowlisted': 2 }, { backlog: 5 });
    await b.record(t0 + 9_000, { passed: 7 }, { backlog: 6 });
    await a.record(t0 + 10_000, { passed: 1 }, {});
    const read = await a.read(t0 - 30_000, t0 + 15_000);
    expect(read).toEqual([
      { at: t0, values: { passed: 17, 'dropped.not_allowlisted': 2, backlog: 6 } },
      { at: t0 + 10_000, values: { passed: 1 } },
    ]);
    const ttl = await redis.pttl(`${prefix}:pipeline:sample:${t0}`);
    expect(ttl).toBeGreaterThan(60 * 60_000);
    expect(ttl).toBeLessThanOrEqual(65 * 60_000);
  });
});
