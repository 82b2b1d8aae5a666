import { EngineError } from '../../../application/ports/engine-errors.js';
import type { DetectionRuleSpec } from '../../../domain/detection-rule.js';
import { encodeLabelName, encodeMetricName } from './series-names.js';

/**
 * Our rules and trend queries as PromQL. One place writes every expression, so a trend's band is computed by
 * the same expression as the rule that watches the series.
 *
 * - threshold: `<series> <op> <value>` with `for: <duration>`;
 * - baseline: the z-score test |z| > k with z = (x − avg_over_time(x[w])) / stddev_over_time(x[w]), written as
 *   `x > avg + k·σ` (up), `x < avg − k·σ` (down) or both joined by `or`, so the alert's value is the metric's
 *   value (as for a threshold) and a flat series (σ = 0) never divides by zero;
 * - forecast: `predict_linear(x[w], horizon) <op> <value>` with w = the horizon clamped to 5 min … 6 h (the
 *   model has no window of its own: half an hour of history predicts half an hour ahead).
 */
export const FORECAST_WINDOW_MIN_S = 300;
export const FORECAST_WINDOW_MAX_S = 6 * 3600;
/** The band a trend shows when no baseline rule watches the series: mean ± 3σ over the last hour. */
export const DEFAULT_BAND = { windowSeconds: 3600, sensitivity: 3 } as const;

const str = (s: string): string => JSON.stringify(s);
const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toPrecision(17).replace(/\.?0+$/, ''));
const dur = (seconds: number): string => `${Math.round(seconds)}s`;

/** A glob (`*` any run, `?` one, `\` escapes) as an RE2 pattern; Prometheus anchors it. */
export function globToRegex(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\' && i + 1 < glob.length) re += escapeRegex(glob[++i] as string);
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += escapeRegex(c);
  }
  return re;
}
const escapeRegex = (c: string): string => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isGlob = (v: string): boolean => /(^|[^\\])[*?]/.test(v);

/** The series selector: exact tags as `=`, globs as `=~`. */
export function selector(metric: string, tags: Readonly<Record<string, string>>, globs: boolean): string {
  const matchers = Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (globs && isGlob(v) ? `${encodeLabelName(k)}=~${str(globToRegex(v))}` : `${encodeLabelName(k)}=${str(globs ? v.replace(/\\(.)/g, '$1') : v)}`));
  return `${encodeMetricName(metric)}{${matchers.join(',')}}`;
}

export const forecastWindowSeconds = (horizonSeconds: number): number =>
  Math.min(FORECAST_WINDOW_MAX_S, Math.max(FORECAST_WINDOW_MIN_S, horizonSeconds));

export const meanExpr = (sel: string, windowSeconds: number): string => `avg_over_time(${sel}[${dur(windowSeconds)}])`;
export const sigmaExpr = (sel: string, windowSeconds: number): string => `stddev_over_time(${sel}[${dur(windowSeconds)}])`;
export const bandExpr = (sel: string, windowSeconds: number, k: number, side: 'upper' | 'lower'): string =>
  `(${meanExpr(sel, windowSeconds)} ${side === 'upper' ? '+' : '-'} ${num(k)} * ${sigmaExpr(sel, windowSeconds)})`;

/** The alerting rule's `expr` and `for` (seconds) for one of our rules. */
export function ruleExpr(rule: DetectionRuleSpec): { expr: string; forSeconds: number } {
  const sel = selector(rule.metric, rule.tagFilter, true);
  const a = rule.algorithm;
  switch (a.kind) {
    case 'threshold':
      return { expr: `${sel} ${a.operator} ${num(a.value)}`, forSeconds: a.durationSeconds };
    case 'baseline': {
      const up = `${sel} > ${bandExpr(sel, a.windowSeconds, a.sensitivity, 'upper')}`;
      const down = `${sel} < ${bandExpr(sel, a.windowSeconds, a.sensitivity, 'lower')}`;
      const expr = a.direction === 'up' ? up : a.direction === 'down' ? down : `(${up}) or (${down})`;
      return { expr, forSeconds: a.durationSeconds };
    }
    case 'forecast':
      return { expr: `predict_linear(${sel}[${dur(forecastWindowSeconds(a.horizonSeconds))}], ${num(a.horizonSeconds)}) ${a.operator} ${num(a.value)}`, forSeconds: 0 };
  }
}

/** Our checks before anything reaches Prometheus: what PromQL could not express or would silently misread. */
export function checkRule(rule: DetectionRuleSpec): void {
  const bad = (field: string, problem: string): never => {
    throw new EngineError('rejected', `rule ${field}: ${problem}`, false, { field });
  };
  if (rule.metric.trim() === '') bad('metric', 'must not be empty');
  if (rule.name.trim() === '') bad('name', 'must not be empty');
  for (const [k, v] of Object.entries(rule.tagFilter)) if (v === '') bad(`tagFilter.${k}`, 'must not be empty');
  const a = rule.algorithm;
  const finite = (field: string, v: number, min: number, strict: boolean): void => {
    if (!Number.isFinite(v) || (strict ? v <= min : v < min)) bad(`algorithm.${field}`, `must be a number ${strict ? '>' : '≥'} ${min}`);
  };
  if (a.kind === 'threshold') {
    finite('value', a.value, -Infinity, false);
    finite('durationSeconds', a.durationSeconds, 0, false);
  }
  if (a.kind === 'baseline') {
    finite('windowSeconds', a.windowSeconds, 1, false);
    finite('sensitivity', a.sensitivity, 0, true);
    finite('durationSeconds', a.durationSeconds, 0, false);
  }
  if (a.kind === 'forecast') {
    finite('horizonSeconds', a.horizonSeconds, 0, true);
    finite('value', a.value, -Infinity, false);
  }
}
