import { randomUUID } from 'node:crypto';
import type { MetricPoint } from '../../domain/metric.js';
import { MAX_RAW_LENGTH, MessageRejected, type MessageRejectReason } from '../ingest/payload-decoder.js';
import type { MetricQueue } from '../ports/metric-queue.js';
import { Batcher, type BatcherLimits } from './batcher.js';

/** A position in the source stream (Kafka: topic/partition/offset). */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Receives what one payload decodes to: accepted points and bad lines. */
export interface PayloadSink {
  accept(point: MetricPoint): void;
  badLine(reason: string, raw: string): void;
}

export interface BadLine extends SourcePosition {
  readonly reason: string;
  readonly raw: string;
}

/** A message refused whole: nothing it decoded to is forwarded, its position is committed like any other. */
export interface RejectedMessage extends SourcePosition {
  readonly reason: MessageRejectReason;
  readonly error: unknown;
  readonly bytes: number;
}

export interface IngestPipelineDeps {
  /** Decodes and filters one payload (closure over the current allowlist and the tally). */
  readonly decode: (payload: Buffer, sink: PayloadSink) => void;
  readonly queue: MetricQueue;
  /** Marks positions as done in the source: called only after everything before them is enqueued. */
  readonly commit: (next: readonly SourcePosition[]) => Promise<void>;
  readonly onBadLines?: (lines: readonly BadLine[]) => void;
  /** A message was refused whole (it is also among the next onBadLines, raw, with its reason). Must not throw. */
  readonly onRejectedMessage?: (rejected: RejectedMessage) => void;
  readonly limits: BatcherLimits;
  readonly maxLingerMs: number;
  /**
   * Flushes of full batches `process` may leave running while it takes the next messages (default 0: it awaits
   * each). Above 0 the source decodes on while Redis stores the previous batch; at the limit `process` waits for
   * the oldest. Flushes still run one after another, so commits stay in order and each follows its enqueue.
   */
  readonly flushesInFlight?: number;
  /**
   * A flush behind `process` failed (Redis down): its points and positions are back in the pipeline, and the
   * caller must retry `flush` until it succeeds (the Kafka source holds: pauses and retries). Called at once, not
   * at the next message: the source may have no next message. Without it, the next `process` throws the error.
   */
  readonly onFlushFailed?: (err: unknown) => void;
  /**
   * Default: a random UUID per batch. The id is the BullMQ job id and the engine's X-Request-Id base, both of
   * which de-duplicate: an id that repeats (a boot id + counter after a restart) would silently drop a batch.
   */
  readonly newBatchId?: (seq: number) => string;
  readonly onError?: (err: unknown) => void;
}

/**
 * Ingest command handling: payload → decode+filter → batches → queue → commit.
 *
 * Delivery guarantee: a source position is committed only after every point decoded from it and from every
 * earlier payload is in the queue (acknowledged by Redis). One open batch is shared by all partitions, so a
 * successful flush makes everything processed before it committable. A crash loses nothing: at most the
 * uncommitted payloads are read again (at-least-once). Flushes are serialised; the linger timer and a full
 * batch both go through the same chain. With `flushesInFlight` > 0 a full batch's flush runs behind `process`
 * (bounded): its failure goes to `onFlushFailed`, or else is thrown by the next `process` call.
 */
export class IngestPipeline {
  private readonly batcher: Batcher;
  private processed = new Map<string, SourcePosition>();
  private chain: Promise<void> = Promise.resolve();
  private linger: NodeJS.Timeout | undefined;
  private badLines: BadLine[] = [];
  private current: SourcePosition = { topic: '', partition: 0, offset: '0' };
  private readonly sink: PayloadSink;
  /** The current message's points: handed to the batcher only once the whole message decoded. */
  private readonly staged: MetricPoint[] = [];
  /** Flushes started by `process` and not yet awaited, oldest first (at most `flushesInFlight`). */
  private readonly running: Array<Promise<void>> = [];
  /** A background flush failed: thrown once by the next `process` (the source then holds and retries). */
  private failure: { err: unknown } | undefined;
  /** Flushes called whose run has not yet taken the batches. */
  private queued = 0;

  constructor(private readonly deps: IngestPipelineDeps) {
    this.batcher = new Batcher(deps.limits, deps.newBatchId ?? (() => randomUUID()));
    const staged = this.staged;
    this.sink = {
      accept: (p) => staged.push(p),
      badLine: (reason, raw) => this.badLines.push({ ...this.current, reason, raw }),
    };
  }

