import { describe, expect, it } from 'vitest';
import type { SharedCache } from '../../../src/application/ports/shared-cache.js';
import { EngineError } from '../../../src/application/ports/engine-errors.js';
import { createTrendQuery, trendCacheKey } from '../../../src/application/trends/query-trend.js';
import type { Trend, TrendQuery } from '../../../src/domain/trend.js';

/** A SharedCache in memory, shared by every "replica" given the same instance; TTLs on a real clock. */
class MemoryCache implements SharedCache {
  private readonly values = new Map<string, { v: string; until: number }>();
  private readonly leases = new Map<string, { token: string; until: number }>();
  private next = 0;
  async get(key: string): Promise<string | null> {
    const e = this.values.get(key);
    return e && e.until > Date.now() ? e.v : null;
  }
  async set(key: string, v: string, ttlMs: number): Promise<void> {
    this.values.set(key, { v, until: Date.now() + ttlMs });
  }
  async lease(key: string, ttlMs: number): Promise<string | null> {
    const l = this.leases.get(key);
    if (l && l.until > Date.now()) return null;
    const token = String(++this.next);
    this.leases.set(key, { token, until: Date.now() + ttlMs });
    return token;
  }
  async release(key: string, token: string): Promise<void> {
    if (this.leases.get(key)?.token === token) this.leases.delete(key);
  }
  async leased(key: string): Promise<boolean> {
    const l = this.leases.get(key);
    return l !== undefined && l.until > Date.now();
  }
}

const query: TrendQuery = { metric: 'cpu.usage', tags: { host: 'a', dc: 'sh' }, startMs: 0, endMs: 60_000, stepSeconds: 60 };
const trend: Trend = { metric: 'cpu.usage', tags: query.tags, points: [{ at: '1970-01-01T00:00:00.000Z', actual: 1, predicted: 1, lower: 0, upper: 2 }] };

/** An engine that counts its trend calls and answers after `ms`. */
const countingEngine = (ms: number, fail?: EngineError) => {
  const engine = {
    calls: 0,
    trend: async (): Promise<Trend> => {
      engine.calls++;
      await new Promise((r) => setTimeout(r, ms));
      if (fail) throw fail;
      return trend;
    },
  };
  return engine;
};

describe('when 100 identical queries arrive at once in one replica', () => {
  it('calls the engine once and gives all of them the answer', async () => {
    const engine = countingEngine(50);
    const q = createTrendQuery({ engine, cache: new MemoryCache(), ttlMs: 5_000 });
    const answers = await Promise.all(Array.from({ length: 100 }, () => q(query)));
    expect(engine.calls).toBe(1);
    expect(answers.every((a) => a.points[0]?.actual === 1)).toBe(true);
  });
});

describe('when identical queries arrive at once at four replicas sharing the cache', () => {
  it('calls the engine once for the fleet', async () => {
    const engine = countingEngine(100);
    const cache = new MemoryCache();
    const replicas = Array.from({ length: 4 }, () => createTrendQuery({ engine, cache, ttlMs: 5_000, pollMs: 5 }));
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => (replicas[i % 4] as (q: TrendQuery) => Promise<Trend>)(query)));
    expect(engine.calls).toBe(1);
    expect(answers).toHaveLength(100);
  });
});

describe('when the answer is older than the TTL', () => {
  it('calls the engine again', async () => {
    const engine = countingEngine(1);
    const q = createTrendQuery({ engine, cache: new MemoryCache(), ttlMs: 100 });
    await q(query);
    await q(query);
    expect(engine.calls).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    await q(query);
    expect(engine.calls).toBe(2);
  });
});

describe('when the engine fails for the replica holding the lease', () => {
  it('shares the failure with the waiting replicas instead of letting each call the engine', async () => {
    const engine = countingEngine(50, new EngineError('unavailable', 'down', true, { retryAfterMs: 2_000 }));
    const cache = new MemoryCache();
    const [a, b] = [createTrendQuery({ engine, cache, ttlMs: 5_000, pollMs: 5 }), createTrendQuery({ engine, cache, ttlMs: 5_000, pollMs: 5 })];
    const results = await Promise.allSettled([a(query), b(query), a(query), b(query)]);
    expect(engine.calls).toBe(1);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as EngineError;
      expect([err.kind, err.details.retryAfterMs]).toEqual(['unavailable', 2_000]);
    }
  });
});

describe('the cache key', () => {
  it('is the same whatever the order of the tags, and differs with any field', () => {
    const k = trendCacheKey(query);
    expect(trendCacheKey({ ...query, tags: { dc: 'sh', host: 'a' } })).toBe(k);
    expect(trendCacheKey({ ...query, stepSeconds: 30 })).not.toBe(k);
    expect(trendCacheKey({ ...query, tags: { host: 'a' } })).not.toBe(k);
  });
});
