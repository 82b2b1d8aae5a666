import type { CallClass } from '../ports/engine-budget.js';

/** How latency samples cut the rate; averages are kept per call class (a 5000-point push is not a trend query). */
export interface LatencyPolicy {
  /** EWMA weight of the recent average (reacts within a few calls). */
  readonly shortAlpha: number;
  /** EWMA weight of the baseline average (follows over tens of calls). */
  readonly longAlpha: number;
  /** The engine is slowing down when recent > baseline × riseFactor and recent − baseline ≥ minRiseMs ... */
  readonly riseFactor: number;
  /**
   * ... (the absolute part: at a baseline of a few ms, one scheduling hiccup or GC pause in the caller doubles
   * the recent average without the engine being any slower, and would cut the fleet's rate every few seconds) ...
   */
  readonly minRiseMs: number;
  /** ... or when recent > ceilingMs (0 turns the absolute ceiling off). */
  readonly ceilingMs: number;
  /** Samples a class needs before its latency may cut the rate (no baseline before that). */
  readonly minSamples: number;
}

/**
 * The fleet-wide budget. Window: a sliding window of `1000 + marginMs` ms holds at most `floor(rate)` grants,
 * so every interval of that length does too — in particular every wall-clock second, however it is aligned and
 * whatever the engine's clock offset, as long as the time from grant to arrival at the engine varies by less
 * than `marginMs` between requests. The price: the sustained rate is cap × 1000 / (1000 + marginMs)
 * (≈ 95.2/s for the defaults).
 */
export interface BudgetPolicy {
  /** Most calls in any 1-s window, the whole fleet together (the seed's 100/s). */
  readonly capPerSecond: number;
  readonly marginMs: number;
  /**
   * Share of the current rate held back for a class while it shows demand (an acquire in the last
   * `demandTtlMs`): poll and bulk stop at rate × (1 − interactive) so interactive calls find room at once;
   * bulk also stops at rate × (1 − interactive − poll) while polls wait.
   */
  readonly reserveShare: { readonly interactive: number; readonly poll: number };
  readonly demandTtlMs: number;
  /**
   * Bulk grants are also paced at the rate (one per window ÷ rate), at most this many back to back. A backlog
   * then spreads its share over the window instead of taking it in one burst at the window's start, so slots
   * free up continuously: a newly arriving interactive call or poll waits about one spacing (≈ 10 ms), not
   * until the window turns over, and the engine sees a steady stream. The tolerance also absorbs timer lag.
   */
  readonly bulkBurst: number;
  /** The adaptive rate never goes below this (calls per window). */
  readonly minRate: number;
  /** Multiplicative decrease on a 429 (0.5 halves the rate). */
  readonly decreaseFactor: number;
  /** Multiplicative decrease when latency rises (gentler than a 429: latency is a softer signal). */
  readonly latencyDecreaseFactor: number;
  /** A longer Retry-After is taken as this much: one odd header must not stop the whole fleet for hours. */
  readonly maxRetryAfterMs: number;
  /** At most one decrease per this period: one overload burst seen by many calls counts once. */
  readonly decreaseCooldownMs: number;
  /** Additive increase: the rate climbs by this much per second during which calls succeed. */
  readonly increasePerSecond: number;
  readonly latency: LatencyPolicy;
}

export const defaultBudgetPolicy: BudgetPolicy = {
  capPerSecond: 100,
  marginMs: 50,
  reserveShare: { interactive: 0.1, poll: 0.1 },
  demandTtlMs: 1050,
  bulkBurst: 5,
  minRate: 5,
  decreaseFactor: 0.5,
  latencyDecreaseFactor: 0.8,
  maxRetryAfterMs: 60_000,
  decreaseCooldownMs: 1000,
  increasePerSecond: 10,
  latency: { shortAlpha: 0.3, longAlpha: 0.02, riseFactor: 2, minRiseMs: 100, ceilingMs: 0, minSamples: 20 },
};