  /**
   * Handles one payload; resolves once any batch it filled is enqueued and committed. A message is all or
   * nothing: any exception while decoding, filtering or staging it (a MessageRejected limit, a RangeError, a
   * decoder bug) drops what it produced, quarantines it whole and counts it, and its position is committed like
   * any other, so one poison message never stops its partition nor repeats a good prefix of itself.
   */
  async process(position: SourcePosition, payload: Buffer): Promise<void> {
    this.current = position;
    const staged = this.staged;
    const badMark = this.badLines.length;
    try {
      this.deps.decode(payload, this.sink);
    } catch (err) {
      staged.length = 0;
      this.badLines.length = badMark;
      this.reject(position, payload, err);
    }
    for (let i = 0; i < staged.length; i++) this.batcher.add(staged[i]!);
    staged.length = 0;
    this.processed.set(`${position.topic}\u0000${position.partition}`, position);
    if (this.batcher.hasFullBatch) {
      const window = this.deps.flushesInFlight ?? 0;
      if (window <= 0) return this.flush();
      // A flush queued but not yet started will take this batch too: one more would only make a small job.
      if (this.queued === 0) this.startFlush();
      while (this.running.length > window) await this.running[0];
    }
    this.throwFailure();
  }

  /** A flush behind `process`: settles into `running` (never rejects), its error kept for `throwFailure`. */
  private startFlush(): void {
    const done = (): void => {
      this.running.splice(this.running.indexOf(tracked), 1);
    };
    const tracked: Promise<void> = this.flush().then(done, (err: unknown) => {
      done();
      const report = this.deps.onFlushFailed;
      if (report === undefined) {
        this.failure ??= { err };
        return;
      }
      try {
        report(err);
      } catch {
        // Reporting must not leave a rejected promise behind; the points are held either way.
      }
    });
    this.running.push(tracked);
  }

  private throwFailure(): void {
    const f = this.failure;
    if (f === undefined) return;
    this.failure = undefined;
    throw f.err;
  }

  /** End of a source batch: commit at once when nothing is pending, else let the linger timer flush. */
  async settle(): Promise<void> {
    if (this.batcher.pending === 0) {
      await this.flush();
    } else if (!this.linger) {
      this.linger = setTimeout(() => {
        this.linger = undefined;
        this.flush().catch((err: unknown) => this.deps.onError?.(err));
      }, this.deps.maxLingerMs);
      this.linger.unref();
    }
  }

  /** Enqueues everything pending, then commits every position processed before the flush began. */
  flush(): Promise<void> {
    this.queued++;
    const run = async (): Promise<void> => {
      this.queued--;
      if (this.linger) {
        clearTimeout(this.linger);
        this.linger = undefined;
      }
      const batches = this.batcher.take();
      const positions = [...this.processed.values()];
      this.processed = new Map();
      const bad = this.badLines.splice(0);
      if (bad.length > 0) this.deps.onBadLines?.(bad);
      try {
        if (batches.length > 0) await this.deps.queue.enqueue(batches);
      } catch (err) {
        // Not enqueued → not committed; the points return to the batcher so nothing is lost if the caller retries.
        for (const b of batches) for (const p of b.points) this.batcher.add(p);
        // A later message of the same partition may have been processed meanwhile: keep the later position.
        for (const p of positions) {
          const key = `${p.topic}\u0000${p.partition}`;
          if (!this.processed.has(key)) this.processed.set(key, p);
        }
        throw err;
      }
      if (positions.length > 0) await this.deps.commit(positions.map((p) => ({ ...p, offset: (BigInt(p.offset) + 1n).toString() })));
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private reject(position: SourcePosition, payload: Buffer, error: unknown): void {
    const reason = error instanceof MessageRejected ? error.reason : 'decode_error';
    // Cut before converting: the quarantine keeps a few KiB of it anyway.
    const raw = payload.subarray(0, MAX_RAW_LENGTH * 4).toString('utf8');
    this.badLines.push({ ...position, reason, raw });
    try {
      this.deps.onRejectedMessage?.({ ...position, reason, error, bytes: payload.length });
    } catch {
      // Reporting must never turn a refused message into a stopped partition.
    }
  }

  /**
   * Full batches not yet handed to the queue: with flushes in flight they wait behind the one under way, and a
   * backpressure gate must count them (the queue only learns of them at the hand-over).
   */
  get batchesAwaitingFlush(): number {
    return this.batcher.fullBatches;
  }

  /** Points accepted but not yet enqueued. */
  get pending(): number {
    return this.batcher.pending;
  }
}
