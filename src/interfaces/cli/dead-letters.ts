import type { Job, Queue } from 'bullmq';
import { pointsOf, type ForwardJobData } from '../../infrastructure/bullmq/forward-queue.js';

/** One dead letter as the CLI shows it: the batch, why it failed, how often it was tried. */
export interface DeadLetterSummary {
  readonly id: string;
  readonly points: number;
  readonly metrics: readonly string[];
  readonly attempts: number;
  readonly failedReason: string;
  readonly failedAt: string | null;
}

const summarise = (job: Job<ForwardJobData>, points = pointsOf(job.data)): DeadLetterSummary => ({
  id: String(job.id),
  points: points.length,
  metrics: [...new Set(points.map((p) => p.name))].slice(0, 10),
  attempts: job.attemptsMade,
  failedReason: job.failedReason,
  failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
});

/**
 * Dead letters are the forward queue's failed jobs (kept, never auto-removed). Listing is newest first;
 * replay moves a job back to waiting with fresh attempts, keeping its id so the engine can recognise a repeat.
 */
export async function listDeadLetters(queue: Queue<ForwardJobData>, limit: number): Promise<{ total: number; items: DeadLetterSummary[] }> {
  const [total, jobs] = await Promise.all([queue.getFailedCount(), queue.getFailed(0, Math.max(0, limit - 1))]);
  return { total, items: jobs.map((job) => summarise(job)) };
}

export async function showDeadLetter(queue: Queue<ForwardJobData>, id: string): Promise<(DeadLetterSummary & { sample: unknown[]; stacktrace: string[] }) | null> {
  const job = await queue.getJob(id);
  if (!job || !(await job.isFailed())) return null;
  const points = pointsOf(job.data);
  return { ...summarise(job, points), sample: points.slice(0, 5), stacktrace: (job.stacktrace ?? []).slice(-1) };
}

export interface ReplayAllOptions {
  /** Why the engine cannot take work now (the shared breaker open, e.g. because it refuses us), or undefined. */
  readonly engineUnavailable: () => Promise<string | undefined>;
  /** Dead letters moved back per step; the breaker is asked before each step (default 20). */
  readonly step?: number;
  /** Longest wait for a step's jobs to be taken by a worker before the next step (default 10 s). */
  readonly stepWaitMs?: number;
}

export interface ReplayAllResult {
  readonly replayed: string[];
  /** Dead letters of the starting snapshot not replayed (the replay stopped early). */
  readonly remaining: number;
  readonly stoppedBecause?: string;
}

/**
 * `replay --all`: replays the dead letters that exist when it starts — a snapshot of ids, so batches that fail
 * again during the replay are not replayed in a loop — a step at a time, and stops at the first sign of a
 * systemic failure (the shared breaker open: the engine is down or refuses us), so that an outage does not
 * receive the whole dead-letter set at once. What is left stays a dead letter, to replay later.
 */
export async function replayAllDeadLetters(queue: Queue<ForwardJobData>, opts: ReplayAllOptions): Promise<ReplayAllResult> {
  const snapshot: string[] = [];
  for (let from = 0; ; from += 1000) {
    const jobs = await queue.getFailed(from, from + 999);
    snapshot.push(...jobs.map((j) => String(j.id)));
    if (jobs.length < 1000) break;
  }
  const step = opts.step ?? 20;
  const replayed: string[] = [];
  for (let i = 0; i < snapshot.length; i += step) {
    const unavailable = await opts.engineUnavailable();
    if (unavailable !== undefined) return { replayed, remaining: snapshot.length - i, stoppedBecause: unavailable };
    const ids = snapshot.slice(i, i + step);
    for (const id of ids) {
      const job = await queue.getJob(id);
      if (!job || !(await job.isFailed())) continue; // replayed or removed by someone else meanwhile
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      replayed.push(id);
    }
    const until = Date.now() + (opts.stepWaitMs ?? 10_000);
    while (Date.now() < until && (await stillWaiting(queue, ids)) && (await opts.engineUnavailable()) === undefined) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { replayed, remaining: 0 };
}

const stillWaiting = async (queue: Queue<ForwardJobData>, ids: readonly string[]): Promise<boolean> => {
  for (const id of ids) {
    const state = await queue.getJobState(id);
    if (state === 'waiting' || state === 'prioritized' || state === 'delayed') return true;
  }
  return false;
};

/** Replays the given dead letters; returns the ids replayed. */
export async function replayDeadLetters(queue: Queue<ForwardJobData>, ids: readonly string[]): Promise<string[]> {
  const replayed: string[] = [];
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (!job || !(await job.isFailed())) throw new Error(`dead letter ${id} not found`);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    replayed.push(id);
  }
  return replayed;
}
