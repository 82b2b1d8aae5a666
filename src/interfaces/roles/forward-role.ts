import type { Logger } from 'pino';
import type { AnalysisEngine } from '../../application/ports/analysis-engine.js';
import type { EngineBreaker } from '../../application/ports/engine-breaker.js';
import type { CatalogCounts } from '../../application/ports/metric-catalog.js';
import { pointsOf } from '../../infrastructure/bullmq/forward-queue.js';
import type { AppConfig } from '../../infrastructure/config/config-schema.js';
import type { BridgeMetrics } from '../../infrastructure/observability/metrics.js';
import type { RedisMetricCatalog } from '../../infrastructure/redis/redis-metric-catalog.js';
import { breakerGate, startForwardWorker } from '../workers/forward-worker.js';

export interface ForwardRoleDeps {
  readonly config: AppConfig;
  readonly log: Logger;
  /** Guarded engine (breaker); the adapter takes a budget grant per request. */
  readonly engine: AnalysisEngine;
  readonly breaker: EngineBreaker;
  readonly catalog: RedisMetricCatalog;
  readonly metrics: BridgeMetrics;
  /** BullMQ workers need `maxRetriesPerRequest: null` (blocking commands). */
  readonly connection: { readonly url: string; readonly maxRetriesPerRequest: null };
}

/** Forward role: the BullMQ worker that pushes batches to the engine; dead letters are booked in the catalog. */
export function startForwardRole(deps: ForwardRoleDeps): () => Promise<void> {
  const { config, log, engine, breaker, catalog, metrics } = deps;
  const prefix = config.redis.keyPrefix;
  const worker = startForwardWorker({
    connection: deps.connection,
    prefix,
    concurrency: config.forward.concurrency,
    retry: { baseMs: config.forward.backoffBaseMs, maxMs: config.forward.backoffMaxMs },
    engine,
    gate: breakerGate(breaker),
    isolateMaxRequests: config.forward.isolateMaxRequests,
    log: log.child({ module: 'forward' }),
    onForwarded: (n) => metrics.pointsForwarded.inc(n),
    onDeadLetter: (job) => {
      metrics.deadLetters.inc();
      const perName = new Map<string, number>();
      let points: ReturnType<typeof pointsOf> = [];
      try {
        points = pointsOf(job.data);
      } catch (err) {
        log.warn({ err, jobId: job.id }, 'dead letter with unreadable points: not counted in the catalog');
      }
      for (const p of points) perName.set(p.name, (perName.get(p.name) ?? 0) + 1);
      const delta = new Map<string, CatalogCounts>(
        [...perName].map(([name, n]) => [name, { seen: 0, passed: 0, dropped: { dead_lettered: n }, tagKeys: [] }]),
      );
      catalog.record(delta, Date.now()).catch((err: unknown) => log.warn({ err }, 'catalog dead-letter record failed'));
    },
  });
  return () => worker.close();
}
