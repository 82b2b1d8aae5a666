import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, linearFit, type Points } from './detection.js';

const series = (values: readonly number[], stepMs = 10_000, endMs = 1_763_950_000_000): Points => ({
  ts: values.map((_, i) => endMs - (values.length - 1 - i) * stepMs),
  values,
});

describe('a threshold rule', () => {
  const spec = { algorithm: 'threshold', params: { operator: '>', value: 90, duration: 60 } } as const;

  it('is breaching but not yet lasting while the breach is shorter than duration', () => {
    const v = evaluate(spec, series([50, 95, 95, 95, 95, 95, 95]));
    expect(v).toMatchObject({ kind: 'breaching', lastingEnough: false });
  });

  it('lasts once the breach spans duration, dated from the first breaching point', () => {
    const points = series([50, 95, 95, 95, 95, 95, 95, 95]);
    expect(evaluate(spec, points)).toMatchObject({ kind: 'breaching', lastingEnough: true, sinceMs: points.ts[1], value: 95 });
  });

  it('is normal when the newest point is back under the limit', () => {
    expect(evaluate(spec, series([95, 95, 95, 95, 95, 95, 95, 95, 10]))).toMatchObject({ kind: 'normal' });
  });

  it('lasts exactly when the trailing run of breaching points spans duration', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 40 }), (values) => {
      let run = 0;
      while (run < values.length && (values[values.length - 1 - run] as number) > 90) run++;
      const v = evaluate(spec, series(values));
      const lasting = v.kind === 'breaching' && v.lastingEnough;
      expect(lasting).toBe(run > 0 && (run - 1) * 10 >= 60);
    }));
  });
});

describe('a baseline rule', () => {
  const spec = (direction: 'up' | 'down' | 'both') =>
    ({ algorithm: 'baseline', params: { window: 600, sensitivity: 3, direction, duration: 20 } }) as const;
  const calm = Array.from({ length: 50 }, (_, i) => 50 + (i % 2 === 0 ? 1 : -1));

  it('fires on a spike far outside mean ± 3σ once it lasts', () => {
    expect(evaluate(spec('up'), series([...calm, 80, 80, 80]))).toMatchObject({ kind: 'breaching', lastingEnough: true });
  });

  it('ignores a spike in the direction it does not watch', () => {
    expect(evaluate(spec('down'), series([...calm, 80, 80, 80]))).toMatchObject({ kind: 'normal' });
    expect(evaluate(spec('both'), series([...calm, 20, 20, 20]))).toMatchObject({ kind: 'breaching', lastingEnough: true });
  });

  it('stays normal inside the band and needs a few reference points first', () => {
    expect(evaluate(spec('both'), series([...calm, 50.5]))).toMatchObject({ kind: 'normal' });
    expect(evaluate(spec('both'), series([50, 51, 80]))).toEqual({ kind: 'insufficient' });
  });
});

describe('a forecast rule', () => {
  const spec = { algorithm: 'forecast', params: { horizon: 300, operator: '>', value: 95 } } as const;

  it('fires when the fitted line crosses the value within the horizon, before the data does', () => {
    // Rising 1 per 10 s from 60 to 80: in 300 s the line reaches 110.
    const v = evaluate(spec, series(Array.from({ length: 21 }, (_, i) => 60 + i)));
    expect(v.kind).toBe('breaching');
    if (v.kind === 'breaching') expect(v.value).toBeCloseTo(110, 5);
  });

  it('stays normal for flat data under the value', () => {
    expect(evaluate(spec, series(Array.from({ length: 21 }, () => 80)))).toMatchObject({ kind: 'normal' });
  });

  it('fits lines exactly', () => {
    fc.assert(fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (a, b) => {
      const xs = [-40, -30, -20, -10, 0];
      const fit = linearFit(xs, xs.map((x) => a + b * x));
      expect(fit.intercept).toBeCloseTo(a, 6);
      expect(fit.slope).toBeCloseTo(b, 6);
    }));
  });
});
