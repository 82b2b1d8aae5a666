import { Queue, type ConnectionOptions } from 'bullmq';
import type { MetricBatch } from '../../domain/metric.js';
import type { MetricQueue, QueueBacklog } from '../../application/ports/metric-queue.js';

export const FORWARD_QUEUE = 'forward';

/** What a forward job carries: the batch itself (the job id is the batch id, also the engine request id). */
export interface ForwardJobData {
  readonly points: MetricBatch['points'];
  /** Set on a dead letter cut down to the points the engine refused: the engine's message for each. */
  readonly rejected?: readonly string[];
}

export interface ForwardQueueOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly attempts: number;
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
        data: { points: b.points },
        opts: {
          jobId: b.id,
          attempts: this.opts.attempts,
          backoff: { type: 'jitter' },
          removeOnComplete: true,
          removeOnFail: false,
        },
      })),
    );
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
