import { describe, expect, it } from 'vitest';
import { Batcher, estimateBytes } from '../../../src/application/forwarding/batcher.js';
import type { MetricPoint } from '../../../src/domain/metric.js';

const point = (i: number, tagValue = 'web-1'): MetricPoint => ({ name: 'cpu.usage_user', tags: { host: tagValue }, ts: 1_700_000_000_000 + i, value: i });
const ids = (seq: number) => `b${seq}`;

describe('Batcher', () => {
  describe('when points stay under every limit', () => {
    it('keeps them in one open batch until taken', () => {
      const b = new Batcher({ maxPoints: 10, maxBytes: 1_000_000 }, ids);
      for (let i = 0; i < 7; i++) b.add(point(i));
      expect(b.hasFullBatch).toBe(false);
      expect(b.pending).toBe(7);
      const out = b.take();
      expect(out).toHaveLength(1);
      expect(out[0]?.points.map((p) => p.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(b.pending).toBe(0);
    });
  });

  describe('when the point limit is reached', () => {
    it('seals batches of exactly maxPoints and reports a full batch', () => {
      const b = new Batcher({ maxPoints: 3, maxBytes: 1_000_000 }, ids);
      for (let i = 0; i < 7; i++) b.add(point(i));
      expect(b.hasFullBatch).toBe(true);
      const out = b.take();
      expect(out.map((x) => x.points.length)).toEqual([3, 3, 1]);
      expect(out.map((x) => x.id)).toEqual(['b0', 'b1', 'b2']);
    });
  });

  describe('when the byte limit is reached first', () => {
    it('never lets a batch exceed maxBytes (estimated)', () => {
      const big = 'x'.repeat(500);
      const size = estimateBytes(point(0, big));
      const b = new Batcher({ maxPoints: 1000, maxBytes: size * 4 + 1 }, ids);
      for (let i = 0; i < 10; i++) b.add(point(i, big));
      const out = b.take();
      expect(out.map((x) => x.points.length)).toEqual([4, 4, 2]);
      for (const batch of out) expect(batch.points.reduce((n, p) => n + estimateBytes(p), 0)).toBeLessThanOrEqual(size * 4 + 1);
    });

    it('estimates at least the JSON size of a point', () => {
      const p = point(1, 'a-rather-long-host-name-01');
      const json = JSON.stringify({ metric: p.name, tags: p.tags, ts: p.ts, value: p.value });
      expect(estimateBytes(p)).toBeGreaterThanOrEqual(json.length);
    });
  });
});
