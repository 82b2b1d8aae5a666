import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetPolicy } from '../../../src/application/engine-guard/budget-policy.js';
import { createInMemoryBudgetStore } from '../../../src/application/engine-guard/in-memory-budget-store.js';
import type { CallClass } from '../../../src/application/ports/engine-budget.js';
import { maxInAnySlidingWindow } from '../../simulator/sliding-window.js';

const T0 = 1_700_000_000_000;
// Bulk pacing off (a burst as large as the window), to look at the window and priority rules alone.
const unpaced = (overrides: Parameters<typeof budgetPolicy>[0] = {}) => budgetPolicy({ bulkBurst: 1000, ...overrides });
const clock = (): { now: () => number; advance: (ms: number) => void } => {
  let t = T0;
  return { now: () => t, advance: (ms) => void (t += ms) };
};
const grantAll = async (store: ReturnType<typeof createInMemoryBudgetStore>, cls: CallClass, n: number): Promise<number> => {
  let granted = 0;
  for (let i = 0; i < n; i++) if ((await store.tryAcquire(cls)).granted) granted++;
  return granted;
};

describe('the sliding window', () => {
  it('grants the cap, then says how long until the oldest grant leaves', async () => {
    const c = clock();
    const store = createInMemoryBudgetStore(unpaced(), c.now);
    await grantAll(store, 'bulk', 30);
    c.advance(400);
    expect(await grantAll(store, 'bulk', 100)).toBe(70);
    // The first 30 are bounded to arrive by T0 + 100 (validity + transit): they leave at T0 + 1100.
    expect(await store.tryAcquire('bulk')).toEqual({ granted: false, waitMs: 700 });
    c.advance(700);
    expect(await grantAll(store, 'bulk', 31)).toBe(30);
  });

  it('keeps every sliding second of arrivals at or under the cap, however late the answers confirm them', async () => {
    // Each granted request arrives 0..100 ms after its grant (validity + transit, the provisional bound) and is
    // answered 0..1500 ms after it arrives; the answer moves its bound to the measured grant → answer time.
    const attempts = fc.array(
      fc.record({ dt: fc.integer({ min: 0, max: 40 }), delay: fc.integer({ min: 0, max: 100 }), answer: fc.integer({ min: 0, max: 1500 }) }),
      { minLength: 50, maxLength: 400 },
    );
    await fc.assert(
      fc.asyncProperty(attempts, async (steps) => {
        const c = clock();
        const store = createInMemoryBudgetStore(unpaced({ capPerSecond: 20 }), c.now);
        const arrivals: number[] = [];
        let pending: { at: number; token: string; bound: number }[] = [];
        const answerDue = async (): Promise<void> => {
          for (const p of pending.filter((q) => q.at <= c.now())) await store.confirm(p.token, p.bound);
          pending = pending.filter((q) => q.at > c.now());
        };
        for (const { dt, delay, answer } of steps) {
          c.advance(dt);
          await answerDue();
          // Each attempt asks for several calls at the same instant: bursts are where excess would show.
          for (let i = 0; i < 3; i++) {
            const a = await store.tryAcquire('bulk');
            if (!a.granted) continue;
            arrivals.push(c.now() + delay);
            pending.push({ at: c.now() + delay + answer, token: a.token, bound: a.grantedAtMs + delay + answer });
          }
        }
        return maxInAnySlidingWindow(arrivals, 1000) <= 20;
      }),
      { numRuns: 200 },
    );
  });

  it('frees a slot early when the answer comes quickly, and holds it when the request arrived late', async () => {
    const c = clock();
    const store = createInMemoryBudgetStore(unpaced({ capPerSecond: 2, minRate: 1 }), c.now);
    const first = await store.tryAcquire('bulk');
    const second = await store.tryAcquire('bulk');
    if (!first.granted || !second.granted) throw new Error('expected two grants');
    await store.confirm(first.token, T0 + 5); // answered 5 ms after its grant
    await store.confirm(second.token, T0 + 400); // answered late: it may have arrived as late as T0 + 400
    c.advance(1006);
    expect(await store.tryAcquire('bulk')).toMatchObject({ granted: true });
    expect(await store.tryAcquire('bulk')).toEqual({ granted: false, waitMs: 394 });
  });

  it('gives a released grant its slot back', async () => {
    const c = clock();
    const store = createInMemoryBudgetStore(unpaced({ capPerSecond: 1, minRate: 1 }), c.now);
    const g = await store.tryAcquire('bulk');
    if (!g.granted) throw new Error('expected a grant');
    expect((await store.tryAcquire('bulk')).granted).toBe(false);
    await store.release('bulk', g.token);
    expect((await store.tryAcquire('bulk')).granted).toBe(true);
  });
});

