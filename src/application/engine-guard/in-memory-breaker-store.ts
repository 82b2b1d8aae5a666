import type { SharedBreakerCheck, SharedBreakerStore } from '../ports/engine-breaker.js';

/**
 * The breaker's shared state within one process: for unit tests, and for a single replica without Redis.
 * Same rules as the Redis scripts (infrastructure/redis/redis-shared-breaker-scripts.ts).
 */
export const createInMemoryBreakerStore = (probeLeaseMs = 30_000, now: () => number = Date.now): SharedBreakerStore => {
  let openUntil = 0;
  let tripped = false;
  let probe: { token: string; until: number } | undefined;
  return {
    check(probeToken?: string): Promise<SharedBreakerCheck> {
      const t = now();
      if (probe !== undefined && probe.until <= t) probe = undefined;
      if (openUntil > t) return Promise.resolve({ state: 'open', retryAfterMs: openUntil - t });
      if (!tripped) return Promise.resolve({ state: 'closed' });
      if (probeToken !== undefined && probe === undefined) {
        probe = { token: probeToken, until: t + probeLeaseMs };
        return Promise.resolve({ state: 'half_open', probe: true, retryAfterMs: 0 });
      }
      return Promise.resolve({ state: 'half_open', probe: false, retryAfterMs: probe === undefined ? 0 : probe.until - t });
    },
    trip(openMs: number): Promise<void> {
      const t = now();
      tripped = true;
      if (openUntil <= t) openUntil = t + openMs;
      return Promise.resolve();
    },
    settleProbe(probeToken: string, healthy: boolean, openMs: number): Promise<void> {
      if (probe?.token === probeToken) probe = undefined;
      tripped = !healthy;
      openUntil = healthy ? 0 : now() + openMs;
      return Promise.resolve();
    },
  };
};