export type BudgetPolicyOverrides = Partial<Omit<BudgetPolicy, 'latency' | 'reserveShare'>> & {
  readonly latency?: Partial<LatencyPolicy>;
  readonly reserveShare?: Partial<BudgetPolicy['reserveShare']>;
};

/** Defaults plus overrides, checked: a misconfigured budget fails at start-up, not under load. */
export const budgetPolicy = (overrides: BudgetPolicyOverrides = {}): BudgetPolicy => {
  const d = defaultBudgetPolicy;
  const p: BudgetPolicy = {
    ...d,
    ...overrides,
    reserveShare: { ...d.reserveShare, ...overrides.reserveShare },
    latency: { ...d.latency, ...overrides.latency },
  };
  const fail = (what: string): never => {
    throw new RangeError(`engine budget policy: ${what}`);
  };
  if (!(p.capPerSecond >= 1)) fail('capPerSecond must be ≥ 1');
  if (!(p.minRate >= 1 && p.minRate <= p.capPerSecond)) fail('minRate must be in [1, capPerSecond]');
  if (!(p.marginMs >= 0)) fail('marginMs must be ≥ 0');
  const reserved = p.reserveShare.interactive + p.reserveShare.poll;
  if (!(p.reserveShare.interactive >= 0 && p.reserveShare.poll >= 0 && reserved < 1)) fail('reserve shares must be ≥ 0 and sum below 1');
  for (const f of [p.decreaseFactor, p.latencyDecreaseFactor]) if (!(f > 0 && f < 1)) fail('decrease factors must be in (0, 1)');
  if (!(Number.isInteger(p.bulkBurst) && p.bulkBurst >= 1)) fail('bulkBurst must be an integer ≥ 1');
  if (!(p.increasePerSecond >= 0 && p.decreaseCooldownMs >= 0 && p.demandTtlMs >= 0 && p.maxRetryAfterMs >= 0 && p.latency.minRiseMs >= 0)) {
    fail('negative period or step');
  }
  return p;
};

/** Length of the sliding window in ms. */
export const windowMs = (p: BudgetPolicy): number => 1000 + p.marginMs;

/** Grants allowed per window at a given adaptive rate. */
export const limitOf = (rate: number): number => Math.max(1, Math.floor(rate));

export interface Demand {
  readonly interactive: boolean;
  readonly poll: boolean;
}

/**
 * How full the window may be for a class to still get a grant. Interactive may fill it; every class keeps at
 * least one call per window so nothing starves outright at very low rates. Mirrored in Lua
 * (infrastructure/redis/redis-engine-budget-scripts.ts): change both together.
 */
export const classCeiling = (cls: CallClass, limit: number, demand: Demand, p: BudgetPolicy): number => {
  const forInteractive = demand.interactive ? Math.ceil(limit * p.reserveShare.interactive) : 0;
  const forPoll = demand.poll ? Math.ceil(limit * p.reserveShare.poll) : 0;
  switch (cls) {
    case 'interactive':
      return limit;
    case 'poll':
      return Math.max(1, limit - forInteractive);
    case 'bulk':
      return Math.max(1, limit - forInteractive - forPoll);
    default: {
      const unknown: never = cls;
      throw new TypeError(`unknown call class ${String(unknown)}`);
    }
  }
};

/**
 * The pacing rule for bulk (GCRA): `tat` is the theoretical arrival time of the next bulk grant. A grant is
 * allowed while tat is at most (burst − 1) spacings ahead of now; each grant moves tat one spacing on.
 * Mirrored in Lua.
 */
export const paceBulk = (
  tat: number,
  nowMs: number,
  limit: number,
  windowLengthMs: number,
  burst: number,
): { readonly waitMs: number; readonly nextTat: number } => {
  const spacing = windowLengthMs / limit;
  const from = Math.max(tat, nowMs);
  const ahead = from - (burst - 1) * spacing - nowMs;
  return { waitMs: ahead > 0 ? Math.ceil(ahead) : 0, nextTat: from + spacing };
};
