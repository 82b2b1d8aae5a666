import { createHash } from 'node:crypto';
import type { Trend, TrendQuery } from '../../domain/trend.js';
import type { AnalysisEngine } from '../ports/analysis-engine.js';
import { EngineError, isEngineError, type EngineErrorKind } from '../ports/engine-errors.js';
import type { SharedCache } from '../ports/shared-cache.js';

export interface TrendQueryOptions {
  readonly engine: Pick<AnalysisEngine, 'trend'>;
  readonly cache: SharedCache;
  /** How long an answer is shared. */
  readonly ttlMs: number;
  /** A failure is shared this long, so that the waiters of a failed computation do not each call the engine. */
  readonly errorTtlMs?: number;
  /** Lease lifetime: longer than one engine call (a crashed holder frees it after this). */
  readonly leaseMs?: number;
  /** How long a waiter polls for another replica's answer before it calls the engine itself. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

type Cached = { readonly trend: Trend } | { readonly error: { kind: EngineErrorKind; message: string; retryable: boolean; retryAfterMs?: number } };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One cache key per distinct query: tags sorted, so `a=1&b=2` and `b=2&a=1` share an answer. */
export const trendCacheKey = (q: TrendQuery): string => {
  const tags = Object.keys(q.tags)
    .sort()
    .map((k) => [k, q.tags[k]]);
  const canonical = JSON.stringify([q.metric, tags, q.startMs, q.endMs, q.stepSeconds]);
  return `trend:${createHash('sha256').update(canonical).digest('hex').slice(0, 40)}`;
};

/**
 * Trends through a cache shared by the fleet, single-flight at two levels: identical concurrent queries in one
 * process share one promise; across replicas, the one holding the Redis lease calls the engine and the others
 * poll the cache for its answer (or its error). So 100 identical requests arriving at once cost one engine call.
 */
export const createTrendQuery = (o: TrendQueryOptions): ((q: TrendQuery) => Promise<Trend>) => {
  const inFlight = new Map<string, Promise<Trend>>();
  const leaseMs = o.leaseMs ?? 20_000;
  const waitMs = o.waitMs ?? leaseMs;
  const pollMs = o.pollMs ?? 25;

  const unpack = (text: string): Trend => {
    const c = JSON.parse(text) as Cached;
    if ('trend' in c) return c.trend;
    const { retryAfterMs } = c.error;
    throw new EngineError(c.error.kind, c.error.message, c.error.retryable, retryAfterMs === undefined ? {} : { retryAfterMs });
  };

  const compute = async (key: string, q: TrendQuery): Promise<Trend> => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const hit = await o.cache.get(key);
      if (hit !== null) return unpack(hit);
      const token = await o.cache.lease(key, leaseMs);
      if (token !== null) {
        try {
          const trend = await o.engine.trend(q);
          await o.cache.set(key, JSON.stringify({ trend } satisfies Cached), o.ttlMs);
          return trend;
        } catch (err) {
          if (isEngineError(err)) {
            const error = { kind: err.kind, message: err.message, retryable: err.retryable, ...(err.details.retryAfterMs !== undefined && { retryAfterMs: err.details.retryAfterMs }) };
            await o.cache.set(key, JSON.stringify({ error } satisfies Cached), o.errorTtlMs ?? Math.min(1_000, o.ttlMs));
          }
          throw err;
        } finally {
          await o.cache.release(key, token);
        }
      }
      // Someone else computes it: wait for the answer while their lease lives.
      while (Date.now() < deadline) {
        await sleep(pollMs);
        const answer = await o.cache.get(key);
        if (answer !== null) return unpack(answer);
        if (!(await o.cache.leased(key))) break;
      }
      if (Date.now() >= deadline) return o.engine.trend(q);
    }
  };

  return (q) => {
    const key = trendCacheKey(q);
    const running = inFlight.get(key);
    if (running) return running;
    const p = compute(key, q).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
    return p;
  };
};
