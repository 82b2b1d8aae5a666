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
  /** kafkajs retry options (restart after a crash); tests shorten them. */
  readonly retry?: { readonly retries?: number; readonly initialRetryTime?: number; readonly maxRetryTime?: number };
  /** First pause before retrying an enqueue that failed (Redis down), doubled up to 5 s (default 200). */
  readonly holdRetryMs?: number;
}

/** Why fetching is paused: the forward backlog (backpressure), or a batch Redis would not take (enqueue failing). */
type PauseReason = 'backpressure' | 'enqueue';

/**
 * The driving side of the metric flow: a kafkajs consumer-group member that turns each Kafka message into an
 * ingest command. autoCommit is off; offsets are committed by the pipeline after the enqueue (see
 * IngestPipeline). Messages are resolved one by one so kafkajs refetches from the first unprocessed message
 * after a pause; heartbeats keep long batches from costing the group membership.
 */
export class KafkaMetricSource {
  readonly kafka: Kafka;
  readonly consumer: Consumer;
  private readonly pausedBy = new Set<PauseReason>();
  private stopping = false;
  private holding: Promise<void> | undefined;
  /** eachBatch calls under way (several with partitionsConsumedConcurrently > 1); stop waits for them. */
  private readonly inFlight = new Set<Promise<void>>();
  private admin: Promise<Admin> | undefined;
  /** For readiness: a group member with partitions assigned, or why not (kafkajs's own events). */
  private membership: { state: 'joining' | 'member' | 'crashed' | 'stopped'; partitions: number; since: number; error?: string } = { state: 'joining', partitions: 0, since: Date.now() };

  constructor(private readonly opts: KafkaMetricSourceOptions) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: [...opts.brokers],
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => opts.log.warn({ kafka: entry.log }, entry.log.message),
      ...(opts.retry ? { retry: { ...opts.retry } } : {}),
    });
    this.consumer = this.kafka.consumer({
      groupId: opts.groupId,
      maxBytesPerPartition: opts.maxBytesPerPartition,
      maxBytes: opts.maxBytesPerPartition * 4,
      maxWaitTimeInMs: opts.maxWaitTimeMs ?? 1_000,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      ...(opts.retry ? { retry: { ...opts.retry } } : {}),
    });
    // Partitions move on a rebalance: hand over what we hold so the next owner re-reads as little as possible.
    this.consumer.on(this.consumer.events.REBALANCING, () => {
      opts.pipeline.flush().catch((err: unknown) => opts.log.warn({ err }, 'flush before rebalance failed'));
    });
    // After a crash kafkajs restarts the consumer with a new group member whose pause list is empty, and a pause
    // asked for during the restart window had no consumer to land on. The join comes before the first fetch of
    // the new member: re-applying the pause there keeps backpressure (no hot re-fetch of a paused topic).
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      if (this.pausedBy.size > 0) this.applyPause();
      const partitions = Object.values(e.payload.memberAssignment).reduce((n, ps) => n + ps.length, 0);
      this.membership = { state: 'member', partitions, since: Date.now() };
    });
    this.consumer.on(this.consumer.events.STOP, () => {
      this.membership = { state: 'stopped', partitions: 0, since: Date.now() };
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.membership = { state: 'crashed', partitions: 0, since: Date.now(), error: e.payload.error.message };
      opts.log.error({ err: e.payload.error, restart: e.payload.restart, paused: [...this.pausedBy] }, 'kafka consumer crashed');
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
      if (this.pausedBy.size > 0) {
        // Apply it to the consumer again: after a crash-restart the new member may not know of it yet, and
        // leaving the batch unresolved without a pause would fetch it again at once (a hot loop).
        this.applyPause();
        break;
      }
      if (this.opts.shouldPause?.()) {
        this.pause();
        break;
      }
      try {
        await this.opts.pipeline.process({ topic, partition, offset: message.offset }, message.value ?? EMPTY);
      } catch (err) {
        // The enqueue (or the commit after it) failed — Redis down or failing over. The pipeline kept this
        // message's points and position (nothing committed), so the message counts as taken; hold the consumer
        // (paused, still a group member: kafkajs keeps heartbeating while we take no messages) and retry the
        // flush until Redis takes it. Throwing instead would crash and restart the consumer in a loop.
        resolveOffset(message.offset);
        this.hold(err);
        break;
      }
      resolveOffset(message.offset);
      if (Date.now() - lastBeat > 2_000) {
        await heartbeat();
        lastBeat = Date.now();
      }
    }
    if (!this.holding) await this.opts.pipeline.settle();
  }

  /**
   * A flush the pipeline ran behind the consumer failed (IngestPipeline `onFlushFailed`): hold as for a failed
   * enqueue of the current message — pause, retry the flush with backoff, resume once Redis takes it.
   */
  enqueueFailed(err: unknown): void {
    this.hold(err);
  }

  /** Retries the pipeline's flush with backoff until it succeeds (or the source stops), paused meanwhile. */
  private hold(err: unknown): void {
    if (this.holding) return;
    this.opts.log.error({ err }, 'enqueue failed; consumer paused, points held, nothing committed');
    this.pauseFor('enqueue');
    this.holding = (async () => {
      let wait = this.opts.holdRetryMs ?? 200;
      while (!this.stopping) {
        await new Promise((r) => setTimeout(r, wait));
        try {
          await this.opts.pipeline.flush();
          this.opts.log.info('enqueue works again; consumer resumes');
          break;
        } catch (again) {
          this.opts.log.warn({ err: { message: (again as Error).message }, retryInMs: wait }, 'enqueue still failing');
          wait = Math.min(5_000, wait * 2);
        }
      }
      this.holding = undefined;
      if (!this.stopping) this.resumeFrom('enqueue');
    })();
  }

  /** Backpressure: stop fetching every partition of the topic (kafkajs keeps the pause across rebalances). */
  pause(): void {
    this.pauseFor('backpressure');
  }

  resume(): void {
    this.resumeFrom('backpressure');
  }

  private pauseFor(reason: PauseReason): void {
    const wasPaused = this.pausedBy.size > 0;
    this.pausedBy.add(reason);
    if (!wasPaused) this.applyPause();
  }

  private resumeFrom(reason: PauseReason): void {
    if (!this.pausedBy.delete(reason) || this.pausedBy.size > 0) return;
    try {
      this.consumer.resume([{ topic: this.opts.topic }]);
    } catch {
      // No running consumer (restart window): the new member starts unpaused.
    }
  }

  /** kafkajs throws while it restarts after a crash (no consumer group): the GROUP_JOIN listener re-applies it. */
  private applyPause(): void {
    try {
      this.consumer.pause([{ topic: this.opts.topic }]);
    } catch (err) {
      this.opts.log.warn({ err: { message: (err as Error).message } }, 'pause deferred until the consumer has rejoined');
    }
  }

  /** The consumer as readiness sees it: joined the group (with how many partitions), joining, crashed or stopped. */
  health(): { state: 'joining' | 'member' | 'crashed' | 'stopped'; partitions: number; since: string; paused: boolean; error?: string } {
    const { since, ...rest } = this.membership;
    return { ...rest, since: new Date(since).toISOString(), paused: this.isPaused };
  }

  get isPaused(): boolean {
    return this.pausedBy.size > 0;
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
    await this.holding;
    await this.opts.pipeline.flush();
    await this.consumer.disconnect();
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}

const EMPTY = Buffer.alloc(0);
