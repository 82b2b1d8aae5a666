import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AllowlistHolder } from './application/allowlist/allowlist-holder.js';
import { tallyToCatalogDelta } from './application/catalog/tally-to-catalog.js';
import { budgetPolicy } from './application/engine-guard/budget-policy.js';
import { guardEngine, budgetRequestHooks } from './application/engine-guard/guard-engine.js';
import { Backpressure } from './application/forwarding/backpressure.js';
import { IngestPipeline } from './application/forwarding/ingest-pipeline.js';
import { IngestStage } from './application/ingest/ingest-stage.js';
import { MetricTally } from './application/ingest/metric-tally.js';
import type { AllowlistSource } from './application/ports/allowlist-source.js';
import type { CatalogCounts } from './application/ports/metric-catalog.js';
import type { MetricQueue } from './application/ports/metric-queue.js';
import { createAlarmSinks } from './infrastructure/alarm-sinks/create-alarm-sinks.js';
import { BullmqForwardQueue } from './infrastructure/bullmq/forward-queue.js';
import { checkQueueDurability, type DurabilityCheck } from './infrastructure/bullmq/queue-durability.js';
import type { AppConfig } from './infrastructure/config/config-schema.js';
import { createEngine } from './infrastructure/engines/create-engine.js';
import { FileAllowlistSource } from './infrastructure/file/file-allowlist-source.js';
import { NacosAllowlistSource } from './infrastructure/nacos/nacos-allowlist-source.js';
import { createMetrics, type BridgeMetrics } from './infrastructure/observability/metrics.js';
import { createRedisEngineBudget } from './infrastructure/redis/redis-engine-budget.js';
import { RedisMetricCatalog } from './infrastructure/redis/redis-metric-catalog.js';
import { RedisEventStore } from './infrastructure/redis/redis-event-store.js';
import { RedisQuarantine } from './infrastructure/redis/redis-quarantine.js';
import { createRedisSharedBreaker } from './infrastructure/redis/redis-shared-breaker.js';
import { TelegrafDecoder } from './infrastructure/telegraf/telegraf-decoder.js';
import { KafkaMetricSource } from './interfaces/kafka/kafka-metric-source.js';
import { probeNacos } from './infrastructure/nacos/nacos-probe.js';
import { observeAppend, timedEventStore } from './infrastructure/observability/timed-event-store.js';
import type { ReadinessCheck } from './interfaces/http/ops-routes.js';
import { startPollRole } from './interfaces/roles/poll-role.js';
import { breakerCheck, eventStoreCheck, kafkaCheck, nacosCheck, redisCheck } from './interfaces/roles/readiness-checks.js';
import { startApiRole } from './interfaces/roles/api-role.js';
import { startProjectionsRole } from './interfaces/roles/projections-role.js';
import { breakerGate, startForwardWorker } from './interfaces/workers/forward-worker.js';

/**
 * The composition root: the only module that knows every concrete class. `startBridge` builds the roles the
 * configuration asks for (ingest, forward, api, projections) on shared Redis; every replica of the fleet runs this same code.
 */
export interface RunningBridge {
  readonly metrics: BridgeMetrics;
  readonly httpPort: number | undefined;
  readonly allowlist: AllowlistHolder | undefined;
  readonly kafka: KafkaMetricSource | undefined;
  stop(): Promise<void>;
}

const TALLY_FLUSH_MS = 5_000;
const BACKPRESSURE_CHECK_MS = 500;
const LAG_CHECK_MS = 5_000;

