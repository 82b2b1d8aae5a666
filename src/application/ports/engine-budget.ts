/**
 * The fleet-wide budget of calls to the analysis engine: every HTTP request any replica sends to the engine takes
 * one token first, and the outcome of each request is fed back so the budget can adapt to the engine's health.
 *
 * Classes, highest priority first (see `classCeiling` in engine-guard/budget-policy.ts for the exact rule):
 * - `interactive`: trend queries and rule CRUD, a person or the alarm platform is waiting;
 * - `poll`: alarm list pages (current and history), alarms must keep flowing;
 * - `bulk`: metric pushes, the large backlog that may wait.
 * While a higher class shows demand, lower classes may only fill the window up to the rate minus the higher
 * classes' reserved shares; without such demand, bulk may use the whole rate.
 */
export const CALL_CLASSES = ['interactive', 'poll', 'bulk'] as const;
export type CallClass = (typeof CALL_CLASSES)[number];

/**
 * What one engine request told us about the engine's load.
 * - `ok`: the engine answered (including a refusal such as 400/403 or a bad envelope): latency is a sample;
 * - `rate_limited`: 429 or its envelope equivalent: the shared rate is cut (multiplicative decrease);
 * - `failed`: network error, timeout, 5xx: left to the circuit breaker, the rate is unchanged.
 * `retryAfterMs` (from Retry-After, with any result) stops every replica's calls until that time has passed.
 */
export interface CallOutcome {
  readonly cls: CallClass;
  readonly result: 'ok' | 'rate_limited' | 'failed';
  readonly latencyMs?: number;
  readonly retryAfterMs?: number;
}

/** The shared budget as it stands, for metrics and tests. */
export interface BudgetSnapshot {
  /** Current adaptive rate in calls per window (≤ the configured cap). */
  readonly rate: number;
  /** Calls granted in the current sliding window, all classes together. */
  readonly inWindow: number;
  /** Milliseconds until calls may resume after a Retry-After; 0 when not blocked. */
  readonly blockedForMs: number;
  /** This process's grants (from `EngineBudget.snapshot`; a store has none). */
  readonly grants?: GrantStats;
}

/** How old the grants were when this process used them, how long until their answers, and how many it gave back. */
export interface GrantStats {
  /** Grants handed to callers (each one request sent at once). */
  readonly used: number;
  /** Grants older than the validity when they reached their caller: given back and asked for again. */
  readonly expired: number;
  /** Grant → send (from just before the store was asked, so an upper bound), in ms. */
  readonly ageMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Grant → answer: the measured bound on grant → arrival at the engine, in ms. */
  readonly answerMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** Permission to send one request now; hand it back through `answered` when its answer (or failure) comes. */
export interface BudgetGrant {
  readonly cls: CallClass;
  /** Names the grant in the shared store. */
  readonly token: string;
  /** When the store granted it, on the store's clock (ms). */
  readonly grantedAtMs: number;
  /** Local monotonic time (performance.now) just before the store was asked: the grant is no older than now − this. */
  readonly askedAt: number;
}

export interface EngineBudget {
  /**
   * Resolves when a call of class `cls` may be sent now; one resolution = one request, to be sent in the same
   * turn of the event loop (no await in between): the grant is fresh only at that moment. Waits as long as
   * needed (the window is full, or a Retry-After blocks the fleet). Rejects with the signal's reason when
   * aborted, or with the store's error when the shared state cannot be reached: no token, no call (fail closed).
   */
  acquire(cls: CallClass, signal?: AbortSignal): Promise<BudgetGrant>;
  /**
   * The request of `grant` has been answered or has failed: it reached the engine no later than now, which
   * replaces its provisional arrival bound with a measured one. Best effort, never throws; without it the
   * provisional bound stays (safe, costs throughput).
   */
  answered(grant: BudgetGrant): void;
  /** Best effort: resolves even when the shared state could not be updated (the implementation reports that). */
  report(outcome: CallOutcome): Promise<void>;
  snapshot(): Promise<BudgetSnapshot>;
  /** This process's grants so far (local, no I/O). */
  grantStats(): GrantStats;
}

/**
 * One attempt at the shared state: a grant (the token that names it in the store, and the store's time of it),
 * or how long to wait before the next attempt can succeed.
 */
export type BudgetAttempt =
  | { readonly granted: true; readonly token: string; readonly grantedAtMs: number }
  | { readonly granted: false; readonly waitMs: number };

/**
 * Where the budget's shared state lives (Redis for the fleet, memory for a single process and unit tests).
 * `tryAcquire` and `report` must each be atomic: the fleet-wide guarantee rests on it.
 */
export interface BudgetStore {
  tryAcquire(cls: CallClass): Promise<BudgetAttempt>;
  /**
   * Gives back a grant whose request was not sent (it became too old, or its caller went away): its slot in the
   * window is free again, and a bulk grant's place in the pacing too. Unknown or expired tokens are ignored.
   */
  release(cls: CallClass, token: string): Promise<void>;
  /** The request of a grant reached the engine no later than `latestArrivalMs` (store clock): its bound moves there. */
  confirm(token: string, latestArrivalMs: number): Promise<void>;
  report(outcome: CallOutcome): Promise<void>;
  snapshot(): Promise<BudgetSnapshot>;
}

/**
 * The per-HTTP-request hook an engine adapter calls, so that pages, 5000-item chunks and re-logins each take a
 * token. `beforeRequest` is awaited right before every request is sent (nothing awaited in between);
 * `afterResponse` is called once per request (response or transport failure), with the grant, and never throws.
 */
export interface EngineRequestHooks {
  /** Resolves when the request may be sent, now; pass what it resolves with to `afterResponse`. */
  beforeRequest(cls: CallClass, signal?: AbortSignal): Promise<BudgetGrant | undefined>;
  afterResponse(outcome: CallOutcome, grant?: BudgetGrant): void;
  /** A request sent without an outcome to report (a login, a re-send) was answered or failed. */
  answered?(grant: BudgetGrant): void;
}
