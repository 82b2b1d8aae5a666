import 'reflect-metadata';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AllowlistHolder } from './application/allowlist/allowlist-holder.js';
import { budgetPolicy } from './application/engine-guard/budget-policy.js';
import { guardEngine, budgetRequestHooks } from './application/engine-guard/guard-engine.js';
import { createAlarmSinks } from './infrastructure/alarm-sinks/create-alarm-sinks.js';
import { BullmqForwardQueue } from './infrastructure/bullmq/forward-queue.js';
import { checkQueueDurability, type DurabilityCheck } from './infrastructure/bullmq/queue-durability.js';
import type { AppConfig } from './infrastructure/config/config-schema.js';
import { createEngine, engineAddress, engineRuleLinksPrefix } from './infrastructure/engines/create-engine.js';
import { createMetrics, type BridgeMetrics } from './infrastructure/observability/metrics.js';
import { createRedisEngineBudget } from './infrastructure/redis/redis-engine-budget.js';
import { RedisMetricCatalog } from './infrastructure/redis/redis-metric-catalog.js';
import { RedisEngineRuleLinks } from './infrastructure/redis/redis-engine-rule-links.js';
import { RedisEventStore } from './infrastructure/redis/redis-event-store.js';
import { createRedisSharedBreaker } from './infrastructure/redis/redis-shared-breaker.js';
import type { KafkaMetricSource } from './interfaces/kafka/kafka-metric-source.js';
import { startForwardRole } from './interfaces/roles/forward-role.js';
import { startIngestRole } from './interfaces/roles/ingest-role.js';
import { probeNacos } from './infrastructure/nacos/nacos-probe.js';
import { observeAppend, timedEventStore } from './infrastructure/observability/timed-event-store.js';
import type { ReadinessCheck } from './interfaces/http/ops-routes.js';
import { startPollRole } from './interfaces/roles/poll-role.js';
import { breakerCheck, eventStoreCheck, kafkaCheck, nacosCheck, redisCheck } from './interfaces/roles/readiness-checks.js';
import { startApiRole } from './interfaces/roles/api-role.js';
import { startPipelineSampling } from './interfaces/roles/pipeline-sampling.js';
import { startProjectionsRole } from './interfaces/roles/projections-role.js';

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
    stops.unshift(startForwardRole({ config, log, engine, breaker, catalog, metrics, connection: bullConnection }));
  }

  if (config.roles.includes('ingest')) {
    const built = await startIngestRole(config, log, {
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
    const ruleLinks = new RedisEngineRuleLinks(redis, engineRuleLinksPrefix(config));
    stops.unshift(startPollRole({ redis, engine, store, ruleLinks, keyPrefix: guardPrefix, config: config.alarms, log: log.child({ module: 'poll' }), metrics }));
  }

  stops.unshift(
    startPipelineSampling({
      redis, keyPrefix: prefix, metrics, log: log.child({ module: 'sampler' }), everyMs: config.http.sampleEveryMs,
      fleetGauges: async () => ({ backlog: (await queue.backlog()).waiting, budgetInWindow: (await budget.snapshot()).inWindow, breaker: breakerLevel[breaker.state] }),
    }),
  );

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
  log.info({ roles: config.roles, httpPort, engine: config.engine.kind, engineAddress: engineAddress(config), topic: config.kafka.topic }, 'aiops-bridge started');

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
