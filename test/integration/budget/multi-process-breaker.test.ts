import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { services, uniqueSuffix } from '../../support/services.js';
import type { BreakerWorkerConfig, BreakerWorkerRecord } from './breaker-worker.js';
import { runWorkers } from './spawn-workers.js';

const keyPrefix = `test:breaker:${uniqueSuffix()}:`;
afterAll(async () => {
  const redis = new Redis(services.redisUrl);
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('a breaker shared by three processes', () => {
  it('opens for all when one trips it, probes one at a time, and closes for all on success', async () => {
    const roles: BreakerWorkerConfig['role'][] = ['tripper', 'observer', 'observer'];
    const { results } = await runWorkers<BreakerWorkerRecord>(
      './breaker-worker.ts',
      roles.map((role) => ({ redisUrl: services.redisUrl, keyPrefix, role })),
    );

    // Seen as open by the others: refused without touching the engine, and their listeners heard of it.
    for (const r of results.slice(1)) {
      expect(r.early).toEqual({ refused: 'open', touched: false });
      expect(r.states.map((s) => s.state)).toContain('open');
    }

    const calls = results.flatMap((r) => r.calls).sort((a, b) => a.start - b.start);
    const firstSuccess = calls.find((c) => c.ok);
    expect(firstSuccess).toBeDefined();
    const probes = calls.filter((c) => c.start <= firstSuccess!.start);
    // The first probe fails (reopens), a later one succeeds; never two probes at once across the fleet.
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes[0]!.ok).toBe(false);
    for (let i = 1; i < probes.length; i++) expect(probes[i]!.start).toBeGreaterThanOrEqual(probes[i - 1]!.end);
    // After the failed probe the circuit is open again for its reset timeout: nobody calls.
    const failedEnd = probes[0]!.end;
    expect(calls.filter((c) => c.start > failedEnd + 50 && c.start < failedEnd + 950)).toEqual([]);
    // Others were told to back off while a probe ran.
    expect(results.reduce((n, r) => n + r.refused.half_open, 0)).toBeGreaterThan(0);
    // Closed for everyone: every process gets calls through after the successful probe.
    for (const r of results) expect(r.calls.some((c) => c.ok && c.start >= firstSuccess!.end)).toBe(true);
    for (const r of results) expect(r.states.at(-1)?.state).toBe('closed');
  });
});
