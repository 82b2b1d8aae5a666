import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AllowlistHolder } from '../../application/allowlist/allowlist-holder.js';
import { tallyToCatalogDelta } from '../../application/catalog/tally-to-catalog.js';
import { Backpressure } from '../../application/forwarding/backpressure.js';
import { IngestPipeline } from '../../application/forwarding/ingest-pipeline.js';
import { IngestStage } from '../../application/ingest/ingest-stage.js';
import { MetricTally } from '../../application/ingest/metric-tally.js';
import { MessageRejected } from '../../application/ingest/payload-decoder.js';
import type { AllowlistSource } from '../../application/ports/allowlist-source.js';
import type { MetricQueue } from '../../application/ports/metric-queue.js';
import type { BullmqForwardQueue } from '../../infrastructure/bullmq/forward-queue.js';
import type { AppConfig } from '../../infrastructure/config/config-schema.js';
import { decodeContextOf, stageOptionsOf } from '../../infrastructure/config/ingest-options.js';
import { FileAllowlistSource } from '../../infrastructure/file/file-allowlist-source.js';
import type { BridgeMetrics } from '../../infrastructure/observability/metrics.js';
import type { RedisMetricCatalog } from '../../infrastructure/redis/redis-metric-catalog.js';
import { QuarantineSampler } from '../../application/ingest/quarantine-sampler.js';
import { RedisQuarantine } from '../../infrastructure/redis/redis-quarantine.js';
import { TelegrafDecoder } from '../../infrastructure/telegraf/telegraf-decoder.js';
import { KafkaMetricSource } from '../kafka/kafka-metric-source.js';

const TALLY_FLUSH_MS = 5_000;
const BACKPRESSURE_CHECK_MS = 500;
const LAG_CHECK_MS = 5_000;

export interface IngestDeps {
  readonly redis: Redis;
  readonly queue: BullmqForwardQueue;
  readonly catalog: RedisMetricCatalog;
  readonly metrics: BridgeMetrics;
  readonly isBreakerOpen: () => boolean;
  /** The failed-set size from each backlog read; true while it is at the cap (ingest holds like for an open breaker). */
  readonly noteDeadLetters: (failed: number) => boolean;
}

/** Ingest role: allowlist source + holder, decode stage, pipeline, Kafka consumer, backpressure, tally flush. */
export async function startIngestRole(config: AppConfig, log: Logger, deps: IngestDeps) {
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
  // Loaded only when used: the nacos client and its HTTP stack cost ~0.14 CPU s of module loading at start.
  const nacos =
    config.allowlist.source === 'nacos'
      ? new (await import('../../infrastructure/nacos/nacos-allowlist-source.js')).NacosAllowlistSource({ ...config.allowlist.nacos, log: log.child({ module: 'nacos' }) })
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
  const stage = new IngestStage(new TelegrafDecoder(), tally, stageOptionsOf(config));
  // One context object, its clock set per message: no allocation per message on the hot path.
  const ctx = { ...decodeContextOf(config), nowMs: 0 };
  const quarantine = new RedisQuarantine(deps.redis, { keyPrefix: config.redis.keyPrefix });
  const sampler = new QuarantineSampler(config.ingest.quarantinePerSecond);
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
    decode: (payload, sink) => {
      ctx.nowMs = Date.now();
      stage.decodeAndFilter(payload, ctx, holder.current, sink);
    },
    queue: countedQueue,
    commit: async (next) => {
      await feed.kafka?.consumer.commitOffsets(next.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
    },
    onBadLines: (lines) => {
      const { keep, skipped } = sampler.take(lines);
      if (skipped > 0) metrics.quarantineSkipped.inc(skipped);
      if (keep.length === 0) return;
      quarantine
        .add(keep.map((l) => ({ raw: l.raw, reason: l.reason, topic: l.topic, partition: l.partition, offset: l.offset, at: Date.now() })))
        .catch((err: unknown) => ilog.warn({ err }, 'quarantine write failed'))
        .finally(() => sampler.settled(keep.length));
    },
    onRejectedMessage: (r) => {
      tally.badLine(r.reason);
      // A limit is an expected refusal (its message says which); anything else is a bug worth its stack.
      const cause = r.error instanceof MessageRejected ? { detail: r.error.message } : { err: r.error };
      ilog.warn({ topic: r.topic, partition: r.partition, offset: r.offset, reason: r.reason, bytes: r.bytes, ...cause }, 'message refused');
    },
    limits: { maxPoints: config.batch.maxPoints, maxBytes: config.batch.maxBytes },
    maxLingerMs: config.batch.maxLingerMs,
    flushesInFlight: config.batch.flushesInFlight,
    onFlushFailed: (err) => feed.kafka?.enqueueFailed(err),
    onError: (err) => ilog.error({ err }, 'linger flush failed'),
  });
  const kafka = new KafkaMetricSource({
    ...config.kafka,
    pipeline,
    log: log.child({ module: 'kafka' }),
    // Full batches still behind a flush in flight count as enqueued (IngestPipeline, flushesInFlight).
    shouldPause: () => backpressure.isPausedWith(pipeline.batchesAwaitingFlush),
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
