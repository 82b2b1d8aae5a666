import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxInAnySlidingWindow, SlidingWindowMax } from './sliding-window.js';

/** The definition, spelled out: try every window that starts at a call (a busiest window can always be slid to one). */
const bruteForce = (times: readonly number[], lengthMs: number): number =>
  Math.max(0, ...times.map((s) => times.filter((t) => t >= s && t < s + lengthMs).length));

const incremental = (times: readonly number[], lengthMs: number): number => {
  const w = new SlidingWindowMax(lengthMs);
  for (const t of [...times].sort((a, b) => a - b)) w.add(t);
  return w.max;
};

describe('calls spread over wall-clock seconds', () => {
  it('counts a window that straddles two seconds, which per-second buckets miss', () => {
    // 5 calls at the end of one second and 5 at the start of the next: each bucket holds 5, one window 10.
    const times = [900, 920, 940, 960, 980, 1000, 1020, 1040, 1060, 1080];
    expect(maxInAnySlidingWindow(times)).toBe(10);
    expect(incremental(times, 1000)).toBe(10);
  });

  it('puts two calls exactly one window apart in different windows, and 999.5 ms apart in one', () => {
    expect(maxInAnySlidingWindow([0, 1000, 2000])).toBe(1);
    expect(maxInAnySlidingWindow([0, 999.5, 1999])).toBe(2);
    expect(incremental([0, 1000, 2000], 1000)).toBe(1);
    expect(incremental([0, 999.5, 1999], 1000)).toBe(2);
  });

  it('finds a busy window in the middle of a long quiet run', () => {
    const quiet = Array.from({ length: 50 }, (_, i) => i * 200);
    const burst = Array.from({ length: 12 }, (_, i) => 20_000 + i * 50);
    const times = [...quiet, ...burst, 30_000];
    expect(maxInAnySlidingWindow(times)).toBe(12);
    expect(incremental(times, 1000)).toBe(12);
  });

  it('gives 0 for no calls', () => {
    expect(maxInAnySlidingWindow([])).toBe(0);
    expect(new SlidingWindowMax().max).toBe(0);
  });
});

describe('any set of arrival times', () => {
  const arrivals = fc.array(fc.double({ min: 0, max: 20_000, noNaN: true }), { maxLength: 300 });

  it('the batch and the call-by-call figures both match the definition', () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 1, max: 3000 }), (times, lengthMs) => {
        const expected = bruteForce(times, lengthMs);
        expect(maxInAnySlidingWindow(times, lengthMs)).toBe(expected);
        expect(incremental(times, lengthMs)).toBe(expected);
      }),
    );
  });

  it('the call-by-call figure stays right across compactions (thousands of calls)', () => {
    const times = Array.from({ length: 5000 }, (_, i) => i * 7 + (i % 13 === 0 ? 3 : 0));
    expect(incremental(times, 1000)).toBe(maxInAnySlidingWindow(times, 1000));
    expect(maxInAnySlidingWindow(times, 1000)).toBe(bruteForce(times.slice(0, 600), 1000));
  });
});
