import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { IngestPipeline } from '../../application/forwarding/ingest-pipeline.js';

export interface KafkaMetricSourceOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly maxBytesPerPartition: number;
  readonly partitionsConsumedConcurrently: number;
  /** Broker-side wait of an empty fetch; also what a stop may wait for (default 1000). */
  readonly maxWaitTimeMs?: number;
  readonly pipeline: IngestPipeline;
  readonly log: Logger;
  /**
   * Asked before every message (backpressure): true pauses fetching and stops taking messages; the untaken ones
   * are fetched again on resume. Cheap: it runs once per message.
   */
  readonly shouldPause?: () => boolean;
}

/**
 * The driving side of the metric flow: a kafkajs consumer-group member that turns each Kafka message into an
 * ingest command. autoCommit is off; offsets are committed by the pipeline after the enqueue (see
 * IngestPipeline). Messages are resolved one by one so kafkajs refetches from the first unprocessed message
 * after a pause; heartbeats keep long batches from costing the group membership.
 */
export class KafkaMetricSource {
  readonly kafka: Kafka;
  readonly consumer: Consumer;
  private paused = false;
  private stopping = false;
  /** eachBatch calls under way (several with partitionsConsumedConcurrently > 1); stop waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private admin: Promise<Admin> | undefined;

  constructor(private readonly opts: KafkaMetricSourceOptions) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: [...opts.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => opts.log.warn({ kafka: entry.log }, entry.log.message),
    });
    this.consumer = this.kafka.consumer({
      groupId: opts.groupId,
      maxBytesPerPartition: opts.maxBytesPerPartition,
      maxBytes: opts.maxBytesPerPartition * 4,
      maxWaitTimeInMs: opts.maxWaitTimeMs ?? 1_000,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    // Partitions move on a rebalance: hand over what we hold so the next owner re-reads as little as possible.
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      opts.pipeline.flush().catch((err: unknown) => opts.log.warn({ err }, 'flush before rebalance failed'));
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: this.opts.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
      eachBatch: async (payload) => {
        const run = this.handleBatch(payload);
        const tracked = run.catch(() => undefined);
        this.inFlight.add(tracked);
        try {
          await run;
        } finally {
          this.inFlight.delete(tracked);
        }
      },
    });
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    let lastBeat = Date.now();
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.stopping) break;
      // Paused mid-batch (the gate, or a timer's decision): stop here, or kafkajs would refetch the rest at once.
      if (this.paused || this.opts.shouldPause?.()) {
        this.pause();
        break;
      }
      if (message.value) await this.opts.pipeline.process({ topic, partition, offset: message.offset }, message.value);
      else await this.opts.pipeline.process({ topic, partition, offset: message.offset }, EMPTY);
      resolveOffset(message.offset);
      if (Date.now() - lastBeat > 2_000) {
        await heartbeat();
        lastBeat = Date.now();
      }
    }
    await this.opts.pipeline.settle();
  }

  /** Backpressure: stop fetching every partition of the topic (kafkajs keeps the pause across rebalances). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.consumer.pause([{ topic: this.opts.topic }]);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.consumer.resume([{ topic: this.opts.topic }]);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Committed-offset lag per partition (end offset − committed offset), read through the admin API. */
  async lag(): Promise<Array<{ partition: number; lag: number }>> {
    // One admin connection for the life of the source (a connect per check costs a metadata round trip).
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const admin = await this.admin.catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
    const ends = await admin.fetchTopicOffsets(this.opts.topic);
    const [committed] = await admin.fetchOffsets({ groupId: this.opts.groupId, topics: [this.opts.topic] });
    return ends.map((e) => {
      const c = committed?.partitions.find((p) => p.partition === e.partition);
      const start = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(e.low);
      return { partition: e.partition, lag: Math.max(0, Number(e.high) - start) };
    });
  }

  /**
   * Stops taking messages, lets the batch under way end at a message boundary, hands over what is held (enqueue +
   * commit) while still a group member — kafkajs refuses commits once the consumer has stopped, and the messages
   * would be read again by the next owner — then leaves the group.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    try {
      this.consumer.pause([{ topic: this.opts.topic }]);
    } catch {
      // Not running (start failed): nothing to pause.
    }
    await Promise.all(this.inFlight);
    await this.opts.pipeline.flush();
    await this.consumer.disconnect();
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}

const EMPTY = Buffer.alloc(0);
