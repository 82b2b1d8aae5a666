import { isEngineError } from '../ports/engine-errors.js';

export interface RetryPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential with jitter (half fixed, half random, so a
 * fleet that failed together does not retry together), and never sooner than the engine's Retry-After.
 */
export function retryDelayMs(attempt: number, err: unknown, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  const retryAfter = isEngineError(err) ? (err.details.retryAfterMs ?? 0) : 0;
  return Math.max(jittered, retryAfter);
}
