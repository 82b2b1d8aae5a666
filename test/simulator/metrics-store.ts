import type { Tags } from './types.js';

/** One series' recent points, sorted by ts. Parallel number arrays keep a benchmark's millions of points cheap. */
export interface Series {
  readonly key: string;
  readonly metric: string;
  readonly tags: Tags;
  ts: number[];
  values: number[];
}

/**
 * Recent data per series, bounded: only the last `maxPointsPerSeries` points by timestamp are kept, which is
 * what detection and trends read. Exact accounting of everything received lives in Accounting, not here.
 */
export class MetricsStore {
  private readonly series = new Map<string, Series>();
  private readonly byMetric = new Map<string, Series[]>();

  constructor(private readonly maxPointsPerSeries: number) {}

  add(key: string, metric: string, tags: Tags, ts: number, value: number): void {
    let s = this.series.get(key);
    if (s === undefined) {
      s = { key, metric, tags: { ...tags }, ts: [], values: [] };
      this.series.set(key, s);
      const list = this.byMetric.get(metric);
      if (list === undefined) this.byMetric.set(metric, [s]);
      else list.push(s);
    }
    insertSorted(s, ts, value);
    // Trim in chunks: shifting the arrays on every insert would make a long benchmark quadratic.
    if (s.ts.length > this.maxPointsPerSeries * 1.25) {
      const excess = s.ts.length - this.maxPointsPerSeries;
      s.ts.splice(0, excess);
      s.values.splice(0, excess);
    }
  }

  seriesOf(metric: string): readonly Series[] {
    return this.byMetric.get(metric) ?? [];
  }

  get(key: string): Series | undefined {
    return this.series.get(key);
  }

  clear(): void {
    this.series.clear();
    this.byMetric.clear();
  }
}

/** Data mostly arrives in order, so the common case is an append; a re-sent timestamp replaces its value. */
const insertSorted = (s: Series, ts: number, value: number): void => {
  const n = s.ts.length;
  const last = s.ts[n - 1];
  if (last === undefined || ts > last) {
    s.ts.push(ts);
    s.values.push(value);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((s.ts[mid] as number) < ts) lo = mid + 1;
    else hi = mid;
  }
  if (s.ts[lo] === ts) {
    s.values[lo] = value;
    return;
  }
  s.ts.splice(lo, 0, ts);
  s.values.splice(lo, 0, value);
};

/** `*` and `?` globs as in the engine's tagFilter (`{"host": "web-*"}`); every filter key must be present. */
export const matchesTagFilter = (tags: Tags, filter: Tags): boolean => {
  for (const key of Object.keys(filter)) {
    const value = tags[key];
    if (value === undefined || !globToRegExp(filter[key] as string).test(value)) return false;
  }
  return true;
};

const globCache = new Map<string, RegExp>();
const globToRegExp = (glob: string): RegExp => {
  let re = globCache.get(glob);
  if (re === undefined) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    globCache.set(glob, re);
  }
  return re;
};
