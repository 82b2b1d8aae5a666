import { useRedisPrefixes } from '../../support/redis-test.js';
import { describe, expect, it } from 'vitest';
import { budgetPolicy, type BudgetPolicyOverrides } from '../../../src/application/engine-guard/budget-policy.js';
import { createInMemoryBudgetStore } from '../../../src/application/engine-guard/in-memory-budget-store.js';
import type { BudgetStore, CallClass } from '../../../src/application/ports/engine-budget.js';
import { createRedisBudgetStore } from '../../../src/infrastructure/redis/redis-engine-budget.js';

// The same cases against the in-memory rules (TypeScript) and the Redis ones (Lua): they must agree.
const shared = useRedisPrefixes('budget-contract');

const implementations: [string, (o: BudgetPolicyOverrides) => BudgetStore][] = [
  ['in-memory', (o) => createInMemoryBudgetStore(budgetPolicy(o))],
  [
    'redis',
    (o) => {
      return createRedisBudgetStore(shared.redis, { keyPrefix: shared.newPrefix(), policy: budgetPolicy(o) });
    },
  ],
];
const grantAll = async (store: BudgetStore, cls: CallClass, n: number): Promise<number> => {
  let granted = 0;
  for (let i = 0; i < n; i++) if ((await store.tryAcquire(cls)).granted) granted++;
  return granted;
};

describe.each(implementations)('%s budget store', (_name, create) => {
  it('grants up to the cap per window, then asks to wait for at most one window', async () => {
    const store = create({ capPerSecond: 10, minRate: 1, bulkBurst: 100 });
    expect(await grantAll(store, 'bulk', 15)).toBe(10);
    const refused = await store.tryAcquire('interactive');
    expect(refused.granted).toBe(false);
    expect(refused.granted ? 0 : refused.waitMs).toBeGreaterThan(900);
    expect(refused.granted ? 0 : refused.waitMs).toBeLessThanOrEqual(1100); // 1000 + the provisional bound (validity + transit)
    expect((await store.snapshot()).inWindow).toBe(10);
  });

  it('paces bulk after a short burst', async () => {
    // 10/s: one bulk grant per 102 ms (1020 / 10), so the five round trips of the burst cannot outlast a spacing.
    const store = create({ capPerSecond: 10, minRate: 1 });
    expect(await grantAll(store, 'bulk', 5)).toBe(5);
    const next = await store.tryAcquire('bulk');
    expect(next.granted ? 0 : next.waitMs).toBeGreaterThanOrEqual(1);
    expect(next.granted ? 0 : next.waitMs).toBeLessThanOrEqual(103);
    expect(await grantAll(store, 'interactive', 5)).toBe(5); // interactive calls are not paced
  });

  it('frees the slot of a released grant', async () => {
    const store = create({ capPerSecond: 1, minRate: 1, bulkBurst: 100 });
    const a = await store.tryAcquire('bulk');
    if (!a.granted) throw new Error('expected a grant');
    expect((await store.tryAcquire('bulk')).granted).toBe(false);
    await store.release('bulk', a.token);
    expect((await store.tryAcquire('bulk')).granted).toBe(true);
  });

  it('moves a confirmed grant to its measured arrival bound, later or earlier than the provisional one', async () => {
    const late = create({ capPerSecond: 1, minRate: 1 });
    const a = await late.tryAcquire('interactive');
    if (!a.granted) throw new Error('expected a grant');
    await late.confirm(a.token, a.grantedAtMs + 600); // answered 600 ms after the grant
    const lateWait = await late.tryAcquire('interactive');
    expect(lateWait.granted ? 0 : lateWait.waitMs).toBeGreaterThan(1100); // provisional: 1000 + 100
    expect(lateWait.granted ? 0 : lateWait.waitMs).toBeLessThanOrEqual(1600);
    const early = create({ capPerSecond: 1, minRate: 1 });
    const b = await early.tryAcquire('interactive');
    if (!b.granted) throw new Error('expected a grant');
    await early.confirm(b.token, b.grantedAtMs + 2);
    const earlyWait = await early.tryAcquire('interactive');
    expect(earlyWait.granted ? 0 : earlyWait.waitMs).toBeLessThanOrEqual(1002);
  });

  it('holds the reserves back from bulk while higher classes show demand', async () => {
    const store = create({ bulkBurst: 1000 });
    await store.tryAcquire('interactive');
    await store.tryAcquire('poll');
    expect(await grantAll(store, 'bulk', 100)).toBe(78);
    expect(await grantAll(store, 'poll', 100)).toBe(10);
    expect(await grantAll(store, 'interactive', 100)).toBe(10);
  });

  it('halves the rate once per cooldown on 429s and blocks every class for the Retry-After', async () => {
    const store = create({});
    await store.report({ cls: 'poll', result: 'rate_limited', retryAfterMs: 2000 });
    await store.report({ cls: 'bulk', result: 'rate_limited' });
    const snapshot = await store.snapshot();
    expect(snapshot.rate).toBe(50);
    expect(snapshot.blockedForMs).toBeGreaterThan(1900);
    const refused = await store.tryAcquire('interactive');
    expect(refused.granted ? 0 : refused.waitMs).toBeGreaterThan(1900);
  });

  it('caps an absurd Retry-After at maxRetryAfterMs', async () => {
    const store = create({ maxRetryAfterMs: 3000 });
    await store.report({ cls: 'bulk', result: 'failed', retryAfterMs: 86_400_000 });
    const { blockedForMs, rate } = await store.snapshot();
    expect(blockedForMs).toBeGreaterThan(2900);
    expect(blockedForMs).toBeLessThanOrEqual(3000);
    expect(rate).toBe(100); // a 503 with Retry-After blocks but does not cut the rate
  });

  it('climbs back additively while calls succeed', async () => {
    const store = create({ increasePerSecond: 10 });
    await store.report({ cls: 'bulk', result: 'rate_limited' });
    const started = Date.now();
    while (Date.now() - started < 300) {
      await store.report({ cls: 'bulk', result: 'ok' });
      await new Promise((r) => setTimeout(r, 20));
    }
    const { rate } = await store.snapshot();
    expect(rate).toBeGreaterThan(51.5);
    expect(rate).toBeLessThan(54);
  });

  it('does not cut the rate for a small absolute rise at millisecond latencies', async () => {
    const store = create({});
    for (let i = 0; i < 30; i++) await store.report({ cls: 'poll', result: 'ok', latencyMs: 2 });
    for (let i = 0; i < 10; i++) await store.report({ cls: 'poll', result: 'ok', latencyMs: 30 });
    expect((await store.snapshot()).rate).toBe(100);
  });

  it('cuts the rate gently when latency rises above its baseline', async () => {
    const store = create({});
    for (let i = 0; i < 30; i++) await store.report({ cls: 'poll', result: 'ok', latencyMs: 20 });
    expect((await store.snapshot()).rate).toBe(100);
    for (let i = 0; i < 10; i++) await store.report({ cls: 'poll', result: 'ok', latencyMs: 200 });
    expect((await store.snapshot()).rate).toBe(80);
  });
});
