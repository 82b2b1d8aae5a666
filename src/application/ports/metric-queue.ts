import type { MetricBatch } from '../../domain/metric.js';

/** How much forwarding work is buffered (in batches), for backpressure and the dashboard. */
export interface QueueBacklog {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
}

/**
 * The buffer between ingest and the engine. `enqueue` resolves only once the batches are durably stored
 * (Redis acknowledged): Kafka offsets are committed after it, never before.
 */
export interface MetricQueue {
  enqueue(batches: readonly MetricBatch[]): Promise<void>;
  backlog(): Promise<QueueBacklog>;
  close(): Promise<void>;
}
