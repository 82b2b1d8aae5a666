import type { BudgetGrant, BudgetStore, CallClass, CallOutcome, EngineBudget } from '../ports/engine-budget.js';
import { GrantStatsRecorder } from './grant-stats.js';

export interface EngineBudgetOptions {
  /** Longest sleep between two attempts: bounds how late a waiter notices that the rate went back up. */
  readonly maxSleepMs?: number;
  /**
   * A grant older than this when it reaches its caller is given back and asked for again (see
   * `BudgetPolicy.validityMs`); default 25.
   */
  readonly validityMs?: number;
  /** Where a failed `report` or give-back goes (the budget never fails an engine call for it). */
  readonly onReportError?: (err: unknown) => void;
  /** Monotonic clock in ms (tests); default `performance.now`. */
  readonly now?: () => number;
}

interface Waiter {
  readonly resolve: (grant: BudgetGrant) => void;
  readonly reject: (err: unknown) => void;
  done: boolean;
  detach: () => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An `EngineBudget` over a shared store. Waiters queue per class in this process and one pump per class asks
 * the store for them in order, so a process sends at most one attempt per class at a time to the store however
 * many calls wait (no thundering herd on Redis), and an interactive waiter never queues behind a bulk one.
 *
 * Freshness: the pump notes the time just before asking the store, so a grant is at most (now − that) old. It
 * hands the grant to its waiter only while that age is within `validityMs`; the waiter resumes in the same
 * turn of the event loop (promise continuations run before any I/O callback), and the adapter sends at once.
 * A grant that came back late (the process stalled: GC, gzip, CPU contention) is given back to the store and the
 * pump asks again for the same waiter: a late request would otherwise arrive bunched with later grants.
 * `answered` then replaces the grant's provisional arrival bound in the store by the measured one.
 */
export const createEngineBudget = (store: BudgetStore, options: EngineBudgetOptions = {}): EngineBudget => {
  const maxSleepMs = options.maxSleepMs ?? 500;
  const validityMs = options.validityMs ?? 25;
  const now = options.now ?? (() => performance.now());
  const stats = new GrantStatsRecorder();
  const queues: Record<CallClass, Waiter[]> = { interactive: [], poll: [], bulk: [] };
  const pumping = new Set<CallClass>();

  const nextWaiter = (q: Waiter[]): Waiter | undefined => {
    while (q[0]?.done) q.shift();
    return q[0];
  };
  const settle = (w: Waiter, outcome: { grant: BudgetGrant } | { err: unknown }): void => {
    w.done = true;
    w.detach();
    if ('grant' in outcome) w.resolve(outcome.grant);
    else w.reject(outcome.err);
  };
  const giveBack = (cls: CallClass, token: string): void => {
    store.release(cls, token).catch((err: unknown) => options.onReportError?.(err));
  };

  const pump = async (cls: CallClass): Promise<void> => {
    if (pumping.has(cls)) return;
    pumping.add(cls);
    const q = queues[cls];
    try {
      while (nextWaiter(q) !== undefined) {
        let attempt;
        const askedAt = now();
        try {
          attempt = await store.tryAcquire(cls);
        } catch (err) {
          const head = nextWaiter(q);
          if (head !== undefined) settle(head, { err });
          continue;
        }
        if (!attempt.granted) {
          await sleep(Math.min(attempt.waitMs, maxSleepMs));
          continue;
        }
        const age = now() - askedAt;
        // The waiter that asked may have been aborted meanwhile: the token goes to the next one in line.
        const taker = nextWaiter(q);
        if (taker === undefined || age > validityMs) {
          if (taker !== undefined) stats.expired();
          giveBack(cls, attempt.token);
          continue;
        }
        stats.used(age);
        settle(taker, { grant: { cls, token: attempt.token, grantedAtMs: attempt.grantedAtMs, askedAt } });
      }
    } finally {
      pumping.delete(cls);
    }
  };

  return {
    acquire(cls: CallClass, signal?: AbortSignal): Promise<BudgetGrant> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<BudgetGrant>((resolve, reject) => {
        const onAbort = (): void => {
          if (!waiter.done) settle(waiter, { err: signal?.reason });
        };
        const waiter: Waiter = { resolve, reject, done: false, detach: () => signal?.removeEventListener('abort', onAbort) };
        signal?.addEventListener('abort', onAbort, { once: true });
        queues[cls].push(waiter);
        void pump(cls);
      });
    },
    answered(grant: BudgetGrant): void {
      // The request reached the engine before its answer came, and the grant came after askedAt: so it arrived
      // at most (now − askedAt) after the grant, on any clock.
      const boundMs = now() - grant.askedAt;
      stats.answered(boundMs);
      store.confirm(grant.token, grant.grantedAtMs + boundMs).catch((err: unknown) => options.onReportError?.(err));
    },
    report: (outcome: CallOutcome) => store.report(outcome).catch((err: unknown) => options.onReportError?.(err)),
    snapshot: async () => ({ ...(await store.snapshot()), grants: stats.stats() }),
    grantStats: () => stats.stats(),
  };
};
