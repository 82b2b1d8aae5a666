import { EngineError, isEngineError } from './engine-errors.js';

/**
 * closed: calls go through. open: nobody calls the engine until the shared open period ends.
 * half_open: the open period ended; one probe at a time across the fleet decides between closed and open.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerStateChange {
  readonly state: BreakerState;
  readonly previous: BreakerState;
  /** For open: how long the shared open period still runs. */
  readonly retryAfterMs: number;
  /** Why this replica opened it, when it did: the engine's last answer (e.g. "engine rejects us: … login refused"). */
  readonly cause?: string;
}

/**
 * A circuit breaker around engine calls whose state is shared by every replica.
 * `run` fails fast with `CircuitOpenError` (never touching the engine) while the circuit is open, or half-open
 * with another replica's probe in flight.
 */
export interface EngineBreaker {
  run<T>(call: () => Promise<T>): Promise<T>;
  /** Throws `CircuitOpenError` when the last known shared state is an open period that has not ended; no I/O. */
  failFastIfOpen(): void;
  /** Last known shared state (refreshed by every call and by a background poll). */
  readonly state: BreakerState;
  /**
   * Set while the circuit is not closed because this replica saw the engine refuse us (systemic rejections in a
   * row, see `isSystemicRejection`): the last such answer. Cleared when the circuit closes.
   */
  readonly rejectsUs: { readonly cause: string; readonly since: number } | undefined;
  /** Re-reads the shared state now (and notifies listeners of a change). */
  refresh(): Promise<BreakerState>;
  /** Called on every change of the shared state this replica observes; returns the unsubscribe function. */
  onStateChange(listener: (change: BreakerStateChange) => void): () => void;
  /** Stops the background poll. */
  stop(): void;
}

/** What the shared store answers when a call asks to go through. */
export type SharedBreakerCheck =
  | { readonly state: 'closed' }
  | { readonly state: 'open'; readonly retryAfterMs: number }
  /** `probe: true`: this caller holds the fleet's single probe lease and must settle it. */
  | { readonly state: 'half_open'; readonly probe: boolean; readonly retryAfterMs: number };

/**
 * The fleet-shared part of the breaker (Redis in production). Each method is atomic.
 * - `check(token)`: the current state; when half-open and no probe is running, takes the probe lease for `token`.
 *   `check()` without a token only reads.
 * - `trip(openMs)`: opens the circuit for everyone for `openMs` (no-op while already open).
 * - `settleProbe(token, healthy, openMs)`: healthy closes the circuit for everyone; otherwise reopens it.
 */
export interface SharedBreakerStore {
  check(probeToken?: string): Promise<SharedBreakerCheck>;
  trip(openMs: number): Promise<void>;
  settleProbe(probeToken: string, healthy: boolean, openMs: number): Promise<void>;
}

/** The engine was not called because the shared circuit is open (or half-open with a probe in flight). */
export class CircuitOpenError extends EngineError {
  constructor(
    readonly circuit: 'open' | 'half_open',
    retryAfterMs: number,
  ) {
    super('unavailable', `engine circuit ${circuit}: not calling the engine`, true, { retryAfterMs });
    this.name = 'CircuitOpenError';
  }
}

export const isCircuitOpenError = (e: unknown): e is CircuitOpenError => e instanceof CircuitOpenError;

/**
 * An answer that says "the engine refuses us", not "this batch is bad": refused credentials (a wrong or rotated
 * password, after the one re-login), HTTP 401/403/404/407 or envelope 401/403 (a gateway or a changed route in
 * front of the engine), or a body that is not JSON at all (an HTML page under HTTP 200). Every call would get the same answer,
 * so such a failure is an outage to wait out, never a reason to dead-letter the batch that happened to meet it.
 * (A JSON answer with a missing field stays a per-call `contract` error.)
 */
export const isSystemicRejection = (e: unknown): boolean => {
  if (!isEngineError(e) || isCircuitOpenError(e)) return false;
  if (e.kind === 'auth') return true;
  if (e.kind === 'contract') return e.details.field === 'body';
  if (e.kind !== 'rejected') return false;
  // HTTP 404 is a route that is not there (a gateway, a moved API); an envelope 404 is a resource that is not
  // there ("rule not found"): an answer about one call, not about us.
  const { status, engineCode } = e.details;
  if (status === 401 || status === 403 || status === 404 || status === 407) return true;
  return engineCode === 401 || engineCode === 403;
};

/**
 * Whether an error says the engine is unhealthy. `rejected` and `contract` mean the engine answered: they never
 * trip the breaker unless they are systemic (`isSystemicRejection`: the engine refuses every call of ours). Errors that are not `EngineError` (a raw network
 * failure that escaped an adapter) count: the breaker errs on the side of sparing the engine.
 */
export const countsAsEngineFailure = (e: unknown): boolean => {
  if (isCircuitOpenError(e)) return false;
  if (!isEngineError(e)) return true;
  if (isSystemicRejection(e)) return true;
  if (e.kind === 'rejected' || e.kind === 'contract') return false;
  return e.retryable || e.kind === 'unavailable' || e.kind === 'server' || e.kind === 'rate_limited';
};
