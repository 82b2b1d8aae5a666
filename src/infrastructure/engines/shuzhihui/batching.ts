import type { MetricPoint } from '../../../domain/metric.js';

/**
 * Splits a push into requests the engine accepts: at most `maxItems` items and `maxBytes` of uncompressed JSON
 * each (the limit is checked on the JSON, before gzip, because that is what the engine measures once it has
 * decompressed). Each item is serialised once; a chunk is the list of its serialised items, so a chunk the
 * engine still refuses can be halved without serialising again. Written for speed: this runs for every point.
 */
export type Chunk = readonly string[];

const ENVELOPE_BYTES = Buffer.byteLength('{"items":[]}');

export interface Split {
  readonly chunks: Chunk[];
  /** Points with a non-finite value: JSON has no NaN/Infinity, and the engine would refuse the whole request. */
  readonly skipped: number;
}

export function splitPoints(points: readonly MetricPoint[], maxItems: number, maxBytes: number): Split {
  const chunks: Chunk[] = [];
  let current: string[] = [];
  let bytes = ENVELOPE_BYTES;
  let skipped = 0;
  for (const p of points) {
    if (!Number.isFinite(p.value)) {
      skipped += 1;
      continue;
    }
    const item = JSON.stringify({ metric: p.name, tags: p.tags, ts: p.ts, value: p.value });
    const itemBytes = Buffer.byteLength(item);
    // + 1 for the comma before every item but the first
    if (current.length > 0 && (current.length >= maxItems || bytes + itemBytes + 1 > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    bytes += itemBytes + (current.length > 0 ? 1 : 0);
    current.push(item);
  }
  if (current.length > 0) chunks.push(current);
  return { chunks, skipped };
}

export const chunkBody = (chunk: Chunk): string => `{"items":[${chunk.join(',')}]}`;

/** Halves a chunk the engine refused as too large (413) although it was within the configured limits. */
export const halve = (chunk: Chunk): [Chunk, Chunk] => {
  const mid = Math.ceil(chunk.length / 2);
  return [chunk.slice(0, mid), chunk.slice(mid)];
};
