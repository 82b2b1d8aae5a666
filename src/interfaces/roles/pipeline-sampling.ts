import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import { pipelineSampler } from '../../application/pipeline/pipeline-sampler.js';
import type { BridgeMetrics } from '../../infrastructure/observability/metrics.js';
import { RedisPipelineSamples } from '../../infrastructure/redis/redis-pipeline-samples.js';

const sum = async (c: Counter | Gauge): Promise<number> => (await c.get()).values.reduce((s, v) => s + v.value, 0);
const byLabel = async (c: Counter | Gauge, label: string, prefix: string): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const v of (await c.get()).values) {
    const key = `${prefix}.${String(v.labels[label] ?? 'unknown')}`;
    out[key] = (out[key] ?? 0) + v.value;
  }
  return out;
};

/**
 * Every replica, whatever its roles, writes its part of the pipeline history every `everyMs` (the console's
 * sparklines: `GET /api/v1/status/history`). Counters come from this replica's Prometheus registry; `fleetGauges`
 * are values every replica sees alike (queue backlog, budget, breaker).
 */
export function startPipelineSampling(deps: {
  redis: Redis;
  keyPrefix: string;
  metrics: BridgeMetrics;
  fleetGauges: () => Promise<Record<string, number>>;
  log: Logger;
  everyMs?: number;
}): () => void {
  const { metrics } = deps;
  const sampler = pipelineSampler({
    samples: new RedisPipelineSamples(deps.redis, { keyPrefix: deps.keyPrefix }),
    counters: async () => ({
      passed: await sum(metrics.pointsAccepted),
      forwarded: await sum(metrics.pointsForwarded),
      ...(await byLabel(metrics.pointsDropped, 'reason', 'dropped')),
    }),
    gauges: async () => ({ ...(await deps.fleetGauges()), ...(await byLabel(metrics.consumerLag, 'partition', 'lag')) }),
    onError: (err) => deps.log.warn({ err }, 'pipeline sample not written; its counts go into the next one'),
  });
  const timer = setInterval(() => void sampler.tick(), deps.everyMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