export async function startBridge(config: AppConfig, log: Logger): Promise<RunningBridge> {
  const metrics = createMetrics();
  const prefix = config.redis.keyPrefix;
  // BullMQ workers need maxRetriesPerRequest null (blocking commands); the rest use a plain connection.
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3, lazyConnect: false });
  const bullConnection = { url: config.redis.url, maxRetriesPerRequest: null };
  const stops: Array<() => Promise<void> | void> = [];
  const readiness: ReadinessCheck[] = [redisCheck(redis)];

  // Budget and breaker keys get their own ':' (BullMQ adds one itself); the cap is the fleet's, from config.
  const guardPrefix = `${prefix}:`;
  const budget = createRedisEngineBudget(redis, {
    keyPrefix: guardPrefix,
    policy: budgetPolicy({ capPerSecond: config.engine.rateLimitPerSecond }),
  });
  const breaker = createRedisSharedBreaker(redis, {
    keyPrefix: guardPrefix,
    resetTimeoutMs: config.breaker.resetTimeoutMs,
    errorThresholdPercentage: config.breaker.errorThresholdPercentage,
    volumeThreshold: config.breaker.volumeThreshold,
    rollingCountTimeoutMs: config.breaker.rollingCountTimeoutMs,
    systemicThreshold: config.breaker.systemicThreshold,
    probeLeaseMs: config.engine.timeoutMs * 2,
  });
  const breakerLevel = { closed: 0, half_open: 1, open: 2 } as const;
  metrics.breakerState.set(breakerLevel[breaker.state]);
  breaker.onStateChange((c) => {
    metrics.breakerState.set(breakerLevel[c.state]);
    metrics.engineRejectsUs.set(breaker.rejectsUs ? 1 : 0);
    log.warn({ state: c.state, previous: c.previous, retryAfterMs: c.retryAfterMs, cause: c.cause }, 'engine circuit breaker');
  });
  const rawEngine = createEngine(config, log.child({ module: 'engine' }), budgetRequestHooks(budget, { breaker }));
  const engine = guardEngine(rawEngine, { breaker });
  const catalog = new RedisMetricCatalog(redis, { keyPrefix: prefix });
  readiness.push(breakerCheck(breaker), eventStoreCheck(new RedisEventStore(redis, { keyPrefix: guardPrefix })));
  if (config.allowlist.source === 'nacos') {
    const nacosOpts = config.allowlist.nacos;
    readiness.push(nacosCheck(() => probeNacos(nacosOpts, Math.min(2_000, nacosOpts.requestTimeoutMs))));
  }
  // The producer's own connection fails a command within enqueueTimeoutMs while Redis is down (one reconnect
  // attempt, then an error), so an enqueue never hangs: the points stay held and the consumer pauses.
  const producerRedis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, commandTimeout: config.redis.enqueueTimeoutMs });
  // Connection errors surface as failed commands where they matter (enqueue, backlog read); not as crashes.
  producerRedis.on('error', (err: Error) => log.debug({ err: { message: err.message } }, 'queue redis connection'));
  redis.on('error', (err: Error) => log.debug({ err: { message: err.message } }, 'redis connection'));
  const queue = new BullmqForwardQueue({
    connection: producerRedis,
    prefix,
    attempts: config.forward.attempts,
    waitReplicas: config.redis.queueDurability === 'replica' ? config.redis.waitReplicas : 0,
    waitTimeoutMs: config.redis.enqueueTimeoutMs,
  });
  stops.push(() => queue.close(), () => producerRedis.quit().then(() => undefined));
  const durability = await checkQueueDurability(producerRedis, config.redis.queueDurability).catch(
    (err: unknown): DurabilityCheck => ({ mode: config.redis.queueDurability, durable: 'unknown', detail: (err as Error).message }),
  );
  metrics.queueDurable.set(durability.durable === true ? 1 : 0);
  if (durability.durable === true) log.info(durability, 'forward queue durability');
  else log.error(durability, 'forward queue durability: acknowledged batches are not known to survive a Redis crash');
  // The dead-letter cap: an alarm (log, gauge, status) and paused ingest at the cap, never eviction.
  const deadLetters = { full: false };
  const noteDeadLetters = (failed: number): void => {
    const full = failed >= config.forward.deadLetterCap;
    if (full === deadLetters.full) return;
    deadLetters.full = full;
    metrics.deadLettersFull.set(full ? 1 : 0);
    if (full) log.error({ deadLetters: failed, cap: config.forward.deadLetterCap }, 'dead-letter set full: ingest paused until dead letters are replayed or removed');
    else log.info({ deadLetters: failed, cap: config.forward.deadLetterCap }, 'dead-letter set below its cap again');
  };
  // Roles push their stops to the front: the last started stops first; the shared clients go last.
  // Every step runs even when an earlier one fails (nothing left open); the first failure is reported after.
  const shutdown = async (): Promise<void> => {
    // How old grants were when used, and how many were given back as too old: what the budget's margin rests on.
    const logGrants = (): void => log.info({ grants: budget.grantStats() }, 'engine budget grants');
    const steps = [...stops, logGrants, () => breaker.stop(), () => rawEngine.close(), () => redis.quit()];
    const failures: unknown[] = [];
    for (const step of steps) await Promise.resolve().then(step).catch((err: unknown) => failures.push(err));
    if (failures.length > 0) throw failures[0];
  };

  let allowlist: AllowlistHolder | undefined;
  let kafka: KafkaMetricSource | undefined;
  if (config.roles.includes('forward')) {
    const worker = startForwardWorker({
      connection: bullConnection,
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
        for (const p of job.data.points) perName.set(p.name, (perName.get(p.name) ?? 0) + 1);
        const delta = new Map<string, CatalogCounts>(
          [...perName].map(([name, n]) => [name, { seen: 0, passed: 0, dropped: { dead_lettered: n }, tagKeys: [] }]),
        );
        catalog.record(delta, Date.now()).catch((err: unknown) => log.warn({ err }, 'catalog dead-letter record failed'));
      },
    });
    stops.unshift(() => worker.close());
  }

  if (config.roles.includes('ingest')) {
    const built = await startIngest(config, log, {
      redis,
      queue,
      catalog,
      metrics,
      isBreakerOpen: () => breaker.state === 'open',
      noteDeadLetters: (failed) => {
        noteDeadLetters(failed);
        return deadLetters.full;
      },
    }).catch(
      async (err: unknown) => {
        // No allowlist (Nacos down and no snapshot, an invalid first version): release what was opened, then fail.
        await shutdown().catch(() => undefined);
        throw err;
      },
    );
    allowlist = built.holder;
    kafka = built.source;
    stops.unshift(built.stop);
    readiness.push(kafkaCheck(built.source), { name: 'allowlist', check: async () => ({ version: built.holder.status().activeVersion ?? failWith('no allowlist active') }) });
  }

  if (config.roles.includes('poll')) {
    const store = timedEventStore(new RedisEventStore(redis, { keyPrefix: guardPrefix }), observeAppend(metrics));
    stops.unshift(startPollRole({ redis, engine, store, keyPrefix: guardPrefix, config: config.alarms, log: log.child({ module: 'poll' }), metrics }));
  }
  if (config.roles.includes('projections')) {
    const sinks = createAlarmSinks(config.alarms.sinks, { pollIntervalMs: config.alarms.pollIntervalMs });
    stops.unshift(startProjectionsRole({ redis, keyPrefix: `${prefix}:`, config: config.projections, pollIntervalMs: config.alarms.pollIntervalMs, sinks, log, registry: metrics.registry, readiness }));
  }

  let httpPort: number | undefined;
  if (config.roles.includes('api')) {
    const api = await startApiRole({
      config, log, redis, metrics, readiness, engine, queue, catalog, allowlist: () => allowlist,
      status: async () => {
        const backlog = await queue.backlog();
        return {
          roles: config.roles,
          allowlist: allowlist?.status() ?? null,
          ingestPaused: kafka?.isPaused ?? null,
          breaker: breaker.state,
          engineRejectsUs: breaker.rejectsUs ?? null,
          queueDurability: durability,
          deadLetters: { count: backlog.failed, cap: config.forward.deadLetterCap, full: backlog.failed >= config.forward.deadLetterCap },
          budget: await budget.snapshot(),
          forwardBacklog: backlog,
        };
      },
    }).catch(async (err: unknown) => {
      await shutdown().catch(() => undefined);
      throw err;
    });
    httpPort = api.port;
    stops.unshift(() => api.stop());
  }
  log.info({ roles: config.roles, httpPort, engine: config.engine.baseUrl, topic: config.kafka.topic }, 'aiops-bridge started');

  return {
    metrics,
    httpPort,
    allowlist,
    kafka,
    async stop() {
      await shutdown();
      log.info('aiops-bridge stopped');
    },
  };
}

