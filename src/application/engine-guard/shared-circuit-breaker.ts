import { randomUUID } from 'node:crypto';
import CircuitBreaker from 'opossum';
import {
  CircuitOpenError,
  countsAsEngineFailure,
  isSystemicRejection,
  type BreakerState,
  type BreakerStateChange,
  type EngineBreaker,
  type SharedBreakerCheck,
  type SharedBreakerStore,
} from '../ports/engine-breaker.js';

export interface SharedCircuitBreakerOptions {
  /** How long the circuit stays open for the whole fleet once any replica trips it (opossum's resetTimeout). */
  readonly resetTimeoutMs?: number;
  /** Opossum's failure-rate rule, per replica, over its rolling window: trips when exceeded. */
  readonly errorThresholdPercentage?: number;
  /** Calls in the rolling window before the failure rate can trip the circuit. */
  readonly volumeThreshold?: number;
  readonly rollingCountTimeoutMs?: number;
  /** Which errors count as the engine failing; the default leaves out `rejected` and `contract`. */
  readonly isFailure?: (err: unknown) => boolean;
  /**
   * Systemic rejections (`isSystemicRejection`: refused credentials, 401/403/404 from a gateway, HTML under 200)
   * in a row that open the circuit for the fleet, whatever the failure rate (default 5). Any other answer resets
   * the count.
   */
  readonly systemicThreshold?: number;
  readonly isSystemic?: (err: unknown) => boolean;
  /** Background re-read of the shared state, so listeners hear of changes while no call runs; 0 = none. */
  readonly refreshIntervalMs?: number;
  /** Retry hint for calls refused because another replica's probe is running. */
  readonly halfOpenRetryMs?: number;
  /** Where failures to read or write the shared state go (calls then fail with the store's error). */
  readonly onError?: (err: unknown) => void;
  readonly name?: string;
}

type Detector = CircuitBreaker<[() => Promise<unknown>], unknown>;

/**
 * The fleet-shared breaker. The shared store is the authority on the state; opossum, per replica, only detects
 * (failure rate over its rolling window, with the error filter). When it opens, this replica opens the circuit
 * for everyone in the store and replaces the detector, so counting restarts from zero once the circuit closes.
 * After the shared open period, one probe at a time across the fleet (a lease in the store) calls the engine:
 * success — or an error that does not count as a failure, the engine did answer — closes it for everyone.
 */
