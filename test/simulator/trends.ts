import type { Series } from './metrics-store.js';

export interface TrendPoint { t: number; v: number | null; pred: number | null; upper: number | null; lower: number | null }

export interface TrendQuery { metric: string; tags: Record<string, string>; startMs: number; endMs: number; stepS: number }

export type TrendParse = { kind: 'ok'; query: TrendQuery } | { kind: 'invalid'; field: string; problem: string };

export const MAX_TREND_POINTS = 11_000;
/** Buckets before `start` that the model learns from, so the first points shown already carry a prediction. */
const WARMUP_BUCKETS = 30;
/** Holt's linear smoothing: level, trend, squared-error smoothing; a gap damps the trend so it cannot run away. */
const ALPHA = 0.5, BETA = 0.2, GAMMA = 0.2, DAMPING = 0.9, Z = 3;

const intParam = (params: URLSearchParams, name: string): number | undefined => {
  const raw = params.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) ? n : NaN;
};

export const parseTrendQuery = (params: URLSearchParams): TrendParse => {
  const metric = params.get('metric');
  if (metric === null || metric === '') return { kind: 'invalid', field: 'metric', problem: 'is required' };
  const tags: Record<string, string> = {};
  for (const pair of (params.get('tags') ?? '').split(',').filter((p) => p !== '')) {
    const colon = pair.indexOf(':');
    if (colon <= 0) return { kind: 'invalid', field: 'tags', problem: 'must be k:v pairs joined by ","' };
    tags[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  const startMs = intParam(params, 'start');
  const endMs = intParam(params, 'end');
  const stepS = intParam(params, 'step') ?? 60;
  if (startMs === undefined || Number.isNaN(startMs)) return { kind: 'invalid', field: 'start', problem: 'must be epoch milliseconds' };
  if (endMs === undefined || Number.isNaN(endMs) || endMs < startMs) return { kind: 'invalid', field: 'end', problem: 'must be epoch milliseconds not before start' };
  if (Number.isNaN(stepS) || stepS <= 0) return { kind: 'invalid', field: 'step', problem: 'must be a positive number of seconds' };
  if ((endMs - startMs) / (stepS * 1000) + 1 > MAX_TREND_POINTS) return { kind: 'invalid', field: 'step', problem: `too many points (max ${MAX_TREND_POINTS})` };
  return { kind: 'ok', query: { metric, tags, startMs, endMs, stepS } };
};

/** Query tags select series carrying exactly those values; several selected series are averaged. */
export const selectSeries = (all: readonly Series[], tags: Record<string, string>): Series[] =>
  all.filter((s) => Object.entries(tags).every(([k, v]) => s.tags[k] === v));

/** Mean of each step-wide bucket [t, t + step), from warm-up to end. */
const bucketMeans = (series: readonly Series[], fromMs: number, count: number, stepMs: number): (number | null)[] => {
  const sums = new Float64Array(count);
  const counts = new Uint32Array(count);
  const untilMs = fromMs + count * stepMs;
  for (const s of series) {
    for (let i = lowerBound(s.ts, fromMs); i < s.ts.length && (s.ts[i] as number) < untilMs; i++) {
      const b = Math.floor(((s.ts[i] as number) - fromMs) / stepMs);
      sums[b] = (sums[b] as number) + (s.values[i] as number);
      counts[b] = (counts[b] as number) + 1;
    }
  }
  return Array.from(sums, (sum, b) => ((counts[b] as number) === 0 ? null : sum / (counts[b] as number)));
};

const lowerBound = (ts: readonly number[], target: number): number => {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ts[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * Actual values with a one-step-ahead prediction and a ±3σ band (σ of recent prediction errors); buckets after
 * `nowMs` carry only the forecast, whose band widens with the square root of the distance ahead.
 */
export const buildTrend = (series: readonly Series[], q: TrendQuery, nowMs: number): TrendPoint[] => {
  const stepMs = q.stepS * 1000;
  const shown = Math.floor((q.endMs - q.startMs) / stepMs) + 1;
  const fromMs = q.startMs - WARMUP_BUCKETS * stepMs;
  const means = bucketMeans(series, fromMs, WARMUP_BUCKETS + shown, stepMs);
  const out: TrendPoint[] = [];
  let level: number | null = null, trend = 0, errVar: number | null = null, gap = 0;
  for (let b = 0; b < means.length; b++) {
    const t = fromMs + b * stepMs;
    const future = t > nowMs;
    const v = future ? null : (means[b] ?? null);
    let pred: number | null = null, upper: number | null = null, lower: number | null = null;
    if (level !== null) {
      pred = level + trend;
      const width = errVar === null ? 0 : Z * Math.sqrt(errVar * (1 + gap));
      upper = pred + width;
      lower = pred - width;
    }
    if (v === null) {
      if (level !== null) {
        level += trend;
        trend *= DAMPING;
        gap++;
      }
    } else if (level === null || pred === null) {
      level = v;
    } else {
      const err = v - pred;
      errVar = errVar === null ? err * err : (1 - GAMMA) * errVar + GAMMA * err * err;
      const previous = level;
      level = ALPHA * v + (1 - ALPHA) * pred;
      trend = BETA * (level - previous) + (1 - BETA) * trend;
      gap = 0;
    }
    if (b >= WARMUP_BUCKETS) out.push({ t, v, pred: round(pred), upper: round(upper), lower: round(lower) });
  }
  return out;
};

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e6);