function failWith(message: string): never {
  throw new Error(message);
}

interface IngestDeps {
  readonly redis: Redis;
  readonly queue: BullmqForwardQueue;
  readonly catalog: RedisMetricCatalog;
  readonly metrics: BridgeMetrics;
  readonly isBreakerOpen: () => boolean;
  /** The failed-set size from each backlog read; true while it is at the cap (ingest holds like for an open breaker). */
  readonly noteDeadLetters: (failed: number) => boolean;
}

/** Ingest role: allowlist source + holder, decode stage, pipeline, Kafka consumer, backpressure, tally flush. */
async function startIngest(config: AppConfig, log: Logger, deps: IngestDeps) {
  const { metrics, queue, catalog } = deps;
  const ilog = log.child({ module: 'ingest' });
  const holder = new AllowlistHolder({
    onSwap: (e) => {
      ilog.info({ version: e.version, origin: e.origin, entries: e.entries, previous: e.previousVersion }, 'allowlist active');
      metrics.allowlistVersion.reset();
      metrics.allowlistVersion.set({ version: e.version, origin: e.origin }, e.entries);
    },
    onReject: (e) => {
      ilog.error({ version: e.version, origin: e.origin, errors: e.errors, keeping: e.activeVersion }, 'allowlist version rejected');
      metrics.allowlistRejected.inc();
    },
  });
  const nacos =
    config.allowlist.source === 'nacos'
      ? new NacosAllowlistSource({ ...config.allowlist.nacos, log: log.child({ module: 'nacos' }) })
      : undefined;
  const source: AllowlistSource = nacos ?? new FileAllowlistSource(config.allowlist.file, { onError: (err) => ilog.warn({ err }, 'allowlist file') });
  // Each version that came from Nacos and became active is the new last-good snapshot.
  await holder.follow(source, (doc) => {
    if (nacos && !doc.origin.startsWith('snapshot:')) {
      nacos.saveSnapshot(doc).catch((err: unknown) => ilog.warn({ err }, 'allowlist snapshot not saved'));
    }
  });
  if (holder.status().activeVersion === null) {
    await source.stop();
    throw new Error(`allowlist: the first version from ${config.allowlist.source} is invalid: ${JSON.stringify(holder.status().lastRejected?.errors)}`);
  }

  const tally = new MetricTally();
  const stage = new IngestStage(new TelegrafDecoder(), tally);
  const ctx = { format: config.kafka.format, precision: config.kafka.precision };
  const quarantine = new RedisQuarantine(deps.redis, { keyPrefix: config.redis.keyPrefix });
  const bootId = randomUUID().slice(0, 8);
  // The pipeline commits through the consumer that feeds it, and backpressure pauses it: built right below,
  // used only once it runs.
  const feed: { kafka?: KafkaMetricSource } = {};
  const backpressure = new Backpressure(config.forward.highWater, config.forward.lowWater, (decision, backlog) => {
    if (decision === 'pause') feed.kafka?.pause();
    else feed.kafka?.resume();
    metrics.ingestPaused.set(decision === 'pause' ? 1 : 0);
    ilog.info({ decision, backlog, breakerOpen: deps.isBreakerOpen() }, 'ingest backpressure');
  });
  // Every enqueue is counted as it is handed over, so the consumer's gate sees it before the next message.
  const countedQueue: MetricQueue = {
    enqueue: (batches) => {
      backpressure.noteEnqueued(batches.length);
      return queue.enqueue(batches);
    },
    backlog: () => queue.backlog(),
    close: () => queue.close(),
  };
  const pipeline = new IngestPipeline({
    decode: (payload, sink) => stage.decodeAndFilter(payload, { ...ctx, nowMs: Date.now() }, holder.current, sink),
    queue: countedQueue,
    commit: async (next) => {
      await feed.kafka?.consumer.commitOffsets(next.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
    },
    onBadLines: (lines) => {
      quarantine
        .add(lines.map((l) => ({ raw: l.raw, reason: l.reason, topic: l.topic, partition: l.partition, offset: l.offset, at: Date.now() })))
        .catch((err: unknown) => ilog.warn({ err }, 'quarantine write failed'));
    },
    limits: { maxPoints: config.batch.maxPoints, maxBytes: config.batch.maxBytes },
    maxLingerMs: config.batch.maxLingerMs,
    newBatchId: (seq) => `${bootId}-${seq}`,
    onError: (err) => ilog.error({ err }, 'linger flush failed'),
  });
  const kafka = new KafkaMetricSource({
    ...config.kafka,
    pipeline,
    log: log.child({ module: 'kafka' }),
    shouldPause: () => backpressure.isPaused,
  });
  feed.kafka = kafka;

  const flushTally = async (): Promise<void> => {
    const snap = tally.drain();
    const delta = tallyToCatalogDelta(snap);
    metrics.linesDecoded.inc(snap.lines);
    for (const c of delta.values()) {
      metrics.pointsAccepted.inc(c.passed);
      for (const [reason, n] of Object.entries(c.dropped)) if (reason !== 'bad_line' && n) metrics.pointsDropped.inc({ reason }, n);
    }
    for (const [reason, n] of Object.entries(snap.badLines)) if (n) metrics.badLines.inc({ reason }, n);
    if (delta.size > 0) await catalog.record(delta, Date.now());
  };
  const timers = [
    setInterval(() => void flushTally().catch((err: unknown) => ilog.warn({ err }, 'catalog flush failed')), TALLY_FLUSH_MS),
    setInterval(() => {
      const mark = backpressure.mark();
      queue
        .backlog()
        .then((b) => {
          const waiting = b.waiting + b.delayed;
          metrics.backlog.set(waiting);
          const deadLettersFull = deps.noteDeadLetters(b.failed);
          backpressure.update(waiting, deps.isBreakerOpen() || deadLettersFull, mark);
        })
        .catch((err: unknown) => ilog.warn({ err }, 'backlog check failed'));
    }, BACKPRESSURE_CHECK_MS),
    setInterval(() => {
      kafka
        .lag()
        .then((lags) => lags.forEach((l) => metrics.consumerLag.set({ topic: config.kafka.topic, partition: String(l.partition) }, l.lag)))
        .catch((err: unknown) => ilog.debug({ err }, 'lag check failed'));
    }, LAG_CHECK_MS),
  ];
  const stop = async (): Promise<void> => {
    timers.forEach(clearInterval);
    await kafka.stop();
    await source.stop();
    await flushTally().catch(() => undefined);
  };
  await kafka.start().catch(async (err: unknown) => {
    await stop().catch(() => undefined);
    throw err;
  });

  return { holder, source: kafka, stop };
}

const entry = process.argv[1];
if (entry && import.meta.url === (await import('node:url')).pathToFileURL(entry).href) {
  const { runCli } = await import('./interfaces/cli/run-cli.js');
  runCli(process.argv.slice(2), startBridge).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(1);
    },
  );
}