export const createSharedCircuitBreaker = (store: SharedBreakerStore, options: SharedCircuitBreakerOptions = {}): EngineBreaker => {
  const resetMs = options.resetTimeoutMs ?? 30_000;
  const halfOpenRetryMs = options.halfOpenRetryMs ?? 1000;
  const isFailure = options.isFailure ?? countsAsEngineFailure;
  const onError = options.onError ?? (() => undefined);
  const listeners = new Set<(change: BreakerStateChange) => void>();
  const systemicThreshold = options.systemicThreshold ?? 5;
  const isSystemic = options.isSystemic ?? isSystemicRejection;
  let state: BreakerState = 'closed';
  let openUntil = 0;
  let systemicInARow = 0;
  let rejectsUs: { cause: string; since: number } | undefined;
  let lastFailure = '';
  // Bumped by every decision this replica takes itself (trip, probe settled). A store read that started before
  // such a decision may predate its write, so it must not overwrite the local state (no open→closed→open flap).
  let epoch = 0;

  const setState = (next: BreakerState, retryAfterMs = 0): void => {
    openUntil = next === 'open' ? Date.now() + retryAfterMs : 0;
    const previous = state;
    if (next === previous) return;
    state = next;
    if (next === 'closed') {
      replaceDetector();
      rejectsUs = undefined;
      systemicInARow = 0;
    }
    const cause = next === 'open' && rejectsUs ? `engine rejects us: ${rejectsUs.cause}` : next === 'open' && lastFailure ? lastFailure : undefined;
    for (const listener of listeners) {
      try {
        listener({ state: next, previous, retryAfterMs, ...(cause === undefined ? {} : { cause }) });
      } catch (err) {
        onError(err);
      }
    }
  };

  const tripShared = (): void => {
    // Local first: this replica stops calling at once, before the store round trip.
    epoch += 1;
    setState('open', resetMs);
    replaceDetector();
    store.trip(resetMs).catch(onError);
  };

  /**
   * Every answer of a call this replica made. Systemic rejections in a row open the circuit for the fleet: an
   * engine that refuses us is unavailable, and waiting it out spends no batch (workers stop taking jobs, ingest
   * pauses); a failure-rate rule would need the volume threshold first and would count them among 5xx.
   */
  const observe = (err: unknown): void => {
    if (err instanceof CircuitOpenError) return;
    if (err !== undefined && isFailure(err)) lastFailure = err instanceof Error ? err.message : String(err);
    if (err === undefined || !isSystemic(err)) {
      systemicInARow = 0;
      return;
    }
    systemicInARow += 1;
    if (systemicInARow < systemicThreshold) return;
    rejectsUs ??= { cause: (err as Error).message, since: Date.now() };
    rejectsUs.cause = (err as Error).message;
    if (state === 'closed') tripShared();
  };

  const newDetector = (): Detector => {
    const d: Detector = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      name: options.name ?? 'engine',
      timeout: false, // adapters own their HTTP timeouts and report them as `unavailable`
      resetTimeout: resetMs,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 10,
      rollingCountTimeout: options.rollingCountTimeoutMs ?? 10_000,
      errorFilter: (err: unknown) => !isFailure(err),
    });
    d.on('open', tripShared);
    return d;
  };
  let detector = newDetector();
  function replaceDetector(): void {
    const old = detector;
    detector = newDetector();
    old.shutdown(); // calls still in flight on it settle normally; their outcome no longer counts
  }

  const read = async (probeToken?: string): Promise<SharedBreakerCheck> => {
    const before = epoch;
    const c = await store.check(probeToken);
    if (before === epoch) setState(c.state, c.state === 'closed' ? 0 : c.retryAfterMs);
    return c;
  };

  const settleProbe = async (token: string, healthy: boolean): Promise<void> => {
    epoch += 1;
    setState(healthy ? 'closed' : 'open', healthy ? 0 : resetMs);
    // If this write fails the lease simply expires and another replica probes again.
    await store.settleProbe(token, healthy, resetMs).catch(onError);
  };

  const failFastIfOpen = (): void => {
    const left = openUntil - Date.now();
    if (state === 'open' && left > 0) throw new CircuitOpenError('open', left);
  };

  const refresh = async (): Promise<BreakerState> => {
    await read();
    return state;
  };
  const timer = (options.refreshIntervalMs ?? 1000) > 0
    ? setInterval(() => void refresh().catch(onError), options.refreshIntervalMs ?? 1000)
    : undefined;
  timer?.unref();

  return {
    async run<T>(call: () => Promise<T>): Promise<T> {
      failFastIfOpen();
      const token = randomUUID();
      const check = await read(token);
      // A lease granted is ours whatever happened meanwhile; anything else yields to a local trip made meanwhile.
      const probing = check.state === 'half_open' && check.probe;
      if (!probing) failFastIfOpen();
      if (check.state === 'open') throw new CircuitOpenError('open', check.retryAfterMs);
      if (check.state === 'closed') {
        try {
          const result = (await detector.fire(call)) as T;
          observe(undefined);
          return result;
        } catch (err) {
          observe(err);
          throw err;
        }
      }
      if (!probing) throw new CircuitOpenError('half_open', Math.min(check.retryAfterMs > 0 ? check.retryAfterMs : halfOpenRetryMs, halfOpenRetryMs));
      let result: T;
      try {
        result = await call();
      } catch (err) {
        if (isSystemic(err)) rejectsUs = { cause: (err as Error).message, since: rejectsUs?.since ?? Date.now() };
        await settleProbe(token, !isFailure(err));
        throw err;
      }
      await settleProbe(token, true);
      return result;
    },
    failFastIfOpen,
    get state() {
      return state;
    },
    get rejectsUs() {
      return rejectsUs;
    },
    refresh,
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      detector.shutdown();
    },
  };
};
