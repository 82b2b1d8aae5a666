import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOutcome, initialAimdState, type AimdState } from '../../../src/application/engine-guard/aimd.js';
import { budgetPolicy } from '../../../src/application/engine-guard/budget-policy.js';
import type { CallOutcome } from '../../../src/application/ports/engine-budget.js';

const p = budgetPolicy({ capPerSecond: 100, minRate: 5, increasePerSecond: 10, decreaseCooldownMs: 1000 });
const T0 = 1_700_000_000_000;
const ok = (latencyMs = 20): CallOutcome => ({ cls: 'bulk', result: 'ok', latencyMs });
const limited = (retryAfterMs?: number): CallOutcome => ({ cls: 'bulk', result: 'rate_limited', retryAfterMs });
const run = (s: AimdState, steps: [number, CallOutcome][]): AimdState => steps.reduce((acc, [t, o]) => applyOutcome(acc, o, t, p), s);

describe('multiplicative decrease', () => {
  it('halves the rate on a 429', () => {
    expect(applyOutcome(initialAimdState(p), limited(), T0, p).rate).toBe(50);
  });
  it('counts a burst of 429s within the cooldown once', () => {
    const s = run(initialAimdState(p), [[T0, limited()], [T0 + 10, limited()], [T0 + 999, limited()]]);
    expect(s.rate).toBe(50);
    expect(applyOutcome(s, limited(), T0 + 1000, p).rate).toBe(25);
  });
  it('never goes below the floor', () => {
    const steps = Array.from({ length: 10 }, (_, i): [number, CallOutcome] => [T0 + i * 1000, limited()]);
    expect(run(initialAimdState(p), steps).rate).toBe(5);
  });
  it('leaves the rate alone on network errors and 5xx (the breaker handles those)', () => {
    expect(applyOutcome(initialAimdState(p), { cls: 'poll', result: 'failed' }, T0, p).rate).toBe(100);
  });
});

describe('additive increase', () => {
  it('climbs by increasePerSecond per second of successes, up to the cap', () => {
    let s = applyOutcome(initialAimdState(p), limited(), T0, p); // 50
    for (let t = 100; t <= 2000; t += 100) s = applyOutcome(s, ok(), T0 + t, p);
    expect(s.rate).toBeCloseTo(70, 6);
    for (let t = 2100; t <= 10_000; t += 100) s = applyOutcome(s, ok(), T0 + t, p);
    expect(s.rate).toBe(100);
  });
  it('counts at most one second for a success after a long quiet spell', () => {
    const s = run(initialAimdState(p), [[T0, limited()], [T0 + 60_000, ok()]]);
    expect(s.rate).toBe(60);
  });
});

describe('Retry-After', () => {
  it('blocks until then, and the climb restarts only when the block ends', () => {
    const s = run(initialAimdState(p), [[T0, limited(2000)]]);
    expect(s.blockedUntilMs).toBe(T0 + 2000);
    expect(s.rate).toBe(50);
    // The first success after the block counts from the block's end, not from the 429.
    expect(applyOutcome(s, ok(), T0 + 2100, p).rate).toBeCloseTo(51, 6);
  });
  it('caps an absurd Retry-After', () => {
    expect(applyOutcome(initialAimdState(p), limited(86_400_000), T0, p).blockedUntilMs).toBe(T0 + 60_000);
  });
  it('never shortens a longer block already in place', () => {
    const s = run(initialAimdState(p), [[T0, limited(5000)], [T0 + 100, { cls: 'poll', result: 'failed', retryAfterMs: 1000 }]]);
    expect(s.blockedUntilMs).toBe(T0 + 5000);
  });
});

describe('latency', () => {
  it('cuts gently when recent latency rises well above the baseline', () => {
    let s = initialAimdState(p);
    for (let i = 0; i < 30; i++) s = applyOutcome(s, ok(20), T0 + i * 10, p);
    expect(s.rate).toBe(100);
    for (let i = 30; i < 40; i++) s = applyOutcome(s, ok(200), T0 + i * 10, p);
    expect(s.rate).toBe(80);
  });
  it('ignores a doubling at millisecond latencies: a hiccup in the caller, not a slower engine', () => {
    let s = initialAimdState(p);
    for (let i = 0; i < 30; i++) s = applyOutcome(s, ok(2), T0 + i * 10, p);
    for (let i = 30; i < 40; i++) s = applyOutcome(s, ok(i % 3 === 0 ? 40 : 2), T0 + i * 10, p);
    expect(s.rate).toBe(100);
  });
  it('keeps separate baselines per class, so slow pushes do not look like slow trends', () => {
    let s = initialAimdState(p);
    for (let i = 0; i < 30; i++) s = applyOutcome(s, ok(500), T0 + i * 10, p);
    for (let i = 0; i < 30; i++) s = applyOutcome(s, { cls: 'interactive', result: 'ok', latencyMs: 20 }, T0 + 300 + i * 10, p);
    expect(s.rate).toBe(100);
  });
  it('does not judge before minSamples', () => {
    let s = applyOutcome(initialAimdState(p), ok(10), T0, p);
    s = applyOutcome(s, ok(5000), T0 + 10, p);
    expect(s.rate).toBe(100);
  });
});

describe('any sequence of outcomes', () => {
  it('keeps the rate within [minRate, cap] and never moves a block earlier', () => {
    const outcome = fc.record({
      dt: fc.integer({ min: 0, max: 3000 }),
      result: fc.constantFrom('ok' as const, 'rate_limited' as const, 'failed' as const),
      latencyMs: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
      retryAfterMs: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 60 }), (steps) => {
        let s = initialAimdState(p);
        let t = T0;
        for (const o of steps) {
          t += o.dt;
          const next = applyOutcome(s, { cls: 'bulk', ...o }, t, p);
          if (next.rate < p.minRate || next.rate > p.capPerSecond || next.blockedUntilMs < s.blockedUntilMs) return false;
          s = next;
        }
        return true;
      }),
    );
  });
});
