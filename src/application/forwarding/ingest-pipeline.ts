import type { MetricPoint } from '../../domain/metric.js';
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

export interface IngestPipelineDeps {
  /** Decodes and filters one payload (closure over the current allowlist and the tally). */
  readonly decode: (payload: Buffer, sink: PayloadSink) => void;
  readonly queue: MetricQueue;
  /** Marks positions as done in the source: called only after everything before them is enqueued. */
  readonly commit: (next: readonly SourcePosition[]) => Promise<void>;
  readonly onBadLines?: (lines: readonly BadLine[]) => void;
  readonly limits: BatcherLimits;
  readonly maxLingerMs: number;
  readonly newBatchId: (seq: number) => string;
  readonly onError?: (err: unknown) => void;
}

/**
 * Ingest command handling: payload → decode+filter → batches → queue → commit.
 *
 * Delivery guarantee: a source position is committed only after every point decoded from it and from every
 * earlier payload is in the queue (acknowledged by Redis). One open batch is shared by all partitions, so a
 * successful flush makes everything processed before it committable. A crash loses nothing: at most the
 * uncommitted payloads are read again (at-least-once). Flushes are serialised; the linger timer and a full
 * batch both go through the same chain.
 */
export class IngestPipeline {
  private readonly batcher: Batcher;
  private processed = new Map<string, SourcePosition>();
  private chain: Promise<void> = Promise.resolve();
  private linger: NodeJS.Timeout | undefined;
  private badLines: BadLine[] = [];
  private current: SourcePosition = { topic: '', partition: 0, offset: '0' };
  private readonly sink: PayloadSink;

  constructor(private readonly deps: IngestPipelineDeps) {
    this.batcher = new Batcher(deps.limits, deps.newBatchId);
    const badLines = this.badLines;
    this.sink = {
      accept: (p) => this.batcher.add(p),
      badLine: (reason, raw) => badLines.push({ ...this.current, reason, raw }),
    };
  }

  /** Handles one payload; resolves once any batch it filled is enqueued and committed. */
  async process(position: SourcePosition, payload: Buffer): Promise<void> {
    this.current = position;
    this.deps.decode(payload, this.sink);
    this.processed.set(`${position.topic}\u0000${position.partition}`, position);
    if (this.batcher.hasFullBatch) await this.flush();
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
    const run = async (): Promise<void> => {
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
        for (const p of positions) this.processed.set(`${p.topic}\u0000${p.partition}`, p);
        throw err;
      }
      if (positions.length > 0) await this.deps.commit(positions.map((p) => ({ ...p, offset: (BigInt(p.offset) + 1n).toString() })));
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Points accepted but not yet enqueued. */
  get pending(): number {
    return this.batcher.pending;
  }
}
