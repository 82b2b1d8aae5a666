import type { Job, Queue } from 'bullmq';
import type { ForwardJobData } from '../../infrastructure/bullmq/forward-queue.js';

/** One dead letter as the CLI shows it: the batch, why it failed, how often it was tried. */
export interface DeadLetterSummary {
  readonly id: string;
  readonly points: number;
  readonly metrics: readonly string[];
  readonly attempts: number;
  readonly failedReason: string;
  readonly failedAt: string | null;
}

const summarise = (job: Job<ForwardJobData>): DeadLetterSummary => ({
  id: String(job.id),
  points: job.data.points.length,
  metrics: [...new Set(job.data.points.map((p) => p.name))].slice(0, 10),
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
  return { total, items: jobs.map(summarise) };
}

export async function showDeadLetter(queue: Queue<ForwardJobData>, id: string): Promise<(DeadLetterSummary & { sample: unknown[]; stacktrace: string[] }) | null> {
  const job = await queue.getJob(id);
  if (!job || !(await job.isFailed())) return null;
  return { ...summarise(job), sample: job.data.points.slice(0, 5), stacktrace: (job.stacktrace ?? []).slice(-1) };
}

/** Replays the given dead letters (all of them when `ids` is 'all'); returns the ids replayed. */
export async function replayDeadLetters(queue: Queue<ForwardJobData>, ids: readonly string[] | 'all'): Promise<string[]> {
  const replayed: string[] = [];
  if (ids === 'all') {
    for (;;) {
      const jobs = await queue.getFailed(0, 99);
      if (jobs.length === 0) break;
      for (const job of jobs) {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        replayed.push(String(job.id));
      }
    }
    return replayed;
  }
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (!job || !(await job.isFailed())) throw new Error(`dead letter ${id} not found`);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    replayed.push(id);
  }
  return replayed;
}
