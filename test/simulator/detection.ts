import type { BaselineParams, ForecastParams, Operator, RuleSpec, ThresholdParams } from './types.js';

/** The recent points of one series, oldest first (the store's parallel arrays). */
export interface Points { readonly ts: readonly number[]; readonly values: readonly number[] }

/**
 * The judgement on one series at its newest point. Time is the data's own time, never the wall clock, so an
 * alarm fires and recovers because of what was sent and a test can send a minute of data in one request.
 */
export type Verdict =
  | { kind: 'insufficient' }
  | { kind: 'normal'; atMs: number }
  | { kind: 'breaching'; sinceMs: number; atMs: number; value: number; lastingEnough: boolean; detail: string };

/** Fewest reference points a baseline band is learnt from; fewer would make σ meaningless. */
const MIN_BASELINE_POINTS = 5;
/** Fewest points a forecast line is fitted to. */
const MIN_FORECAST_POINTS = 3;

export const compare = (v: number, op: Operator, limit: number): boolean =>
  op === '>' ? v > limit : op === '>=' ? v >= limit : op === '<' ? v < limit : v <= limit;

export const evaluate = (spec: RuleSpec, points: Points): Verdict => {
  if (points.ts.length === 0) return { kind: 'insufficient' };
  switch (spec.algorithm) {
    case 'threshold': return threshold(spec.params, points);
    case 'baseline': return baseline(spec.params, points);
    case 'forecast': return forecast(spec.params, points);
    default: {
      const never: never = spec;
      return never;
    }
  }
};

/** Walks back from the newest point while `breaches` holds: the run's start is when the breach began. */
const run = (points: Points, breaches: (v: number) => boolean, durationS: number, detail: string): Verdict => {
  const last = points.ts.length - 1;
  const atMs = points.ts[last] as number;
  const value = points.values[last] as number;
  if (!breaches(value)) return { kind: 'normal', atMs };
  let i = last;
  while (i > 0 && breaches(points.values[i - 1] as number)) i--;
  const sinceMs = points.ts[i] as number;
  return { kind: 'breaching', sinceMs, atMs, value, lastingEnough: atMs - sinceMs >= durationS * 1000, detail };
};

const threshold = (p: ThresholdParams, points: Points): Verdict =>
  run(points, (v) => compare(v, p.operator, p.value), p.duration, `${p.operator} ${p.value} for ${p.duration}s`);

export interface Band { mean: number; sd: number; lower: number; upper: number; count: number }

export const bandOf = (values: readonly number[], sensitivity: number): Band => {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = values.length === 0 ? 0 : sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  const sd = values.length === 0 ? 0 : Math.sqrt(sq / values.length);
  return { mean, sd, lower: mean - sensitivity * sd, upper: mean + sensitivity * sd, count: values.length };
};

/**
 * The band is learnt from the `window` before the last `duration` seconds, and those recent seconds are judged
 * against it: otherwise a sustained anomaly would widen its own band before it had lasted long enough to fire.
 */
const baseline = (p: BaselineParams, points: Points): Verdict => {
  const latest = points.ts[points.ts.length - 1] as number;
  const refEnd = latest - p.duration * 1000;
  const refStart = refEnd - p.window * 1000;
  const reference: number[] = [];
  for (let i = 0; i < points.ts.length; i++) {
    const t = points.ts[i] as number;
    if (t >= refStart && t < refEnd) reference.push(points.values[i] as number);
  }
  if (reference.length < MIN_BASELINE_POINTS) return { kind: 'insufficient' };
  const band = bandOf(reference, p.sensitivity);
  const up = p.direction !== 'down';
  const down = p.direction !== 'up';
  const detail = `outside baseline [${band.lower.toFixed(2)}, ${band.upper.toFixed(2)}] (mean ${band.mean.toFixed(2)} ± ${p.sensitivity}σ) for ${p.duration}s`;
  return run(points, (v) => (up && v > band.upper) || (down && v < band.lower), p.duration, detail);
};

/** Least squares over (x, y); x in seconds relative to the newest point keeps the numbers well conditioned. */
export const linearFit = (xs: readonly number[], ys: readonly number[]): { intercept: number; slope: number } => {
  const n = xs.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    sx += x; sy += y; sxx += x * x; sxy += x * y;
  }
  const denominator = n * sxx - sx * sx;
  const slope = denominator === 0 ? 0 : (n * sxy - sx * sy) / denominator;
  return { intercept: (sy - slope * sx) / n, slope };
};

/** Fits a line to the last `horizon` seconds of data (at least a few points) and looks `horizon` ahead. */
const forecast = (p: ForecastParams, points: Points): Verdict => {
  const n = points.ts.length;
  const latest = points.ts[n - 1] as number;
  let first = n - 1;
  while (first > 0 && (points.ts[first - 1] as number) >= latest - p.horizon * 1000) first--;
  if (n - first < MIN_FORECAST_POINTS) first = Math.max(0, n - 10);
  if (n - first < MIN_FORECAST_POINTS) return { kind: 'insufficient' };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = first; i < n; i++) {
    xs.push(((points.ts[i] as number) - latest) / 1000);
    ys.push(points.values[i] as number);
  }
  const { intercept, slope } = linearFit(xs, ys);
  const atNow = intercept;
  const atHorizon = intercept + slope * p.horizon;
  // A line's extreme over [now, now + horizon] is at one of the two ends.
  const extreme = p.operator === '>' || p.operator === '>=' ? Math.max(atNow, atHorizon) : Math.min(atNow, atHorizon);
  if (!compare(extreme, p.operator, p.value)) return { kind: 'normal', atMs: latest };
  const detail = `forecast reaches ${extreme.toFixed(2)} (${p.operator} ${p.value}) within ${p.horizon}s`;
  return { kind: 'breaching', sinceMs: latest, atMs: latest, value: extreme, lastingEnough: true, detail };
};
