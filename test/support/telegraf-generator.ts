/**
 * Deterministic Telegraf-like traffic for tests, the demo and benchmarks: `measurements` measurement names
 * (`svc_000` …), each with `fieldsPer` numeric fields and a few tags, rendered as InfluxDB line protocol.
 * Line i is fully determined by i, so a test can recompute exactly which points should reach the engine.
 */
export interface GeneratorOptions {
  readonly measurements: number;
  readonly fieldsPer: number;
  readonly hosts: number;
  /** Epoch ms of line 0; line i is stamped start + i (ns precision in the line). */
  readonly startMs: number;
}

export interface GeneratedPoint {
  readonly name: string;
  readonly tags: Record<string, string>;
  readonly ts: number;
  readonly value: number;
}

export const measurementName = (m: number): string => `svc_${String(m).padStart(3, '0')}`;
export const fieldName = (f: number): string => `f${f}`;

/** The points of line i (one per field). */
export function pointsOfLine(i: number, o: GeneratorOptions): GeneratedPoint[] {
  const m = i % o.measurements;
  const tags = { dc: i % 2 === 0 ? 'sh' : 'bj', host: `host-${(i >> 3) % o.hosts}` };
  const ts = o.startMs + i;
  return Array.from({ length: o.fieldsPer }, (_, f) => ({ name: `${measurementName(m)}.${fieldName(f)}`, tags, ts, value: valueOf(i, f) }));
}

const valueOf = (i: number, f: number): number => ((i * 7919 + f * 104729) % 10_000) / 100;

/** Line i as InfluxDB line protocol (ns timestamp), without the newline. */
export function lineOf(i: number, o: GeneratorOptions): string {
  const pts = pointsOfLine(i, o);
  const first = pts[0];
  if (!first) throw new Error('fieldsPer must be at least 1');
  const fields = pts.map((p, f) => `${fieldName(f)}=${p.value}`).join(',');
  return `${measurementName(i % o.measurements)},dc=${first.tags.dc},host=${first.tags.host} ${fields} ${first.ts}000000`;
}

/** Key used by the engine simulator's `/__sim/points`: metric|sorted tags k=v joined by ,|ts. */
export const pointKey = (p: GeneratedPoint): string =>
  `${p.name}|${Object.keys(p.tags)
    .sort()
    .map((k) => `${k}=${p.tags[k]}`)
    .join(',')}|${p.ts}`;
