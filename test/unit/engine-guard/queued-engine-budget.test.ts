import { describe, expect, it, vi } from 'vitest';
import { budgetPolicy } from '../../../src/application/engine-guard/budget-policy.js';
import { createEngineBudget } from '../../../src/application/engine-guard/queued-engine-budget.js';
import { createInMemoryBudgetStore } from '../../../src/application/engine-guard/in-memory-budget-store.js';
import type { BudgetStore } from '../../../src/application/ports/engine-budget.js';

const settledWithin = async (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('acquire', () => {
  describe('when the window is full', () => {
    it('waits until a grant leaves the window', async () => {
      const budget = createEngineBudget(createInMemoryBudgetStore(budgetPolicy({ capPerSecond: 3, minRate: 1, transitMs: 0 })));
      const started = Date.now();
      await Promise.all([budget.acquire('bulk'), budget.acquire('bulk'), budget.acquire('bulk')]);
      expect(Date.now() - started).toBeLessThan(100);
      await budget.acquire('bulk');
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    });
  });

  describe('when bulk waits', () => {
    it('does not hold up an interactive call (one queue per class)', async () => {
      const store: BudgetStore = {
        tryAcquire: (cls) => Promise.resolve(cls === 'bulk' ? { granted: false, waitMs: 60_000 } : { granted: true, token: 't', grantedAtMs: 0 }),
        release: () => Promise.resolve(),
        confirm: () => Promise.resolve(),
        report: () => Promise.resolve(),
        snapshot: () => Promise.resolve({ rate: 1, inWindow: 0, blockedForMs: 0 }),
      };
      const budget = createEngineBudget(store, { maxSleepMs: 60_000 });
      const bulk = budget.acquire('bulk', AbortSignal.timeout(300));
      expect(await settledWithin(budget.acquire('interactive'), 100)).toBe(true);
      await expect(bulk).rejects.toThrow(/timeout|aborted/i);
    });
  });

  describe('when the caller aborts', () => {
    it('rejects with the reason and passes the token it would have had to the next waiter', async () => {
      const budget = createEngineBudget(createInMemoryBudgetStore(budgetPolicy({ capPerSecond: 1, minRate: 1, transitMs: 0 })));
      await budget.acquire('poll');
      const controller = new AbortController();
      const first = budget.acquire('poll', controller.signal);
      const second = budget.acquire('poll');
      controller.abort(new Error('shutting down'));
      await expect(first).rejects.toThrow('shutting down');
      expect(await settledWithin(second, 1500)).toBe(true);
      await expect(budget.acquire('poll', AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
    });
  });

  describe('when a grant comes back later than the validity (the process stalled)', () => {
    it('gives it back and asks again, and hands the caller only a fresh grant', async () => {
      const released: string[] = [];
      let calls = 0;
      const store: BudgetStore = {
        tryAcquire: async () => {
          calls++;
          if (calls === 1) await new Promise((r) => setTimeout(r, 60)); // a 60 ms stall between grant and caller
          return { granted: true, token: `t${calls}`, grantedAtMs: 1000 * calls };
        },
        release: (_cls, token) => Promise.resolve(void released.push(token)),
        confirm: () => Promise.resolve(),
        report: () => Promise.resolve(),
        snapshot: () => Promise.resolve({ rate: 1, inWindow: 0, blockedForMs: 0 }),
      };
      const budget = createEngineBudget(store, { validityMs: 25 });
      const grant = await budget.acquire('bulk');
      expect(grant).toMatchObject({ cls: 'bulk', token: 't2', grantedAtMs: 2000 });
      expect(released).toEqual(['t1']);
      expect(budget.grantStats()).toMatchObject({ used: 1, expired: 1 });
      expect(budget.grantStats().ageMs.max).toBeLessThanOrEqual(25);
    });
  });

  describe('when a request is answered', () => {
    it('confirms its grant with the measured bound: grant time plus the time since the store was asked', async () => {
      let t = 500;
      const confirmed: [string, number][] = [];
      const store: BudgetStore = {
        tryAcquire: () => Promise.resolve({ granted: true, token: 'g', grantedAtMs: 10_000 }),
        release: () => Promise.resolve(),
        confirm: (token, bound) => Promise.resolve(void confirmed.push([token, bound])),
        report: () => Promise.resolve(),
        snapshot: () => Promise.resolve({ rate: 1, inWindow: 0, blockedForMs: 0 }),
      };
      const budget = createEngineBudget(store, { now: () => t });
      const grant = await budget.acquire('poll');
      t += 42;
      budget.answered(grant);
      expect(confirmed).toEqual([['g', 10_042]]);
      expect(budget.grantStats().answerMs.max).toBe(42);
    });
  });

  describe('when the shared state cannot be reached', () => {
    it('fails closed: the waiter gets the error, not a token', async () => {
      const store: BudgetStore = {
        tryAcquire: () => Promise.reject(new Error('redis down')),
        release: () => Promise.reject(new Error('redis down')),
        confirm: () => Promise.reject(new Error('redis down')),
        report: () => Promise.reject(new Error('redis down')),
        snapshot: () => Promise.reject(new Error('redis down')),
      };
      const onReportError = vi.fn();
      const budget = createEngineBudget(store, { onReportError });
      await expect(budget.acquire('interactive')).rejects.toThrow('redis down');
      await expect(budget.report({ cls: 'bulk', result: 'ok' })).resolves.toBeUndefined();
      expect(onReportError).toHaveBeenCalledOnce();
    });
  });
});
