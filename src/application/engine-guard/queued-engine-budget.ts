import type { BudgetStore, CallClass, CallOutcome, EngineBudget } from '../ports/engine-budget.js';

export interface EngineBudgetOptions {
  /** Longest sleep between two attempts: bounds how late a waiter notices that the rate went back up. */
  readonly maxSleepMs?: number;
  /** Where a failed `report` goes (the budget never fails an engine call for it). */
  readonly onReportError?: (err: unknown) => void;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  done: boolean;
  detach: () => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An `EngineBudget` over a shared store. Waiters queue per class in this process and one pump per class asks
 * the store for them in order, so a process sends at most one attempt per class at a time to the store however
 * many calls wait (no thundering herd on Redis), and an interactive waiter never queues behind a bulk one.
 */
export const createEngineBudget = (store: BudgetStore, options: EngineBudgetOptions = {}): EngineBudget => {
  const maxSleepMs = options.maxSleepMs ?? 500;
  const queues: Record<CallClass, Waiter[]> = { interactive: [], poll: [], bulk: [] };
  const pumping = new Set<CallClass>();

  const nextWaiter = (q: Waiter[]): Waiter | undefined => {
    while (q[0]?.done) q.shift();
    return q[0];
  };
  const settle = (w: Waiter, err?: unknown): void => {
    w.done = true;
    w.detach();
    if (err === undefined) w.resolve();
    else w.reject(err);
  };

  const pump = async (cls: CallClass): Promise<void> => {
    if (pumping.has(cls)) return;
    pumping.add(cls);
    const q = queues[cls];
    try {
      while (nextWaiter(q) !== undefined) {
        let attempt;
        try {
          attempt = await store.tryAcquire(cls);
        } catch (err) {
          const head = nextWaiter(q);
          if (head !== undefined) settle(head, err);
          continue;
        }
        if (attempt.granted) {
          // The waiter that asked may have been aborted meanwhile: the token goes to the next one in line, or
          // is lost (a call counted that never happened: conservative, never an excess).
          const taker = nextWaiter(q);
          if (taker !== undefined) settle(taker);
        } else {
          await sleep(Math.min(attempt.waitMs, maxSleepMs));
        }
      }
    } finally {
      pumping.delete(cls);
    }
  };

  return {
    acquire(cls: CallClass, signal?: AbortSignal): Promise<void> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          if (!waiter.done) settle(waiter, signal?.reason);
        };
        const waiter: Waiter = { resolve, reject, done: false, detach: () => signal?.removeEventListener('abort', onAbort) };
        signal?.addEventListener('abort', onAbort, { once: true });
        queues[cls].push(waiter);
        void pump(cls);
      });
    },
    report: (outcome: CallOutcome) => store.report(outcome).catch((err: unknown) => options.onReportError?.(err)),
    snapshot: () => store.snapshot(),
  };
};
