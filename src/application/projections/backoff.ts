export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential up to `maxMs`, "equal jitter" (half fixed, half
 * random, so replicas that failed together do not retry together), and never sooner than the receiver's
 * Retry-After, which is honoured even above `maxMs` (the receiver knows best when it is back).
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, retryAfterMs = 0, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
  return Math.max(jittered, Math.ceil(retryAfterMs));
}
