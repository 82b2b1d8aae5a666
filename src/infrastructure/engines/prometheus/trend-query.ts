import { EngineError } from '../../../application/ports/engine-errors.js';
import { parsePattern } from '../../../domain/allowlist/glob.js';
import type { DetectionRuleSpec } from '../../../domain/detection-rule.js';
import type { Trend, TrendPoint, TrendQuery } from '../../../domain/trend.js';
import { DEFAULT_BAND, forecastWindowSeconds, meanExpr, selector, sigmaExpr } from './promql.js';

/** Prometheus refuses a query_range of more than 11,000 points per series. */
export const MAX_TREND_POINTS = 11_000;

/** The rules that shape a series' band: the first enabled one of each kind whose filter matches the tags. */
export interface BandRules {
  readonly baseline?: Extract<DetectionRuleSpec['algorithm'], { kind: 'baseline' }>;
  readonly forecast?: Extract<DetectionRuleSpec['algorithm'], { kind: 'forecast' }>;
  readonly threshold?: Extract<DetectionRuleSpec['algorithm'], { kind: 'threshold' }>;
}

export function bandRulesFor(rules: readonly DetectionRuleSpec[], metric: string, tags: Readonly<Record<string, string>>): BandRules {
  const matches = (r: DetectionRuleSpec): boolean =>
    r.enabled &&
    r.metric === metric &&
    Object.entries(r.tagFilter).every(([k, glob]) => {
      const p = parsePattern(glob);
      return p.ok && tags[k] !== undefined && p.pattern.test(tags[k]);
    });
  const found: { -readonly [K in keyof BandRules]: BandRules[K] } = {};
  for (const r of rules.filter(matches)) {
    const a = r.algorithm;
    if (a.kind === 'baseline') found.baseline ??= a;
    if (a.kind === 'forecast') found.forecast ??= a;
    if (a.kind === 'threshold') found.threshold ??= a;
  }
  return found;
}

/**
 * The queries behind a trend, each one query_range request whose series are told apart by an `aiops_q` label:
 * - up to now: `a` actual, `m` avg_over_time and `s` stddev_over_time over the baseline rule's window (else
 *   the default hour); predicted = m, lower/upper = m ∓ k·s with the rule's sensitivity (else 3) — the very
 *   expressions the baseline rule alerts on;
 * - after now: `p` predict_linear over the forecast rule's window (else the default hour) pinned at now with
 *   `@`, and `s` pinned at now for the band.
 * A threshold rule's limit replaces the band's side it guards (upper for > and >=, lower for < and <=).
 */
export function trendQueries(q: TrendQuery, band: BandRules, nowMs: number): { past: string; future: string } {
  const sel = selector(q.metric, q.tags, false);
  const w = band.baseline?.windowSeconds ?? DEFAULT_BAND.windowSeconds;
  const fw = band.forecast ? forecastWindowSeconds(band.forecast.horizonSeconds) : DEFAULT_BAND.windowSeconds;
  const tag = (expr: string, name: string): string => `label_replace(${expr}, "aiops_q", "${name}", "", "")`;
  const at = (nowMs / 1000).toFixed(3);
  const past = [tag(sel, 'a'), tag(meanExpr(sel, w), 'm'), tag(sigmaExpr(sel, w), 's')].join(' or ');
  const future = [tag(`predict_linear(${sel}[${fw}s] @ ${at}, time() - ${at})`, 'p'), tag(`stddev_over_time(${sel}[${w}s] @ ${at})`, 's')].join(' or ');
  return { past, future };
}

type Matrix = Map<string, Map<number, number>>;

/** query_range's matrix, by `aiops_q`; more than one series of a kind means the tags name several series. */
export function matrixByQuery(data: unknown, what: string): Matrix {
  const bad = (field: string, expected: string): never => {
    throw new EngineError('contract', `${what}: ${field}: expected ${expected}`, false, { field });
  };
  const d = data as { resultType?: unknown; result?: unknown };
  if (typeof d !== 'object' || d === null || d.resultType !== 'matrix' || !Array.isArray(d.result)) bad('data', 'a matrix result');
  const out: Matrix = new Map();
  for (const [i, s] of (d.result as { metric?: Record<string, string>; values?: unknown }[]).entries()) {
    const kind = s?.metric?.aiops_q ?? bad(`data.result[${i}].metric.aiops_q`, 'a string');
    if (out.has(kind)) throw new EngineError('rejected', `${what}: the tags match several series; name every tag of one series`, false, { field: 'tags' });
    if (!Array.isArray(s.values)) bad(`data.result[${i}].values`, 'an array');
    const points = new Map<number, number>();
    for (const [j, v] of (s.values as unknown[]).entries()) {
      if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'string') bad(`data.result[${i}].values[${j}]`, '[seconds, "value"]');
      const n = Number.parseFloat((v as [number, string])[1]);
      if (Number.isFinite(n)) points.set(Math.round((v as [number, string])[0] * 1000), n);
    }
    out.set(kind, points);
  }
  return out;
}

export function stepTimes(q: TrendQuery): number[] {
  const stepMs = q.stepSeconds * 1000;
  if (!(stepMs > 0) || q.endMs < q.startMs) throw new EngineError('rejected', 'trend: step must be > 0 and end ≥ start', false, { field: 'step' });
  const n = Math.floor((q.endMs - q.startMs) / stepMs) + 1;
  if (n > MAX_TREND_POINTS) throw new EngineError('rejected', `trend: ${n} points; Prometheus answers at most ${MAX_TREND_POINTS}`, false, { field: 'step' });
  return Array.from({ length: n }, (_, i) => q.startMs + i * stepMs);
}

export function assembleTrend(q: TrendQuery, times: readonly number[], nowMs: number, past: Matrix, future: Matrix, band: BandRules): Trend {
  const k = band.baseline?.sensitivity ?? DEFAULT_BAND.sensitivity;
  const th = band.threshold;
  const limit = (side: 'upper' | 'lower', fromBand: number | null): number | null => {
    if (!th) return fromBand;
    const guards = th.operator === '>' || th.operator === '>=' ? 'upper' : 'lower';
    return guards === side ? th.value : fromBand;
  };
  const points: TrendPoint[] = times.map((t) => {
    const src = t <= nowMs ? past : future;
    const predicted = (t <= nowMs ? src.get('m') : src.get('p'))?.get(t) ?? null;
    const sigma = src.get('s')?.get(t) ?? null;
    const spread = predicted !== null && sigma !== null ? k * sigma : null;
    return {
      at: new Date(t).toISOString(),
      actual: t <= nowMs ? (past.get('a')?.get(t) ?? null) : null,
      predicted,
      lower: limit('lower', spread === null || predicted === null ? null : predicted - spread),
      upper: limit('upper', spread === null || predicted === null ? null : predicted + spread),
    };
  });
  return { metric: q.metric, tags: { ...q.tags }, points };
}
