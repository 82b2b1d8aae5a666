import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AllowlistHolder } from '../../application/allowlist/allowlist-holder.js';
import { queryMetricCatalog } from '../../application/catalog/query-metric-catalog.js';
import type { AnalysisEngine } from '../../application/ports/analysis-engine.js';
import { ReconcileBusyError, ruleReconciler } from '../../application/rules/rule-reconciler.js';
import { createTrendQuery } from '../../application/trends/query-trend.js';
import type { BullmqForwardQueue } from '../../infrastructure/bullmq/forward-queue.js';
import type { AppConfig } from '../../infrastructure/config/config-schema.js';
import type { BridgeMetrics } from '../../infrastructure/observability/metrics.js';
import { RedisAlarmView } from '../../infrastructure/redis/redis-alarm-view.js';
import { engineRuleLinksPrefix } from '../../infrastructure/engines/create-engine.js';
import { RedisEngineRuleLinks } from '../../infrastructure/redis/redis-engine-rule-links.js';
import { RedisEventStore } from '../../infrastructure/redis/redis-event-store.js';
import { listen } from '../http/listen.js';
import { RedisPipelineSamples } from '../../infrastructure/redis/redis-pipeline-samples.js';
import type { RedisMetricCatalog } from '../../infrastructure/redis/redis-metric-catalog.js';
import { RedisSharedCache } from '../../infrastructure/redis/redis-shared-cache.js';
import { buildApiApp } from '../http/api-app.js';
import { ApiKeys } from '../http/auth.js';
import { observeAppend, timedEventStore } from '../../infrastructure/observability/timed-event-store.js';
import type { ReadinessCheck } from '../http/ops-routes.js';
import { problemOf } from '../http/problem.js';
import { deliveryRecordsOf } from './projections-wiring.js';

export interface ApiRoleDeps {
  readonly config: AppConfig;
  readonly log: Logger;
  readonly redis: Redis;
  readonly metrics: BridgeMetrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly status: () => Promise<unknown>;
  readonly engine: AnalysisEngine;
  readonly queue: BullmqForwardQueue;
  readonly catalog: RedisMetricCatalog;
  /** This replica's ingest holder, when it runs ingest (read lazily: the api role may start first). */
  readonly allowlist: () => AllowlistHolder | undefined;
}

