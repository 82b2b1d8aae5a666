import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AnalysisEngine } from '../../application/ports/analysis-engine.js';
import { CircuitOpenError, type EngineBreaker } from '../../application/ports/engine-breaker.js';
import { isEngineError } from '../../application/ports/engine-errors.js';
import { retryDelayMs, type RetryPolicy } from '../../application/forwarding/retry-policy.js';
import { FORWARD_QUEUE, type ForwardJobData } from '../../infrastructure/bullmq/forward-queue.js';

/** Tells the worker whether the engine may be called now; > 0 means the fleet-wide breaker is open for that long. */
export type EngineGate = () => Promise<number>;

/** The gate of a fleet-shared breaker: open → how long it stays open (no I/O; the breaker polls Redis). */
export const breakerGate =
  (breaker: Pick<EngineBreaker, 'failFastIfOpen'>): EngineGate =>
  async () => {
    try {
      breaker.failFastIfOpen();
      return 0;
    } catch (err) {
      if (err instanceof CircuitOpenError) return Math.max(100, err.details.retryAfterMs ?? 1_000);
      throw err;
    }
  };

export interface ForwardWorkerOptions {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly engine: AnalysisEngine;
  readonly gate: EngineGate;
  readonly log: Logger;
  /** Called once per batch that exhausted its attempts (now a dead letter). */
  readonly onDeadLetter?: (job: Job<ForwardJobData>, err: Error) => void;
  readonly onForwarded?: (points: number) => void;
}

/**
 * BullMQ processor for the `forward` queue: one job = one batch = one engine push (the adapter splits further
 * if the engine's limits demand). Non-retryable engine errors fail the job at once (UnrecoverableError); the
 * others are retried with jittered exponential backoff. While the breaker is open, or after a 429, the worker
 * takes no jobs: it rate-limits the whole queue and puts the job back without spending an attempt.
 */
export function startForwardWorker(opts: ForwardWorkerOptions): { worker: Worker<ForwardJobData>; close(): Promise<void> } {
  // queue.rateLimit pauses the queue for every worker of the fleet (worker.rateLimit is deprecated in BullMQ 6).
  const queue = new Queue<ForwardJobData>(FORWARD_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  const worker = new Worker<ForwardJobData>(
    FORWARD_QUEUE,
    async (job) => {
      const blockedMs = await opts.gate();
      if (blockedMs > 0) {
        await queue.rateLimit(blockedMs);
        throw Worker.RateLimitError();
      }
      try {
        const { accepted } = await opts.engine.pushMetrics(job.data.points, String(job.id));
        opts.onForwarded?.(job.data.points.length);
        return { accepted };
      } catch (err) {
        // The circuit opened (or another replica holds the half-open probe) while this job waited, or the engine
        // said "too many requests": nothing is wrong with this batch. Put it back without spending an attempt, and
        // hold the whole queue (every replica) for the open period or the Retry-After. Spending attempts on 429s
        // would turn a rate-limit storm into dead letters.
        if (err instanceof CircuitOpenError || (isEngineError(err) && err.kind === 'rate_limited')) {
          await queue.rateLimit(Math.max(100, err.details.retryAfterMs ?? 1_000));
          throw Worker.RateLimitError();
        }
        if (isEngineError(err) && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        throw err;
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => retryDelayMs(attemptsMade, err, opts.retry) },
    },
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    const dead = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (dead) {
      opts.log.error({ err, jobId: job.id, points: job.data.points.length, attempts: job.attemptsMade }, 'batch dead-lettered');
      opts.onDeadLetter?.(job, err);
    } else {
      opts.log.warn({ err: { message: err.message }, jobId: job.id, attempt: job.attemptsMade }, 'batch push failed, will retry');
    }
  });
  worker.on('error', (err) => opts.log.error({ err }, 'forward worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
