import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetPolicy } from '../../../src/application/engine-guard/budget-policy.js';
import { createInMemoryBudgetStore } from '../../../src/application/engine-guard/in-memory-budget-store.js';
import type { CallClass } from '../../../src/application/ports/engine-budget.js';

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
    expect(await store.tryAcquire('bulk')).toEqual({ granted: false, waitMs: 650 }); // 1050 - 400
    c.advance(650);
    expect(await grantAll(store, 'bulk', 31)).toBe(30);
  });

  it('keeps every wall-clock second at or under the cap, whatever the alignment and arrival jitter up to the margin', async () => {
    const attempts = fc.array(fc.record({ dt: fc.integer({ min: 0, max: 40 }), jitter: fc.integer({ min: 0, max: 49 }) }), {
      minLength: 50,
      maxLength: 600,
    });
    await fc.assert(
      fc.asyncProperty(attempts, fc.integer({ min: 0, max: 999 }), async (steps, offset) => {
        const c = clock();
        c.advance(offset);
        const store = createInMemoryBudgetStore(unpaced({ capPerSecond: 20 }), c.now);
        const buckets = new Map<number, number>();
        for (const { dt, jitter } of steps) {
          c.advance(dt);
          // Each attempt asks for several calls at the same instant: bursts are where excess would show.
          for (let i = 0; i < 3; i++) {
            if (!(await store.tryAcquire('bulk')).granted) continue;
            const second = Math.floor((c.now() + jitter) / 1000);
            buckets.set(second, (buckets.get(second) ?? 0) + 1);
          }
        }
        return [...buckets.values()].every((n) => n <= 20);
      }),
      { numRuns: 200 },
    );
  });
});

describe('bulk pacing', () => {
  it('allows a short burst, then one bulk grant per spacing (window ÷ rate)', async () => {
    const c = clock();
    const store = createInMemoryBudgetStore(budgetPolicy(), c.now); // 1050 ms / 100 = 10.5 ms, burst 5
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
      expect(await store.tryAcquire('poll')).toEqual({ granted: true });
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
