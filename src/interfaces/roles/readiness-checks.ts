import type { Redis } from 'ioredis';
import type { EventStore } from '../../application/ports/event-store.js';
import type { ReadinessCheck } from '../http/ops-routes.js';

/**
 * The checks behind `/readyz`, one per dependency the running roles need; each resolves with details or throws
 * with the reason (ops-routes answers 503 naming the failed ones). Kept cheap: a probe runs every few seconds.
 */
export const redisCheck = (redis: Redis): ReadinessCheck => ({
  name: 'redis',
  check: async () => {
    const t0 = Date.now();
    await redis.ping();
    return { ms: Date.now() - t0 };
  },
});

/** A read of a stream that never exists: one XRANGE through the adapter's own code path. */
export const eventStoreCheck = (store: Pick<EventStore, 'readStream'>): ReadinessCheck => ({
  name: 'event-store',
  check: async () => {
    const t0 = Date.now();
    await store.readStream('readyz-probe', { maxCount: 1 });
    return { ms: Date.now() - t0 };
  },
});

/**
 * The engine's shared breaker: open means the engine is down or refusing us for the whole fleet. Advisory: the
 * replica still serves what needs no engine (alarm queries, rules, the allowlist) while ingest waits in Kafka, so
 * the answer is `degraded`, not 503 on every replica at once. Half-open is fine (a probe is under way).
 */
export const breakerCheck = (breaker: { readonly state: 'closed' | 'half_open' | 'open'; readonly rejectsUs?: { readonly cause: string } | undefined }): ReadinessCheck => ({
  name: 'engine-breaker',
  advisory: true,
  check: async () => {
    const details = { state: breaker.state, ...(breaker.rejectsUs && { rejectsUs: breaker.rejectsUs.cause }) };
    if (breaker.state === 'open') throw Object.assign(new Error('engine circuit breaker open'), { details });
    return details;
  },
});

/** The Kafka consumer (ingest role): ready once it is a member of its group; crashed or stopped is not ready. */
export const kafkaCheck = (source: { health(): { state: string } & Record<string, unknown> }): ReadinessCheck => ({
  name: 'kafka-consumer',
  check: async () => {
    const h = source.health();
    if (h.state !== 'member') throw Object.assign(new Error(`kafka consumer ${h.state}`), { details: h });
    return h;
  },
});

/** Nacos, advisory: without it the replica keeps filtering with the allowlist it holds (and its snapshot). */
export const nacosCheck = (probe: () => Promise<Record<string, unknown>>): ReadinessCheck => ({ name: 'nacos', advisory: true, check: probe });

/**
 * Projections (projections role): failing when the oldest event a projection has not handled is older than
 * `maxLagSeconds` (the alarm view would serve stale answers; deliveries would be late). Advisory: a late delivery
 * is usually the alarm platform being down, which every replica sees alike; the events wait in the log.
 */
export const projectionLagCheck = (
  lag: () => Promise<ReadonlyArray<{ name: string; behind: number; oldestPendingAgeMs: number }>>,
  maxLagSeconds: number,
): ReadinessCheck => ({
  name: 'projections',
  advisory: true,
  check: async () => {
    const all = await lag();
    const details = Object.fromEntries(all.map((p) => [p.name, { pendingAtLeast: p.behind, lagSeconds: p.oldestPendingAgeMs / 1000 }]));
    const late = all.filter((p) => p.oldestPendingAgeMs / 1000 > maxLagSeconds).map((p) => p.name);
    if (late.length > 0) throw Object.assign(new Error(`projections lag above ${maxLagSeconds} s: ${late.join(', ')}`), { details });
    return details;
  },
});