export interface RunningApi {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * The api role: our REST API, the ops endpoints and the queue dashboard on one HTTP server. Its stop refuses new
 * requests (503 + Connection: close), lets the in-flight ones finish within `api.drainTimeoutMs`, then closes.
 */
export async function startApiRole(deps: ApiRoleDeps): Promise<RunningApi> {
  const { config, log, redis } = deps;
  const alog = log.child({ module: 'api' });
  const prefix = config.redis.keyPrefix;
  const keys = new ApiKeys(config.api.keys);
  if (keys.size === 0) alog.warn('api.keys is empty: every /api/v1 request will get 401');
  const nacos = config.allowlist.source === 'nacos' ? config.allowlist.nacos : undefined;
  // Loaded only when used (see ingest-role.ts).
  const publisher = nacos && new (await import('../../infrastructure/nacos/nacos-allowlist-publisher.js')).NacosAllowlistPublisher({ ...nacos, redis, keyPrefix: prefix });
  const readFileAllowlist = async (): Promise<{ text: string; md5: string } | null> => {
    const text = await readFile(config.allowlist.file, 'utf8').catch(() => '');
    return text ? { text, md5: createHash('md5').update(text, 'utf8').digest('hex') } : null;
  };
  const bullConnection = { url: config.redis.url, maxRetriesPerRequest: null };
  const extraQueues = config.api.dashboardQueues.map((name) => new Queue(name, { connection: bullConnection, prefix }));

  let stopping = false;
  const KEEP_ALIVE_LINGER_MS = 300;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const gate: RequestHandler = (_req, res, next) => {
    if (stopping) {
      res.setHeader('Connection', 'close');
      return next(problemOf(503, 'this replica is shutting down', { retryAfterSeconds: 1 }));
    }
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
    next();
  };

  const events = timedEventStore(new RedisEventStore(redis, { keyPrefix: `${prefix}:` }), observeAppend(deps.metrics));
  const cache = new RedisSharedCache(redis, prefix);
  const reconciler = ruleReconciler({
    store: events,
    engine: deps.engine,
    links: new RedisEngineRuleLinks(redis, engineRuleLinksPrefix(config)),
    lease: cache,
    leaseMs: config.engine.timeoutMs * 4,
    onReport: (report) => {
      if (report.drift.length || report.errors.length || report.created || report.updated || report.deleted) alog.info({ report }, 'rules reconciled');
    },
    onError: (err) => alog.warn({ err }, 'rules reconcile failed; retried at the next run'),
  });
  const reconcileTimer = config.api.rulesReconcileEveryMs > 0 ? setInterval(reconciler.kick, config.api.rulesReconcileEveryMs) : undefined;
  reconcileTimer?.unref();

  const app = buildApiApp({
    log: alog,
    keys,
    redis,
    keyPrefix: prefix,
    registry: deps.metrics.registry,
    readiness: deps.readiness,
    status: deps.status,
    trend: createTrendQuery({ engine: deps.engine, cache, ttlMs: config.api.trends.cacheTtlMs, leaseMs: config.engine.timeoutMs * 2 }),
    trendLimits: config.api.trends,
    allowlist: {
      source: nacos ? { kind: 'nacos', group: nacos.group, dataId: nacos.dataId } : { kind: 'file', path: config.allowlist.file },
      read: publisher ? () => publisher.getAllowlist() : readFileAllowlist,
      ...(publisher && { store: publisher }),
      holder: () => deps.allowlist()?.status() ?? null,
      activeMatcher: () => {
        const holder = deps.allowlist();
        return holder && holder.status().activeVersion !== null ? holder.current : null;
      },
      events,
      catalog: queryMetricCatalog(deps.catalog),
    },
    rules: {
      store: events,
      reconcile: () =>
        reconciler.now().catch((err: unknown) => {
          throw err instanceof ReconcileBusyError ? problemOf(503, err.message, { retryAfterSeconds: 1 }) : err;
        }),
      afterWrite: reconciler.kick,
    },
    alarms: {
      view: new RedisAlarmView(redis, { keyPrefix: `${prefix}:`, scanBudget: config.projections.scanBudget }),
      store: events,
      deliveries: deliveryRecordsOf(redis, `${prefix}:`, config.projections),
    },
    dashboardQueues: [deps.queue.queue, ...extraQueues],
    samples: new RedisPipelineSamples(redis, { keyPrefix: prefix }),
    bodyLimitBytes: config.api.bodyLimitBytes,
    rateLimit: config.api.rateLimit,
    gate,
    validateResponses: config.api.validateResponses,
  });
  // Express 5 hands a listen error to the callback first: `listen` turns it into a failed start (port in use).
  const server = await listen(app, config.http.port, config.http.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;

  const stop = async (): Promise<void> => {
    stopping = true;
    clearInterval(reconcileTimer);
    // The listener and the idle keep-alive sockets stay open a moment (server.close() would close idle sockets at
    // once): a client about to reuse one, or connecting now, gets a clean 503 + Connection: close from the gate
    // instead of a reset socket it cannot tell from a lost request. Only then the listener and every socket close.
    const linger = new Promise<void>((r) => setTimeout(r, Math.min(KEEP_ALIVE_LINGER_MS, config.api.drainTimeoutMs)).unref());
    if (inFlight > 0) {
      const bound = new Promise<void>((r) => setTimeout(r, config.api.drainTimeoutMs).unref());
      await Promise.race([new Promise<void>((r) => (drained = r)), bound]);
      if (inFlight > 0) alog.warn({ inFlight }, 'requests still running after the drain bound; cutting them');
    }
    await linger;
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
    await closed;
    await reconciler.idle();
    publisher?.close();
    await Promise.all(extraQueues.map((q) => q.close()));
  };
  return { port, stop };
}
