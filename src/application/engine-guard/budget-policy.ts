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
 * The fleet-wide budget, judged where it matters: by arrival at the engine, in every sliding 1,000 ms.
 *
 * Each grant is logged in the shared store under the latest time its request can reach the engine (its
 * "arrival bound"), and a new grant is refused while `floor(rate)` bounds lie within the last 1,000 ms. A
 * request arrives after its grant, and every earlier one no later than its bound, so N + 1 arrivals within one
 * second would need N bounds within the second before the last grant: refused. Bounds:
 * - while the request is in flight: grant + `validityMs` + `transitMs` (provisional: an older grant is given
 *   back, never used; the transit is assumed);
 * - once it is answered: grant + (answer − asking the store), measured by the replica, so a request that left
 *   late or travelled slowly moves its bound later, and a quick one frees its slot early.
 * Cost: the window a grant occupies is 1,000 ms + its measured grant → answer time (a few ms), or + validity +
 * transit while unanswered (a slow engine); bulk pacing adds `paceSlackMs`.
 */
export interface BudgetPolicy {
  /** Most calls in any 1-s window, the whole fleet together (the seed's 100/s). */
  readonly capPerSecond: number;
  /**
   * A grant is used only if its request leaves within this many ms of asking the store for it (measured locally
   * from before the call, so it bounds grant → send whatever the clocks); an older one is given back and asked
   * for again.
   */
  readonly validityMs: number;
  /** Assumed send → arrival bound for a request not answered yet (its provisional bound is validity + transit). */
  readonly transitMs: number;
  /** Bulk is paced at one grant per (1000 + paceSlackMs) / rate ms: the slack keeps it just under the window. */
  readonly paceSlackMs: number;
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
  validityMs: 25,
  transitMs: 75,
  paceSlackMs: 20,
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
  if (!(p.validityMs > 0 && p.transitMs >= 0 && p.paceSlackMs >= 0)) fail('validityMs must be > 0, transitMs and paceSlackMs ≥ 0');
  const reserved = p.reserveShare.interactive + p.reserveShare.poll;
  if (!(p.reserveShare.interactive >= 0 && p.reserveShare.poll >= 0 && reserved < 1)) fail('reserve shares must be ≥ 0 and sum below 1');
  for (const f of [p.decreaseFactor, p.latencyDecreaseFactor]) if (!(f > 0 && f < 1)) fail('decrease factors must be in (0, 1)');
  if (!(Number.isInteger(p.bulkBurst) && p.bulkBurst >= 1)) fail('bulkBurst must be an integer ≥ 1');
  if (!(p.increasePerSecond >= 0 && p.decreaseCooldownMs >= 0 && p.demandTtlMs >= 0 && p.maxRetryAfterMs >= 0 && p.latency.minRiseMs >= 0)) {
    fail('negative period or step');
  }
  return p;
};

/** The engine's window: a cap per second, judged over any 1,000 ms. */
export const ENGINE_WINDOW_MS = 1000;

/** How far after its grant a request's provisional arrival bound lies (until it is answered). */
export const provisionalBoundMs = (p: BudgetPolicy): number => p.validityMs + p.transitMs;

/** The period over which bulk grants are spread (one per paceWindowMs / rate). */
export const paceWindowMs = (p: BudgetPolicy): number => ENGINE_WINDOW_MS + p.paceSlackMs;

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