describe('bulk pacing', () => {
  it('allows a short burst, then one bulk grant per spacing (window ÷ rate)', async () => {
    const c = clock();
    const store = createInMemoryBudgetStore(budgetPolicy(), c.now); // 1020 ms / 100 = 10.2 ms, burst 5
    expect(await grantAll(store, 'bulk', 10)).toBe(5);
    expect(await store.tryAcquire('bulk')).toEqual({ granted: false, waitMs: 11 });
    c.advance(11);
    expect(await grantAll(store, 'bulk', 10)).toBe(1);
  });

  describe('when bulk has saturated the budget for a while', () => {
    it('frees slots continuously, so a first poll waits about one spacing, not a window', async () => {
      const c = clock();
      const store = createInMemoryBudgetStore(budgetPolicy(), c.now);
      for (let i = 0; i < 3000; i++, c.advance(1)) await grantAll(store, 'bulk', 2);
      expect((await store.snapshot()).inWindow).toBeGreaterThanOrEqual(99);
      const first = await store.tryAcquire('poll');
      const waited = first.granted ? 0 : first.waitMs;
      expect(waited).toBeLessThanOrEqual(11);
      c.advance(waited);
      expect(await store.tryAcquire('poll')).toMatchObject({ granted: true });
    });
  });
});

describe('priorities', () => {
  describe('when an interactive call has asked within the demand period', () => {
    it('stops bulk at the rate minus the interactive reserve and keeps that reserve for interactive', async () => {
      const c = clock();
      const store = createInMemoryBudgetStore(unpaced(), c.now);
      await store.tryAcquire('interactive');
      expect(await grantAll(store, 'bulk', 100)).toBe(89);
      expect(await grantAll(store, 'interactive', 20)).toBe(10);
    });
  });

  describe('when the interactive demand is older than the demand period', () => {
    it('lets bulk use the whole rate again', async () => {
      const c = clock();
      const store = createInMemoryBudgetStore(unpaced({ demandTtlMs: 500 }), c.now);
      await store.tryAcquire('interactive');
      c.advance(501);
      expect(await grantAll(store, 'bulk', 100)).toBe(99);
    });
  });

  describe('when polls and interactive calls both wait', () => {
    it('stops bulk below both reserves, polls below the interactive one', async () => {
      const c = clock();
      const store = createInMemoryBudgetStore(unpaced(), c.now);
      await store.tryAcquire('interactive');
      await store.tryAcquire('poll');
      expect(await grantAll(store, 'bulk', 100)).toBe(78);
      expect(await grantAll(store, 'poll', 100)).toBe(10);
      expect(await grantAll(store, 'interactive', 100)).toBe(10);
    });
  });
});

describe('adaptation', () => {
  it('a 429 with Retry-After blocks every class, then grants at half the rate', async () => {
    const c = clock();
    const store = createInMemoryBudgetStore(unpaced(), c.now);
    await store.report({ cls: 'bulk', result: 'rate_limited', retryAfterMs: 2000 });
    expect(await store.tryAcquire('interactive')).toEqual({ granted: false, waitMs: 2000 });
    expect(await store.snapshot()).toEqual({ rate: 50, inWindow: 0, blockedForMs: 2000 });
    c.advance(2000);
    expect(await grantAll(store, 'bulk', 100)).toBe(50);
  });
});
