import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { MetricBatch } from '../../domain/metric.js';
import type { MetricQueue, QueueBacklog } from '../../application/ports/metric-queue.js';
import { decodePoints, encodePoints, type CompactPoints } from './forward-job-codec.js';

export const FORWARD_QUEUE = 'forward';

/**
 * What a forward job carries: the batch itself (the job id is the batch id, also the engine request id), as
 * `compact` since issue 13 (see forward-job-codec.ts), or as `points` — jobs enqueued before that, and dead letters
 * cut down to their refused points. Read it with `pointsOf`.
 */
export type ForwardJobData =
  | { readonly points: MetricBatch['points']; readonly compact?: undefined; readonly rejected?: readonly string[] }
  | {
      readonly compact: CompactPoints;
      readonly points?: undefined;
      /** Set on a dead letter cut down to the points the engine refused: the engine's message for each. */
      readonly rejected?: readonly string[];
    };

/** How many points a job carries, for logs: never throws, 0 for a malformed job. */
export function pointCount(data: ForwardJobData): number {
  if (data.compact !== undefined) return Array.isArray(data.compact.p) ? Math.floor(data.compact.p.length / 4) : 0;
  return Array.isArray(data.points) ? data.points.length : 0;
}

/** A job's points, whichever form it carries. Decodes `compact` on each call: call it once per job. */
export function pointsOf(data: ForwardJobData): MetricBatch['points'] {
  if (data.compact !== undefined) return decodePoints(data.compact);
  if (!Array.isArray(data.points)) throw new TypeError('forward job: neither points nor compact points');
  return data.points;
}

export interface ForwardQueueOptions {
  readonly prefix: string;
  readonly attempts: number;
  /**
   * Options or an ioredis instance. The producer's connection must fail commands within a bounded time while
   * Redis is down (`maxRetriesPerRequest` ≥ 0, `commandTimeout`), never BullMQ's worker setting `null`, which
   * queues them forever: an enqueue that never fails would hold the Kafka batch and cost the group membership.
   */
  readonly connection: ConnectionOptions;
  /** After each enqueue, wait for this many replicas to hold it (`WAIT`), else fail the enqueue (default 0: no wait). */
  readonly waitReplicas?: number;
  /** Longest the replica wait may take (default 5 s). */
  readonly waitTimeoutMs?: number;
}

/**
 * BullMQ-backed MetricQueue. Completed jobs are removed at once (the engine has the data; Redis memory is the
 * scarce resource); failed jobs are kept: after the last attempt a job stays in BullMQ's failed set, which is
 * our dead-letter state (listed, inspected and replayed by the `dead-letters` CLI).
 */
export class BullmqForwardQueue implements MetricQueue {
  readonly queue: Queue<ForwardJobData>;

  constructor(private readonly opts: ForwardQueueOptions) {
    this.queue = new Queue<ForwardJobData>(FORWARD_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  }

  async enqueue(batches: readonly MetricBatch[]): Promise<void> {
    if (batches.length === 0) return;
    await this.queue.addBulk(
      batches.map((b) => ({
        name: 'push',
        data: { compact: encodePoints(b.points) },
        opts: {
          jobId: b.id,
          attempts: this.opts.attempts,
          backoff: { type: 'jitter' },
          removeOnComplete: true,
          removeOnFail: false,
        },
      })),
    );
    const replicas = this.opts.waitReplicas ?? 0;
    if (replicas > 0) {
      // WAIT covers every write this connection made before it: the addBulk above included.
      const client = this.opts.connection;
      if (!(client instanceof Redis)) throw new Error('waitReplicas needs the queue to be given its ioredis connection');
      const acked = Number(await client.call('WAIT', replicas, this.opts.waitTimeoutMs ?? 5_000));
      if (acked < replicas) throw new Error(`enqueue not durable: ${acked} of ${replicas} replica(s) acknowledged within ${this.opts.waitTimeoutMs ?? 5_000} ms`);
    }
  }

  async backlog(): Promise<QueueBacklog> {
    const c = await this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
