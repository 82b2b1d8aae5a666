import type { MetricPoint } from '../../domain/metric.js';

type Tags = MetricPoint['tags'];

/**
 * A batch's points as a forward job carries them since issue 13: every distinct name and tags object once, and per
 * point four numbers (name index, tags index, ts, value) in one flat array. The points of one Telegraf line share
 * one tags object and a batch holds a few hundred names, so this is a fraction of the JSON of the point objects,
 * and BullMQ's JSON.stringify (ingest) and JSON.parse (forward) walk mostly plain numbers. HOT PATH on both sides,
 * guarded by `npm run bench -- ingest` and `npm run bench -- forward`.
 */
export interface CompactPoints {
  readonly names: readonly string[];
  readonly tags: readonly Tags[];
  /** The first point's ts (epoch ms); `p` holds each ts as an offset from it (small integers print faster). */
  readonly t0: number;
  /** name index, tags index, ts − t0, value: four numbers per point. */
  readonly p: readonly number[];
}

export function encodePoints(points: readonly MetricPoint[]): CompactPoints {
  const names: string[] = [];
  const tags: Tags[] = [];
  const nameIds = new Map<string, number>();
  const tagIds = new Map<Tags, number>();
  const p = new Array<number>(points.length * 4);
  let lastTags: Tags | undefined;
  let lastTagId = -1;
  const t0 = points.length > 0 ? points[0]!.ts : 0;
  for (let i = 0, o = 0; i < points.length; i++, o += 4) {
    const point = points[i]!;
    let n = nameIds.get(point.name);
    if (n === undefined) {
      n = names.length;
      names.push(point.name);
      nameIds.set(point.name, n);
    }
    // Points of one line come one after another with the same tags object: skip the map for them.
    if (point.tags !== lastTags) {
      lastTags = point.tags;
      let t = tagIds.get(point.tags);
      if (t === undefined) {
        t = tags.length;
        tags.push(point.tags);
        tagIds.set(point.tags, t);
      }
      lastTagId = t;
    }
    p[o] = n;
    p[o + 1] = lastTagId;
    p[o + 2] = point.ts - t0;
    p[o + 3] = point.value;
  }
  return { names, tags, t0, p };
}

/** The points of a job's compact payload. Points of one line share one (read-only) tags object. */
export function decodePoints(c: CompactPoints): MetricPoint[] {
  const { names, tags, t0, p } = c;
  if (!Array.isArray(names) || !Array.isArray(tags) || !Array.isArray(p) || p.length % 4 !== 0 || typeof t0 !== 'number') {
    throw new TypeError('forward job: compact points malformed');
  }
  const out = new Array<MetricPoint>(p.length / 4);
  for (let i = 0, o = 0; o < p.length; i++, o += 4) {
    const name = names[p[o]!];
    const t = tags[p[o + 1]!];
    if (name === undefined || t === undefined) throw new TypeError(`forward job: point ${i} refers to no name or tags`);
    out[i] = { name, tags: t, ts: t0 + p[o + 2]!, value: p[o + 3]! };
  }
  return out;
}
