import type { CallClass, CallOutcome } from '../ports/engine-budget.js';
import type { BudgetPolicy, LatencyPolicy } from './budget-policy.js';

export interface LatencyStats {
  readonly short: number;
  readonly long: number;
  readonly samples: number;
}

/** The adaptive part of the shared budget state. Times are epoch ms of the store's clock. */
export interface AimdState {
  readonly rate: number;
  /** No call may be granted before this (a Retry-After). */
  readonly blockedUntilMs: number;
  /** Additive increase counts success time from here; never earlier than the end of a block. */
  readonly lastIncreaseAtMs: number;
  readonly lastDecreaseAtMs: number;
  readonly latency: Readonly<Partial<Record<CallClass, LatencyStats>>>;
}

export const initialAimdState = (p: BudgetPolicy): AimdState => ({
  rate: p.capPerSecond,
  blockedUntilMs: 0,
  lastIncreaseAtMs: 0,
  lastDecreaseAtMs: 0,
  latency: {},
});

export const updateLatency = (prev: LatencyStats | undefined, sampleMs: number, p: LatencyPolicy): LatencyStats =>
  prev === undefined
    ? { short: sampleMs, long: sampleMs, samples: 1 }
    : {
        short: prev.short + p.shortAlpha * (sampleMs - prev.short),
        long: prev.long + p.longAlpha * (sampleMs - prev.long),
        samples: prev.samples + 1,
      };

export const isSlowingDown = (s: LatencyStats, p: LatencyPolicy): boolean =>
  s.samples >= p.minSamples &&
  ((s.short > s.long * p.riseFactor && s.short - s.long >= p.minRiseMs) || (p.ceilingMs > 0 && s.short > p.ceilingMs));

/** Increases count at most this much elapsed time at once, so one success after a quiet hour is one step. */
const MAX_INCREASE_STEP_MS = 1000;

/**
 * AIMD on the shared rate, one outcome at a time (atomic in the store). A 429 or rising latency cuts the rate
 * (once per cooldown, floored at minRate); an `ok` outside a cut raises it by increasePerSecond per second of
 * elapsed success time (capped); a Retry-After blocks every class until then, and the climb restarts only after
 * the block. Mirrored in Lua (infrastructure/redis/redis-engine-budget-scripts.ts): change both together.
 */
export const applyOutcome = (s: AimdState, o: CallOutcome, nowMs: number, p: BudgetPolicy): AimdState => {
  let rate = Math.min(p.capPerSecond, Math.max(p.minRate, s.rate));
  let { blockedUntilMs, lastIncreaseAtMs, lastDecreaseAtMs, latency } = s;
  if (o.retryAfterMs !== undefined && o.retryAfterMs > 0) {
    blockedUntilMs = Math.max(blockedUntilMs, nowMs + Math.min(o.retryAfterMs, p.maxRetryAfterMs));
  }
  lastIncreaseAtMs = Math.max(lastIncreaseAtMs, blockedUntilMs);

  let factor = 1;
  if (o.result === 'rate_limited') factor = p.decreaseFactor;
  else if (o.result === 'ok' && o.latencyMs !== undefined) {
    const stats = updateLatency(latency[o.cls], o.latencyMs, p.latency);
    latency = { ...latency, [o.cls]: stats };
    if (isSlowingDown(stats, p.latency)) factor = p.latencyDecreaseFactor;
  }

  if (factor < 1) {
    if (nowMs - lastDecreaseAtMs >= p.decreaseCooldownMs) {
      rate = Math.max(p.minRate, rate * factor);
      lastDecreaseAtMs = nowMs;
      lastIncreaseAtMs = Math.max(nowMs, blockedUntilMs);
    }
  } else if (o.result === 'ok' && nowMs > lastIncreaseAtMs) {
    const elapsed = Math.min(nowMs - lastIncreaseAtMs, MAX_INCREASE_STEP_MS);
    rate = Math.min(p.capPerSecond, rate + (p.increasePerSecond * elapsed) / 1000);
    lastIncreaseAtMs = nowMs;
  }
  return { rate, blockedUntilMs, lastIncreaseAtMs, lastDecreaseAtMs, latency };
};
