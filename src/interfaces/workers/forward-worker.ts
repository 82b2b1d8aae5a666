import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { AnalysisEngine } from '../../application/ports/analysis-engine.js';
import type { MetricPoint } from '../../domain/metric.js';
import { CircuitOpenError, isSystemicRejection, type EngineBreaker } from '../../application/ports/engine-breaker.js';
import { isEngineError } from '../../application/ports/engine-errors.js';
import { isItemRejection, isolateRejected, IsolationInterrupted } from '../../application/forwarding/isolate-rejected.js';
import { retryDelayMs, type RetryPolicy } from '../../application/forwarding/retry-policy.js';
import { FORWARD_QUEUE, pointCount, pointsOf, type ForwardJobData } from '../../infrastructure/bullmq/forward-queue.js';

/** How long the whole queue holds after the engine refused us (login backoff may ask for longer). */
const SYSTEMIC_HOLD_MS = 1_000;

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
  /** Most requests spent bisecting one refused batch to isolate its bad points (default 100). */
  readonly isolateMaxRequests?: number;
}

/**
 * BullMQ processor for the `forward` queue: one job = one batch = one engine push (the adapter splits further
 * if the engine's limits demand). A batch the engine refuses for its content is bisected: the refused points
 * become the dead letter, the rest is delivered. A refusal of us (credentials, gateway) spends no attempt. Other
 * non-retryable engine errors fail the job at once (UnrecoverableError); the rest are retried with jittered
 * exponential backoff. While the breaker is open, or after a 429, the worker
 * takes no jobs: it rate-limits the whole queue and puts the job back without spending an attempt.
 */
export function startForwardWorker(opts: ForwardWorkerOptions): { worker: Worker<ForwardJobData>; close(): Promise<void> } {
  // queue.rateLimit pauses the queue for every worker of the fleet (worker.rateLimit is deprecated in BullMQ 6).
  const queue = new Queue<ForwardJobData>(FORWARD_QUEUE, { connection: opts.connection, prefix: opts.prefix });

  /**
   * The engine refused the whole batch for what is in it: bisect until the offending points stand alone, deliver
   * the rest, and keep only the refused points in the job, which then fails as a dead letter carrying the
   * engine's message (returns that error). A retryable failure mid-way keeps only the undelivered points in the
   * job and is returned for an ordinary retry.
   */
  const isolate = async (job: Job<ForwardJobData>, points: readonly MetricPoint[], rejection: unknown): Promise<unknown> => {
    const total = points.length;
    try {
      const r = await isolateRejected(opts.engine, points, String(job.id), rejection, { maxRequests: opts.isolateMaxRequests ?? 100 });
      opts.onForwarded?.(total - r.rejected.length);
      if (r.rejected.length === 0) return undefined;
      const reasons = [...new Set(r.rejected.map((x) => x.reason))];
      await job.updateData({ points: r.rejected.map((x) => x.point), rejected: r.rejected.map((x) => x.reason) });
      opts.log.warn({ jobId: job.id, refused: r.rejected.length, delivered: total - r.rejected.length, requests: r.requests }, 'engine refused points; the rest delivered');
      return new UnrecoverableError(`ENGINE.REJECTED: the engine refused ${r.rejected.length} of ${total} points (${r.requests} requests to isolate them; the rest delivered): ${reasons.slice(0, 3).join(' | ')}`);
    } catch (err) {
      if (!(err instanceof IsolationInterrupted)) throw err;
      opts.onForwarded?.(total - err.remaining.length);
      if (err.remaining.length < total) await job.updateData({ points: [...err.remaining] });
      return err.failure;
    }
  };
  const worker = new Worker<ForwardJobData>(
    FORWARD_QUEUE,
    async (job) => {
      const blockedMs = await opts.gate();
      if (blockedMs > 0) {
        await queue.rateLimit(blockedMs);
        throw Worker.RateLimitError();
      }
      // Either job form (compact since issue 13, points before): decoded once per attempt.
      const points = pointsOf(job.data);
      try {
        const { accepted } = await opts.engine.pushMetrics(points, String(job.id));
        opts.onForwarded?.(points.length);
        return { accepted };
      } catch (first) {
        let err = first;
        if (isItemRejection(first) && points.length > 1) {
          err = await isolate(job, points, first);
          if (err === undefined) return { accepted: points.length };
        }
        // The circuit opened (or another replica holds the half-open probe) while this job waited, or the engine
        // said "too many requests": nothing is wrong with this batch. Put it back without spending an attempt, and
        // hold the whole queue (every replica) for the open period or the Retry-After. Spending attempts on 429s
        // would turn a rate-limit storm into dead letters.
        if (err instanceof CircuitOpenError || (isEngineError(err) && err.kind === 'rate_limited')) {
          await queue.rateLimit(Math.max(100, err.details.retryAfterMs ?? 1_000));
          throw Worker.RateLimitError();
        }
        // The engine refuses us (credentials, a gateway's 401/403/404, HTML under 200): every batch would meet the
        // same answer, so none is dead-lettered for it. The job goes back without spending an attempt and the queue
        // holds briefly; after `systemicThreshold` of these in a row the breaker opens for the fleet (an outage).
        if (isSystemicRejection(err) && isEngineError(err)) {
          opts.log.warn({ jobId: job.id, err: { message: err.message } }, 'engine refuses us; batch put back');
          await queue.rateLimit(Math.max(SYSTEMIC_HOLD_MS, err.details.retryAfterMs ?? 0));
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
      opts.log.error({ err, jobId: job.id, points: pointCount(job.data), attempts: job.attemptsMade }, 'batch dead-lettered');
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
